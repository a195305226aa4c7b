"""``scout people …``: people and their accounts, link decisions, suggestions, opt-outs.

A thin layer over :mod:`graph.people` (how links are computed) and the store's
decision and opt-out records. Nothing is linked on a suggestion alone: a user
runs ``scout people link`` (or accepts it in the app).
"""

from __future__ import annotations

import json
import sys

import click

from graph.errors import InputError, NotFoundError
from ui.context import pass_app


def _key(store, ref: str) -> str:
    """The one account key ``ref`` (key, handle or address) names."""
    keys = store.resolve(ref)
    if not keys and "@" in ref and not ref.startswith("@"):
        keys = store.resolve(f"email:{ref.strip().lower()}")
    if not keys:
        raise NotFoundError(f"no account {ref!r}")
    if len(keys) > 1:
        raise InputError(f"{ref!r} names {len(keys)} accounts ({', '.join(keys[:5])}); give a key")
    return keys[0]


def _echo_frame(df, as_json: bool, empty: str) -> None:
    if as_json:
        click.echo(df.to_json(orient="records", force_ascii=False))
        return
    if df.empty:
        click.echo(empty, err=True)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for c in df.columns:
        table.add_column(str(c))
    for row in df.itertuples(index=False):
        table.add_row(*["" if v is None or v != v else str(v) for v in row])
    Console().print(table)


@click.group()
def people() -> None:
    """People and their accounts: list, link, unlink, suggest, opt-out."""


@people.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def people_list(app, as_json) -> None:
    """People with linked accounts (from the roster, addresses and your decisions).

    Employees appear as initials and department unless SCOUT_SHOW_EMPLOYEE_NAMES=1.
    """
    from graph.people import PeopleState, names_unlocked, pseudonym

    state = PeopleState(app.store())
    people = state.people.copy()
    if not names_unlocked() and len(people):
        inside = people["internal"].astype(bool)
        people.loc[inside, "name"] = [pseudonym(n, d) for n, d in
                                      zip(people.loc[inside, "name"], people.loc[inside, "department"],
                                          strict=True)]
        people.loc[inside, ["person", "accounts"]] = ""
    _echo_frame(people, as_json, "no linked people yet (import a roster, Slack or mail)")


@people.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def people_show(app, ref, as_json) -> None:
    """REF's person: every account and the evidence that links it."""
    from graph.people import PeopleState

    store = app.store()
    key = _key(store, ref)
    state = PeopleState(store)
    person = state.person_id(key)
    keys = state.keys_of(person)
    acc = state.accounts.set_index("key").reindex(keys)
    links = state.links.set_index("account")
    rows = [
        {"account": k, "platform": acc.at[k, "platform"], "handle": acc.at[k, "handle"],
         "name": acc.at[k, "name"], "evidence": links["evidence"].get(k, "")}
        for k in keys
    ]
    if as_json:
        click.echo(json.dumps({"person": person, "accounts": rows}, ensure_ascii=False, default=str))
        return
    import pandas as pd

    click.echo(f"person {person}")
    _echo_frame(pd.DataFrame(rows), False, "")


@people.command("link")
@click.argument("a")
@click.argument("b")
@pass_app
def people_link(app, a, b) -> None:
    """Record that accounts A and B belong to one person."""
    store = app.store()
    ka, kb = _key(store, a), _key(store, b)
    store.set_link_decision(ka, kb, "link")
    for k in (ka, kb):  # an account linked by hand is no longer kept apart
        _drop_detach(store, k)
    click.echo(f"linked {ka} and {kb}")


def _drop_detach(store, key: str) -> None:
    """Withdraw ``key``'s ``detach`` decision, keeping its other decisions."""
    decisions = store.link_decisions()
    mine = decisions[(decisions["a"] == key) | (decisions["b"] == key)]
    if not ((mine["a"] == key) & (mine["b"] == key)).any():
        return
    store.clear_link_decisions(key)
    for a, b, d in mine.itertuples(index=False, name=None):
        if d != "detach":
            store.set_link_decision(a, b, d)


@people.command("unlink")
@click.argument("ref")
@pass_app
def people_unlink(app, ref) -> None:
    """Take REF's account out of its person (your links dropped, automatic ones ignored)."""
    store = app.store()
    key = _key(store, ref)
    store.clear_link_decisions(key)
    store.set_link_decision(key, key, "detach")
    click.echo(f"{key} now stands on its own")


@people.command("reject")
@click.argument("a")
@click.argument("b")
@pass_app
def people_reject(app, a, b) -> None:
    """Record that A and B are not the same person (the suggestion is not shown again)."""
    store = app.store()
    ka, kb = _key(store, a), _key(store, b)
    store.set_link_decision(ka, kb, "reject")
    click.echo(f"{ka} and {kb} will not be suggested again")


@people.command("suggest")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def people_suggest(app, limit, as_json) -> None:
    """Likely links (same name, similar handles, profile URLs) waiting for your decision.

    Accept one with `scout people link A B`, refuse it with `scout people reject A B`.
    """
    from graph.people import PeopleState

    state = PeopleState(app.store())
    _echo_frame(state.suggestions(limit), as_json, "no suggestions")


@people.command("dedupe")
@pass_app
def people_dedupe(app) -> None:
    """Fold X accounts known only by handle (x:@name) into the account with the id (older stores)."""
    from ingest.x_aliases import merge_handle_aliases

    click.echo(f"merged {merge_handle_aliases(app.store())} handle-only X accounts")


@people.command("opt-out")
@click.argument("refs", nargs=-1, metavar="EMAIL|ACCOUNT…")
@click.option("--undo", is_flag=True,
              help="Withdraw these opt-outs (addresses or keys as --list shows them); "
                   "nothing forgotten comes back.")
@click.option("--list", "as_list", is_flag=True, help="List the recorded opt-outs.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def people_opt_out(app, refs, undo, as_list, yes) -> None:
    """Remove people from every ranking, list and export, forget their interactions, keep them out.

    Give an e-mail address or any of the person's accounts; all their
    accounts are forgotten and later imports skip them.
    """
    from ingest.privacy import apply_opt_outs

    store = app.store()
    if as_list:
        for ident in store.opt_outs():
            click.echo(ident)
        return
    if not refs:
        raise InputError("give the e-mail address or an account of each person (or --list)")
    if undo:
        n = store.remove_opt_outs([r.strip() for r in refs])
        click.echo(f"withdrew {n} opt-out(s); later imports will include them again")
        return
    idents = []
    for ref in refs:
        ref = ref.strip()
        if "@" in ref and ":" not in ref and not ref.startswith("@"):
            idents.append(ref.lower())
        else:
            idents.append(_key(store, ref))
    if not yes and sys.stdin.isatty():
        click.confirm(f"Forget everything about {', '.join(idents)} and keep them out?", abort=True)
    store.add_opt_outs(idents)
    forgotten = apply_opt_outs(store)
    click.echo(f"opted out {len(idents)}; forgot {forgotten} account(s) and their interactions")


COMMANDS = [people]

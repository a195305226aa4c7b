"""People: exact links, suggestions, person rankings, pseudonyms, opt-outs — on both stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
from click.testing import CliRunner

from graph.model import Account, Interaction, Person
from graph.people import (
    PeopleState,
    person_leaderboard,
    pseudonymise,
    resolve_people,
    suggest_links,
)
from ingest.jobs import import_source
from tests.ingest.company_fixtures import mail_message, small_slack_files, write_export
from ui.cli import cli

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def run(uri, *args, ok=True, env=None):
    result = CliRunner().invoke(cli, ["--store", uri, *args], catch_exceptions=False, env=env)
    if ok:
        assert result.exit_code == 0, (result.output, result.stderr)
    return result


def people_store(store):
    """Ann: X + Slack (roster, same address) + mail; Bo: X + LinkedIn (employee id); Cy: X alone."""
    store.write_batch(
        [
            Account("x", "1", handle="ann_lee", name="Ann Lee"),
            Account("slack", "U1", handle="ann", name="Ann Lee"),
            Account("email", "ann@acme.example", handle="ann@acme.example"),
            Account("x", "2", handle="bo", name="Bo Berg"),
            Account("linkedin", "bo-berg", handle="bo-berg", name="Bo Berg"),
            Account("x", "3", handle="cy", name="Cy Young", url="https://linkedin.com/in/cy-young"),
            Account("linkedin", "cy-young", handle="cy-young", name="C. Young"),
        ],
        [
            Interaction("x", "p1", "mention", "x:3", "x:1", T0),
            Interaction("x", "p2", "mention", "x:2", "x:1", T0),
            Interaction("slack", "s1", "mention", "slack:U1", "slack:U1x", T0),
        ],
    )
    store.set_roster([
        Person(handle="ann_lee", platform="x", email="ann@acme.example", name="Ann Lee", department="Sales"),
        Person(handle="bo", platform="x", employee_id="E2", name="Bo Berg", department="R&D"),
        Person(handle="bo-berg", platform="linkedin", employee_id="E2", name="Bo Berg", department="R&D"),
    ])
    store.set_account_emails({"slack:U1": "ann@acme.example"})


def test_exact_links_on_both_stores(store):
    people_store(store)
    state = PeopleState(store)
    person = dict(zip(state.links["account"], state.links["person"], strict=True))
    assert person["x:1"] == person["slack:U1"] == person["email:ann@acme.example"] == "mail:ann@acme.example"
    assert person["x:2"] == person["linkedin:bo-berg"] == "emp:E2"
    assert "x:3" not in person  # no evidence: a person of its own
    table = state.people.set_index("person")
    assert table.at["mail:ann@acme.example", "name"] == "Ann Lee"
    assert table.at["mail:ann@acme.example", "platforms"] == "email;slack;x"
    assert table.at["emp:E2", "department"] == "R&D"
    # suggestions: the profile URL ties Cy's X and LinkedIn accounts; never merged silently
    sug = state.suggestions()
    assert ("linkedin:cy-young", "x:3", "profile URL") in set(
        zip(sug["a"], sug["b"], sug["reason"], strict=True))
    assert state.person_id("x:3") == "x:3"
    store.set_link_decision("x:3", "linkedin:cy-young", "link")
    state = PeopleState(store)
    assert state.person_id("x:3") == state.person_id("linkedin:cy-young")
    assert not any("cy-young" in a or "cy-young" in b for a, b in zip(state.suggestions()["a"],
                                                                      state.suggestions()["b"], strict=True))
    # detach: the Slack account leaves Ann's person despite its address
    store.set_link_decision("slack:U1", "slack:U1", "detach")
    assert PeopleState(store).person_id("slack:U1") == "slack:U1"


def test_resolve_people_is_order_independent():
    acc = pd.DataFrame({"key": ["b:1", "a:1", "email:z@x.io"], "platform": ["b", "a", "email"],
                        "platform_id": ["1", "1", "z@x.io"], "handle": ["q", "q", "z@x.io"]})
    dec = pd.DataFrame({"a": ["a:1"], "b": ["b:1"], "decision": ["link"]})
    roster = pd.DataFrame(columns=["handle", "platform", "email", "employee_id"])
    one = resolve_people(acc, roster, {"b:1": "z@x.io"}, dec)
    two = resolve_people(acc.iloc[::-1], roster, {"b:1": "z@x.io"}, dec)
    assert one.equals(two) and set(one["person"]) == {"mail:z@x.io"}
    assert set(one.loc[one["account"] == "a:1", "evidence"]) == {"manual"}


def test_people_table_names_departments_and_platforms():
    from graph.people import people_table

    acc = pd.DataFrame({"key": ["x:1", "slack:U1", "x:2", "linkedin:bo", "x:3"],
                        "platform": ["x", "slack", "x", "linkedin", "x"],
                        "name": ["ann x", "Ann S", None, "Bo LinkedIn", "Cy"],
                        "internal": [False, True, False, False, False],
                        "department": [None, "Sales", "", "R&D", None]})
    links = pd.DataFrame({"account": ["x:2", "linkedin:bo", "x:1", "slack:U1", "x:3", "x:gone"],
                          "person": ["emp:E2", "emp:E2", "mail:ann@a.io", "mail:ann@a.io", "x:3", "x:3"]})
    roster = pd.DataFrame({"handle": ["bo", "bo2", "ann"], "platform": [None] * 3,
                           "email": [None, None, "ann@a.io"], "employee_id": ["E2", "E2", None],
                           "name": [None, "Bo Berg", "Ann Lee"]})
    t = people_table(acc, links, roster).set_index("person")
    assert t.index.tolist() == ["emp:E2", "mail:ann@a.io", "x:3"]
    assert t["name"].tolist() == ["Bo Berg", "Ann Lee", "Cy"]  # the roster's first name, else the accounts'
    assert t["department"].tolist()[:2] == ["R&D", "Sales"]  # the first non-empty one
    assert pd.isna(t.at["x:3", "department"])
    assert t["internal"].tolist() == [False, True, False]
    assert t["accounts"].tolist() == ["x:2;linkedin:bo", "x:1;slack:U1", "x:3;x:gone"]  # links order
    assert t["platforms"].tolist() == ["linkedin;x", "slack;x", "x"]  # an unknown account adds none
    assert t["n_accounts"].tolist() == [2, 2, 2]


def test_suggestions_by_name_and_handle_skip_rejected():
    acc = pd.DataFrame({
        "key": ["x:1", "linkedin:maria-gonzalez", "community:mgonzalez", "x:9"],
        "platform": ["x", "linkedin", "community", "x"],
        "handle": ["mgonzalez_", "maria-gonzalez", "mgonzalez", "zed"],
        "name": ["María González", "Maria Gonzalez", None, "Sam"],
        "url": [None] * 4, "bio": [None] * 4,
    })
    empty = pd.DataFrame(columns=["account", "person", "evidence"])
    none = pd.DataFrame(columns=["a", "b", "decision"])
    sug = suggest_links(acc, empty, none)
    pairs = {(a, b): why for a, b, why in zip(sug["a"], sug["b"], sug["reason"], strict=True)}
    assert pairs[("linkedin:maria-gonzalez", "x:1")] == "same name"
    assert pairs[("community:mgonzalez", "x:1")] == "similar handles"
    rejected = pd.DataFrame({"a": ["linkedin:maria-gonzalez"], "b": ["x:1"], "decision": ["reject"]})
    after = suggest_links(acc, empty, rejected)
    assert ("linkedin:maria-gonzalez", "x:1") not in set(zip(after["a"], after["b"], strict=True))


def test_person_leaderboard_and_pseudonyms():
    board = pd.DataFrame({
        "key": ["x:1", "slack:U1", "x:2", "x:3"], "account": ["ann_lee", "ann", "bo", "cy"],
        "platform": ["x", "slack", "x", "x"], "segment": ["internal", "internal", "internal", "external"],
        "score": [50.0, 40.0, 70.0, 60.0], "engagers": [5, 4, 9, 1],
    })
    links = pd.DataFrame({"account": ["x:1", "slack:U1"], "person": ["mail:ann@a.io"] * 2,
                          "evidence": ["roster", "email"]})
    people = pd.DataFrame({"person": ["mail:ann@a.io"], "name": ["Ann Lee"], "department": ["Sales"]})
    top = person_leaderboard(board, links, people, top=None)
    assert top["person"].tolist() == ["mail:ann@a.io", "x:2", "x:3"]
    ann = top.iloc[0]
    assert ann["score"] == 90.0 and ann["engagers"] == 9 and ann["n_accounts"] == 2
    assert ann["accounts"] == "ann_lee (x) 50.000; ann (slack) 40.000"
    hidden = pseudonymise(top)
    assert hidden.iloc[0]["name"] == "A.L. (Sales)" and hidden.iloc[0]["person"] == ""
    assert "ann" not in hidden.iloc[0]["accounts"] and "slack 40.000" in hidden.iloc[0]["accounts"]
    assert hidden.iloc[2]["name"] == "cy"  # external people keep their names


def _snapshot(store):
    keys = store.accounts()["key"].tolist()
    table = pd.DataFrame({"account": keys, "rank": range(1, len(keys) + 1),
                          "score": [float(100 - i) for i in range(len(keys))]})
    acc = store.accounts().set_index("key")
    table["handle"] = acc.reindex(keys)["handle"].to_numpy()
    table["platform"] = acc.reindex(keys)["platform"].to_numpy()
    table["segment"] = ["internal" if v else "external" for v in acc.reindex(keys)["internal"]]
    table["topics"] = ""
    store.save_snapshot({"preset": "test"}, table)


def test_leaders_by_person_cli_on_both_stores(store):
    people_store(store)
    _snapshot(store)
    uri = store.display
    r = run(uri, "leaders", "--by", "person", "--segment", "internal", "--format", "json")
    rows = json.loads(r.stdout)
    assert [row["name"] for row in rows] == ["A.L. (Sales)", "B.B. (R&D)"]
    assert all(row["person"] == "" for row in rows) and "ann" not in r.stdout
    r = run(uri, "leaders", "--by", "person", "--format", "csv",
            env={"SCOUT_SHOW_EMPLOYEE_NAMES": "1"})
    df = pd.read_csv(__import__("io").StringIO(r.stdout))
    ann = df[df["person"] == "mail:ann@acme.example"].iloc[0]
    assert ann["name"] == "Ann Lee" and ann["n_accounts"] == 3 and ann["platforms"] == "email;slack;x"
    assert "ann_lee (x)" in ann["accounts"] and "ann (slack)" in ann["accounts"]
    assert run(uri, "leaders", "--by", "person").exit_code == 0  # the table
    # account exports carry the person and every handle of the person
    rows = {r["key"]: r for r in json.loads(run(uri, "leaders", "--format", "json", "--top", "50").stdout)}
    assert rows["slack:U1"]["person_accounts"] == "email:ann@acme.example;slack:ann;x:ann_lee"
    assert rows["slack:U1"]["person"] == ""  # an employee's id hides their address
    assert rows["x:3"]["person"] == "x:3" and rows["x:3"]["person_accounts"] == "x:cy"


def test_a_boards_people_read_from_the_evidence_alone_match_the_whole_stores(store):
    """``PeopleState(store, keys=…)`` reads only what evidence reaches, and tells the same."""
    from graph.model import CrmEntry
    from graph.people import person_platforms, pseudonymise_accounts, with_person_columns

    people_store(store)
    store.upsert_accounts([
        Account("bluesky", "did:plc:cy", handle="cy.bsky.social"),
        Account("reddit", "ann_lee", handle="ann_lee"),  # never joins a person
        Account("email", "kim@acme.example", handle="kim@acme.example"),
        Account("x", "9", handle="kim_x"),
        Account("email", "nobody@else.example", handle="nobody@else.example"),
        Account("x", "10", handle="dee"),
        Account("slack", "U2", handle="dee"),
    ])
    store.set_roster([Person(handle="DEE", name="Dee Dent", department="Ops")])  # any platform
    store.set_crm([CrmEntry(handle="kim_x", status="customer", platform="x", email="kim@acme.example")])
    store.set_link_decision("x:3", "bluesky:did:plc:cy", "link")
    store.set_link_decision("linkedin:bo-berg", "linkedin:bo-berg", "detach")
    store.set_link_decision("x:2", "x:9", "reject")
    full = PeopleState(store)
    every = full.accounts["key"].tolist()
    assert {"x:9", "x:10", "slack:U2", "reddit:ann_lee"} <= set(every)
    for key in every:
        part = PeopleState(store, keys=[key])
        assert len(part.accounts) < len(every)  # only what evidence can reach was read
        board = pd.DataFrame({"key": [key], "account": [key], "platform": [key.partition(":")[0]],
                              "segment": ["internal" if full.accounts.set_index("key").at[key, "internal"]
                                          else "external"]})
        assert person_platforms([key], part.links) == person_platforms([key], full.links), key
        pd.testing.assert_frame_equal(with_person_columns(board, part), with_person_columns(board, full))
        pd.testing.assert_frame_equal(pseudonymise_accounts(board, part), pseudonymise_accounts(board, full))
        mine = full.links[full.links["person"] == full.person_id(key)]
        theirs = part.links[part.links["person"] == part.person_id(key)]
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), theirs.reset_index(drop=True))
    # a person's accounts the board does not name come along (address, CRM, decision)
    assert person_platforms(["x:1", "x:9", "x:3"], PeopleState(store, keys=["x:1", "x:9", "x:3"]).links) \
        == ["email;slack;x", "email;x", "bluesky;x"]
    assert "email:nobody@else.example" not in set(PeopleState(store, keys=["x:1"]).accounts["key"])


def test_people_cli(store):
    people_store(store)
    uri = store.display
    listed = json.loads(run(uri, "people", "list", "--json").stdout)
    assert "A.L. (Sales)" in {p["name"] for p in listed} and "Ann Lee" not in str(listed)
    named = run(uri, "people", "list", "--json", env={"SCOUT_SHOW_EMPLOYEE_NAMES": "1"}).stdout
    assert "mail:ann@acme.example" in named and "Ann Lee" in named
    shown = json.loads(run(uri, "people", "show", "ann_lee", "--json").stdout)
    assert shown["person"] == "mail:ann@acme.example" and len(shown["accounts"]) == 3
    sug = json.loads(run(uri, "people", "suggest", "--json").stdout)
    assert {"a": "linkedin:cy-young", "b": "x:3"}.items() <= next(
        s for s in sug if s["b"] == "x:3" and s["a"] == "linkedin:cy-young").items()
    run(uri, "people", "reject", "x:3", "linkedin:cy-young")
    assert not any(s["b"] == "x:3" and s["a"] == "linkedin:cy-young"
                   for s in json.loads(run(uri, "people", "suggest", "--json").stdout))
    run(uri, "people", "link", "x:3", "linkedin:cy-young")
    assert len(json.loads(run(uri, "people", "show", "cy", "--json").stdout)["accounts"]) == 2
    run(uri, "people", "unlink", "x:3")
    assert len(json.loads(run(uri, "people", "show", "cy", "--json").stdout)["accounts"]) == 1
    bad = run(uri, "people", "link", "x:3", "nobody", ok=False)
    assert bad.exit_code != 0 and "no account 'nobody'" in bad.stderr


def test_opt_out_forgets_and_keeps_out(store, tmp_path):
    slack = write_export(tmp_path / "slack", small_slack_files(), as_zip=True)
    import_source(store, slack, "slack")
    import mailbox

    box = mailbox.mbox(str(tmp_path / "m.mbox"), create=True)
    box.add(mail_message(1, "user2@acme.example", ["user0@acme.example"]))
    box.add(mail_message(2, "user0@acme.example", ["user2@acme.example"]))
    box.close()
    import_source(store, tmp_path / "m.mbox", "mail")
    uri = store.display
    r = run(uri, "people", "opt-out", "User2@acme.example", "--yes")
    assert "forgot 2 account(s)" in r.stdout
    keys = set(store.accounts()["key"])
    assert "slack:U0000002" not in keys and "email:user2@acme.example" not in keys
    df = store.interactions()
    assert not (df["source"].isin(["slack:U0000002"]) | df["target"].isin(["slack:U0000002"])).any()
    # Re-importing the old export and mailbox brings nobody back.
    import_source(store, slack, "slack")
    import_source(store, tmp_path / "m.mbox", "mail")
    keys = set(store.accounts()["key"])
    assert "slack:U0000002" not in keys and "email:user2@acme.example" not in keys
    assert "user2@acme.example" in run(uri, "people", "opt-out", "--list").stdout
    assert store.interactions(account="email:user0@acme.example").empty



def test_a_crm_email_links_the_contacts_handle_to_its_mail_account():
    acc = pd.DataFrame({"key": ["x:9", "email:kim@acme.example", "x:10"],
                        "platform": ["x", "email", "x"],
                        "platform_id": ["9", "kim@acme.example", "10"],
                        "handle": ["kim_x", "kim@acme.example", "other"]})
    roster = pd.DataFrame(columns=["handle", "platform", "email", "employee_id"])
    dec = pd.DataFrame(columns=["a", "b", "decision"])
    crm = pd.DataFrame({"handle": ["kim_x", "other"], "platform": ["x", "x"],
                        "status": ["customer", "prospect"], "company": [None, None],
                        "email": ["kim@acme.example", None]})
    links = resolve_people(acc, roster, {}, dec, crm)
    by_key = dict(zip(links["account"], links["person"], strict=True))
    assert by_key["x:9"] == by_key["email:kim@acme.example"] == "mail:kim@acme.example"
    assert "crm" in links.set_index("account").at["x:9", "evidence"]
    assert "x:10" not in by_key  # a CRM row without an address links nothing
    assert resolve_people(acc, roster, {}, dec).query("account == 'x:9'").empty


def test_an_older_sqlite_file_gains_the_new_roster_and_crm_columns(tmp_path):
    import sqlite3

    from graph.model import CrmEntry, Person
    from graph.sqlite_store import SqliteStore

    path = tmp_path / "old.db"
    SqliteStore(path).close()
    con = sqlite3.connect(path)  # the file as an earlier Scout wrote it
    con.execute("ALTER TABLE crm DROP COLUMN email")
    con.execute("ALTER TABLE roster DROP COLUMN employee_id")
    con.commit()
    con.close()
    store = SqliteStore(path)
    try:
        store.set_crm([CrmEntry("kim", "customer", email="kim@acme.example")])
        store.set_roster([Person(handle="ann", platform="x", employee_id="E1")])
        assert store.crm()["email"].tolist() == ["kim@acme.example"]
        assert store.roster()["employee_id"].tolist() == ["E1"]
    finally:
        store.close()

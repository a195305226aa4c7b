"""People: one human, any number of accounts.

Links come from **exact evidence** first, computed here from what the store
keeps (small pure functions, the same for both stores):

* the **roster** — each row names one account (handle on a platform, or an
  e-mail address); rows with the same e-mail address or the same
  ``employee_id`` are one person;
* **addresses** — an ``email:`` account is its address; Slack, Teams and Viva
  Engage give each user's address (:meth:`GraphStore.account_emails`), which
  ties that account to the mail account and to roster rows of that address;
* **user decisions** — ``link`` (same person), ``detach`` (keep this account
  apart from every automatic link), ``reject`` (a suggestion that is wrong).

Then **suggestions** (:func:`suggest_links`) for likely links — same name,
similar handles, a profile URL pointing at the other account — scored with
rapidfuzz, shown to a user who accepts (``link``) or rejects them. Nothing is
ever merged on a suggestion alone.

A person's id is stable: ``mail:<address>`` when one of its accounts has an
address, else ``emp:<employee id>``, else its first account key.

Some accounts never join a person, whatever the evidence: those of
:data:`UNLINKABLE_PLATFORMS` (Reddit's terms forbid linking Reddit accounts to
identities elsewhere). :func:`linkable` is that rule; the resolver, the
suggestions and manual ``link`` decisions all obey it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Platforms whose accounts never join a person: Reddit's terms forbid linking a
#: Reddit account to an identity elsewhere (roster, e-mail, other networks).
UNLINKABLE_PLATFORMS: frozenset[str] = frozenset({"reddit"})
#: Columns of :func:`resolve_people`.
LINK_COLUMNS = ("account", "person", "evidence")
#: Columns of :func:`suggest_links`.
SUGGESTION_COLUMNS = ("a", "b", "score", "reason")
#: Lowest rapidfuzz scores (0-100) that make a suggestion.
NAME_THRESHOLD = 92.0
HANDLE_THRESHOLD = 88.0

_NON_WORD = re.compile(r"[\W_]+")


def linkable(key: str) -> bool:
    """Whether the account ``key`` may join a person (see :data:`UNLINKABLE_PLATFORMS`).

    Examples
    --------
    >>> linkable("x:12"), linkable("reddit:spez")
    (True, False)
    """
    return str(key).partition(":")[0] not in UNLINKABLE_PLATFORMS


class _Union:
    """Union-find over hashable items (path halving)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller root wins, so that the result does not depend on order
            # ("#" tokens sort before account keys).
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _roster_matches(roster: pd.DataFrame, accounts: pd.DataFrame) -> list[tuple[int, str]]:
    """``(roster row, account key)`` pairs, by the store's roster rule (handle on platform, or address)."""
    if roster.empty or accounts.empty:
        return []
    acc = pd.DataFrame({
        "key": accounts["key"].to_numpy(),
        "platform": accounts["platform"].to_numpy(),
        "handle_lc": accounts["handle"].fillna("").astype(str).str.lower().to_numpy(),
        "platform_id": accounts["platform_id"].astype(str).to_numpy(),
    })
    r = roster.reset_index(drop=True).reset_index(names="row")
    by_handle = r[r["handle"].notna()].merge(acc[acc["handle_lc"] != ""], left_on="handle",
                                             right_on="handle_lc", suffixes=("", "_a"))
    by_handle = by_handle[by_handle["platform"].isna() | (by_handle["platform"] == by_handle["platform_a"])]
    mail = acc[acc["platform"] == "email"]
    by_email = r[r["email"].notna()].merge(mail, left_on="email", right_on="platform_id")
    pairs = pd.concat([by_handle[["row", "key"]], by_email[["row", "key"]]])
    return list(pairs.itertuples(index=False, name=None))


def resolve_people(
    accounts: pd.DataFrame,
    roster: pd.DataFrame,
    emails: dict[str, str],
    decisions: pd.DataFrame,
    crm: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which person each account with identity evidence belongs to.

    Parameters
    ----------
    accounts : pandas.DataFrame
        :data:`graph.model.ACCOUNT_COLUMNS` (at least ``key, platform, platform_id, handle``).
    roster : pandas.DataFrame
        :meth:`GraphStore.roster`.
    emails : dict
        :meth:`GraphStore.account_emails`.
    decisions : pandas.DataFrame
        :meth:`GraphStore.link_decisions`.
    crm : pandas.DataFrame, optional
        :meth:`GraphStore.crm`: a CRM row with an ``email`` ties the contact's
        handle (matched like a roster row) to that address (evidence ``crm``).

    Returns
    -------
    pandas.DataFrame
        ``account, person, evidence`` for every account that has evidence
        (``evidence``: ``;``-joined ``roster``, ``email``, ``employee id``,
        ``manual``); accounts absent from it are people of their own, whose
        person id is their key. Accounts of :data:`UNLINKABLE_PLATFORMS` are never
        in it.

    Examples
    --------
    >>> acc = pd.DataFrame({"key": ["slack:U1", "email:a@x.io", "x:9"], "platform": ["slack", "email", "x"],
    ...                     "platform_id": ["U1", "a@x.io", "9"], "handle": ["ann", "a@x.io", "ann_x"]})
    >>> dec = pd.DataFrame({"a": ["slack:U1"], "b": ["x:9"], "decision": ["link"]})
    >>> resolve_people(acc, pd.DataFrame(columns=["handle", "platform", "email", "employee_id"]),
    ...                {"slack:U1": "a@x.io"}, dec)["person"].unique().tolist()
    ['mail:a@x.io']
    """
    # Unlinkable accounts (Reddit) are treated as unknown here: no evidence ties them.
    # tolist(): iterating an Arrow-backed column item by item costs ~10x more.
    known = {k for k in accounts["key"].tolist() if linkable(k)}
    detached = set()
    manual: list[tuple[str, str]] = []
    for a, b, d in decisions[["a", "b", "decision"]].itertuples(index=False, name=None):
        if d == "detach":
            detached.add(a)
        elif d == "link" and a in known and b in known:
            manual.append((a, b))
    uf = _Union()
    evidence: dict[str, set[str]] = {}

    def tie(key: str, token: str, why: str) -> None:
        if key in detached or key not in known:
            return
        uf.union(token, key)
        evidence.setdefault(key, set()).add(why)

    mail_accounts = accounts.loc[accounts["platform"] == "email", ["key", "platform_id"]]
    for key, addr in mail_accounts.itertuples(index=False, name=None):
        tie(key, f"#mail:{addr}", "email")
    for key, addr in emails.items():
        tie(key, f"#mail:{addr}", "email")
    roster = roster.reset_index(drop=True)
    for row, key in _roster_matches(roster, accounts):
        email, emp = roster.at[row, "email"], roster.at[row, "employee_id"]
        if isinstance(email, str) and email:
            tie(key, f"#mail:{email}", "roster")
        if isinstance(emp, str) and emp:
            tie(key, f"#emp:{emp}", "employee id")
        if key in known and not (isinstance(email, str) and email) \
                and not (isinstance(emp, str) and emp):
            evidence.setdefault(key, set()).add("roster")
    if crm is not None and len(crm) and "email" in crm:
        contacts = crm[crm["email"].notna() & (crm["email"] != "")].reset_index(drop=True)
        for row, key in _roster_matches(contacts, accounts):
            tie(key, f"#mail:{contacts.at[row, 'email']}", "crm")
    for a, b in manual:
        uf.union(a, b)
        evidence.setdefault(a, set()).add("manual")
        evidence.setdefault(b, set()).add("manual")
    members: dict[str, list[str]] = {}
    for key in evidence:
        members.setdefault(uf.find(key), []).append(key)
    tokens: dict[str, list[str]] = {}
    for t in uf.parent:
        if t.startswith("#"):
            tokens.setdefault(uf.find(t), []).append(t[1:])
    rows = []
    for root, keys in members.items():
        person = _person_id(sorted(tokens.get(root, ())), keys)
        rows += [(k, person, ";".join(sorted(evidence[k]))) for k in sorted(keys)]
    return pd.DataFrame(rows, columns=list(LINK_COLUMNS))


def _person_id(tokens: list[str], keys: list[str]) -> str:
    """``mail:`` token first, then ``emp:``, then the smallest account key."""
    for prefix in ("mail:", "emp:"):
        found = [t for t in tokens if t.startswith(prefix)]
        if found:
            return found[0]
    return min(keys)


def person_of(links: pd.DataFrame, keys: Iterable[str]) -> pd.Series:
    """The person id of each key (its own key when it has no link), indexed by key."""
    keys = list(keys)
    mapping = dict(zip(links["account"], links["person"], strict=True))
    return pd.Series([mapping.get(k, k) for k in keys], index=keys, dtype=object)


def people_table(accounts: pd.DataFrame, links: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """One row per person with at least one link: name, department, internal, accounts, platforms.

    The name is the roster's (first row of the person's address or employee
    id), else the first account name; the department the first account's that
    has one; ``accounts`` (in ``links`` order) and ``platforms`` (sorted) are
    ``;``-joined. One pass over ``links``, so a roster of thousands of people
    costs milliseconds.

    Examples
    --------
    >>> acc = pd.DataFrame({"key": ["x:1", "slack:U1"], "platform": ["x", "slack"],
    ...                     "name": [None, "Ann L"], "internal": [False, True],
    ...                     "department": [None, "Sales"]})
    >>> links = pd.DataFrame({"account": ["slack:U1", "x:1"], "person": ["mail:a@x.io"] * 2})
    >>> t = people_table(acc, links, pd.DataFrame(columns=["email", "employee_id", "name"]))
    >>> t[["person", "name", "department", "accounts", "platforms"]].iloc[0].tolist()
    ['mail:a@x.io', 'Ann L', 'Sales', 'slack:U1;x:1', 'slack;x']
    >>> bool(t.at[0, "internal"]), int(t.at[0, "n_accounts"])
    (True, 2)
    """
    cols = ["person", "name", "department", "internal", "accounts", "platforms", "n_accounts"]
    if links.empty:
        return pd.DataFrame(columns=cols)
    acc = accounts.set_index("key")
    keys = links["account"].tolist()
    pos = acc.index.get_indexer(keys)  # -1: a link to an account the frame does not hold
    found = pos >= 0

    def column(name: str, fill: object = None) -> list:
        """``name`` of each link's account (``fill`` where the account or the column is missing)."""
        out = np.full(len(keys), fill, dtype=object)
        if name in acc:
            out[found] = acc[name].iloc[pos[found]].to_numpy(dtype=object)
        return out.tolist()

    internal = [False] * len(keys)
    if "internal" in acc:
        flags = acc["internal"].fillna(False).astype(bool).to_numpy()
        internal = [bool(flags[i]) if i >= 0 else False for i in pos]
    depts, names, platforms = column("department"), column("name"), column("platform")
    groups: dict[str, list[int]] = {}
    for i, person in enumerate(links["person"].tolist()):
        groups.setdefault(person, []).append(i)
    by_mail, by_emp = _roster_names(roster)
    rows = []
    for person in sorted(groups):
        members = groups[person]
        name = (by_mail.get(person[5:]) if person.startswith("mail:")
                else by_emp.get(person[4:]) if person.startswith("emp:") else None)
        if name is None:
            name = next((names[i] for i in members if isinstance(names[i], str) and names[i]), None)
        dept = next((depts[i] for i in members if isinstance(depts[i], str) and depts[i]), None)
        plats = {platforms[i] for i in members if platforms[i] is not None and not pd.isna(platforms[i])}
        rows.append((person, name, dept, any(internal[i] for i in members),
                     ";".join(keys[i] for i in members), ";".join(sorted(plats)), len(members)))
    return pd.DataFrame(rows, columns=cols)


def _roster_names(roster: pd.DataFrame) -> tuple[dict, dict]:
    """The first roster name of each address and of each employee id (roster order)."""
    by_mail: dict = {}
    by_emp: dict = {}
    if roster.empty:
        return by_mail, by_emp
    def values(col: str) -> list:
        return roster[col].tolist() if col in roster else [None] * len(roster)

    for email, emp, name in zip(values("email"), values("employee_id"), values("name"), strict=True):
        if isinstance(name, str) and name:
            by_mail.setdefault(email, name)
            by_emp.setdefault(emp, name)
    return by_mail, by_emp


def _norm(text: object) -> str:
    """Lower-cased words without accents or punctuation ("María-José" → "maria jose")."""
    if not isinstance(text, str):
        return ""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", plain.lower()).strip()


def suggest_links(accounts: pd.DataFrame, links: pd.DataFrame, decisions: pd.DataFrame,
                  limit: int = 200) -> pd.DataFrame:
    """Likely links between accounts of different platforms that are not one person yet.

    Three signals, each a rapidfuzz score in 0-100:

    * **same name** — ``token_sort_ratio`` of the display names ≥ :data:`NAME_THRESHOLD`
      (both names with at least two words, so "Sam" does not match every Sam);
    * **similar handles** — ``ratio`` of the handles without punctuation ≥
      :data:`HANDLE_THRESHOLD` (at least 5 characters);
    * **profile URL** — one account's ``url`` or ``bio`` names the other's
      handle on its platform (``x.com/ann``, ``linkedin.com/in/ann``): 100.

    Candidates are blocked by the first three letters of the name's sorted
    words and of the handle, so the work grows with the accounts of a block,
    not with the square of all accounts. Pairs with a decision, pairs that
    are already one person, and accounts that may not join a person
    (:func:`linkable`) are left out.

    Returns
    -------
    pandas.DataFrame
        ``a, b, score, reason`` (``a < b``), best first, at most ``limit`` rows.
    """
    from rapidfuzz import fuzz

    accounts = accounts[[linkable(k) for k in accounts["key"]]] if len(accounts) else accounts
    if accounts.empty:
        return pd.DataFrame(columns=list(SUGGESTION_COLUMNS))
    person = person_of(links, accounts["key"])
    decided = {(a, b) for a, b in decisions[["a", "b"]].itertuples(index=False, name=None)}
    acc = accounts[["key", "platform", "handle", "name", "url", "bio"]].copy()
    acc["n_name"] = [" ".join(sorted(_norm(n).split())) for n in acc["name"]]
    acc["n_handle"] = [_norm(h).replace(" ", "") for h in acc["handle"]]
    acc["person"] = person.reindex(acc["key"]).to_numpy()
    found: dict[tuple[str, str], tuple[float, str]] = {}

    def consider(a: dict, b: dict, score: float, reason: str) -> None:
        if a["platform"] == b["platform"] or a["person"] == b["person"]:
            return
        pair = (a["key"], b["key"]) if a["key"] < b["key"] else (b["key"], a["key"])
        if pair in decided:
            return
        old = found.get(pair)
        if old is None or score > old[0]:
            found[pair] = (score, reason)

    records = acc.to_dict("records")
    named = [r for r in records if len(r["n_name"].split()) >= 2]
    for block in _blocks(named, "n_name").values():
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                s = fuzz.token_sort_ratio(a["n_name"], b["n_name"])
                if s >= NAME_THRESHOLD:
                    consider(a, b, float(s), "same name")
    handled = [r for r in records if len(r["n_handle"]) >= 5]
    for block in _blocks(handled, "n_handle").values():
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                s = fuzz.ratio(a["n_handle"], b["n_handle"])
                if s >= HANDLE_THRESHOLD:
                    consider(a, b, float(s) * 0.95, "similar handles")
    by_handle: dict[str, list[dict]] = {}
    for r in records:
        if isinstance(r["handle"], str) and r["handle"]:
            by_handle.setdefault(r["handle"].lower(), []).append(r)
    for r in records:
        for text in (r["url"], r["bio"]):
            if not isinstance(text, str):
                continue
            for h in _profile_handles(text):
                for other in by_handle.get(h, ()):
                    consider(r, other, 100.0, "profile URL")
    rows = sorted(((a, b, round(s, 1), why) for (a, b), (s, why) in found.items()),
                  key=lambda t: (-t[2], t[0], t[1]))
    return pd.DataFrame(rows[:limit], columns=list(SUGGESTION_COLUMNS))


def _blocks(records: list[dict], field: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in records:
        out.setdefault(r[field][:3], []).append(r)
    return out


_PROFILE_URL = re.compile(
    r"(?:twitter\.com|x\.com|linkedin\.com/in|github\.com|instagram\.com|mastodon\.[a-z.]+|"
    r"bsky\.app/profile)/@?([A-Za-z0-9_.-]{2,60})",
    re.IGNORECASE,
)


def _profile_handles(text: str) -> list[str]:
    """Handles named by profile URLs in ``text``, lower-cased.

    Examples
    --------
    >>> _profile_handles("see https://x.com/Ann_Lee and linkedin.com/in/ann-lee/")
    ['ann_lee', 'ann-lee']
    """
    return [h.lower().rstrip(".") for h in _PROFILE_URL.findall(text)]


def person_leaderboard(board: pd.DataFrame, links: pd.DataFrame, people: pd.DataFrame,
                       top: int | None = 20) -> pd.DataFrame:
    """Rank people with all their accounts combined, from an account leaderboard.

    Parameters
    ----------
    board : pandas.DataFrame
        An account leaderboard with every row (:func:`graph.ranking.leaderboard`
        with ``top=None``): ``key, account (handle), platform, segment, score``
        and metric columns.
    links : pandas.DataFrame
        :func:`resolve_people`.
    people : pandas.DataFrame
        :func:`people_table` (names and departments).
    top : int, optional
        Keep the first ``top`` people.

    Returns
    -------
    pandas.DataFrame
        ``rank, person, name, department, segment, score, n_accounts, platforms,
        accounts`` (each ``handle (platform) score``, best first), then every
        metric summed over the person's accounts. A person's score is the sum
        of their accounts' scores: attention earned on each platform adds up.

    Examples
    --------
    >>> b = pd.DataFrame({"key": ["x:1", "slack:U1", "x:2"], "account": ["ann", "ann", "bo"],
    ...                   "platform": ["x", "slack", "x"], "segment": ["internal"] * 3,
    ...                   "score": [0.5, 0.3, 0.6]})
    >>> l = pd.DataFrame({"account": ["x:1", "slack:U1"], "person": ["mail:a@x.io"] * 2, "evidence": ["roster"] * 2})
    >>> person_leaderboard(b, l, pd.DataFrame(columns=["person", "name", "department"]))["person"].tolist()
    ['mail:a@x.io', 'x:2']
    """
    from graph.ranking import METRIC_COLUMNS

    cols = ["rank", "person", "name", "department", "segment", "score", "n_accounts", "platforms",
            "accounts"]
    if board.empty:
        return pd.DataFrame(columns=cols)
    t = board.copy()
    t["person"] = person_of(links, t["key"]).to_numpy()
    t = t.sort_values("score", ascending=False, kind="stable")
    metrics = [c for c in METRIC_COLUMNS if c in t.columns and pd.api.types.is_numeric_dtype(t[c])]
    t["_part"] = [f"{h} ({p}) {s:.3f}" for h, p, s in zip(t["account"], t["platform"], t["score"], strict=True)]
    g = t.groupby("person", sort=False)
    out = pd.DataFrame({
        "score": g["score"].sum(),
        "n_accounts": g.size(),
        "platforms": g["platform"].agg(lambda s: ";".join(sorted(set(s)))),
        "accounts": g["_part"].agg("; ".join),
        "segment": g["segment"].agg(lambda s: "internal" if (s == "internal").any() else s.iloc[0]),
        "_handle": g["account"].first(),
    })
    for c in metrics:
        out[c] = g[c].sum()
    out = out.reset_index()
    info = people.set_index("person") if len(people) else pd.DataFrame(columns=["name", "department"])
    out["name"] = [info["name"].get(p) if p in info.index else None for p in out["person"]]
    out["name"] = out["name"].where(out["name"].notna(), out["_handle"])
    out["department"] = [info["department"].get(p) if p in info.index else None for p in out["person"]]
    out = out.sort_values(["score", "person"], ascending=[False, True], kind="stable")
    out = out.head(top) if top is not None else out
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    out["score"] = out["score"].round(4)
    return out[cols + metrics].reset_index(drop=True)


def _text_values(frame: pd.DataFrame, column: str) -> set[str]:
    """The non-empty strings of a column (none when the frame lacks it)."""
    if column not in frame:
        return set()
    return {v for v in frame[column].tolist() if isinstance(v, str) and v}


def evidence_keys(store, keys: Iterable[str], roster: pd.DataFrame, emails: dict[str, str],
                  decisions: pd.DataFrame, crm: pd.DataFrame | None = None) -> list[str]:
    """``keys`` and every account that identity evidence could tie to a person, sorted.

    :func:`resolve_people` ties an account only through an address (the
    ``email:`` account of that address, an account :meth:`GraphStore.account_emails`
    gives it, a roster or CRM row naming it), a roster or CRM handle, an
    employee id (which comes with a roster handle) or a ``link`` decision.
    Hence the accounts that can share a person with another are: the accounts
    ``emails`` names, the ``email:`` accounts of every address the evidence
    names (an account key is ``platform:platform_id``), the accounts of the
    roster's handles and of the handles of CRM rows with an address, and the
    accounts of decisions. Any other account is a person of its own.
    Resolving people over these accounts (plus ``keys``) gives every link of
    ``keys``' people and all of those people's accounts, while reading a few
    rows of a big store instead of all of them.
    """
    crm = crm if crm is not None else pd.DataFrame(columns=["handle", "email"])
    if len(crm) and "email" in crm:
        crm = crm[crm["email"].notna() & (crm["email"] != "")]
    addresses = set(emails.values()) | _text_values(roster, "email") | _text_values(crm, "email")
    wanted = set(keys) | set(emails) | {f"email:{a}" for a in addresses}
    if len(decisions):
        wanted |= set(decisions["a"].tolist()) | set(decisions["b"].tolist())
    handles = _text_values(roster, "handle") | _text_values(crm, "handle")
    if handles:
        wanted.update(store.handle_keys(sorted(handles)))
    return sorted(wanted)


class PeopleState:
    """What a store says about people, read once: accounts, links, people, decisions.

    Parameters
    ----------
    store : GraphStore
        Read with :meth:`accounts`, :meth:`roster`, :meth:`account_emails`,
        :meth:`link_decisions` and :meth:`crm`.
    keys : iterable of str, optional
        Only these accounts' people are wanted (a leaderboard's rows): then only
        the accounts identity evidence can reach are read (:func:`evidence_keys`),
        not every account of the store. ``links`` and ``people`` are exact for
        the people of ``keys``; ``accounts`` holds ``keys`` and the evidence's
        accounts, so :meth:`suggestions` and opt-outs want a state of the whole
        store (the default).
    """

    def __init__(self, store, keys: Iterable[str] | None = None) -> None:
        self.roster = store.roster()
        self.emails = store.account_emails()
        self.decisions = store.link_decisions()
        self.crm = store.crm()
        if keys is None:
            self.accounts = store.accounts()
        else:
            self.accounts = store.accounts(evidence_keys(store, keys, self.roster, self.emails,
                                                         self.decisions, self.crm))
        self.links = resolve_people(self.accounts, self.roster, self.emails, self.decisions,
                                    self.crm)
        self.people = people_table(self.accounts, self.links, self.roster)

    def person_id(self, key: str) -> str:
        """The person an account belongs to (its own key when it has no link)."""
        return person_of(self.links, [key]).iloc[0]

    def keys_of(self, person: str) -> list[str]:
        """Every account key of a person (a person id or an account key)."""
        keys = self.links.loc[self.links["person"] == person, "account"].tolist()
        if keys:
            return keys
        pid = self.person_id(person) if person in set(self.accounts["key"]) else None
        if pid is None:
            return []
        keys = self.links.loc[self.links["person"] == pid, "account"].tolist()
        return keys or [person]

    def suggestions(self, limit: int = 200) -> pd.DataFrame:
        return suggest_links(self.accounts, self.links, self.decisions, limit=limit)


def opt_out_keys(state: PeopleState, idents: Iterable[str]) -> list[str]:
    """The account keys the opt-out identities (addresses, account keys) name, with their person's.

    An address names its ``email:`` account, the accounts a source gave that
    address and the roster's accounts of it; each account brings every other
    account of its person.
    """
    keys: set[str] = set()
    known = set(state.accounts["key"])
    by_email: dict[str, set[str]] = {}
    for k, e in state.emails.items():
        by_email.setdefault(e, set()).add(k)
    for ident in idents:
        ident = ident.strip()
        if "@" in ident and ":" not in ident:
            addr = ident.lower()
            found = by_email.get(addr, set()) | ({f"email:{addr}"} & known)
            found |= set(state.links.loc[state.links["person"] == f"mail:{addr}", "account"])
        else:
            found = {ident} & known
        for k in found:
            keys.update(state.keys_of(k))
    return sorted(keys & known)


def pseudonym(name: object, department: object) -> str:
    """Initials and department, how internal rankings show people until names are unlocked.

    Examples
    --------
    >>> pseudonym("Abena Williams", "Product"), pseudonym(None, None)
    ('A.W. (Product)', '? (no department)')
    """
    words = [w for w in _NON_WORD.sub(" ", str(name)).split() if w] if isinstance(name, str) else []
    initials = "".join(w[0].upper() + "." for w in words[:3]) or "?"
    dept = department if isinstance(department, str) and department else "no department"
    return f"{initials} ({dept})"


#: Environment variable that unlocks employees' names in internal rankings (``1``/``true``).
NAMES_ENV = "SCOUT_SHOW_EMPLOYEE_NAMES"


def names_unlocked(environ: dict | None = None) -> bool:
    """Whether this user may see employees' names (``SCOUT_SHOW_EMPLOYEE_NAMES=1``)."""
    import os

    value = (environ if environ is not None else os.environ).get(NAMES_ENV, "")
    return value.strip().lower() in ("1", "true", "yes")


def pseudonymise(board: pd.DataFrame) -> pd.DataFrame:
    """A person leaderboard with internal people shown as initials + department.

    Their person id, names and handles are replaced; platforms and per-account
    scores stay, so the ranking still explains itself.

    Examples
    --------
    >>> b = pd.DataFrame({"person": ["mail:ann@x.io"], "name": ["Ann Lee"], "department": ["Sales"],
    ...                   "segment": ["internal"], "accounts": ["ann (slack) 0.300"]})
    >>> pseudonymise(b).iloc[0][["person", "name", "accounts"]].tolist()
    ['', 'A.L. (Sales)', 'slack 0.300']
    """
    out = board.copy()
    inside = (out["segment"] == "internal").to_numpy()
    if not inside.any():
        return out
    out.loc[inside, "name"] = [pseudonym(n, d) for n, d in
                               zip(out.loc[inside, "name"], out.loc[inside, "department"], strict=True)]
    out.loc[inside, "person"] = ""
    out.loc[inside, "accounts"] = [
        "; ".join(re.sub(r"^.*\((\S+)\) ", r"\1 ", part) for part in str(a).split("; "))
        for a in out.loc[inside, "accounts"]
    ]
    return out


def person_platforms(keys: Iterable[str], links: pd.DataFrame) -> list[str]:
    """Each account's person's platforms, ``;``-joined and sorted (an unlinked account: its own).

    Examples
    --------
    >>> links = pd.DataFrame({"account": ["x:1", "bluesky:did:plc:a"], "person": ["p", "p"]})
    >>> person_platforms(["x:1", "youtube:UC1"], links)
    ['bluesky;x', 'youtube']
    """
    person = dict(zip(links["account"], links["person"], strict=True))
    by_person: dict[str, set[str]] = {}
    for k, p in person.items():
        by_person.setdefault(p, set()).add(str(k).partition(":")[0])
    return [";".join(sorted(by_person[person[k]])) if k in person else str(k).partition(":")[0]
            for k in keys]


def person_board(store, table: pd.DataFrame, segment: str = "all", top: int | None = 20,
                 community_id: int | None = None, topic: str | None = None,
                 platforms: Iterable[str] = ()) -> pd.DataFrame:
    """``scout leaders --by person``: the snapshot's accounts of a segment, combined per person.

    ``platforms`` keeps only accounts on those platforms before combining. Internal
    people are pseudonymised (:func:`pseudonymise`) unless :func:`names_unlocked`.
    """
    from graph.ranking import current_leaderboard

    board = current_leaderboard(store, table, segment, top=None, community_id=community_id,
                                topic=topic, platforms=platforms)
    state = PeopleState(store)
    out = person_leaderboard(board, state.links, state.people, top=top)
    return out if names_unlocked() else pseudonymise(out)


def with_person_columns(board: pd.DataFrame, state: PeopleState) -> pd.DataFrame:
    """An account leaderboard with each account's ``person`` and all that person's ``person_accounts``.

    ``person_accounts`` lists every account of the person as ``platform:handle``
    (``;``-joined). The person ids of employees (anyone with an internal account;
    the id may hold their address) are left blank unless :func:`names_unlocked`.

    Examples
    --------
    >>> b = pd.DataFrame({"key": ["x:1"], "segment": ["external"]})
    >>> s = PeopleState.__new__(PeopleState)
    >>> s.links = pd.DataFrame({"account": ["x:1", "slack:U1"], "person": ["mail:a@x.io"] * 2,
    ...                         "evidence": ["email"] * 2})
    >>> s.accounts = pd.DataFrame({"key": ["x:1", "slack:U1"], "platform": ["x", "slack"],
    ...                            "handle": ["ann", "ann.l"]})
    >>> with_person_columns(b, s)[["person", "person_accounts"]].values.tolist()
    [['mail:a@x.io', 'slack:ann.l;x:ann']]
    """
    out = board.copy()
    person = person_of(state.links, out["key"])
    # Only the board's people and accounts matter (a board is a few rows of a big store).
    links = state.links[state.links["person"].isin(set(person.dropna()))]
    wanted = set(links["account"]) | set(out["key"])
    acc = state.accounts[state.accounts["key"].isin(wanted)].set_index("key")
    label = {k: f"{p}:{h if isinstance(h, str) and h else k.partition(':')[2]}"
             for k, p, h in zip(acc.index, acc["platform"], acc["handle"], strict=True)}
    members: dict[str, list[str]] = {}
    for k, p in zip(links["account"], links["person"], strict=True):
        members.setdefault(p, []).append(label.get(k, k))
    out["person"] = person.to_numpy()
    out["person_accounts"] = [";".join(sorted(members.get(p, [label.get(k, k)])))
                              for k, p in zip(out["key"], out["person"], strict=True)]
    if not names_unlocked():
        acc_internal = (state.accounts["internal"].fillna(False).astype(bool)
                        if "internal" in state.accounts else pd.Series(False, index=state.accounts.index))
        internal = set(state.accounts.loc[acc_internal.to_numpy(), "key"])
        employees = {p for k, p in zip(state.links["account"], state.links["person"], strict=True)
                     if k in internal} | internal
        hide = out["person"].isin(employees).to_numpy(copy=True)
        if "segment" in out:
            hide = hide | (out["segment"] == "internal").to_numpy()
        out.loc[hide, "person"] = ""
    return out


def manager_labels(state: PeopleState) -> pd.Series:
    """Known leaders from the roster: every account of an employee who manages someone.

    A roster row manages someone when another row names its e-mail in
    ``manager``. Every account of such a person (their roster accounts and the
    accounts linked to them) is labelled 1; the accounts of the other
    employees 0 — they are known to be employees who lead no team, a fair
    "not a (formal) leader" for :func:`graph.learn.learn_weights`.

    Returns
    -------
    pandas.Series
        1/0 by account key (empty without a roster or without managers).

    Examples
    --------
    >>> class S:  # a minimal stand-in for PeopleState
    ...     roster = pd.DataFrame({"handle": ["ann", "bob"], "platform": ["x", "x"],
    ...                            "email": ["ann@c.io", "bob@c.io"], "manager": [None, "ann@c.io"]})
    ...     accounts = pd.DataFrame({"key": ["x:1", "x:2"], "platform": ["x", "x"],
    ...                              "platform_id": ["1", "2"], "handle": ["ann", "bob"]})
    ...     links = pd.DataFrame(columns=["account", "person", "evidence"])
    >>> manager_labels(S()).to_dict()
    {'x:1': 1.0, 'x:2': 0.0}
    """
    roster, accounts = state.roster, state.accounts
    if roster is None or roster.empty or "manager" not in roster:
        return pd.Series(dtype=float)
    bosses = set(roster["manager"].dropna().astype(str).str.strip().str.lower()) - {""}
    r = roster.reset_index(drop=True)
    is_boss = r["email"].fillna("").astype(str).str.lower().isin(bosses).to_numpy()
    labels: dict[str, float] = {}
    person = dict(zip(state.links["account"], state.links["person"], strict=True))
    by_person: dict[str, list[str]] = {}
    for key, pid in person.items():
        by_person.setdefault(pid, []).append(key)
    for row, key in _roster_matches(r, accounts):
        value = 1.0 if is_boss[row] else 0.0
        for k in by_person.get(person.get(key, key), [key]):
            labels[k] = max(labels.get(k, 0.0), value)  # a manager's account is never a 0
    return pd.Series(labels, dtype=float).sort_index()


def pseudonymise_accounts(board: pd.DataFrame, state: PeopleState, *, label: str = "account",
                          key: str = "key",
                          blank: tuple[str, ...] = ("key", "handle", "name", "person",
                                                    "person_accounts")) -> pd.DataFrame:
    """An *account* leaderboard with employees shown as initials + department.

    Rows of the ``internal`` segment get :func:`pseudonym` of their person's
    roster name and department in the ``label`` column (default ``account``);
    the ``blank`` columns (default their ``key``, ``handle``, ``name``,
    ``person`` and ``person_accounts``) are emptied. Scores, ranks and metrics
    stay, so the ranking still explains itself. External rows are untouched.
    ``key`` names the column holding account keys.

    Examples
    --------
    >>> s = PeopleState.__new__(PeopleState)
    >>> s.links = pd.DataFrame({"account": ["slack:U1"], "person": ["mail:ann@c.io"],
    ...                         "evidence": ["roster"]})
    >>> s.people = pd.DataFrame({"person": ["mail:ann@c.io"], "name": ["Ann Lee"],
    ...                          "department": ["Sales"]})
    >>> s.accounts = pd.DataFrame({"key": ["slack:U1", "x:2"], "name": ["Ann Lee", "Bo"]})
    >>> b = pd.DataFrame({"account": ["ann", "bo"], "key": ["slack:U1", "x:2"],
    ...                   "segment": ["internal", "external"]})
    >>> pseudonymise_accounts(b, s)[["account", "key"]].values.tolist()
    [['A.L. (Sales)', ''], ['bo', 'x:2']]
    """
    out = board.copy()
    if out.empty or "segment" not in out:
        return out
    inside = (out["segment"] == "internal").to_numpy()
    if not inside.any():
        return out
    keys = out[key] if key in out else out["account"]
    person = person_of(state.links, keys).to_numpy()
    people = state.people.drop_duplicates("person").set_index("person")
    acc = state.accounts.drop_duplicates("key").set_index("key")
    labels = []
    for k, p in zip(keys.to_numpy()[inside], person[inside], strict=True):
        name = people["name"].get(p) if p in people.index else None
        dept = people["department"].get(p) if p in people.index else None
        if not isinstance(name, str) and "name" in acc and k in acc.index:
            name = acc["name"].get(k)
        if not isinstance(dept, str) and "department" in acc and k in acc.index:
            dept = acc["department"].get(k)
        labels.append(pseudonym(name, dept))
    out[label] = out[label].astype(object)
    out.loc[inside, label] = labels
    for col in blank:
        if col in out:
            out[col] = out[col].astype(object)
            out.loc[inside, col] = ""
    return out


def private_board(store, board: pd.DataFrame, state: PeopleState | None = None,
                  **columns) -> pd.DataFrame:
    """An account leaderboard as this user may see it.

    Employees' accounts are pseudonymised (:func:`pseudonymise_accounts`)
    unless :func:`names_unlocked`; boards without internal rows are returned
    as they are (nothing else is read). ``state`` reuses people already read
    from ``store``; ``columns`` go to :func:`pseudonymise_accounts`.
    """
    if (names_unlocked() or board.empty or "segment" not in board
            or not (board["segment"] == "internal").any()):
        return board
    return pseudonymise_accounts(board, state or PeopleState(store), **columns)

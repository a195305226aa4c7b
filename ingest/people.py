"""People files: account profiles, the company roster and the CRM list.

All three are CSV files read with :func:`ingest.csvfiles.open_csv`; each bad
row is one ``file:line: reason`` and the others are kept.

* **accounts** — ``platform, handle`` or ``id``, ``name, followers, following,
  posts, created_at, verified, bio, url``: profiles upserted as they are.
* **roster** — ``handle`` (with optional ``platform``) or ``email``, ``name,
  department, manager``: who works for the company (:meth:`GraphStore.set_roster`).
* **crm** — ``handle, status`` (``customer`` / ``prospect``), optional
  ``platform, company, email`` (:meth:`GraphStore.set_crm`; the e-mail links
  the handle to the contact's other accounts, see :mod:`graph.people`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from graph.errors import InputError
from graph.model import Account, CrmEntry, Person, normalize_platform
from ingest.csv_edges import parse_timestamps
from ingest.csvfiles import open_csv
from ingest.identity import account_identity
from ingest.sources import Input

ACCOUNT_ALIASES: dict[str, str] = {
    "platform": "platform",
    "handle": "handle",
    "username": "handle",
    "screen_name": "handle",
    "user": "handle",
    "id": "id",
    "platform_id": "id",
    "user_id": "id",
    "name": "name",
    "display_name": "name",
    "followers": "followers",
    "followers_count": "followers",
    "following": "following",
    "following_count": "following",
    "friends_count": "following",
    "posts": "posts",
    "tweet_count": "posts",
    "statuses_count": "posts",
    "created_at": "created_at",
    "created": "created_at",
    "verified": "verified",
    "bio": "bio",
    "description": "bio",
    "url": "url",
    "website": "url",
}
ROSTER_ALIASES: dict[str, str] = {
    "handle": "handle",
    "username": "handle",
    "screen_name": "handle",
    "platform": "platform",
    "email": "email",
    "e_mail": "email",
    "mail": "email",
    "name": "name",
    "department": "department",
    "dept": "department",
    "team": "department",
    "manager": "manager",
    "employee_id": "employee_id",
    "employee": "employee_id",
    "employee_number": "employee_id",
    "personnel_number": "employee_id",
}
CRM_ALIASES: dict[str, str] = {
    "handle": "handle",
    "username": "handle",
    "screen_name": "handle",
    "status": "status",
    "crm_status": "status",
    "platform": "platform",
    "company": "company",
    "organisation": "company",
    "organization": "company",
    "account": "company",
    "email": "email",
    "e_mail": "email",
    "mail": "email",
}
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


@dataclass
class PeopleFile:
    """What a people file yielded: ``(line, object)`` pairs and ``file:line: reason`` errors."""

    rows: list[tuple[int, object]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def items(self) -> list:
        return [obj for _, obj in self.rows]


def parse_count(value: str) -> int | None:
    """A follower / post count: digits with optional ``,`` or ``_`` separators; blank → ``None``.

    Raises
    ------
    ValueError
        If the value is not a non-negative whole number.

    Examples
    --------
    >>> parse_count("1,234"), parse_count("")
    (1234, None)
    """
    v = value.strip().replace(",", "").replace("_", "")
    if not v:
        return None
    if v.endswith(".0"):
        v = v[:-2]
    if not v.isdigit():
        raise ValueError(f"not a count: {value!r}")
    return int(v)


def parse_bool(value: str) -> bool | None:
    """``true/false``, ``yes/no``, ``1/0``; blank → ``None``.

    Raises
    ------
    ValueError
        For anything else.
    """
    v = value.strip().lower()
    if not v:
        return None
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def _cells(header_index: dict[str, int], cells: list[str]) -> dict[str, str]:
    return {k: (cells[i].strip() if i < len(cells) else "") for k, i in header_index.items()}


def _read(
    inp: Input,
    aliases: dict[str, str],
    required: list[list[str]],
    make: Callable[[dict[str, str]], object],
    delimiter: str | None,
    warn: Callable[[str], None] | None,
) -> PeopleFile:
    header, rows = open_csv(inp, aliases, required, delimiter)
    if header.ignored and warn is not None:
        warn(f"{inp.name}: ignoring column(s): {', '.join(header.ignored)}")
    index = header.index()
    out = PeopleFile()
    for line, cells in rows:
        if isinstance(cells, str):
            out.errors.append(f"{inp.name}:{line}: {cells}")
            continue
        try:
            out.rows.append((line, make(_cells(index, cells))))
        except ValueError as exc:
            out.errors.append(f"{inp.name}:{line}: {exc}")
    return out


def _created_at(value: str) -> datetime | None:
    """ISO 8601 or unix seconds; naive times are UTC."""
    if not value:
        return None
    try:
        # The common case, without the cost of a pandas call per row.
        when = datetime.fromisoformat(value)
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    except ValueError:
        pass
    ts = parse_timestamps(pd.Series([value])).iloc[0]
    if pd.isna(ts):
        raise ValueError(f"unreadable created_at {value!r}")
    return ts.to_pydatetime()


def account_from_row(row: dict[str, str], platform: str | None = None) -> Account:
    """An :class:`Account` from one accounts-file row (see :mod:`ingest.identity`).

    Raises
    ------
    ValueError
        No handle nor id, or an unreadable number, date or flag.

    Examples
    --------
    >>> account_from_row({"handle": "@Ann", "followers": "1,200"}).key
    'generic:ann'
    """
    plat = normalize_platform(row.get("platform") or platform or "generic")
    handle, pid = row.get("handle", ""), row.get("id", "")
    if pid:
        platform_id = pid
        handle = handle.lstrip("@").strip() or None
    elif handle:
        platform_id, handle = account_identity(plat, handle)
    else:
        raise ValueError("a row needs a handle or an id")
    return Account(
        plat,
        platform_id,
        handle=handle,
        name=row.get("name") or None,
        followers=parse_count(row.get("followers", "")),
        following=parse_count(row.get("following", "")),
        posts=parse_count(row.get("posts", "")),
        created_at=_created_at(row.get("created_at", "")),
        verified=parse_bool(row.get("verified", "")),
        bio=row.get("bio") or None,
        url=row.get("url") or None,
    )


def person_from_row(row: dict[str, str]) -> Person:
    """A roster :class:`Person` (needs a handle or an email)."""
    email = row.get("email") or None
    if email is not None and "@" not in email:
        raise ValueError(f"not an email address: {email!r}")
    return Person(
        handle=row.get("handle") or None,
        platform=row.get("platform") or None,
        email=email,
        name=row.get("name") or None,
        department=row.get("department") or None,
        manager=row.get("manager") or None,
        employee_id=row.get("employee_id") or None,
    )


def crm_from_row(row: dict[str, str]) -> CrmEntry:
    """A :class:`CrmEntry` (``status``: customer or prospect)."""
    return CrmEntry(
        handle=row.get("handle", ""),
        status=row.get("status", ""),
        platform=row.get("platform") or None,
        company=row.get("company") or None,
        email=row.get("email") or None,
    )


def read_accounts(
    inp: Input, platform: str | None = None, delimiter: str | None = None, warn=None
) -> PeopleFile:
    """Read an accounts file; ``platform`` is the default for rows without one.

    Raises
    ------
    InputError
        Neither a ``handle`` nor an ``id`` column, or an invalid ``platform``.
    """
    if platform is not None:
        try:
            platform = normalize_platform(platform)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    return _read(
        inp, ACCOUNT_ALIASES, [["handle", "id"]], lambda r: account_from_row(r, platform), delimiter, warn
    )


def read_roster(inp: Input, delimiter: str | None = None, warn=None) -> PeopleFile:
    """Read a roster file (``handle`` or ``email`` column required)."""
    return _read(inp, ROSTER_ALIASES, [["handle", "email"]], person_from_row, delimiter, warn)


def read_crm(inp: Input, delimiter: str | None = None, warn=None) -> PeopleFile:
    """Read a CRM file (``handle`` and ``status`` columns required)."""
    return _read(inp, CRM_ALIASES, [["handle"], ["status"]], crm_from_row, delimiter, warn)

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

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from graph.errors import InputError
from graph.model import Account, CrmEntry, Person, normalize_handle, normalize_platform
from ingest.csv_edges import _column, _map_unique, open_blocks, parse_timestamps
from ingest.csvfiles import open_csv
from ingest.identity import account_identities, account_identity
from ingest.pipeline import Chunk, sanitize_account_frame
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


#: The columns of an accounts frame (:func:`accounts_frame`), in the store's order.
ACCOUNT_FRAME_COLUMNS = ("key", "platform", "platform_id", "handle", "name", "followers", "following",
                         "posts", "created_at", "verified", "bio", "url")
#: ISO 8601 times that :meth:`datetime.fromisoformat` and pandas read alike (to the microsecond).
_PLAIN_ISO = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?"


def iter_account_chunks(inp: Input, platform: str | None = None, delimiter: str | None = None,
                        note: Callable[[str], None] | None = None) -> Iterator[Chunk]:
    """Read an accounts file column-wise: chunks of accounts for :func:`ingest.pipeline.run_ingest`.

    The twin of :func:`read_accounts` (:func:`account_from_row` on every row) without
    a Python object per row: each chunk's ``account_frame`` holds the accounts of a
    block of rows (:data:`ACCOUNT_FRAME_COLUMNS`), cleaned as :class:`Account` would
    clean them, and each rejected row is one ``file:line: reason`` with the reason
    the row-wise reader gives. Short rows have empty cells, as there.

    Parameters
    ----------
    inp : Input
        The opened file.
    platform : str, optional
        Platform of rows without one (default ``generic``).
    delimiter : str, optional
        Skip sniffing.
    note : callable, optional
        Told about ignored columns.

    Yields
    ------
    Chunk
        ``account_frame``, ``read`` (accounts kept), ``errors``, ``position``.

    Raises
    ------
    InputError
        Neither a ``handle`` nor an ``id`` column, an invalid ``platform``, or a
        file that is not UTF-8 CSV.
    """
    platform, blocks = open_blocks(inp, ACCOUNT_ALIASES, [["handle", "id"]], platform, delimiter, note, pad=True)
    for block in blocks:
        chunk = Chunk()
        errors = list(block.errors)
        if len(block):
            frame, reason = accounts_frame(block.cells, len(block), platform)
            bad = reason != ""
            errors.extend(zip(block.lines[bad].tolist(), reason[bad].tolist(), strict=True))
            lines = block.lines[~bad]
            frame, refused = sanitize_account_frame(frame.loc[~bad].reset_index(drop=True))
            errors.extend((int(lines[i]), why) for i, why in refused.items())
            # One time zone for every store (Neo4j keeps a value's offset): UTC, as Account has it.
            frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
            chunk.account_frame = frame
            chunk.read = len(frame)
        errors.sort()
        chunk.errors = [f"{inp.name}:{line}: {why}" for line, why in errors]
        chunk.position = inp.position()
        yield chunk


def accounts_frame(cells: dict[str, pd.Series], n: int, platform: str | None = None
                   ) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`account_from_row` of a block of rows, column by column.

    Every rule is :func:`account_from_row`'s, applied in its order, so a row's
    first problem is the reason given (the data model's own limits —
    :func:`graph.model.sanitize_account` — are checked after, by
    :func:`ingest.pipeline.sanitize_account_frame`). Cheap cases run on whole
    columns; values that are not (non-ASCII handles, counts with separators,
    other time formats) go through the row-wise rule once per distinct value.

    Parameters
    ----------
    cells : dict
        Column name → text Series (a :class:`ingest.csvfiles.CsvBlock`'s cells).
    n : int
        Rows.
    platform : str, optional
        Normalised platform of rows without one (default ``generic``).

    Returns
    -------
    tuple
        The accounts (:data:`ACCOUNT_FRAME_COLUMNS`; ``created_at`` UTC times, or
        objects when some value needed the row-wise rule), and a reason per row
        (``""`` for a good one; the other columns of a rejected row are
        meaningless, its key missing).
    """
    reason = np.full(n, "", dtype=object)

    def refuse(why: np.ndarray) -> None:
        """Record reasons for rows that have none yet (the first problem wins)."""
        first = (reason == "") & (why != "")
        reason[first] = why[first]

    given = _column(cells, "platform", n)
    plat, why = _map_unique(given.where(given.ne(""), platform or "generic"), normalize_platform)
    plat = plat.to_numpy(dtype=object)
    refuse(why.to_numpy(dtype=object))
    usable = reason == ""

    pid_cell, handle_cell = _column(cells, "id", n), _column(cells, "handle", n)
    by_id = pid_cell.ne("").to_numpy(dtype=bool)
    by_handle = ~by_id & handle_cell.ne("").to_numpy(dtype=bool)
    refuse(np.where(~by_id & ~by_handle, "a row needs a handle or an id", ""))
    platform_id = np.where(by_id, pid_cell.to_numpy(dtype=object), None)
    handle = np.where(by_id, handle_cell.str.lstrip("@").str.strip().to_numpy(dtype=object), None)
    named = np.flatnonzero(by_handle & usable)
    if len(named):
        ids, handles, errors = account_identities(plat[named], handle_cell.iloc[named])
        platform_id[named], handle[named] = ids, handles
        why = np.full(n, "", dtype=object)
        why[named] = errors
        refuse(why)
    handle = _normalized_handles(handle)

    columns: dict[str, object] = {}
    for name in ("followers", "following", "posts"):
        columns[name] = _counts(_column(cells, name, n), refuse)
    columns["created_at"] = _times(_column(cells, "created_at", n), refuse)
    verified, why = _map_unique(_column(cells, "verified", n), parse_bool)
    refuse(why.to_numpy(dtype=object))
    columns["verified"] = verified.to_numpy(dtype=object)
    for name in ("name", "bio", "url"):
        text = _column(cells, name, n)
        columns[name] = text.to_numpy(dtype=object)
        columns[name][text.eq("").to_numpy(dtype=bool)] = None

    plat_text = pd.Series(plat, dtype=object)
    frame = pd.DataFrame({
        "key": (plat_text + ":" + pd.Series(platform_id, dtype=object).fillna("")).to_numpy(dtype=object),
        "platform": plat, "platform_id": platform_id, "handle": handle,
        **{c: columns[c] for c in ACCOUNT_FRAME_COLUMNS[4:]},
    })
    return frame, reason


def _normalized_handles(handle: np.ndarray) -> np.ndarray:
    """``normalize_handle(h) or None`` of each handle (``None`` stays): string kernels for
    printable ASCII, which ``clean_text`` leaves alone; the rule itself for the rest."""
    out = np.full(len(handle), None, dtype=object)
    known = np.array([h is not None for h in handle], dtype=bool)
    if not known.any():
        return out
    text = pd.Series(handle[known], dtype="str")
    plain = text.str.fullmatch(r"[ -~]*").to_numpy(dtype=bool)
    fast = text.str.strip().str.lstrip("@").str.strip().to_numpy(dtype=object)
    slow = np.flatnonzero(~plain)
    if len(slow):
        codes, uniques = pd.factorize(text.iloc[slow].to_numpy(dtype=object))
        fast[slow] = np.array([normalize_handle(u) for u in uniques], dtype=object)[codes]
    fast[fast == ""] = None
    out[known] = fast
    return out


def _counts(cells: pd.Series, refuse: Callable[[np.ndarray], None]) -> pd.Series:
    """:func:`parse_count` of a column: digits on the whole column, anything else per value."""
    n = len(cells)
    digits = cells.str.fullmatch(r"[0-9]{1,18}").to_numpy(dtype=bool)
    values = np.zeros(n, dtype=np.int64)
    values[digits] = cells[digits].astype("int64").to_numpy()
    missing = cells.eq("").to_numpy(dtype=bool)
    rest = np.flatnonzero(~digits & ~missing)
    if not len(rest):
        return pd.Series(pd.arrays.IntegerArray(values, missing))
    out = values.astype(object)
    out[missing] = None
    out[rest] = _by_rule(cells, rest, parse_count, refuse)  # None where refused, or a count beyond int64
    return pd.Series(out, dtype=object)


def _times(cells: pd.Series, refuse: Callable[[np.ndarray], None]) -> pd.Series:
    """:func:`_created_at` of a column: the usual ISO 8601 form on the whole column (a UTC
    datetime column when every value has it), anything else per value (then objects)."""
    n = len(cells)
    plain = cells.str.fullmatch(_PLAIN_ISO).to_numpy(dtype=bool).copy()
    at = pd.to_datetime(cells.where(plain, None), format="ISO8601", utc=True, errors="coerce")
    plain &= at.notna().to_numpy(dtype=bool)  # an impossible date (2015-02-30): the rule says why
    rest = np.flatnonzero(~plain & cells.ne("").to_numpy(dtype=bool))
    if not len(rest):
        return at.reset_index(drop=True)
    out = np.full(n, None, dtype=object)
    out[plain] = at[plain].astype(object).to_numpy()
    out[rest] = _by_rule(cells, rest, _created_at, refuse)
    return pd.Series(out, dtype=object)


def _by_rule(cells: pd.Series, rows: np.ndarray, rule: Callable[[str], object],
             refuse: Callable[[np.ndarray], None]) -> np.ndarray:
    """The row-wise ``rule`` on the cells at ``rows`` (once per distinct value): its values there
    (``None`` where it refused), its reasons told to ``refuse``."""
    parsed, why = _map_unique(cells.iloc[rows], rule)
    reasons = np.full(len(cells), "", dtype=object)
    reasons[rows] = why.to_numpy(dtype=object)
    refuse(reasons)
    return parsed.to_numpy(dtype=object)


def read_roster(inp: Input, delimiter: str | None = None, warn=None) -> PeopleFile:
    """Read a roster file (``handle`` or ``email`` column required)."""
    return _read(inp, ROSTER_ALIASES, [["handle", "email"]], person_from_row, delimiter, warn)


def read_crm(inp: Input, delimiter: str | None = None, warn=None) -> PeopleFile:
    """Read a CRM file (``handle`` and ``status`` columns required)."""
    return _read(inp, CRM_ALIASES, [["handle"], ["status"]], crm_from_row, delimiter, warn)

"""Typed records of Scout's data model.

Everything that crosses the store interface is one of these records or a pandas
DataFrame with the columns named in :data:`INTERACTION_COLUMNS` /
:data:`ACCOUNT_COLUMNS`.

Identity rules (the same in every store):

* an **account** is ``platform:platform_id`` (``x:2244994945``, ``generic:alice``);
  where a source only knows a handle, the platform id is the lower-cased handle;
* an **interaction** is unique on ``(platform, post_id, kind, target)``; sources
  without post ids derive one from the whole row (see :func:`row_post_id`).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

#: Interaction kinds Scout knows; any other lower-case name is accepted as custom.
KNOWN_KINDS: tuple[str, ...] = (
    "mention",
    "reply",
    "repost",
    "quote",
    "follow",
    "like",
    "comment",
    "message",
    "link",
)
CRM_STATUSES: tuple[str, ...] = ("customer", "prospect", "none")
OUTREACH_STATUSES: tuple[str, ...] = ("to contact", "contacted", "replied", "recruited", "declined")
RUN_STATUSES: tuple[str, ...] = ("running", "ok", "partial", "failed", "interrupted")
#: Leaderboard segments: everyone, employees, everyone else, brokers between
#: communities, brokers across the company boundary (``graph.ranking.leaderboard``).
SEGMENTS: tuple[str, ...] = ("all", "internal", "external", "brokers", "boundary")

SNIPPET_LENGTH = 280

#: Columns of the DataFrame returned by ``GraphStore.interactions``.
INTERACTION_COLUMNS: tuple[str, ...] = (
    "platform",
    "post_id",
    "kind",
    "source",
    "target",
    "at",
    "text",
    "topics",
    "lang",
    "weight",
)
#: Columns of the DataFrame returned by ``GraphStore.accounts``.
ACCOUNT_COLUMNS: tuple[str, ...] = (
    "key",
    "platform",
    "platform_id",
    "handle",
    "name",
    "followers",
    "following",
    "posts",
    "created_at",
    "verified",
    "bio",
    "url",
    "internal",
    "department",
    "crm_status",
    "tags",
)

# -- input limits ------------------------------------------------------------------------
# One home for what a record may hold: every ingest path (and the store, as a last
# line of defence) checks records with the functions below, so both stores accept
# and refuse exactly the same records. The README's "Input limits" lists them.

#: Longest platform id, post id or handle (characters). Neo4j's index entries hold
#: at most ~8 kB and a character may take 4 bytes in UTF-8; real ids are far shorter.
MAX_ID_LENGTH = 512
#: Longest display name, URL and profile text kept (longer values are cut).
MAX_NAME_LENGTH = 256
MAX_URL_LENGTH = 2048
MAX_BIO_LENGTH = 2000
#: Counts (followers, following, posts) must fit a signed 64-bit integer (both stores).
MAX_COUNT = 2**63 - 1
#: Largest interaction weight (a float beyond this is a typo, and would swamp a ranking).
MAX_WEIGHT = 1e6
#: Default time rule: interactions from 2000-01-01 to one day after "now" (clock skew).
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
#: ``--any-time`` widens the rule to what every store and pandas can represent.
WIDEST_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
WIDEST_LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# C0/C1 control characters (but tab/newline in multi-line text), lone surrogates,
# and the invisible characters that allow visual spoofing: bidi embeddings,
# overrides and isolates, LRM/RLM/ALM, zero-width space, word joiner, BOM.
_UNSAFE_CHARS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e"
    "\u2060\u2066-\u2069\ufeff\ud800-\udfff"
)
_UNSAFE_LINE = re.compile(f"[\t\n\r{_UNSAFE_CHARS}]")
_UNSAFE_TEXT = re.compile(f"[{_UNSAFE_CHARS}]")
_BLANKS = re.compile(r"[\t\n\r]+")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The times an ingested interaction may carry: ``earliest <= at <= latest``.

    ``latest=None`` means "now + :data:`FUTURE_SLACK`", evaluated at each check, so
    a long-running scheduler does not freeze its clock.
    """

    earliest: datetime = EARLIEST_TIME
    latest: datetime | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        """The two bounds as aware datetimes."""
        latest = self.latest if self.latest is not None else utcnow() + FUTURE_SLACK
        return self.earliest, latest

    def problem(self, at: datetime) -> str | None:
        """Why ``at`` (aware) is refused, or ``None``."""
        lo, hi = self.bounds()
        if lo <= at <= hi:
            return None
        return (f"time {at.isoformat()} outside the accepted range {lo.date().isoformat()} .. "
                f"{hi.isoformat(timespec='seconds')} (use --any-time to widen it)")


#: The default rule, and the widest one (``--any-time``).
DEFAULT_TIMES = TimeWindow()
ANY_TIME = TimeWindow(WIDEST_EARLIEST, WIDEST_LATEST)


def clean_text(value: str, *, multiline: bool = False) -> str:
    r"""Remove control characters, lone surrogates and invisible spoofing characters.

    Names and handles become one line (tabs and line breaks turn into a space);
    ``multiline`` text keeps its tabs and line breaks. The result is NFC-normalised,
    so the same name typed on two systems is one string.

    Examples
    --------
    >>> clean_text("a\x07b\u202e\x00c")
    'abc'
    >>> clean_text("two\nlines"), clean_text("two\nlines", multiline=True)
    ('two lines', 'two\nlines')
    """
    s = str(value)
    if s.isascii() and s.isprintable():  # the common case, and the cheap test
        return s
    if multiline:
        s = _UNSAFE_TEXT.sub("", s)
    else:
        s = _UNSAFE_TEXT.sub("", _BLANKS.sub(" ", s))
    return unicodedata.normalize("NFC", s)


def has_unsafe_chars(value: str, *, multiline: bool = False) -> bool:
    """Whether :func:`clean_text` would change ``value`` (apart from NFC)."""
    return bool((_UNSAFE_TEXT if multiline else _UNSAFE_LINE).search(value))


def check_id(value: object, what: str = "id") -> str:
    """A cleaned, non-empty platform id, post id or handle of at most :data:`MAX_ID_LENGTH`.

    Raises
    ------
    ValueError
        If the value is empty once cleaned, or too long.
    """
    s = clean_text(str(value)).strip()
    if not s:
        raise ValueError(f"empty {what}")
    if len(s) > MAX_ID_LENGTH:
        raise ValueError(f"{what} too long ({len(s)} characters, at most {MAX_ID_LENGTH})")
    return s


def check_count(value: object, what: str = "count") -> int | None:
    """A count in ``[0, MAX_COUNT]`` (``None`` stays ``None``).

    Raises
    ------
    ValueError
        A negative, fractional, non-numeric or too large value.

    Examples
    --------
    >>> check_count(5), check_count(None)
    (5, None)
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            f = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"{what} is not a number: {value!r}") from None
        if not f.is_integer():
            raise ValueError(f"{what} must be a whole number, got {value!r}")
        value = int(f)
    if not 0 <= value <= MAX_COUNT:
        raise ValueError(f"{what} out of range (0 to 2^63-1): {value}")
    return value


def check_weight(value: object) -> float:
    """An interaction weight in ``[0, MAX_WEIGHT]``.

    Raises
    ------
    ValueError
        Negative, NaN, infinite or too large.
    """
    w = float(value)  # type: ignore[arg-type]
    if not 0 <= w <= MAX_WEIGHT:  # also rejects NaN
        raise ValueError(f"weight must be a number from 0 to {MAX_WEIGHT:g}, got {value!r}")
    return w


def check_time(at: datetime, window: TimeWindow | None = DEFAULT_TIMES) -> datetime:
    """``at`` in UTC, checked against ``window`` (``None``: only the widest bounds).

    Raises
    ------
    ValueError
        Outside the window.
    """
    at = to_utc(at)
    problem = (window or ANY_TIME).problem(at)
    if problem:
        raise ValueError(problem)
    return at


def sanitize_account(a: Account) -> None:
    """Clean an account's text fields and check its limits, in place.

    Ids and handles lose control and spoofing characters and must fit
    :data:`MAX_ID_LENGTH`; names, URLs and profile texts are cleaned and cut to
    their limits; counts must fit :func:`check_count`; ``created_at`` must lie in
    the widest time window.

    Raises
    ------
    ValueError
        A record that cannot be stored as it is (the message says why).
    """
    a.platform_id = check_id(a.platform_id, "platform id")
    if a.handle is not None:
        a.handle = check_id(a.handle, "handle") if a.handle.strip() else None
    if a.name is not None:
        a.name = clean_text(a.name).strip()[:MAX_NAME_LENGTH] or None
    if a.bio is not None:
        a.bio = clean_text(a.bio, multiline=True)[:MAX_BIO_LENGTH] or None
    if a.url is not None:
        a.url = clean_text(a.url).strip()[:MAX_URL_LENGTH] or None
    a.followers = check_count(a.followers, "followers")
    a.following = check_count(a.following, "following")
    a.posts = check_count(a.posts, "posts")
    if a.created_at is not None:
        a.created_at = check_time(a.created_at, None)


_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_PLATFORM_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")


def account_key(platform: str, platform_id: str) -> str:
    """Return the store key of an account.

    Parameters
    ----------
    platform : str
        Platform name, e.g. ``"x"``; lower-cased.
    platform_id : str
        The platform's own id of the account (numeric id on X, handle elsewhere).

    Returns
    -------
    str
        ``"platform:platform_id"``.

    Raises
    ------
    ValueError
        If the platform name is not a short lower-case identifier or the id is empty.

    Examples
    --------
    >>> account_key("X", "12")
    'x:12'
    """
    platform = normalize_platform(platform)
    pid = str(platform_id).strip()
    if not pid:
        raise ValueError("empty platform id")
    return f"{platform}:{pid}"


def split_key(key: str) -> tuple[str, str]:
    """Split ``"platform:platform_id"`` into its two parts.

    Raises
    ------
    ValueError
        If ``key`` has no colon.
    """
    platform, sep, pid = key.partition(":")
    if not sep or not platform or not pid:
        raise ValueError(f"not an account key (platform:id): {key!r}")
    return platform, pid


def checked_key(key: str, what: str = "account key") -> str:
    r"""An account key ``platform:id`` whose id is cleaned and fits :data:`MAX_ID_LENGTH`.

    Raises
    ------
    ValueError
        Not ``platform:id``, or an id the data model refuses (:func:`check_id`).

    Examples
    --------
    >>> checked_key("slack:ann\x00")
    'slack:ann'
    """
    platform, pid = split_key(str(key))
    return f"{platform}:{check_id(pid, what + ' id')}"


def normalize_platform(platform: str) -> str:
    """Lower-case and validate a platform name (``x``, ``linkedin``, ``slack``…)."""
    p = str(platform).strip().lower()
    if not _PLATFORM_RE.match(p):
        raise ValueError(f"invalid platform name {platform!r}: use letters, digits, _ . -")
    return p


def normalize_kind(kind: str) -> str:
    """Lower-case and validate an interaction kind; ``retweet`` is read as ``repost``."""
    k = str(kind).strip().lower().replace("-", "_").replace(" ", "_")
    k = {"retweet": "repost", "rt": "repost", "dm": "message", "favorite": "like"}.get(k, k)
    if not _KIND_RE.match(k):
        raise ValueError(f"invalid interaction kind {kind!r}")
    return k


def normalize_handle(handle: str) -> str:
    """Return a handle without a leading ``@``, surrounding blanks and control or
    spoofing characters (case kept; see :func:`clean_text`)."""
    return clean_text(str(handle)).strip().lstrip("@").strip()


def normalize_topic(topic: str) -> str:
    """Topics are matched case-insensitively and without a leading ``#``."""
    return str(topic).strip().lstrip("#").strip().lower()


def to_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def row_post_id(*parts: object) -> str:
    """A stable post id for sources that have none: a hash of the whole row.

    Ingesting the same row twice yields the same id, so it is stored once.

    Examples
    --------
    >>> row_post_id("a", "b", 1) == row_post_id("a", "b", 1)
    True
    """
    digest = hashlib.sha1(
        json.dumps([str(p) for p in parts], ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    return "row:" + digest[:24]


def row_post_ids(columns: list) -> list[str]:
    """:func:`row_post_id` of many rows at once, given column by column.

    Parameters
    ----------
    columns : list of array-like of str
        One sequence of strings per part, all of one length (pandas text
        columns backed by Arrow are taken without a copy).

    Returns
    -------
    list of str
        The same ids :func:`row_post_id` gives each row: the JSON text it hashes
        is assembled by Arrow's string kernels for rows of printable ASCII
        without quotes or backslashes (what JSON leaves as it is); other rows
        take :func:`json.dumps` itself.

    Examples
    --------
    >>> row_post_ids([["a", 'q"', "é"], ["b", "c", "d"]]) == [
    ...     row_post_id("a", "b"), row_post_id('q"', "c"), row_post_id("é", "d")]
    True
    """
    if not columns or not len(columns[0]):
        return []
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [_arrow_text(c) for c in columns]
    joined = pc.binary_join_element_wise(*parts, '", "')
    texts = pc.binary_join_element_wise('["', joined, '"]', "")
    # Printable ASCII, and quotes only where the separators put them: JSON
    # would write such a row exactly like this.
    plain = pc.and_(
        pc.match_substring_regex(texts, r"^[ -~]*$"),
        pc.and_(pc.equal(pc.count_substring(texts, '"'), 2 * len(parts)),
                pc.invert(pc.match_substring(texts, "\\"))),
    ).to_numpy(zero_copy_only=False)
    sha1 = hashlib.sha1
    data = pc.cast(texts, pa.binary()).to_pylist()
    ids = ["row:" + sha1(b).hexdigest()[:24] for b in data]
    rest = np.flatnonzero(~plain)
    if len(rest):
        values = [p.take(pa.array(rest)).to_pylist() for p in parts]
        for j, i in enumerate(rest.tolist()):
            ids[i] = row_post_id(*(v[j] for v in values))
    return ids


def _arrow_text(values) -> pa.Array:
    """An Arrow string array of ``values`` (a pandas column, an array or a list of str)."""
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    else:
        arr = pa.array(values if hasattr(values, "__arrow_array__") else np.asarray(values, dtype=object),
                       type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        raise ValueError("row_post_ids: missing value in a part")
    return arr.cast(pa.string()) if arr.type != pa.string() else arr


@dataclass(slots=True)
class Account:
    """An account on some platform, with Scout's annotations.

    ``None`` attributes mean *unknown*: an upsert never overwrites a known value
    with ``None``.
    """

    platform: str
    platform_id: str
    handle: str | None = None
    name: str | None = None
    followers: int | None = None
    following: int | None = None
    posts: int | None = None
    created_at: datetime | None = None
    verified: bool | None = None
    bio: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        self.platform = normalize_platform(self.platform)
        if self.handle is not None:
            self.handle = normalize_handle(self.handle) or None
        sanitize_account(self)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.platform_id}"

    def as_row(self) -> dict:
        row = asdict(self)
        row["key"] = self.key
        return row


@dataclass(slots=True)
class Interaction:
    """One act of attention: ``source`` engages with ``target``.

    ``source`` and ``target`` are account keys. ``weight`` multiplies the kind's
    weight in rankings (CSV sources may set it; default 1).
    """

    platform: str
    post_id: str
    kind: str
    source: str
    target: str
    at: datetime
    text: str | None = None
    topics: tuple[str, ...] = ()
    lang: str | None = None
    weight: float = 1.0

    def __post_init__(self) -> None:
        self.platform = normalize_platform(self.platform)
        self.kind = normalize_kind(self.kind)
        self.post_id = check_id(self.post_id, "post id")
        self.source = checked_key(self.source, "source")
        self.target = checked_key(self.target, "target")
        self.at = check_time(self.at, None)
        if self.text is not None:
            self.text = clean_text(self.text, multiline=True)[:SNIPPET_LENGTH]
        seen: dict[str, None] = {}
        for t in self.topics:
            nt = normalize_topic(t)
            if nt:
                seen[nt] = None
        self.topics = tuple(seen)
        self.weight = check_weight(self.weight)

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """The unique key ``(platform, post_id, kind, target)``."""
        return (self.platform, self.post_id, self.kind, self.target)

    @property
    def key(self) -> str:
        """The identity as one string (used as the Neo4j relationship key)."""
        return "|".join(self.identity)


@dataclass(slots=True)
class Person:
    """A row of the company roster: someone who works for the company."""

    handle: str | None = None
    platform: str | None = None
    email: str | None = None
    name: str | None = None
    department: str | None = None
    manager: str | None = None
    #: The HR system's id: rows with the same id are one person (like the same e-mail).
    employee_id: str | None = None

    def __post_init__(self) -> None:
        if self.handle is not None:
            self.handle = normalize_handle(self.handle) or None
            if self.handle is not None:
                self.handle = check_id(self.handle, "handle")
        if self.platform is not None:
            self.platform = normalize_platform(self.platform)
        if self.email is not None:
            self.email = clean_text(self.email).strip().lower() or None
            if self.email is not None:
                self.email = check_id(self.email, "email")
        if self.employee_id is not None:
            self.employee_id = clean_text(str(self.employee_id)).strip() or None
        if not self.handle and not self.email:
            raise ValueError("a roster row needs a handle or an email")
        for name in ("name", "department", "manager"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, clean_text(value).strip()[:MAX_NAME_LENGTH] or None)


@dataclass(slots=True)
class CrmEntry:
    """A customer or prospect from the CRM list."""

    handle: str
    status: str
    platform: str | None = None
    company: str | None = None
    email: str | None = None  # the contact's address: links the handle to its person

    def __post_init__(self) -> None:
        self.handle = normalize_handle(self.handle)
        if not self.handle:
            raise ValueError("a CRM row needs a handle")
        self.handle = check_id(self.handle, "handle")
        if self.email is not None:
            self.email = clean_text(self.email).strip().lower() or None
            if self.email is not None:
                self.email = check_id(self.email, "email")
        if self.company is not None:
            self.company = clean_text(self.company).strip()[:MAX_NAME_LENGTH] or None
        self.status = str(self.status).strip().lower()
        if self.status not in CRM_STATUSES:
            raise ValueError(f"CRM status must be one of {', '.join(CRM_STATUSES)}")
        if self.platform is not None:
            self.platform = normalize_platform(self.platform)


@dataclass(slots=True)
class WriteResult:
    """What one write did: new rows and rows that were already there."""

    inserted: int = 0
    duplicates: int = 0

    def __iadd__(self, other: WriteResult) -> WriteResult:
        self.inserted += other.inserted
        self.duplicates += other.duplicates
        return self


@dataclass(slots=True)
class Run:
    """An ingest, ranking or refresh run, as recorded in the store."""

    id: str
    kind: str
    source: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    cursor: str | None = None
    summary: dict = field(default_factory=dict)


@dataclass(slots=True)
class Snapshot:
    """A stored ranking: its configuration and one row per ranked account.

    ``table`` has at least the columns ``account`` (key), ``rank`` and ``score``;
    every other column is a metric.
    """

    id: str
    created_at: datetime
    config: dict
    table: object  # pandas.DataFrame; typed loosely so this module needs no pandas


@dataclass(slots=True)
class Shortlist:
    """A named recruitment shortlist."""

    name: str
    created_at: datetime
    description: str = ""
    members: int = 0


@dataclass(slots=True)
class Stats:
    """Counts that describe a store's contents (``scout stats``)."""

    store: str
    accounts: int
    internal_accounts: int
    external_accounts: int
    interactions: int
    by_kind: dict[str, int]
    by_platform: dict[str, int]
    first_at: datetime | None
    last_at: datetime | None
    last_runs: list[Run]

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("first_at", "last_at"):
            d[k] = d[k].isoformat() if d[k] else None
        for r in d["last_runs"]:
            for k in ("started_at", "finished_at"):
                r[k] = r[k].isoformat() if r[k] else None
        return d


def utcnow() -> datetime:
    """The current time, aware, in UTC (stores keep millisecond precision)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)

"""The contract every network connector fulfils, and the registry of connectors.

A **connector** fetches from one platform's API through that platform's
client library and turns each raw response into Scout records. X
(:mod:`ingest.x_api`) came first; every other network (YouTube, Mastodon,
Bluesky, Reddit, blogs, LinkedIn, Facebook) is a :class:`Connector` subclass in
its own module, registered in :data:`CONNECTORS`, and gets for free:

* ``scout ingest <platform> <endpoint> VALUE`` with ``--since``, ``--max``,
  ``--raw-dir``, ``--json``, progress bars and rate-limit countdowns
  (:mod:`ui.cli_ingest`);
* ``[[sources.<platform>]]`` entries in ``scout.toml`` for scheduled refreshes
  (:mod:`ingest.ops.config`, :mod:`ingest.ops.refresh`);
* the "Fetch from a network" form of the app's Data page;
* the raw archive (:mod:`ingest.raw_archive`), written before parsing, and its
  replay with ``scout ingest replay FILE…`` through the same parser;
* the run record, the incremental cursor per source (the newest cursor value of
  the last run of the same source, :meth:`graph.store.GraphStore.last_cursor`),
  opt-outs, listening themes, batching (:func:`ingest.jobs.fetch_platform`);
* one retry rule (:mod:`ingest.retry`).

What a connector provides (see :class:`Connector`): its endpoints, how to build
the client from environment variables, which API calls a fetch makes
(:meth:`Connector.fetch`, yielding :class:`Response` objects), and the parser
(:meth:`Connector.parse`), a function of one archived record — so that a replay
and a live fetch read exactly the same thing.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.errors import ApiAuthError, InputError, RecordError
from ingest.pipeline import Chunk
from ingest.raw_archive import BODY_KEY, META_KEY, RawArchive
from ingest.records import Parsed
from ingest.retry import RetryPolicy

#: platform → module holding its ``CONNECTOR`` (imported only when used, so that a
#: client library is loaded only by the commands that need it). X is not listed:
#: it predates this contract and has its own commands (``scout ingest x …``).
CONNECTORS: dict[str, str] = {
    "youtube": "ingest.youtube",
    "mastodon": "ingest.mastodon",
    "bluesky": "ingest.bluesky",
    "reddit": "ingest.reddit",
    "blog": "ingest.blog",
    "facebook": "ingest.facebook",
    "linkedin": "ingest.linkedin_api",
}


@dataclass(frozen=True)
class Endpoint:
    """One thing a connector can fetch: ``scout ingest <platform> <name> VALUE``.

    Parameters
    ----------
    name : str
        The sub-command and the ``scout.toml`` key (``channel``, ``tag``, ``search``).
    metavar : str
        How the value is shown in help (``CHANNEL_ID``).
    help : str
        One paragraph: what is fetched and which edges it yields.
    examples : tuple of str
        Command lines shown in ``--help``.
    """

    name: str
    metavar: str
    help: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    """An extra option of a connector's commands (``--instance``), also a ``scout.toml`` key.

    ``type`` is ``str``, ``int`` or ``bool`` (a flag). A value read from the
    environment (``env``) is never written to the run record.
    """

    name: str
    help: str
    type: type = str
    default: Any = None
    env: str | None = None


@dataclass
class Response:
    """One raw API response, as a connector's :meth:`Connector.fetch` yields it.

    ``body`` is the decoded JSON exactly as the API sent it; ``meta`` what the
    parser needs to read it (at least ``call``, the API method), archived with it.
    """

    body: Any
    meta: dict = field(default_factory=dict)
    url: str | None = None


class Connector:
    """Base class of a network connector (subclass it; one instance per module, ``CONNECTOR``).

    Class attributes
    ----------------
    platform : str
        The platform name, used in account keys (``youtube:UC…``), interactions,
        source names (``youtube:channel:UC…``), the archive folder and the CLI.
    title : str
        The network's name for people ("YouTube").
    service : str
        The API's name in messages ("YouTube Data API").
    endpoints : tuple of Endpoint
    options : tuple of Option
    credentials : tuple of str
        The environment variables it reads (documented; never logged).
    unit : str
        What the progress bar counts ("comments", "posts").
    """

    platform: str = ""
    title: str = ""
    service: str = ""
    endpoints: tuple[Endpoint, ...] = ()
    options: tuple[Option, ...] = ()
    credentials: tuple[str, ...] = ()
    unit: str = "posts"
    help: str = ""
    #: Other names of the CLI group and ``[[sources.<name>]]`` key (blogs answer to ``rss``).
    aliases: tuple[str, ...] = ()

    # -- naming ------------------------------------------------------------------------------
    def endpoint(self, name: str) -> Endpoint:
        """The endpoint called ``name``.

        Raises
        ------
        InputError
            Unknown endpoint (the message lists the known ones).
        """
        for e in self.endpoints:
            if e.name == name:
                return e
        known = ", ".join(e.name for e in self.endpoints)
        raise InputError(f"{self.platform}: unknown endpoint {name!r} (one of {known})")

    def normalize_value(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        """The canonical form of a fetch's value (a handle lower-cased…); default: stripped.

        Raises
        ------
        InputError
            A value this endpoint cannot take (say why and what it expects).
        """
        v = str(value).strip()
        if not v:
            raise InputError(f"{self.platform} {endpoint}: give a {self.endpoint(endpoint).metavar}")
        return v

    def source_name(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        """The source name that keys the run's cursor and the archive folder.

        Default ``<platform>:<endpoint>:<value>``; a connector whose value alone
        is ambiguous adds to it (Mastodon adds ``@instance``).
        """
        return f"{self.platform}:{endpoint}:{value}"

    # -- fetching ----------------------------------------------------------------------------
    def client(self, options: Mapping[str, Any], retry: RetryPolicy,
               environ: Mapping[str, str]) -> Any:
        """The platform's client library object, configured from ``environ`` and ``options``.

        The API base URL comes from ``SCOUT_<PLATFORM>_API_BASE`` when set (tests
        point it at a local server). Requests made through it must go through
        :func:`ingest.retry.call_with_retries` with ``retry``.

        Raises
        ------
        ApiAuthError
            Missing credentials: the message names the variables to set.
        """
        raise NotImplementedError

    def fetch(self, client: Any, endpoint: str, value: str, *, cursor: str | None,
              max_posts: int | None, options: Mapping[str, Any]) -> Iterator[Response]:
        """Yield the raw responses of one fetch, oldest call first.

        ``cursor`` is the previous run's cursor for this source (``None`` the first
        time, or ``--since``): fetch only what is newer when the API allows,
        otherwise stop paging once responses hold nothing newer. Stop after
        ``max_posts`` posts (whole responses are kept).
        """
        raise NotImplementedError

    def since_cursor(self, since: str) -> str:
        """The cursor that ``--since VALUE`` stands for (default: an ISO date as a time cursor).

        Raises
        ------
        InputError
            A value that is no date.
        """
        return parse_since(since, self.platform)

    # -- parsing -----------------------------------------------------------------------------
    def new_state(self) -> Any:
        """State one run's parsing keeps across responses (who wrote a thread…); default none."""
        return None

    def parse(self, record: dict, state: Any) -> Parsed:
        """Accounts and interactions of one archived record ``{"__scout": meta, "response": body}``.

        Raises
        ------
        RecordError
            The record is not a response this connector knows (say what it is).
        """
        raise NotImplementedError

    # -- environment -------------------------------------------------------------------------
    def env(self, environ: Mapping[str, str], *names: str, required: bool = True) -> str | None:
        """The first non-empty variable of ``names``.

        Raises
        ------
        ApiAuthError
            None is set and ``required``: the message names them (never a value).
        """
        for name in names:
            value = (environ.get(name) or "").strip()
            if value:
                return value
        if required:
            raise ApiAuthError(f"no {self.title} credentials: set {' or '.join(names)}")
        return None

    def api_base(self, environ: Mapping[str, str], default: str | None = None) -> str | None:
        """``SCOUT_<PLATFORM>_API_BASE`` (without trailing ``/``), else ``default``."""
        value = (environ.get(f"SCOUT_{self.platform.upper()}_API_BASE") or "").strip()
        return value.rstrip("/") if value else default


def parse_since(value: str, platform: str = "") -> str:
    """``--since DATE`` as a time cursor (:func:`ingest.records.time_cursor`); naive times are UTC.

    Raises
    ------
    InputError
        Not an ISO 8601 date or time.

    Examples
    --------
    >>> parse_since("2024-05-01")
    '2024-05-01T00:00:00.000000Z'
    """
    from datetime import UTC, datetime

    from ingest.records import time_cursor

    try:
        when = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        where = f" on {platform}" if platform else ""
        raise InputError(f"--since takes an ISO 8601 date or time{where}, got {value!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return time_cursor(when)


def connector(platform: str) -> Connector:
    """The connector of ``platform``.

    Raises
    ------
    InputError
        Not a registered platform (the message lists them).
    """
    module = CONNECTORS.get(platform)
    if module is None:
        raise InputError(f"no connector for {platform!r} (one of {', '.join(CONNECTORS)})")
    return importlib.import_module(module).CONNECTOR


def platforms() -> tuple[str, ...]:
    """The registered platforms, in registry order."""
    return tuple(CONNECTORS)


def record_chunk(conn: Connector, record: dict, where: str, state: Any) -> Chunk:
    """Parse one archived record into a :class:`~ingest.pipeline.Chunk`; errors located at ``where``."""
    from ingest.jsonl import parsed_to_chunk

    chunk = Chunk()
    try:
        parsed_to_chunk(conn.parse(record, state), where, chunk)
    except RecordError as exc:
        chunk.errors.append(f"{where}: {exc}")
    return chunk


def archived_chunks(conn: Connector, responses: Iterator[Response], archive: RawArchive) -> Iterator[Chunk]:
    """Archive each response durably, then parse it: the order that guarantees nothing is lost.

    Rejected records are reported at their archive line (``file:line: reason``),
    which ``scout ingest replay`` reads again.
    """
    state = conn.new_state()
    for response in responses:
        path, line = archive.append(response.body, response.url, response.meta)
        record = {META_KEY: {"platform": conn.platform, "source": archive.source, **response.meta},
                  BODY_KEY: response.body}
        yield record_chunk(conn, record, f"{path}:{line}", state)


def record_platform(record: object) -> str | None:
    """The platform of an archived line (``None``: not a Scout archive record of a connector).

    Examples
    --------
    >>> record_platform({"__scout": {"platform": "youtube"}, "response": {}})
    'youtube'
    >>> record_platform({"data": []}) is None
    True
    """
    if not isinstance(record, dict) or BODY_KEY not in record:
        return None
    meta = record.get(META_KEY)
    if not isinstance(meta, dict):
        return None
    platform = meta.get("platform")
    return platform if isinstance(platform, str) else None

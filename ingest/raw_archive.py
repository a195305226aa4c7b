"""The raw archive: every API response, on disk, before it is parsed.

One home for every platform. Responses go to
``<root>/<platform>/<source-slug>/<YYYY-MM-DD>.jsonl``, one per line, flushed
and fsynced before :meth:`RawArchive.append` returns, so nothing fetched is lost
and ``scout ingest replay`` (or ``scout ingest jsonl`` for X) can replay a
file through the very same parser.

Two line layouts:

* **X** keeps the API v2 page itself (``data`` / ``includes`` / ``meta`` /
  ``errors``) with a ``__scout`` key beside them, which twarc-style tools read;
* **every other platform** writes ``{"__scout": {...}, "response": <body>}``,
  the JSON body exactly as the API sent it (a list for Mastodon's timelines).

``__scout`` holds ``platform``, ``source`` (which keys the run's cursor),
``url`` (never credentials), ``retrieved_at`` and what the parser needs to
read the body on replay (``call``, the API method, and its ``params``, the
fetching ``instance`` on Mastodon…).
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from graph.errors import InputError
from ingest.jsonio import dumps_line

RAW_DIR_ENV = "SCOUT_RAW_DIR"
DEFAULT_RAW_DIR = Path("data") / "raw"
#: The key of the archive's own metadata in each line.
META_KEY = "__scout"
#: The key of the API's body in a non-X line.
BODY_KEY = "response"


def source_slug(source: str) -> str:
    """A folder name for a source: readable, filesystem-safe and unique.

    The platform prefix is left out (the platform is the parent folder).

    Examples
    --------
    >>> source_slug("x:search:#AI lang:en")
    'search-ai-lang-en-44a3a514'
    >>> source_slug("youtube:channel:UC_x5XG1OV2P6uZZ5FSM9Ttw")[:30]
    'channel-uc-x5xg1ov2p6uzz5fsm9t'
    """
    body = source.split(":", 1)[1] if ":" in source else source
    readable = re.sub(r"[^a-z0-9]+", "-", body.lower()).strip("-")[:60] or "source"
    digest = hashlib.sha1(source.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}"


def source_platform(source: str) -> str:
    """The platform a source name belongs to (its prefix).

    Examples
    --------
    >>> source_platform("mastodon:tag:python@mastodon.social")
    'mastodon'
    """
    return source.split(":", 1)[0]


def archive_record(body: Any, meta: dict) -> dict:
    """The line written for a non-X response: ``{"__scout": meta, "response": body}``.

    Tests and ``bench/`` build replayable records of recorded bodies with it.
    """
    return {META_KEY: dict(meta), BODY_KEY: body}


class RawArchive:
    """Appends raw API responses to ``<root>/<platform>/<source-slug>/<YYYY-MM-DD>.jsonl``.

    Parameters
    ----------
    root : str or Path, optional
        Default ``$SCOUT_RAW_DIR`` or ``data/raw``.
    source : str
        The source name (``x:search:acme``, ``youtube:channel:UC…``); its prefix
        is the platform folder.
    """

    def __init__(self, root: str | Path | None, source: str) -> None:
        self.root = Path(root or os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR)
        self.source = source
        self.platform = source_platform(source)
        self.folder = self.root / self.platform / source_slug(source)
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        self._lines = 0
        self.pages = 0

    def path_for(self, when: datetime) -> Path:
        return self.folder / f"{when:%Y-%m-%d}.jsonl"

    def append(self, page: Any, url: str | None = None, meta: dict | None = None) -> tuple[Path, int]:
        """Write one response durably; returns the file and line it went to.

        Parameters
        ----------
        page : dict or list
            X: the API page (a dict). Other platforms: the decoded body.
        url : str, optional
            The URL requested, without credentials.
        meta : dict, optional
            What the parser needs on replay (``call``, ``params``…), kept in ``__scout``.

        Raises
        ------
        InputError
            If the archive folder cannot be written.
        """
        now = datetime.now(UTC)
        path = self.path_for(now)
        info = {
            "platform": self.platform,
            "source": self.source,
            "url": url,
            "retrieved_at": now.isoformat(timespec="seconds"),
            **(meta or {}),
        }
        if self.platform == "x":
            record = dict(page)
            record[META_KEY] = info
        else:
            record = archive_record(page, info)
        try:
            if path != self._path:
                self.close()
                path.parent.mkdir(parents=True, exist_ok=True)
                self._lines = _count_lines(path)
                self._file = open(path, "ab")  # noqa: SIM115 - kept open across pages
                self._path = path
            assert self._file is not None
            self._file.write(dumps_line(record))
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise InputError(f"cannot write the raw archive {path}: {exc.strerror or exc}") from None
        self.pages += 1
        self._lines += 1
        return path, self._lines

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self._path = None

    def __enter__(self) -> RawArchive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _count_lines(path: Path) -> int:
    """Lines already in an archive file (so that error locations are exact)."""
    if not path.exists():
        return 0
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            n += block.count(b"\n")
    return n

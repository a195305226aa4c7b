"""Readers of the company's own channels, one interface for :func:`ingest.jobs.import_source`.

A reader is opened inside the run (an unreadable input is a failed run), yields
:class:`~ingest.pipeline.Chunk` objects for :func:`~ingest.pipeline.run_ingest`,
and then records what its source told about people: which accounts are bots
(tagged ``automated``), which e-mail address an account has (people linking,
:meth:`graph.store.GraphStore.set_account_emails`), who is internal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from graph.automation import AUTOMATED_TAG
from graph.store import GraphStore
from ingest.pipeline import Chunk


class Reader:
    """Base reader: subclasses set :attr:`size` in :meth:`open` and implement :meth:`chunks`."""

    size: int | None = None

    def open(self) -> None:  # noqa: B027 - optional hook
        """Open the input (raises :class:`~graph.errors.InputError`)."""

    def chunks(self) -> Iterator[Chunk]:
        raise NotImplementedError

    def finish(self, store: GraphStore) -> dict[str, int]:
        """Record what the source said about people; returns counts for the run summary."""
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files."""


def tag_automated(store: GraphStore, keys: set[str]) -> int:
    """Add the ``automated`` tag to the accounts ``keys`` (other tags kept); returns how many changed."""
    if not keys:
        return 0
    changed = 0
    accounts = store.accounts(sorted(keys))
    for key, tags in zip(accounts["key"], accounts["tags"], strict=True):
        current = list(tags) if isinstance(tags, list | tuple) else []
        if AUTOMATED_TAG not in current:
            store.set_tags(key, [*current, AUTOMATED_TAG])
            changed += 1
    return changed


def merge_handle_accounts(store: GraphStore, users) -> int:
    """Fold accounts a source knew by handle only (``slack:ann.lee``, from an edge list) into
    the account with the platform's id that now carries that handle (``slack:U0ABC``).

    Slack ids are upper-case, handle-only keys lower-case, so the two never collide.
    """
    aliases = {}
    for a in users:
        if a.handle:
            alias = f"{a.platform}:{a.handle.lower()}"
            if alias != a.key:
                aliases[alias] = a.key
    if not aliases:
        return 0
    stored = set(store.accounts(sorted(aliases))["key"])
    mapping = {k: v for k, v in aliases.items() if k in stored}
    return store.merge_accounts(mapping)["accounts"] if mapping else 0


class SlackReader(Reader):
    """A Slack export (see :mod:`ingest.slack`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.export = None

    def open(self) -> None:
        from ingest.slack import open_export

        self.export = open_export(self.path)
        self.size = self.export.files.size

    def chunks(self) -> Iterator[Chunk]:
        from ingest.slack import iter_slack_chunks

        yield from iter_slack_chunks(self.export)

    def finish(self, store: GraphStore) -> dict[str, int]:
        export = self.export
        counts = {
            "bots": tag_automated(store, export.automated),
            "deleted_users": len(export.deleted),
            "handle_accounts_merged": merge_handle_accounts(store, export.users.values()),
        }
        counts["emails"] = store.set_account_emails(export.emails)
        return counts

    def close(self) -> None:
        if self.export is not None:
            self.export.files.close()


class MailReader(Reader):
    """Mailboxes (see :mod:`ingest.mail`)."""

    def __init__(self, paths: Sequence[str | Path], internal_domains: tuple[str, ...] = (),
                 subjects: bool = False, store: GraphStore | None = None) -> None:
        self.paths = list(paths)
        self.internal_domains = tuple(internal_domains)
        self.subjects = subjects
        self.store = store
        self.addresses: dict[str, str | None] = {}

    def open(self) -> None:
        from graph.errors import InputError

        for p in self.paths:
            if not Path(p).exists():
                raise InputError(f"{p}: no such file or folder")

    def chunks(self) -> Iterator[Chunk]:
        from ingest.mail import PLATFORM, iter_mail_chunks, iter_sources

        known: dict[str, str] = {}
        if self.store is not None:
            # Parents stored by earlier imports: a reply today to last month's mail.
            old = self.store.interactions(platforms=[PLATFORM], with_text=False)
            known = dict(zip(old["post_id"], old["source"], strict=True))
        yield from iter_mail_chunks(iter_sources(self.paths), known, self.subjects,
                                    addresses=self.addresses)

    def finish(self, store: GraphStore) -> dict[str, int]:
        if not self.internal_domains:
            return {"addresses": len(self.addresses)}
        from ingest.mail import internal_people

        people = internal_people(self.addresses, self.internal_domains)
        if people:
            store.set_roster(people)
        return {"addresses": len(self.addresses), "internal_addresses": len(people)}


class TeamsReader(Reader):
    """A JSON Lines file of Graph ``chatMessage`` objects (see :mod:`ingest.teams`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self.inp = None

    def open(self) -> None:
        from ingest.sources import open_input

        self.inp = open_input(self.path)
        self.size = self.inp.size

    def chunks(self) -> Iterator[Chunk]:
        from ingest.teams import iter_teams_chunks

        yield from iter_teams_chunks(self.inp)

    def close(self) -> None:
        if self.inp is not None:
            self.inp.close()


class EngageReader(Reader):
    """A Viva Engage network data export (see :mod:`ingest.engage`)."""

    def __init__(self, path: str | Path, store: GraphStore | None = None) -> None:
        self.path = str(path)
        self.store = store
        self.export = None

    def open(self) -> None:
        from ingest.engage import open_export

        self.export = open_export(self.path)
        self.size = self.export.files.size

    def chunks(self) -> Iterator[Chunk]:
        from ingest.engage import PLATFORM, iter_engage_chunks

        known: dict[str, str] = {}
        if self.store is not None:
            # Replies to messages of an earlier export of the same network.
            old = self.store.interactions(platforms=[PLATFORM], with_text=False)
            known = dict(zip(old["post_id"], old["source"], strict=True))
        yield from iter_engage_chunks(self.export, known)

    def finish(self, store: GraphStore) -> dict[str, int]:
        return {"emails": store.set_account_emails(self.export.emails)}

    def close(self) -> None:
        if self.export is not None:
            self.export.files.close()


class LinkedInReader(Reader):
    """A LinkedIn member's data export, given with consent (see :mod:`ingest.linkedin`)."""

    def __init__(self, path: str | Path, member: str | None = None, name: str | None = None) -> None:
        self.path = str(path)
        self.member = member
        self.name = name
        self.export = None

    def open(self) -> None:
        from ingest.linkedin import LinkedInExport

        self.export = LinkedInExport.open(self.path, self.name)
        self.size = self.export.size

    def chunks(self) -> Iterator[Chunk]:
        from ingest.linkedin import iter_export_chunks

        yield from iter_export_chunks(self.export, self.member)


def reader(kind: str, paths: Sequence[str | Path], **options) -> Reader:
    """The reader of ``kind`` for ``paths`` (options a kind does not use are ignored)."""
    from graph.errors import InputError

    if kind in ("slack", "teams", "engage", "linkedin") and len(paths) != 1:
        raise InputError(f"scout ingest {kind} takes one export or file, got {len(paths)}")
    if kind == "slack":
        return SlackReader(paths[0])
    if kind == "mail":
        return MailReader(paths, options.get("internal_domains", ()), options.get("subjects", False),
                          options.get("store"))
    if kind == "teams":
        return TeamsReader(paths[0])
    if kind == "linkedin":
        return LinkedInReader(paths[0], options.get("member"), options.get("name"))
    return EngageReader(paths[0], options.get("store"))

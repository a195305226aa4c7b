"""The ``GraphStore`` interface.

Two implementations stand behind this one interface and pass one contract test
suite (``tests/graph/test_store_contract.py``):

* :class:`graph.sqlite_store.SqliteStore` — the embedded default, a SQLite file in WAL mode;
* :class:`graph.neo4j_store.Neo4jStore` — the production store, Neo4j over Bolt.

This module knows neither: store URIs are parsed in :mod:`graph.store_uri`, and
:func:`graph.factory.open_store` picks the implementation a URI names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import pandas as pd

from graph.model import (
    Account,
    CrmEntry,
    Interaction,
    Person,
    Run,
    Shortlist,
    Snapshot,
    Stats,
    WriteResult,
)

#: Columns of :meth:`GraphStore.roster` (``handle`` is lower-cased).
ROSTER_COLUMNS = ("handle", "platform", "email", "employee_id", "name", "department", "manager")
#: Columns of :meth:`GraphStore.crm` (``handle`` is lower-cased).
CRM_COLUMNS = ("handle", "platform", "status", "company", "email")
#: Rows per write transaction; ingest jobs commit one batch at a time.
DEFAULT_BATCH_SIZE = 5_000


class GraphStore(ABC):
    """Where Scout keeps accounts, interactions, runs, ranking snapshots and shortlists.

    Writes are idempotent: an interaction is stored once per identity
    ``(platform, post_id, kind, target)``; an account once per key. Each call to
    :meth:`write_batch` is one transaction: after a crash a batch is either all
    there or not at all, so re-running an ingest job converges on the same contents.
    """

    #: Printable location (never holds a password).
    display: str

    # -- lifecycle ---------------------------------------------------------------
    @abstractmethod
    def close(self) -> None:
        """Release connections this store opened (an injected driver is left open)."""

    def reopen(self) -> GraphStore | None:
        """A new, independent connection to the same store, or ``None``.

        For work in another process (a connection must not cross ``fork``);
        ``None`` when this store cannot make one, and the caller shares this
        store from a thread instead. The caller closes what it gets.
        """
        return None

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- accounts and interactions ---------------------------------------------------
    @abstractmethod
    def write_batch(
        self,
        accounts: Sequence[Account],
        interactions: Sequence[Interaction] | pd.DataFrame,
    ) -> WriteResult:
        """Upsert ``accounts`` and add ``interactions`` in one transaction.

        ``interactions`` may be :class:`Interaction` records or a DataFrame with
        :data:`INTERACTION_COLUMNS` (validated column-wise, see
        :func:`graph.frames.event_table`), which is the fast path for big loads.

        Accounts named by an interaction but absent from ``accounts`` and from the
        store are created as bare accounts (key only). Known attribute values are
        never overwritten with ``None``. Interactions already stored, or repeated
        within the batch, count as duplicates.

        Returns
        -------
        WriteResult
            ``inserted`` and ``duplicates`` interaction counts.
        """

    #: Interactions per transaction inside :meth:`bulk_load` when a caller lets the store choose.
    BULK_BATCH_SIZE = DEFAULT_BATCH_SIZE
    #: Events the last ``bulk_load(defer_identity=True)`` counted as inserted that turned out,
    #: when its identity index was built at the end, to repeat earlier ones (and were removed).
    bulk_repeats: int = 0

    @contextmanager
    def bulk_load(self, defer_identity: bool = False) -> Iterator[None]:
        """A context for loading many batches at once (stores may defer index upkeep).

        Writes inside stay idempotent and transactional per batch.

        Parameters
        ----------
        defer_identity : bool
            A store that keeps idempotence in an index of its own may build that
            index once, at the end (then :attr:`bulk_repeats` says how many events
            it removed); stores that check identity per batch ignore it.
        """
        yield

    def is_empty(self) -> bool:
        """Whether the store holds no account and no interaction (cheap)."""
        return self.size_hint() == 0 and self.stats().accounts == 0

    def size_hint(self) -> int:
        """About how many interactions are stored (cheap; exact in the base class)."""
        return self.stats().interactions

    def upsert_accounts(self, accounts: Iterable[Account], batch_size: int = DEFAULT_BATCH_SIZE) -> int:
        """Upsert accounts in batches; returns how many were written."""
        n = 0
        for chunk in _chunks(list(accounts), batch_size):
            self.write_batch(chunk, [])
            n += len(chunk)
        return n

    def add_interactions(
        self, interactions: Iterable[Interaction], batch_size: int = DEFAULT_BATCH_SIZE
    ) -> WriteResult:
        """Add interactions in batches of ``batch_size``, one transaction per batch."""
        total = WriteResult()
        for chunk in _chunks(list(interactions), batch_size):
            total += self.write_batch([], chunk)
        return total

    @abstractmethod
    def set_roster(self, people: Sequence[Person], replace: bool = False) -> int:
        """Record the company's people and mark matching accounts internal.

        A person matches an account by handle (case-insensitive, on the person's
        platform when given) or, for ``email`` accounts, by address. Rows that match
        no account yet are kept and match accounts stored later. With
        ``replace=True`` the previous roster is dropped first, so people who left
        become external again.

        Returns
        -------
        int
            The number of accounts now marked internal.
        """

    @abstractmethod
    def set_crm(self, entries: Sequence[CrmEntry], replace: bool = False) -> int:
        """Record customers and prospects; returns how many accounts carry a CRM status."""

    @abstractmethod
    def set_tags(self, key: str, tags: Sequence[str]) -> None:
        """Replace an account's tags. Raises ``NotFoundError`` for an unknown key."""

    @abstractmethod
    def accounts(self, keys: Sequence[str] | None = None) -> pd.DataFrame:
        """All accounts (or those with the given keys) with :data:`ACCOUNT_COLUMNS`."""

    @abstractmethod
    def handle_keys(self, handles: Sequence[str]) -> list[str]:
        """Keys of the accounts whose lower-cased handle is one of ``handles``, sorted.

        ``handles`` are compared as given (pass them lower-cased, as the roster
        and CRM keep them); an index serves the look-up, so a few handles cost
        little however many accounts the store holds.
        """

    @abstractmethod
    def resolve(self, ref: str, platform: str | None = None) -> list[str]:
        """Account keys that ``ref`` names: a key, or a handle with or without ``@``."""

    def get_account(self, ref: str) -> dict | None:
        """One account as a dict (first match of :meth:`resolve`), or ``None``."""
        keys = self.resolve(ref)
        if not keys:
            return None
        df = self.accounts(keys[:1])
        return None if df.empty else df.iloc[0].to_dict()

    @abstractmethod
    def search_accounts(self, text: str, limit: int = 20) -> pd.DataFrame:
        """Accounts whose handle or name contains ``text`` (case-insensitive)."""

    @abstractmethod
    def interactions(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Sequence[str] | None = None,
        platforms: Sequence[str] | None = None,
        topics: Sequence[str] | None = None,
        account: str | None = None,
        sources: Sequence[str] | None = None,
        with_text: bool = True,
        limit: int | None = None,
        columns: Sequence[str] | None = None,
        ordered: bool = True,
    ) -> pd.DataFrame:
        """Interactions as a DataFrame with :data:`INTERACTION_COLUMNS`.

        Parameters
        ----------
        since, until : datetime, optional
            Keep events with ``since <= at < until``.
        kinds, platforms, topics : sequence of str, optional
            Keep events of these kinds / platforms / carrying any of these topics.
        account : str, optional
            Keep events where this account key is source or target.
        sources : sequence of str, optional
            Keep events acted by these account keys.
        with_text : bool
            ``False`` leaves ``text`` empty, which makes big reads cheaper.
        limit : int, optional
            Newest ``limit`` events only.
        columns : sequence of str, optional
            Only these of :data:`INTERACTION_COLUMNS`, in this order: the same
            values as ``interactions(...)[columns]``, read more cheaply.
        ordered : bool
            ``False`` returns the same rows in any order (whatever is cheapest for
            the store), for uses that do not depend on it; ``limit`` still picks
            the newest.

        Returns
        -------
        pandas.DataFrame
            ``at`` is ``datetime64[ns, UTC]``; ``topics`` holds tuples; sorted by
            ``at`` unless ``ordered`` is ``False``.

        Raises
        ------
        InputError
            A name in ``columns`` that is not an interaction column.
        """

    # -- listening themes ----------------------------------------------------------------
    @abstractmethod
    def set_themes(self, tags: pd.DataFrame, replace: bool = False) -> int:
        """Record the listening themes of stored interactions, in one transaction.

        Parameters
        ----------
        tags : pandas.DataFrame
            ``platform, post_id, kind, target`` (an interaction's identity) and
            ``themes`` (tuples of theme names; an empty tuple clears them).
            Rows naming no stored interaction are ignored.
        replace : bool
            Clear every interaction's themes first (a full re-tag).

        Returns
        -------
        int
            How many stored interactions now carry the given themes.
        """

    @abstractmethod
    def theme_tags(self) -> pd.DataFrame:
        """``platform, post_id, kind, target, themes`` (tuples) of every interaction with themes."""

    # -- identities and people ---------------------------------------------------------
    @abstractmethod
    def handle_aliases(self, platform: str = "x") -> dict[str, str]:
        """Handle-only accounts that one id account of the same handle now names.

        A source that knows only a handle stores ``platform:@handle``
        (:mod:`ingest.identity`); once an account with a real id carries that
        handle, the two are one account. Handles that two id accounts share
        (a handle that changed owner) are left alone.

        Returns
        -------
        dict
            ``{"x:@ann": "x:12", …}``.
        """

    @abstractmethod
    def merge_accounts(self, mapping: dict[str, str]) -> dict[str, int]:
        """Fold each account ``old`` of ``mapping`` into ``new`` (both must exist), in one transaction.

        Interactions, snapshot rows, shortlist entries, e-mail addresses and
        link decisions of ``old`` move to ``new`` (those ``new`` already has
        are dropped as duplicates); ``new`` gets ``old``'s attribute values
        where it has none; ``old`` is deleted.

        Returns
        -------
        dict
            ``{"accounts": merged, "interactions": moved, "duplicates": dropped}``.
        """

    @abstractmethod
    def roster(self) -> pd.DataFrame:
        """The roster rows: ``handle, platform, email, employee_id, name, department, manager``."""

    @abstractmethod
    def crm(self) -> pd.DataFrame:
        """The CRM rows: ``handle, platform, status, company, email`` (:data:`CRM_COLUMNS`)."""

    @abstractmethod
    def set_account_emails(self, emails: dict[str, str]) -> int:
        """Record the e-mail address a source gives for accounts (``{key: address}``).

        Keys of accounts not in the store are ignored. Returns how many were recorded.
        """

    @abstractmethod
    def account_emails(self) -> dict[str, str]:
        """Every recorded ``{account key: address}``."""

    @abstractmethod
    def set_link_decision(self, a: str, b: str, decision: str) -> None:
        """Record a user's decision about two accounts: ``"link"`` (one person) or ``"reject"``.

        A later decision about the same pair replaces the earlier one; ``a == b``
        with ``"detach"`` keeps an account apart from every automatic link.
        Raises ``NotFoundError`` for an unknown account.
        """

    @abstractmethod
    def clear_link_decisions(self, key: str) -> int:
        """Drop every decision naming ``key``; returns how many."""

    @abstractmethod
    def link_decisions(self) -> pd.DataFrame:
        """Decisions as ``a, b, decision`` rows (``a <= b``)."""

    @abstractmethod
    def add_opt_outs(self, idents: Sequence[str]) -> int:
        """Record people who opted out, by e-mail address or account key; returns how many were new."""

    @abstractmethod
    def remove_opt_outs(self, idents: Sequence[str]) -> int:
        """Withdraw opt-outs; returns how many were removed."""

    @abstractmethod
    def opt_outs(self) -> list[str]:
        """Every recorded opt-out identity (addresses and account keys), sorted."""

    # -- runs -----------------------------------------------------------------------
    @abstractmethod
    def save_run(self, run: Run) -> None:
        """Insert or update a run record (identified by ``run.id``)."""

    @abstractmethod
    def runs(self, limit: int = 20, kind: str | None = None) -> list[Run]:
        """The most recent runs first."""

    @abstractmethod
    def last_cursor(self, source: str) -> str | None:
        """The cursor of the newest successful run of ``source`` (incremental sources)."""

    # -- ranking snapshots -------------------------------------------------------------
    @abstractmethod
    def save_snapshot(self, config: dict, table: pd.DataFrame) -> Snapshot:
        """Store a ranking: its configuration and one row per account.

        ``table`` must have the columns ``account`` (key), ``rank`` and ``score``;
        other columns are stored as metrics.
        """

    @abstractmethod
    def snapshots(self) -> pd.DataFrame:
        """Snapshots, newest first: ``id, created_at, accounts, config``."""

    @abstractmethod
    def load_snapshot(self, snapshot_id: str | None = None, top: int | None = None) -> Snapshot | None:
        """A snapshot (the newest when ``snapshot_id`` is ``None``), or ``None`` if there is none.

        With ``top``, its table holds only the ``top`` best-ranked rows (what a
        leaderboard usually needs: see :func:`graph.ranking.snapshot_leaderboard`).
        """

    @abstractmethod
    def account_history(self, key: str) -> pd.DataFrame:
        """An account's ``snapshot_id, created_at, rank, score`` across snapshots, oldest first."""

    # -- shortlists ---------------------------------------------------------------------
    @abstractmethod
    def shortlists(self) -> list[Shortlist]:
        """Every shortlist with its member count, by name."""

    @abstractmethod
    def create_shortlist(self, name: str, description: str = "") -> Shortlist:
        """Create a shortlist; ``ConflictError`` if the name is taken."""

    @abstractmethod
    def rename_shortlist(self, name: str, new_name: str) -> None:
        """Rename; ``NotFoundError`` / ``ConflictError`` as appropriate."""

    @abstractmethod
    def delete_shortlist(self, name: str) -> None:
        """Delete a shortlist and its memberships (not the accounts)."""

    @abstractmethod
    def add_to_shortlist(
        self,
        name: str,
        keys: Sequence[str],
        note: str = "",
        owner: str = "",
        status: str = "to contact",
    ) -> int:
        """Add accounts to a shortlist (existing members are left as they are); returns how many were new."""

    @abstractmethod
    def update_member(
        self,
        name: str,
        key: str,
        note: str | None = None,
        owner: str | None = None,
        status: str | None = None,
    ) -> None:
        """Change a member's note, owner or outreach status."""

    @abstractmethod
    def remove_from_shortlist(self, name: str, keys: Sequence[str]) -> int:
        """Remove members; returns how many were removed."""

    @abstractmethod
    def shortlist_members(self, name: str) -> pd.DataFrame:
        """Members: ``account, platform, handle, name, followers, internal, crm_status, note, owner, status, added_at``."""

    @abstractmethod
    def shortlists_of(self, key: str) -> list[str]:
        """Names of the shortlists that hold an account."""

    # -- housekeeping --------------------------------------------------------------------
    @abstractmethod
    def forget(self, key: str) -> dict[str, int]:
        """Remove an account and every interaction, snapshot row, shortlist entry,
        roster and CRM row naming it. Returns what was removed, by kind."""

    @abstractmethod
    def stats(self) -> Stats:
        """Counts for ``scout stats``."""

    @abstractmethod
    def delete_everything(self) -> None:
        """Empty the store (tests, ``scout reset``)."""


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def accounts_to_forget(store: GraphStore, ref: str, all_platforms: bool = False) -> list[str]:
    """The account keys ``ref`` names for :meth:`GraphStore.forget`, refusing ambiguity.

    ``ref`` is a key (``x:2244994945``), ``platform:handle`` (``linkedin:ada``) or
    a bare handle. One command must not erase different people: a bare handle
    that names accounts on several platforms is refused unless ``all_platforms``.

    Raises
    ------
    NotFoundError
        No account matches.
    ConflictError
        Several accounts match and ``all_platforms`` is false; the message lists them.
    """
    from graph.errors import ConflictError, NotFoundError

    ref = ref.strip()
    keys = store.resolve(ref)
    if not keys and ":" in ref and not ref.startswith("@"):
        platform, _, handle = ref.partition(":")
        keys = store.resolve(handle, platform=platform.strip().lower())
    if not keys:
        raise NotFoundError(f"no account {ref!r}")
    if len(keys) > 1 and not all_platforms:
        raise ConflictError(
            f"{ref!r} names {len(keys)} accounts: {', '.join(keys)}; name one as "
            "platform:handle or pass --all-platforms"
        )
    return keys


def validate_status(status: str) -> str:
    """Check an outreach status against :data:`graph.model.OUTREACH_STATUSES`."""
    from graph.errors import InputError
    from graph.model import OUTREACH_STATUSES

    s = status.strip().lower()
    if s not in OUTREACH_STATUSES:
        raise InputError(f"outreach status must be one of: {', '.join(OUTREACH_STATUSES)}")
    return s


#: Decisions a user takes about two accounts (see :meth:`GraphStore.set_link_decision`).
LINK_DECISIONS = ("link", "reject", "detach")


def decision_pair(a: str, b: str, decision: str) -> tuple[str, str, str]:
    """The stored form of a link decision: the pair ordered, the decision checked.

    Examples
    --------
    >>> decision_pair("x:2", "slack:U1", "link")
    ('slack:U1', 'x:2', 'link')
    """
    from graph.errors import InputError

    if decision not in LINK_DECISIONS:
        raise InputError(f"link decision must be one of {', '.join(LINK_DECISIONS)}")
    if (a == b) != (decision == "detach"):
        raise InputError("'detach' names one account; 'link' and 'reject' two different ones")
    if decision == "link":
        from graph.people import linkable

        for key in (a, b):
            if not linkable(key):
                raise InputError(f"{key}: {key.partition(':')[0]} accounts never join a person "
                                 "(the platform's terms forbid linking them to other identities)")
    return (a, b, decision) if a <= b else (b, a, decision)

"""The production store: Neo4j over Bolt, with the official driver.

Graph model::

    (:Account {key})-[:INTERACTED {key, kind, platform, post_id, at, text, topics, lang, weight}]->(:Account)
    (:Snapshot {id})-[:RANKED {rank, score, metrics}]->(:Account)
    (:Shortlist {name})-[:INCLUDES {note, owner, status, added_at}]->(:Account)
    (:Account)-[:LINK_DECISION {decision, at}]->(:Account)   (a user's link / reject / detach)
    (:Run {id}), (:RosterEntry {ident}), (:CrmEntry {ident}), (:OptOut {ident})

An account's e-mail address from a source (Slack, Teams…) is its ``email`` property.

Every write is ``UNWIND $rows`` in batches inside a managed transaction; every
query takes parameters only. An empty list (an account's ``tags``, an
interaction's ``topics`` or ``themes``) is stored as no property at all, which
is also what Neo4j's offline importer writes for an empty array field
(:mod:`ingest.neo4j_import`): both paths give the same database, property by
property. The constraints and indexes below are created
idempotently when the store opens.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from graph.errors import ConflictError, NotFoundError, StoreUnavailableError
from graph.frames import (
    accounts_frame,
    bare_accounts,
    event_table,
    from_ms,
    interaction_columns,
    interactions_frame,
    members_frame,
    new_snapshot_id,
    run_from_row,
    shortlist_name,
    snapshot_frame,
    snapshot_rows,
    snapshots_frame,
    split_topics,
)
from graph.model import (
    INTERACTION_COLUMNS,
    Account,
    CrmEntry,
    Interaction,
    Person,
    Run,
    Shortlist,
    Snapshot,
    Stats,
    WriteResult,
    normalize_handle,
    normalize_topic,
    utcnow,
)
from graph.people import UNLINKABLE_PLATFORMS
from graph.store import CRM_COLUMNS, ROSTER_COLUMNS, GraphStore, decision_pair, validate_status
from graph.store_uri import parse_store_uri

# Constraints first: each populates and checks its index before it returns, and
# one created after plain indexes waits for their background population too
# (≈2 s more when a bulk import has just filled the database).
SCHEMA = (
    "CREATE CONSTRAINT account_key IF NOT EXISTS FOR (a:Account) REQUIRE a.key IS UNIQUE",
    "CREATE CONSTRAINT interaction_key IF NOT EXISTS FOR ()-[e:INTERACTED]-() REQUIRE e.key IS UNIQUE",
    "CREATE CONSTRAINT run_id IF NOT EXISTS FOR (r:Run) REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT snapshot_id IF NOT EXISTS FOR (s:Snapshot) REQUIRE s.id IS UNIQUE",
    "CREATE CONSTRAINT shortlist_name IF NOT EXISTS FOR (l:Shortlist) REQUIRE l.name IS UNIQUE",
    "CREATE CONSTRAINT opt_out_ident IF NOT EXISTS FOR (o:OptOut) REQUIRE o.ident IS UNIQUE",
    "CREATE INDEX account_handle IF NOT EXISTS FOR (a:Account) ON (a.handle_lc)",
    "CREATE INDEX account_platform_id IF NOT EXISTS FOR (a:Account) ON (a.platform_id)",
    "CREATE INDEX interaction_at IF NOT EXISTS FOR ()-[e:INTERACTED]-() ON (e.at)",
    "CREATE INDEX run_started IF NOT EXISTS FOR (r:Run) ON (r.started_at)",
    "CREATE INDEX run_source IF NOT EXISTS FOR (r:Run) ON (r.source)",
    "CREATE INDEX roster_ident IF NOT EXISTS FOR (p:RosterEntry) ON (p.ident)",
    "CREATE INDEX roster_handle IF NOT EXISTS FOR (p:RosterEntry) ON (p.handle_lc)",
    "CREATE INDEX roster_email IF NOT EXISTS FOR (p:RosterEntry) ON (p.email)",
    "CREATE INDEX crm_ident IF NOT EXISTS FOR (c:CrmEntry) ON (c.ident)",
    "CREATE INDEX crm_handle IF NOT EXISTS FOR (c:CrmEntry) ON (c.handle_lc)",
)

_UPSERT_ACCOUNTS = """
UNWIND $rows AS r
MERGE (a:Account {key: r.key})
  ON CREATE SET a.platform = r.platform, a.platform_id = r.platform_id,
                a.internal = false, a.crm_status = 'none'
SET a += r.props
"""

# Bare accounts (named by events only) are created if new and never touched
# otherwise: no SET on existing nodes, so no write locks on them.
_MERGE_BARE_ACCOUNTS = """
UNWIND $rows AS r
MERGE (a:Account {key: r.key})
  ON CREATE SET a.platform = r.platform, a.platform_id = r.platform_id,
                a.internal = false, a.crm_status = 'none'
"""

# Lookups of many keys force index *seeks* (USING INDEX SEEK). A plain index
# hint also admits "scan the whole index, then filter against every key", which
# the planner picks when the index statistics lag behind a fast-growing store
# (a new index, or one emptied by a big delete, is sampled in the background):
# 10,000-key probes then took minutes once the store held 50,000+ events.

# Which of these interaction keys are stored already (uniqueness-constraint index).
_EXISTING_INTERACTIONS = """
UNWIND $keys AS k
MATCH ()-[x:INTERACTED {key: k}]->() USING INDEX SEEK x:INTERACTED(key)
RETURN k
"""

# Only new interactions reach this statement (see write_batch), so it is a
# plain CREATE; the uniqueness constraint still guards against a concurrent writer.
# Parameters are columns (one list per property) rather than one map per row:
# cheaper to build in Python and to decode on the server. A row whose account
# is missing creates nothing, which the returned count reveals.
_CREATE_INTERACTIONS = """
UNWIND range(0, size($key) - 1) AS i
MATCH (s:Account {key: $source[i]}) USING INDEX SEEK s:Account(key)
MATCH (t:Account {key: $target[i]}) USING INDEX SEEK t:Account(key)
CREATE (s)-[e:INTERACTED {key: $key[i], platform: $platform[i], post_id: $post_id[i],
                          kind: $kind[i], at: datetime({epochMillis: $at[i]}), text: $text[i],
                          topics: $topics[i], lang: $lang[i], weight: $weight[i]}]->(t)
RETURN count(e) AS inserted
"""

_EVENT_PROPERTIES = (
    "key", "source", "target", "platform", "post_id", "kind", "at", "text", "lang", "weight",
)

# Recompute the roster/CRM annotations of the given accounts: internal when a
# roster row matches by handle (on its platform when given; never an account of
# graph.people.UNLINKABLE_PLATFORMS) or e-mail; the
# oldest matching row gives the department; likewise the CRM status.
_RECONCILE_KEYS = """
UNWIND $keys AS k
MATCH (a:Account {key: k})
CALL (a) {
  OPTIONAL MATCH (r:RosterEntry {handle_lc: a.handle_lc})
  WHERE (r.platform IS NULL OR r.platform = a.platform) AND NOT a.platform IN %s
  RETURN collect(r) AS by_handle
}
CALL (a) {
  OPTIONAL MATCH (r:RosterEntry {email: a.platform_id})
  WHERE a.platform = 'email'
  RETURN collect(r) AS by_email
}
CALL (a) {
  OPTIONAL MATCH (c:CrmEntry {handle_lc: a.handle_lc})
  WHERE c.platform IS NULL OR c.platform = a.platform
  RETURN collect(c) AS crm
}
WITH a, by_handle + by_email AS rs, crm
WITH a, rs,
     reduce(b = null, r IN rs | CASE WHEN b IS NULL OR r.seq < b.seq THEN r ELSE b END) AS first,
     reduce(b = null, c IN crm | CASE WHEN b IS NULL OR c.seq < b.seq THEN c ELSE b END) AS c
SET a.internal = size(rs) > 0,
    a.department = first.department,
    a.crm_status = coalesce(c.status, 'none')
""" % ("[" + ", ".join(f"'{p}'" for p in sorted(UNLINKABLE_PLATFORMS)) + "]")

_ANNOTATED_KEYS = """
MATCH (a:Account) WHERE a.internal OR a.crm_status <> 'none' RETURN a.key AS key
UNION
MATCH (r:RosterEntry) WHERE r.handle_lc IS NOT NULL
MATCH (a:Account {handle_lc: r.handle_lc}) RETURN a.key AS key
UNION
MATCH (r:RosterEntry) WHERE r.email IS NOT NULL
MATCH (a:Account {platform_id: r.email}) WHERE a.platform = 'email' RETURN a.key AS key
UNION
MATCH (c:CrmEntry)
MATCH (a:Account {handle_lc: c.handle_lc}) RETURN a.key AS key
"""

_ACCOUNT_RETURN = """
RETURN a.key, a.platform, a.platform_id, a.handle, a.name, a.followers, a.following, a.posts,
       a.created_at.epochMillis, a.verified, a.bio, a.url, a.internal, a.department,
       a.crm_status, coalesce(a.tags, [])
"""

_RUN_RETURN = """
RETURN r.id, r.kind, r.source, r.started_at.epochMillis, r.finished_at.epochMillis, r.status,
       r.read, r.inserted, r.duplicates, r.rejected, r.errors, r.cursor, r.summary
"""

_WRITE_BATCH = 10_000
#: Theme tags written (or cleared) per transaction by ``set_themes``.
_THEME_BATCH = 50_000
#: Transactions writing one bulk-load batch's events at once (unless
#: SCOUT_NEO4J_WRITERS says otherwise), and the fewest events per writer worth
#: the extra transactions. Neo4j runs each transaction on one core: a server with
#: more cores takes more writers.
_BULK_WRITERS = 2
_PARALLEL_MIN_ROWS = 5_000


def _values(result) -> list[list]:
    """Result transformer: all records as plain lists (cheaper than ``to_df``)."""
    return [record.values() for record in result]


class Neo4jStore(GraphStore):
    """:class:`GraphStore` on Neo4j 5.

    Parameters
    ----------
    uri : str
        ``bolt://host:port`` or ``neo4j://host:port`` (``+s``/``+ssc`` variants too).
    user, password, database : str, optional
        Default to ``SCOUT_NEO4J_USER`` (``neo4j``), ``SCOUT_NEO4J_PASSWORD`` and
        ``SCOUT_NEO4J_DATABASE`` (``neo4j``).
    driver : neo4j.Driver, optional
        An open driver to use instead of creating one; the store then leaves it
        open on :meth:`close` (it closes only what it opened).

    Raises
    ------
    StoreUnavailableError
        The server cannot be reached or refuses the credentials; the message
        names the URI, never the password.
    """

    def __init__(
        self,
        uri: str,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        driver: Any | None = None,
    ) -> None:
        import neo4j
        from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

        self.display = parse_store_uri(uri).display
        self.database = database or os.environ.get("SCOUT_NEO4J_DATABASE") or "neo4j"
        self._writers = _writer_count()
        self._owns_driver = driver is None
        if driver is None:
            auth = (
                user or os.environ.get("SCOUT_NEO4J_USER") or "neo4j",
                password if password is not None else os.environ.get("SCOUT_NEO4J_PASSWORD", ""),
            )
            try:
                driver = neo4j.GraphDatabase.driver(
                    uri,
                    auth=auth,
                    connection_timeout=10,
                    notifications_min_severity="OFF",
                    # The driver retries transient failures; a server that is gone
                    # should fail a job within seconds, not the default 30 s per call.
                    max_transaction_retry_time=float(
                        os.environ.get("SCOUT_NEO4J_RETRY_SECONDS", "10")
                    ),
                )
            except (ValueError, neo4j.exceptions.ConfigurationError) as exc:
                raise StoreUnavailableError(f"cannot use Neo4j at {self.display}: {exc}") from None
        self._driver = driver
        self._bulk = False
        # Accounts this store wrote during the current bulk load (see _write_in_parallel).
        self._known_accounts: set[str] = set()
        try:
            self._driver.verify_connectivity()
            for statement in SCHEMA:
                self._driver.execute_query(statement, database_=self.database)
        except AuthError:
            self._close_owned()
            raise StoreUnavailableError(
                f"Neo4j at {self.display} refused the credentials "
                "(check SCOUT_NEO4J_USER / SCOUT_NEO4J_PASSWORD)"
            ) from None
        except (ServiceUnavailable, OSError) as exc:
            self._close_owned()
            raise StoreUnavailableError(
                f"cannot reach Neo4j at {self.display} ({type(exc).__name__}); "
                "start the local one with scripts/neo4j.sh up, or set --store / SCOUT_STORE"
            ) from None
        except Neo4jError as exc:
            self._close_owned()
            raise StoreUnavailableError(
                f"Neo4j at {self.display} failed to set up the schema: {exc.message}"
            ) from None

    def _close_owned(self) -> None:
        if self._owns_driver:
            self._driver.close()

    def close(self) -> None:
        self._close_owned()

    # -- plumbing --------------------------------------------------------------------------
    def _read(self, query: str, **params) -> list[list]:
        import neo4j

        return self._guard(
            lambda: self._driver.execute_query(
                query,
                params,
                database_=self.database,
                routing_=neo4j.RoutingControl.READ,
                result_transformer_=_values,
            )
        )

    def _write(self, work: Callable[[Any], Any]) -> Any:
        def run():
            with self._driver.session(database=self.database) as session:
                return session.execute_write(work)

        return self._guard(run)

    def _guard(self, call: Callable[[], Any]) -> Any:
        from neo4j.exceptions import ServiceUnavailable, SessionExpired

        try:
            return call()
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailableError(
                f"lost Neo4j at {self.display} ({type(exc).__name__}); nothing of the failed "
                "transaction was written"
            ) from None

    # -- accounts and interactions ------------------------------------------------------
    def write_batch(
        self,
        accounts: Sequence[Account],
        interactions: Sequence[Interaction] | pd.DataFrame,
    ) -> WriteResult:
        if isinstance(accounts, pd.DataFrame):
            account_rows = [_account_row(a) for a in _frame_accounts(accounts)]
        else:
            account_rows = [_account_row(a) for a in accounts]
        events = event_table(interactions)
        if self._bulk and self._writers > 1 and len(events) >= self._writers * _PARALLEL_MIN_ROWS:
            inserted = self._write_in_parallel(account_rows, events)
        elif account_rows or len(events):
            inserted = self._write_in_one_transaction(account_rows, events)
        else:
            inserted = 0
        return WriteResult(inserted=inserted, duplicates=len(interactions) - inserted)

    def _write_in_one_transaction(self, account_rows: list[dict], events: pd.DataFrame) -> int:
        stubs = _stub_rows(bare_accounts(events, {r["key"] for r in account_rows}))
        columns = _event_columns(events)

        def work(tx) -> int:
            # Probe every key before this transaction creates anything: an index
            # seek must also search the transaction's own uncommitted changes,
            # so probing after creating makes a batch quadratic.
            new = _new_positions(events, _existing_keys(tx, columns["key"]))
            _merge_accounts(tx, stubs, account_rows)
            return _create_interactions(tx, columns, new)

        return self._write(work)

    def _write_in_parallel(self, account_rows: list[dict], events: pd.DataFrame) -> int:
        """A bulk-load batch: accounts first, then the new events by parallel writers.

        One transaction probes the keys and writes the accounts the batch names
        (those this store does not already know it wrote). Then the new events,
        split by source account so that no two writers extend the same sparse
        node, are created by ``SCOUT_NEO4J_WRITERS`` (default 2) transactions at
        once: Neo4j runs each transaction on one core. Should an account vanish in
        between (another process forgot it), some events find no endpoint; the
        whole batch is then written again the ordinary way, which creates only
        what is missing.
        """
        named = {r["key"] for r in account_rows}
        stubs = _stub_rows(bare_accounts(events, named | self._known_accounts))
        columns = _event_columns(events)

        def prepare(tx) -> set[str]:
            existing = _existing_keys(tx, columns["key"])
            _merge_accounts(tx, stubs, account_rows)
            return existing

        new = _new_positions(events, self._write(prepare))
        self._known_accounts.update(named)
        self._known_accounts.update(r["key"] for r in stubs)
        if not len(new):
            return 0
        # Same source, same writer: factorized codes spread sources evenly.
        codes = pd.factorize(events["source"].to_numpy()[new])[0] % self._writers
        parts = [new[codes == w] for w in range(self._writers)]
        with ThreadPoolExecutor(self._writers, thread_name_prefix="scout-neo4j-writer") as pool:
            created = list(
                pool.map(
                    lambda part: self._write(lambda tx: _create_interactions(tx, columns, part)),
                    parts,
                )
            )
        inserted = sum(created)
        if inserted < len(new):
            self._known_accounts.clear()
            inserted += self._write_in_one_transaction(account_rows, events)
        return inserted

    @contextmanager
    def bulk_load(self, defer_identity: bool = False) -> Iterator[None]:
        """Write big batches with several transactions at once (see ``_write_in_parallel``).

        Each batch then commits as up to 1 + ``SCOUT_NEO4J_WRITERS`` transactions
        rather than one; each is idempotent, so a batch interrupted half way is
        completed by writing it again. ``defer_identity`` is ignored: identity is
        checked per batch by the uniqueness constraint (a first big load into an
        empty database goes through the offline importer instead, ``scout import``).
        """
        if self._bulk:
            raise RuntimeError("bulk_load is not reentrant")
        self._bulk = True
        try:
            yield
        finally:
            self._bulk = False
            self._known_accounts.clear()

    def is_empty(self) -> bool:
        return not self._read("RETURN EXISTS { MATCH (:Account) } AS x")[0][0]

    def size_hint(self) -> int:
        # Served from the count store: no scan.
        return int(self._read("MATCH ()-[e:INTERACTED]->() RETURN count(e)")[0][0])

    def set_roster(self, people: Sequence[Person], replace: bool = False) -> int:
        rows = []
        for p in people:
            handle_lc = p.handle.lower() if p.handle else None
            rows.append(
                {
                    "ident": f"{handle_lc or ''}|{p.platform or ''}|{p.email or ''}",
                    "handle_lc": handle_lc,
                    "platform": p.platform,
                    "email": p.email,
                    "name": p.name,
                    "department": p.department,
                    "manager": p.manager,
                    "employee_id": p.employee_id,
                }
            )

        def work(tx) -> int:
            if replace:
                tx.run("MATCH (p:RosterEntry) DETACH DELETE p").consume()
            _replace_entries(tx, "RosterEntry", rows)
            _reconcile_all(tx)
            return tx.run("MATCH (a:Account) WHERE a.internal RETURN count(a) AS n").single()["n"]

        return self._write(work)

    def set_crm(self, entries: Sequence[CrmEntry], replace: bool = False) -> int:
        rows = [
            {
                "ident": f"{e.handle.lower()}|{e.platform or ''}",
                "handle_lc": e.handle.lower(),
                "platform": e.platform,
                "status": e.status,
                "company": e.company,
                "email": e.email,
            }
            for e in entries
        ]

        def work(tx) -> int:
            if replace:
                tx.run("MATCH (c:CrmEntry) DETACH DELETE c").consume()
            _replace_entries(tx, "CrmEntry", rows)
            _reconcile_all(tx)
            return tx.run(
                "MATCH (a:Account) WHERE a.crm_status <> 'none' RETURN count(a) AS n"
            ).single()["n"]

        return self._write(work)

    def set_tags(self, key: str, tags: Sequence[str]) -> None:
        clean = sorted({t.strip() for t in tags if t and t.strip()})

        def work(tx) -> int:
            return tx.run(
                "MATCH (a:Account {key: $key}) "
                "SET a.tags = CASE WHEN size($tags) = 0 THEN null ELSE $tags END RETURN count(a) AS n",
                key=key,
                tags=clean,
            ).single()["n"]

        if self._write(work) == 0:
            raise NotFoundError(f"no account {key!r}")

    def accounts(self, keys: Sequence[str] | None = None) -> pd.DataFrame:
        if keys is None:
            rows = self._read("MATCH (a:Account)" + _ACCOUNT_RETURN + " ORDER BY a.key")
        else:
            rows = self._read(
                "UNWIND $keys AS k MATCH (a:Account {key: k}) USING INDEX SEEK a:Account(key) "
                "WITH DISTINCT a"
                + _ACCOUNT_RETURN
                + " ORDER BY a.key",
                keys=list(keys),
            )
        return accounts_frame([_account_tuple(r) for r in rows])

    def handle_keys(self, handles: Sequence[str]) -> list[str]:
        wanted = sorted({h for h in handles if isinstance(h, str)})
        if not wanted:
            return []
        rows = self._read(
            "UNWIND $handles AS h MATCH (a:Account {handle_lc: h}) RETURN DISTINCT a.key",
            handles=wanted,
        )
        return sorted(r[0] for r in rows)

    def resolve(self, ref: str, platform: str | None = None) -> list[str]:
        ref = ref.strip()
        if not ref.startswith("@") and ":" in ref:
            if self._read("MATCH (a:Account {key: $k}) RETURN a.key", k=ref):
                return [ref]
        rows = self._read(
            "MATCH (a:Account {handle_lc: $h}) WHERE $p IS NULL OR a.platform = $p "
            "RETURN a.key ORDER BY a.key",
            h=normalize_handle(ref).lower(),
            p=platform,
        )
        return [r[0] for r in rows]

    def search_accounts(self, text: str, limit: int = 20) -> pd.DataFrame:
        rows = self._read(
            "MATCH (a:Account) WHERE a.handle_lc CONTAINS $t OR toLower(a.name) CONTAINS $t "
            "WITH a ORDER BY coalesce(a.followers, 0) DESC, a.key LIMIT $n" + _ACCOUNT_RETURN,
            t=text.strip().lower(),
            n=int(limit),
        )
        return accounts_frame([_account_tuple(r) for r in rows])

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
        wanted = interaction_columns(columns)
        # Fixed fragments only; every value travels as a parameter.
        where: list[str] = []
        params: dict[str, Any] = {}
        if since is not None:
            where.append("e.at >= $since")
            params["since"] = _dt(since)
        if until is not None:
            where.append("e.at < $until")
            params["until"] = _dt(until)
        if kinds:
            where.append("e.kind IN $kinds")
            params["kinds"] = list(kinds)
        if platforms:
            where.append("e.platform IN $platforms")
            params["platforms"] = list(platforms)
        if topics:
            where.append("any(t IN e.topics WHERE t IN $topics)")
            params["topics"] = [normalize_topic(t) for t in topics]
        if sources is not None:
            where.append("s.key IN $sources")
            params["sources"] = list(sources)
        if account is not None:
            match = (
                "MATCH (:Account {key: $account})-[e:INTERACTED]-() WITH DISTINCT e "
                "WITH e, startNode(e) AS s, endNode(e) AS t"
            )
            params["account"] = account
        else:
            match = "MATCH (s:Account)-[e:INTERACTED]->(t:Account)"
        text = "coalesce(e.text, '')" if with_text else "''"
        query = match + (" WHERE " + " AND ".join(where) if where else "")
        # collect() skips nulls, so every column is made null-free to keep them aligned.
        query += (
            " WITH e.platform AS platform, e.post_id AS post_id, e.kind AS kind, s.key AS source, "
            f"t.key AS target, e.at.epochMillis AS at, {text} AS text, "
            "coalesce(e.topics, []) AS topics, coalesce(e.lang, '') AS lang, "
            "coalesce(e.weight, 1.0) AS weight"
        )
        if limit is not None:
            query += " ORDER BY at DESC LIMIT $limit"
            params["limit"] = int(limit)
        # One record of column lists: decoding a few long lists is 2-3x cheaper
        # than a million small records.
        query += " RETURN " + ", ".join(f"collect({c})" for c in INTERACTION_COLUMNS)
        (columns,) = self._read(query, **params)
        frame = dict(zip(INTERACTION_COLUMNS, columns, strict=True))
        frame["topics"] = [";" + ";".join(t) + ";" if t else "" for t in frame["topics"]]
        for name in ("text", "lang"):
            frame[name] = [v or None for v in frame[name]]
        df = interactions_frame(frame)
        if ordered or limit is not None:
            df = df.sort_values("at", kind="stable").reset_index(drop=True)
        return df[wanted]

    # -- listening themes ----------------------------------------------------------------
    def set_themes(self, tags: pd.DataFrame, replace: bool = False) -> int:
        # One transaction per batch of _THEME_BATCH: a million tags in one transaction
        # exceeds Neo4j's transaction memory (dbms.memory.transaction.total.max). Each
        # batch is idempotent, so a run cut short is completed by running it again.
        keys = (tags["platform"] + "|" + tags["post_id"] + "|" + tags["kind"] + "|"
                + tags["target"]).tolist() if len(tags) else []
        themes = [list(t) for t in tags["themes"]] if len(tags) else []

        def clear(tx) -> int:
            return int(tx.run("MATCH ()-[e:INTERACTED]->() WHERE e.themes IS NOT NULL "
                              "WITH e LIMIT $n REMOVE e.themes RETURN count(e) AS n",
                              n=_THEME_BATCH).single()["n"])

        if replace:
            while self._write(clear) > 0:
                pass

        def write(lo: int):
            def work(tx) -> int:
                rec = tx.run(
                    "UNWIND range(0, size($keys) - 1) AS i "
                    "MATCH ()-[e:INTERACTED {key: $keys[i]}]->() USING INDEX SEEK e:INTERACTED(key) "
                    "SET e.themes = CASE WHEN size($themes[i]) = 0 THEN null ELSE $themes[i] END "
                    "RETURN count(e) AS n",
                    keys=keys[lo:lo + _THEME_BATCH], themes=themes[lo:lo + _THEME_BATCH]).single()
                return int(rec["n"])
            return work

        return sum(self._write(write(lo)) for lo in range(0, len(keys), _THEME_BATCH))

    def theme_tags(self) -> pd.DataFrame:
        (columns,) = self._read(
            "MATCH ()-[e:INTERACTED]->(t:Account) WHERE e.themes IS NOT NULL "
            "WITH e.platform AS platform, e.post_id AS post_id, e.kind AS kind, t.key AS target, "
            "e.themes AS themes "
            "RETURN collect(platform), collect(post_id), collect(kind), collect(target), "
            "collect(themes)")
        df = pd.DataFrame(dict(zip(["platform", "post_id", "kind", "target", "themes"], columns,
                                   strict=True)))
        df["themes"] = [tuple(t) for t in df["themes"]]
        return df

    # -- identities and people ---------------------------------------------------------
    def handle_aliases(self, platform: str = "x") -> dict[str, str]:
        rows = self._read(
            "MATCH (a:Account) WHERE a.key STARTS WITH $prefix "
            "MATCH (b:Account {handle_lc: substring(a.platform_id, 1)}) "
            "WHERE b.platform = a.platform AND NOT b.platform_id STARTS WITH '@' "
            "WITH a, collect(DISTINCT b.key) AS ks WHERE size(ks) = 1 RETURN a.key, ks[0]",
            prefix=f"{platform}:@",
        )
        return {a: b for a, b in rows}

    def merge_accounts(self, mapping: dict[str, str]) -> dict[str, int]:
        pairs = [{"old": o, "new": n} for o, n in mapping.items() if o != n]

        def work(tx) -> dict[str, int]:
            counts = {"accounts": 0, "interactions": 0, "duplicates": 0}
            for p in pairs:
                rec = tx.run(
                    "OPTIONAL MATCH (o:Account {key: $old}) OPTIONAL MATCH (n:Account {key: $new}) "
                    "RETURN o IS NOT NULL AND n IS NOT NULL AS ok",
                    **p,
                ).single()
                if not rec["ok"]:
                    raise NotFoundError(f"cannot merge {p['old']!r} into {p['new']!r}: both must exist")
                # Outgoing events keep their identity (it names the target only).
                moved = tx.run(
                    "MATCH (o:Account {key: $old})-[e:INTERACTED]->(t) WHERE t.key <> $old "
                    "MATCH (n:Account {key: $new}) "
                    "WITH n, t, e, properties(e) AS props DELETE e "
                    "CREATE (n)-[e2:INTERACTED]->(t) SET e2 = props RETURN count(*) AS c",
                    **p,
                ).single()["c"]
                # Incoming events (and self-loops) get the new target in their identity.
                incoming = tx.run(
                    "MATCH (s:Account)-[e:INTERACTED]->(:Account {key: $old}) "
                    "RETURN elementId(e) AS id, s.key = $old AS loop, "
                    "e.platform + '|' + e.post_id + '|' + e.kind + '|' + $new AS k",
                    **p,
                ).values()
                for eid, loop, k in incoming:
                    dup = tx.run(
                        "MATCH ()-[x:INTERACTED {key: $k}]->() RETURN count(x) AS c", k=k
                    ).single()["c"]
                    if dup:
                        tx.run(
                            "MATCH (:Account)-[e:INTERACTED]->(:Account {key: $old}) "
                            "WHERE elementId(e) = $id DELETE e",
                            id=eid, old=p["old"],
                        ).consume()
                        counts["duplicates"] += 1
                        continue
                    tx.run(
                        "MATCH (s:Account)-[e:INTERACTED]->(:Account {key: $old}) "
                        "WHERE elementId(e) = $id MATCH (n:Account {key: $new}) "
                        "WITH n, e, properties(e) AS props, CASE WHEN $loop THEN n ELSE s END AS src "
                        "DELETE e CREATE (src)-[e2:INTERACTED]->(n) SET e2 = props SET e2.key = $k",
                        id=eid, old=p["old"], new=p["new"], loop=loop, k=k,
                    ).consume()
                    moved += 1
                counts["interactions"] += moved
                for rel in ("RANKED", "INCLUDES"):
                    tx.run(
                        f"MATCH (x)-[r:{rel}]->(:Account {{key: $old}}) MATCH (n:Account {{key: $new}}) "
                        f"WHERE NOT (x)-[:{rel}]->(n) CREATE (x)-[r2:{rel}]->(n) SET r2 = properties(r)",
                        **p,
                    ).consume()
                tx.run(
                    "MATCH (o:Account {key: $old})-[r:LINK_DECISION]-(y:Account) "
                    "WHERE y.key <> $new AND y.key <> $old "
                    "MATCH (n:Account {key: $new}) "
                    "WITH n, y, r, CASE WHEN n.key <= y.key THEN [n, y] ELSE [y, n] END AS ab "
                    "WITH ab[0] AS a, ab[1] AS b, r "
                    "MERGE (a)-[r2:LINK_DECISION]->(b) ON CREATE SET r2 = properties(r)",
                    **p,
                ).consume()
                tx.run(
                    "MATCH (o:Account {key: $old}), (n:Account {key: $new}) "
                    "WITH o, n, coalesce(n.tags, []) + [x IN coalesce(o.tags, []) "
                    "WHERE NOT x IN coalesce(n.tags, [])] AS tags "
                    "SET n.handle = coalesce(n.handle, o.handle), n.handle_lc = coalesce(n.handle_lc, o.handle_lc), "
                    "n.name = coalesce(n.name, o.name), n.followers = coalesce(n.followers, o.followers), "
                    "n.following = coalesce(n.following, o.following), n.posts = coalesce(n.posts, o.posts), "
                    "n.created_at = coalesce(n.created_at, o.created_at), "
                    "n.verified = coalesce(n.verified, o.verified), n.bio = coalesce(n.bio, o.bio), "
                    "n.url = coalesce(n.url, o.url), n.email = coalesce(n.email, o.email), "
                    "n.tags = CASE WHEN size(tags) = 0 THEN null ELSE tags END "
                    "DETACH DELETE o",
                    **p,
                ).consume()
                counts["accounts"] += 1
            if counts["accounts"] and _has_annotations(tx):
                tx.run(_RECONCILE_KEYS, keys=sorted({p["new"] for p in pairs})).consume()
            return counts

        result = self._write(work)
        self._known_accounts.difference_update(mapping)
        return result

    def roster(self) -> pd.DataFrame:
        rows = self._read(
            "MATCH (r:RosterEntry) RETURN r.handle_lc, r.platform, r.email, r.employee_id, r.name, "
            "r.department, r.manager ORDER BY r.seq"
        )
        return pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))

    def crm(self) -> pd.DataFrame:
        rows = self._read(
            "MATCH (c:CrmEntry) RETURN c.handle_lc, c.platform, c.status, c.company, c.email "
            "ORDER BY c.seq"
        )
        return pd.DataFrame(rows, columns=list(CRM_COLUMNS))

    def set_account_emails(self, emails: dict[str, str]) -> int:
        rows = [{"k": k, "e": e.strip().lower()} for k, e in emails.items() if e and e.strip()]

        def work(tx) -> int:
            n = 0
            for i in range(0, len(rows), _WRITE_BATCH):
                n += tx.run(
                    "UNWIND $rows AS r MATCH (a:Account {key: r.k}) SET a.email = r.e RETURN count(a) AS n",
                    rows=rows[i : i + _WRITE_BATCH],
                ).single()["n"]
            return n

        return self._write(work)

    def account_emails(self) -> dict[str, str]:
        rows = self._read("MATCH (a:Account) WHERE a.email IS NOT NULL RETURN a.key, a.email ORDER BY a.key")
        return {k: e for k, e in rows}

    def set_link_decision(self, a: str, b: str, decision: str) -> None:
        a, b, decision = decision_pair(a, b, decision)

        def work(tx) -> None:
            found = {r["k"] for r in tx.run("UNWIND $ks AS k MATCH (x:Account {key: k}) RETURN k", ks=[a, b])}
            for key in (a, b):
                if key not in found:
                    raise NotFoundError(f"no account {key!r}")
            tx.run(
                "MATCH (x:Account {key: $a}), (y:Account {key: $b}) "
                "MERGE (x)-[r:LINK_DECISION]->(y) SET r.decision = $d, r.at = $at",
                a=a, b=b, d=decision, at=_dt(utcnow()),
            ).consume()

        self._write(work)

    def clear_link_decisions(self, key: str) -> int:
        return self._write(
            lambda tx: tx.run(
                "MATCH (:Account {key: $k})-[r:LINK_DECISION]-() WITH DISTINCT r DELETE r "
                "RETURN count(*) AS n",
                k=key,
            ).single()["n"]
        )

    def link_decisions(self) -> pd.DataFrame:
        rows = self._read(
            "MATCH (x:Account)-[r:LINK_DECISION]->(y:Account) RETURN x.key AS a, y.key AS b, r.decision "
            "ORDER BY a, b"
        )
        return pd.DataFrame(rows, columns=["a", "b", "decision"])

    def add_opt_outs(self, idents: Sequence[str]) -> int:
        return self._write(
            lambda tx: tx.run(
                "UNWIND $ids AS i MERGE (o:OptOut {ident: i}) ON CREATE SET o.at = $at, o.new = true "
                "WITH o, coalesce(o.new, false) AS fresh REMOVE o.new RETURN count(CASE WHEN fresh THEN 1 END) AS n",
                ids=list(dict.fromkeys(idents)),
                at=_dt(utcnow()),
            ).single()["n"]
        )

    def remove_opt_outs(self, idents: Sequence[str]) -> int:
        return self._write(
            lambda tx: tx.run(
                "UNWIND $ids AS i MATCH (o:OptOut {ident: i}) DELETE o RETURN count(*) AS n",
                ids=list(idents),
            ).single()["n"]
        )

    def opt_outs(self) -> list[str]:
        return [r[0] for r in self._read("MATCH (o:OptOut) RETURN o.ident AS i ORDER BY i")]

    # -- runs -------------------------------------------------------------------------------
    def save_run(self, run: Run) -> None:
        props = {
            "kind": run.kind,
            "source": run.source,
            "started_at": _dt(run.started_at),
            "finished_at": _dt(run.finished_at) if run.finished_at else None,
            "status": run.status,
            "read": run.read,
            "inserted": run.inserted,
            "duplicates": run.duplicates,
            "rejected": run.rejected,
            "errors": json.dumps(run.errors, ensure_ascii=False),
            "cursor": run.cursor,
            "summary": json.dumps(run.summary, ensure_ascii=False, default=str),
        }
        self._write(
            lambda tx: tx.run("MERGE (r:Run {id: $id}) SET r += $props", id=run.id, props=props).consume()
        )

    def runs(self, limit: int = 20, kind: str | None = None) -> list[Run]:
        rows = self._read(
            "MATCH (r:Run) WHERE $kind IS NULL OR r.kind = $kind WITH r "
            "ORDER BY r.started_at DESC, r.id DESC LIMIT $n" + _RUN_RETURN,
            kind=kind,
            n=int(limit),
        )
        return [_run(r) for r in rows]

    def last_cursor(self, source: str) -> str | None:
        rows = self._read(
            "MATCH (r:Run {source: $source}) WHERE r.status IN ['ok', 'partial'] "
            "AND r.cursor IS NOT NULL RETURN r.cursor ORDER BY r.started_at DESC LIMIT 1",
            source=source,
        )
        return rows[0][0] if rows else None

    # -- snapshots ----------------------------------------------------------------------------
    def save_snapshot(self, config: dict, table: pd.DataFrame) -> Snapshot:
        snapshot_id, created = new_snapshot_id()
        rows = [
            {"account": a, "rank": r, "score": s, "metrics": m}
            for _, a, r, s, m in snapshot_rows(snapshot_id, table)
        ]

        def work(tx) -> None:
            tx.run(
                "CREATE (s:Snapshot {id: $id, created_at: $created, config: $config, accounts: $n})",
                id=snapshot_id,
                created=_dt(created),
                config=json.dumps(config, default=str),
                n=len(rows),
            ).consume()
            for i in range(0, len(rows), _WRITE_BATCH):
                result = tx.run(
                    # Forced seek: see _EXISTING_INTERACTIONS.
                    "MATCH (s:Snapshot {id: $id}) UNWIND $rows AS r "
                    "MATCH (a:Account {key: r.account}) USING INDEX SEEK a:Account(key) "
                    "CREATE (s)-[:RANKED {rank: r.rank, score: r.score, metrics: r.metrics}]->(a) "
                    "RETURN count(*) AS n",
                    id=snapshot_id,
                    rows=rows[i : i + _WRITE_BATCH],
                ).single()
                if result["n"] != len(rows[i : i + _WRITE_BATCH]):
                    raise NotFoundError("a snapshot row names an account that is not in the store")

        self._write(work)
        return Snapshot(snapshot_id, created, config, table.reset_index(drop=True))

    def snapshots(self) -> pd.DataFrame:
        rows = self._read(
            "MATCH (s:Snapshot) RETURN s.id, s.created_at.epochMillis AS c, s.accounts, s.config "
            "ORDER BY c DESC, s.id DESC"
        )
        return snapshots_frame(rows)

    def load_snapshot(self, snapshot_id: str | None = None, top: int | None = None) -> Snapshot | None:
        if snapshot_id is None:
            head = self._read(
                "MATCH (s:Snapshot) RETURN s.id, s.created_at.epochMillis AS c, s.config "
                "ORDER BY c DESC, s.id DESC LIMIT 1"
            )
        else:
            head = self._read(
                "MATCH (s:Snapshot {id: $id}) RETURN s.id, s.created_at.epochMillis, s.config",
                id=snapshot_id,
            )
        if not head:
            return None
        sid, created, config = head[0]
        query = ("MATCH (:Snapshot {id: $id})-[r:RANKED]->(a:Account) "
                 "RETURN a.key AS k, r.rank AS rank, r.score, r.metrics ORDER BY rank, k")
        params: dict[str, Any] = {"id": sid}
        if top is not None:
            query += " LIMIT $top"
            params["top"] = max(int(top), 0)
        rows = self._read(query, **params)
        return Snapshot(sid, from_ms(created), json.loads(config), snapshot_frame(rows))

    def account_history(self, key: str) -> pd.DataFrame:
        rows = self._read(
            "MATCH (s:Snapshot)-[r:RANKED]->(:Account {key: $key}) "
            "RETURN s.id AS id, s.created_at.epochMillis AS c, r.rank, r.score ORDER BY c, id",
            key=key,
        )
        df = pd.DataFrame(rows, columns=["snapshot_id", "created_at", "rank", "score"])
        df["created_at"] = pd.to_datetime(df["created_at"].astype("int64"), unit="ms", utc=True)
        return df

    # -- shortlists -----------------------------------------------------------------------------
    def shortlists(self) -> list[Shortlist]:
        rows = self._read(
            "MATCH (l:Shortlist) OPTIONAL MATCH (l)-[m:INCLUDES]->() "
            "RETURN l.name AS name, l.created_at.epochMillis, l.description, count(m) ORDER BY name"
        )
        return [Shortlist(n, from_ms(c), d or "", m) for n, c, d, m in rows]

    def create_shortlist(self, name: str, description: str = "") -> Shortlist:
        from neo4j.exceptions import ConstraintError

        name = shortlist_name(name)
        created = utcnow()
        try:
            self._write(
                lambda tx: tx.run(
                    "CREATE (:Shortlist {name: $name, description: $d, created_at: $c})",
                    name=name,
                    d=description,
                    c=_dt(created),
                ).consume()
            )
        except ConstraintError:
            raise ConflictError(f"a shortlist named {name!r} already exists") from None
        return Shortlist(name, created, description, 0)

    def rename_shortlist(self, name: str, new_name: str) -> None:
        from neo4j.exceptions import ConstraintError

        new_name = shortlist_name(new_name)
        try:
            n = self._write(
                lambda tx: tx.run(
                    "MATCH (l:Shortlist {name: $name}) SET l.name = $new RETURN count(l) AS n",
                    name=name,
                    new=new_name,
                ).single()["n"]
            )
        except ConstraintError:
            raise ConflictError(f"a shortlist named {new_name!r} already exists") from None
        if n == 0:
            raise NotFoundError(f"no shortlist named {name!r}")

    def delete_shortlist(self, name: str) -> None:
        n = self._write(
            lambda tx: tx.run(
                "MATCH (l:Shortlist {name: $name}) WITH l, count(l) AS n DETACH DELETE l RETURN n",
                name=name,
            ).single()
        )
        if n is None:
            raise NotFoundError(f"no shortlist named {name!r}")

    def add_to_shortlist(
        self,
        name: str,
        keys: Sequence[str],
        note: str = "",
        owner: str = "",
        status: str = "to contact",
    ) -> int:
        status = validate_status(status)
        keys = list(dict.fromkeys(keys))

        def work(tx) -> int:
            if tx.run("MATCH (l:Shortlist {name: $name}) RETURN l", name=name).single() is None:
                raise NotFoundError(f"no shortlist named {name!r}")
            found = {
                r["k"]
                for r in tx.run(
                    "UNWIND $keys AS k MATCH (a:Account {key: k}) RETURN k", keys=keys
                )
            }
            missing = [k for k in keys if k not in found]
            if missing:
                raise NotFoundError(f"no account {missing[0]!r}")
            return tx.run(
                "MATCH (l:Shortlist {name: $name}) UNWIND $keys AS k MATCH (a:Account {key: k}) "
                "WHERE NOT (l)-[:INCLUDES]->(a) "
                "CREATE (l)-[:INCLUDES {note: $note, owner: $owner, status: $status, added_at: $now}]->(a) "
                "RETURN count(*) AS n",
                name=name,
                keys=keys,
                note=note,
                owner=owner,
                status=status,
                now=_dt(utcnow()),
            ).single()["n"]

        return self._write(work)

    def update_member(
        self,
        name: str,
        key: str,
        note: str | None = None,
        owner: str | None = None,
        status: str | None = None,
    ) -> None:
        if status is not None:
            status = validate_status(status)

        def work(tx) -> int:
            if tx.run("MATCH (l:Shortlist {name: $name}) RETURN l", name=name).single() is None:
                raise NotFoundError(f"no shortlist named {name!r}")
            return tx.run(
                "MATCH (:Shortlist {name: $name})-[m:INCLUDES]->(:Account {key: $key}) "
                "SET m.note = coalesce($note, m.note), m.owner = coalesce($owner, m.owner), "
                "m.status = coalesce($status, m.status) RETURN count(m) AS n",
                name=name,
                key=key,
                note=note,
                owner=owner,
                status=status,
            ).single()["n"]

        if self._write(work) == 0:
            raise NotFoundError(f"{key!r} is not on shortlist {name!r}")

    def remove_from_shortlist(self, name: str, keys: Sequence[str]) -> int:
        def work(tx) -> int:
            if tx.run("MATCH (l:Shortlist {name: $name}) RETURN l", name=name).single() is None:
                raise NotFoundError(f"no shortlist named {name!r}")
            return tx.run(
                "MATCH (:Shortlist {name: $name})-[m:INCLUDES]->(a:Account) WHERE a.key IN $keys "
                "DELETE m RETURN count(*) AS n",
                name=name,
                keys=list(keys),
            ).single()["n"]

        return self._write(work)

    def shortlist_members(self, name: str) -> pd.DataFrame:
        if not self._read("MATCH (l:Shortlist {name: $name}) RETURN l.name", name=name):
            raise NotFoundError(f"no shortlist named {name!r}")
        rows = self._read(
            "MATCH (:Shortlist {name: $name})-[m:INCLUDES]->(a:Account) "
            "RETURN a.key AS k, a.platform, a.handle, a.name, a.followers, a.internal, a.crm_status, "
            "m.note, m.owner, m.status, m.added_at.epochMillis AS added ORDER BY added, k",
            name=name,
        )
        return members_frame(rows)

    def shortlists_of(self, key: str) -> list[str]:
        rows = self._read(
            "MATCH (l:Shortlist)-[:INCLUDES]->(:Account {key: $key}) RETURN l.name AS n ORDER BY n",
            key=key,
        )
        return [r[0] for r in rows]

    # -- housekeeping ---------------------------------------------------------------------------
    def forget(self, key: str) -> dict[str, int]:
        self._known_accounts.discard(key)

        def work(tx) -> dict[str, int]:
            rec = tx.run(
                "MATCH (a:Account {key: $key}) "
                "RETURN a.handle_lc AS h, a.platform AS p, a.platform_id AS pid, "
                "COUNT { (a)-[e:INTERACTED]-() } AS ie, "
                "COUNT { (a)<-[:RANKED]-() } AS sr, COUNT { (a)<-[:INCLUDES]-() } AS sl",
                key=key,
            ).single()
            if rec is None:
                raise NotFoundError(f"no account {key!r}")
            roster = tx.run(
                "MATCH (r:RosterEntry) WHERE (r.handle_lc = $h AND (r.platform IS NULL OR r.platform = $p)) "
                "OR ($p = 'email' AND r.email = $pid) DETACH DELETE r RETURN count(*) AS n",
                h=rec["h"],
                p=rec["p"],
                pid=rec["pid"],
            ).single()["n"]
            crm = tx.run(
                "MATCH (c:CrmEntry {handle_lc: $h}) WHERE c.platform IS NULL OR c.platform = $p "
                "DETACH DELETE c RETURN count(*) AS n",
                h=rec["h"],
                p=rec["p"],
            ).single()["n"]
            tx.run("MATCH (a:Account {key: $key}) DETACH DELETE a", key=key).consume()
            return {
                "interactions": rec["ie"],
                "snapshot rows": rec["sr"],
                "shortlist entries": rec["sl"],
                "roster rows": roster,
                "crm rows": crm,
                "accounts": 1,
            }

        return self._write(work)

    def stats(self) -> Stats:
        (accounts, internal), = self._read(
            "MATCH (a:Account) RETURN count(a), count(CASE WHEN a.internal THEN 1 END)"
        )
        by_kind = dict(
            self._read("MATCH ()-[e:INTERACTED]->() RETURN e.kind AS k, count(*) AS n ORDER BY n DESC, k")
        )
        by_platform = dict(
            self._read(
                "MATCH ()-[e:INTERACTED]->() RETURN e.platform AS p, count(*) AS n ORDER BY n DESC, p"
            )
        )
        (first, last), = self._read(
            "MATCH ()-[e:INTERACTED]->() RETURN min(e.at).epochMillis, max(e.at).epochMillis"
        )
        return Stats(
            store=self.display,
            accounts=accounts,
            internal_accounts=internal,
            external_accounts=accounts - internal,
            interactions=sum(by_kind.values()),
            by_kind=by_kind,
            by_platform=by_platform,
            first_at=from_ms(first),
            last_at=from_ms(last),
            last_runs=self.runs(limit=5),
        )

    def delete_everything(self) -> None:
        self._known_accounts.clear()

        # Batched so that a big graph does not need one huge transaction; the
        # relationships first, as 10,000 nodes may hold millions of them (hubs).
        # ImportPending: the marker of an unfinished bulk import (ingest.neo4j_import).
        ours = ("n:Account OR n:Run OR n:Snapshot OR n:Shortlist OR n:RosterEntry OR n:CrmEntry "
                "OR n:OptOut OR n:ImportPending")

        def run():
            with self._driver.session(database=self.database) as session:
                session.run(
                    f"MATCH (n)-[r]->() WHERE {ours} "
                    "CALL (r) { DELETE r } IN TRANSACTIONS OF 50000 ROWS"
                ).consume()
                session.run(
                    f"MATCH (n) WHERE {ours} CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS"
                ).consume()

        self._guard(run)


# -- helpers ------------------------------------------------------------------------------------


def _dt(value: datetime) -> datetime:
    """Neo4j keeps time zones; make sure every datetime we send is aware UTC."""
    from graph.model import to_utc

    return to_utc(value)


def _frame_accounts(frame: pd.DataFrame) -> list[Account]:
    """Accounts of an account frame (values already normalised: no re-validation)."""
    names = [c for c in Account.__slots__ if c in frame.columns]
    out = []
    for row in zip(*(frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in names),
                   strict=True):
        a = object.__new__(Account)
        for slot in Account.__slots__:
            setattr(a, slot, None)
        for name, value in zip(names, row, strict=True):
            setattr(a, name, value)
        out.append(a)
    return out


def _account_row(a: Account) -> dict:
    props = {
        "handle": a.handle,
        "handle_lc": a.handle.lower() if a.handle else None,
        "name": a.name,
        "followers": a.followers,
        "following": a.following,
        "posts": a.posts,
        "created_at": a.created_at,
        "verified": a.verified,
        "bio": a.bio,
        "url": a.url,
    }
    # Unknown (None) values never overwrite known ones.
    return {
        "key": a.key,
        "platform": a.platform,
        "platform_id": a.platform_id,
        "props": {k: v for k, v in props.items() if v is not None},
    }


def _account_tuple(r: list) -> tuple:
    r = list(r)
    r[15] = json.dumps(list(r[15] or []))
    return tuple(r)


def _run(r: list) -> Run:
    return run_from_row(tuple(r))


def _writer_count() -> int:
    raw = os.environ.get("SCOUT_NEO4J_WRITERS", str(_BULK_WRITERS))
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise StoreUnavailableError(f"SCOUT_NEO4J_WRITERS must be a whole number from 1 to 64, got {raw!r}")
    return int(raw)


def _stub_rows(stubs: list[tuple[str, str, str]]) -> list[dict]:
    return [{"key": k, "platform": p, "platform_id": i} for k, p, i in stubs]


def _event_columns(events: pd.DataFrame) -> dict[str, list]:
    columns = {c: events[c].tolist() for c in _EVENT_PROPERTIES}
    # No topics: no property (see the module docstring), not an empty list.
    columns["topics"] = [list(t) or None for t in split_topics(events["topics"])] if len(events) else []
    return columns


def _existing_keys(tx, keys: list[str]) -> set[str]:
    existing: set[str] = set()
    for i in range(0, len(keys), _WRITE_BATCH):
        existing.update(rec["k"] for rec in tx.run(_EXISTING_INTERACTIONS, keys=keys[i : i + _WRITE_BATCH]))
    return existing


def _new_positions(events: pd.DataFrame, existing: set[str]) -> np.ndarray:
    if not len(events):
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(~events["key"].isin(existing).to_numpy())


def _merge_accounts(tx, stubs: list[dict], account_rows: list[dict]) -> None:
    for i in range(0, len(stubs), _WRITE_BATCH):
        tx.run(_MERGE_BARE_ACCOUNTS, rows=stubs[i : i + _WRITE_BATCH]).consume()
    for i in range(0, len(account_rows), _WRITE_BATCH):
        tx.run(_UPSERT_ACCOUNTS, rows=account_rows[i : i + _WRITE_BATCH]).consume()
    if account_rows and _has_annotations(tx):
        tx.run(_RECONCILE_KEYS, keys=[r["key"] for r in account_rows]).consume()


def _create_interactions(tx, columns: dict[str, list], positions: np.ndarray) -> int:
    """Create the events at ``positions`` of ``columns``; returns how many were created."""
    created = 0
    for i in range(0, len(positions), _WRITE_BATCH):
        chunk = positions[i : i + _WRITE_BATCH].tolist()
        params = {c: [values[j] for j in chunk] for c, values in columns.items()}
        created += tx.run(_CREATE_INTERACTIONS, params).single()["inserted"]
    return created


def _has_annotations(tx) -> bool:
    return tx.run(
        "RETURN EXISTS { MATCH (:RosterEntry) } OR EXISTS { MATCH (:CrmEntry) } AS x"
    ).single()["x"]


def _replace_entries(tx, label: str, rows: list[dict]) -> None:
    """Insert roster/CRM rows; a row with the same identity replaces the older one."""
    if label not in ("RosterEntry", "CrmEntry"):
        raise ValueError(label)
    seq = tx.run(f"MATCH (p:{label}) RETURN coalesce(max(p.seq), 0) AS s").single()["s"]
    numbered = [dict(r, seq=seq + i + 1) for i, r in enumerate(rows)]
    for i in range(0, len(numbered), _WRITE_BATCH):
        chunk = numbered[i : i + _WRITE_BATCH]
        tx.run(
            f"UNWIND $rows AS r MATCH (p:{label} {{ident: r.ident}}) WHERE p.seq < r.seq DETACH DELETE p",
            rows=chunk,
        ).consume()
        tx.run(f"UNWIND $rows AS r CREATE (p:{label}) SET p = r", rows=chunk).consume()
    # Within the new rows too, the newest of an identity wins.
    tx.run(
        f"MATCH (p:{label}) WITH p.ident AS ident, collect(p) AS ps, max(p.seq) AS top "
        "WHERE size(ps) > 1 UNWIND ps AS p WITH p, top WHERE p.seq < top DETACH DELETE p"
    ).consume()


def _reconcile_all(tx) -> None:
    keys = [r["key"] for r in tx.run(_ANNOTATED_KEYS)]
    for i in range(0, len(keys), _WRITE_BATCH):
        tx.run(_RECONCILE_KEYS, keys=keys[i : i + _WRITE_BATCH]).consume()

"""One X account, one key: ``x:@name`` becomes ``x:<id>`` as soon as the id is known.

A mention whose id the record does not give is stored as ``x:@name``
(:mod:`ingest.x_parse`, :mod:`ingest.identity`). Two places make sure that
such a key does not live on next to the account's ``x:<id>``:

* **at the source** — :class:`HandleResolver` rewrites ``x:@name`` to
  ``x:<id>`` in each chunk before it is written, when the id is known from any
  earlier record of the run or from the store (so a re-import of an old page
  finds its events again: duplicates, not new rows);
* **after the run, and for existing stores** — :func:`merge_handle_aliases`
  folds every ``x:@name`` account that an id account of the same handle now
  names into it (:meth:`graph.store.GraphStore.merge_accounts`): the case of a
  page that mentions a user by name *before* another page reveals the id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np
import pandas as pd

from graph.store import GraphStore
from ingest.pipeline import Chunk

PLATFORM = "x"
_ALIAS_PREFIX = PLATFORM + ":@"


class HandleResolver:
    """Rewrites ``x:@name`` keys of chunks to the ``x:<id>`` the run or the store knows.

    Parameters
    ----------
    store : GraphStore
        Asked once per unknown handle (the answer, even "unknown", is cached
        until a record of the run reveals the id).
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.ids: dict[str, str | None] = {}
        self.rewritten = 0
        self._store_empty: bool | None = None

    def learn(self, chunk: Chunk) -> None:
        """Remember the ``handle → x:<id>`` of every id account with a handle in ``chunk``."""
        for a in chunk.accounts:
            if a.platform == PLATFORM and a.handle and not a.platform_id.startswith("@"):
                self.ids[a.handle.lower()] = a.key
        f = chunk.account_frame
        if f is not None and len(f):
            ids = f[(f["platform"] == PLATFORM) & f["handle"].notna()
                    & ~f["platform_id"].astype(str).str.startswith("@")]
            self.ids.update(zip(ids["handle"].str.lower().tolist(), ids["key"].tolist(), strict=True))

    def _store_has_ids(self) -> bool:
        """Whether the store may know ids for handles (an empty store, as in a first big load, does not)."""
        if self._store_empty is None:
            self._store_empty = self.store.is_empty()
        return not self._store_empty

    def _lookup(self, alias: str) -> str | None:
        name = alias[len(_ALIAS_PREFIX):]
        if name not in self.ids:
            if not self._store_has_ids():
                return None  # unknown now; a later record of this run may still reveal it
            keys = [k for k in self.store.resolve("@" + name, platform=PLATFORM)
                    if not k.startswith(_ALIAS_PREFIX)]
            self.ids[name] = keys[0] if len(keys) == 1 else None
        return self.ids[name]

    def rewrite(self, chunk: Chunk) -> Chunk:
        """``chunk`` with known aliases replaced by id keys (their bare accounts dropped)."""
        self.learn(chunk)
        if not self.ids and not self._store_has_ids():
            return chunk  # no id known anywhere yet: nothing to rewrite
        aliases = {
            k for e in chunk.interactions for k in (e.source, e.target) if k.startswith(_ALIAS_PREFIX)
        }
        f = chunk.frame
        if f is not None and len(f):
            keys = pd.unique(np.concatenate([f["source"].to_numpy(dtype=object),
                                             f["target"].to_numpy(dtype=object)]))
            aliases.update(k for k in keys.tolist() if k.startswith(_ALIAS_PREFIX))
        if self._store_has_ids():
            mapping = {a: key for a in aliases if (key := self._lookup(a)) is not None}
        else:  # only this run can know an id: look up the names it revealed, not every alias
            prefix = len(_ALIAS_PREFIX)
            mapping = {a: key for a in aliases if (key := self.ids.get(a[prefix:])) is not None}
        if not mapping:
            return chunk
        if f is not None and len(f):
            chunk.frame = f.assign(source=f["source"].replace(mapping), target=f["target"].replace(mapping))
        if chunk.account_frame is not None:
            chunk.account_frame = chunk.account_frame[~chunk.account_frame["key"].isin(mapping)]
        chunk.interactions = [
            _renamed(e, mapping) if (e.source in mapping or e.target in mapping) else e
            for e in chunk.interactions
        ]
        chunk.accounts = [a for a in chunk.accounts if a.key not in mapping]
        self.rewritten += len(mapping)
        return chunk

    def apply(self, chunks: Iterable[Chunk]) -> Iterator[Chunk]:
        """Rewrite every chunk of a stream."""
        for chunk in chunks:
            yield self.rewrite(chunk)


def _renamed(e, mapping: dict[str, str]):
    source, target = mapping.get(e.source, e.source), mapping.get(e.target, e.target)
    if isinstance(e, tuple):  # an Edge
        return e._replace(source=source, target=target)
    return replace(e, source=source, target=target)


def merge_handle_aliases(store: GraphStore) -> int:
    """Fold every ``x:@name`` account an ``x:<id>`` account now names into it; returns how many.

    Idempotent and cheap when there is nothing to do, so it runs after every
    X import (and ``scout people dedupe`` runs it on demand for old stores).
    """
    mapping = store.handle_aliases(PLATFORM)
    if not mapping:
        return 0
    return store.merge_accounts(mapping)["accounts"]

"""Employees who opted out stay out: nothing of theirs is written, what was stored is forgotten.

An opt-out (``scout people opt-out``) names a person by e-mail address or
account key. :func:`apply_opt_outs` forgets every account of that person (their
interactions, snapshot rows, shortlist entries and roster rows go with them,
see :meth:`graph.store.GraphStore.forget`) and records each key as opted out;
:class:`OptOutFilter` drops, before they are written, the events and accounts
of later imports that name one of those keys or addresses. Both run in every
ingest job, so a re-import of an old export does not bring anyone back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from graph.store import GraphStore
from ingest.pipeline import Chunk


def is_account_key(ident: str) -> bool:
    """Whether an opt-out identity is an account key (else an e-mail address).

    Examples
    --------
    >>> is_account_key("slack:U1"), is_account_key("email:ann@x.io"), is_account_key("ann@x.io")
    (True, True, False)
    """
    head, sep, _ = ident.partition(":")
    return bool(sep) and "@" not in head


def blocked_keys(idents: Iterable[str]) -> set[str]:
    """The account keys opt-out identities block at the source (addresses as ``email:`` keys)."""
    return {i if is_account_key(i) else f"email:{i.lower()}" for i in idents}


class OptOutFilter:
    """Drops the events and accounts of opted-out keys from a stream of chunks."""

    def __init__(self, store: GraphStore) -> None:
        self.keys = blocked_keys(store.opt_outs())
        self.dropped = 0

    def apply(self, chunks: Iterable[Chunk]) -> Iterator[Chunk]:
        keys = self.keys
        for chunk in chunks:
            if keys:
                before = chunk.n_interactions
                frame, lines, account_frame = chunk.frame, chunk.frame_lines, chunk.account_frame
                if frame is not None and len(frame):
                    keep = ~(frame["source"].isin(keys) | frame["target"].isin(keys)).to_numpy()
                    frame, lines = frame.loc[keep].reset_index(drop=True), lines[keep]
                if account_frame is not None:
                    account_frame = account_frame[~account_frame["key"].isin(keys)]
                chunk = replace(
                    chunk,
                    interactions=[e for e in chunk.interactions
                                  if e.source not in keys and e.target not in keys],
                    accounts=[a for a in chunk.accounts if a.key not in keys],
                    frame=frame, frame_lines=lines, account_frame=account_frame,
                )
                self.dropped += before - chunk.n_interactions
            yield chunk


def apply_opt_outs(store: GraphStore) -> int:
    """Forget every account of every opted-out person; returns how many accounts were forgotten."""
    idents = store.opt_outs()
    if not idents:
        return 0
    from graph.people import PeopleState, opt_out_keys

    keys = opt_out_keys(PeopleState(store), idents)
    if not keys:
        return 0
    store.add_opt_outs(keys)
    for key in keys:
        store.forget(key)
    return len(keys)

"""What every ``scout`` command shares: the store (opened on first use) and the flags.

Kept apart from :mod:`ui.cli` so that command modules can import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import click

from graph.factory import open_store
from graph.store import GraphStore


@dataclass
class AppContext:
    """What every command needs: the store (opened on first use) and the flags."""

    store_uri: str | None
    debug: bool = False
    _store: GraphStore | None = field(default=None, repr=False)

    def store(self) -> GraphStore:
        if self._store is None:
            self._store = open_store(self.store_uri)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(AppContext)

"""Fixtures of the web-app tests (``test_app*.py``, ``test_browser.py``).

The sample data (``data/``) is loaded once per session into a SQLite file with the
ingest helper's readers and ranked twice (a ranking that stops on 2026-10-25, then
one over everything, so that rank history and rising stars have two snapshots).
Each test gets its own copy of that file, so tests can write to it freely.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

APP = REPO / "ui" / "app.py"
#: Seconds an AppTest run may take (a cold cache loads the whole ranking).
RUN_TIMEOUT = 60
#: When the "previous" sample ranking stops.
PREVIOUS_UNTIL = "2026-10-25"


def build_sample_store(path: Path) -> None:
    """Load ``data/`` into a new SQLite store at ``path`` and rank it twice."""
    from graph.ranking import RankConfig, parse_datetime
    from graph.sqlite_store import SqliteStore
    from ui import app_data

    if not app_data.sample_available():
        pytest.skip("sample data (data/) is not available")
    store = SqliteStore(path)
    try:
        for outcome in app_data.load_sample(store):
            assert outcome.error is None, outcome.error
        app_data.rank(store, RankConfig(until=parse_datetime(PREVIOUS_UNTIL)))
        app_data.rank(store, RankConfig())
    finally:
        store.close()


@pytest.fixture(scope="session")
def app_sample_db(tmp_path_factory) -> Path:
    """A SQLite file holding the ranked sample data (built once; copy it before writing)."""
    path = tmp_path_factory.mktemp("app-sample") / "sample.db"
    build_sample_store(path)
    return path


@pytest.fixture
def app_sample_uri(app_sample_db, tmp_path) -> str:
    """A private copy of the sample store, as a store URI."""
    dest = tmp_path / "scout.db"
    shutil.copyfile(app_sample_db, dest)
    return f"sqlite:///{dest}"


@pytest.fixture
def app_empty_uri(tmp_path) -> str:
    """An empty SQLite store, as a URI."""
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def make_app(monkeypatch, tmp_path) -> Iterator[Callable]:
    """``make_app(uri, **env)``: an AppTest of ``ui/app.py`` on that store, already run once.

    Caches are cleared and stores closed afterwards, and cache files (network
    layouts) go to the test's own directory, so tests do not leak into each other.
    """
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("SCOUT_APP_PASSWORD", raising=False)
    monkeypatch.setenv("SCOUT_CACHE_DIR", str(tmp_path / "cache"))

    def make(uri: str, run: bool = True, **env: str):
        monkeypatch.setenv("SCOUT_STORE", uri)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
        if run:
            at.run()
        return at

    yield make
    close_app_stores()


def close_app_stores() -> None:
    """Close every store the app opened in this process (``on_release``) and forget
    cached results."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def capture_downloads(monkeypatch) -> list[tuple[str | None, bytes]]:
    """Every file an app run offers for download, as ``(file_name, bytes)``."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: list[tuple[str | None, bytes]] = []
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None,
            is_for_static_download=False):
        if isinstance(path_or_data, bytes | bytearray):
            seen.append((file_name, bytes(path_or_data)))
        return original(self, path_or_data, mimetype, coordinates, file_name=file_name,
                        is_for_static_download=is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return seen

"""Fixtures for the ingest tests: fixture files, real samples, a fake X API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REAL_SAMPLES
from tests.ingest.xserver import FakeXApi

FIX = FIXTURES / "ingest"
X_API = FIX / "x_api"


def real_sample(relative: str) -> Path:
    """A file of the shared real samples, or skip the test when they are absent."""
    path = REAL_SAMPLES / relative
    if not path.exists():
        pytest.skip(f"real samples not available ({path})")
    return path


def api_page(name: str) -> dict:
    return json.loads((X_API / name).read_text())


@pytest.fixture
def fake_x(monkeypatch):
    """A running fake X API; ``SCOUT_X_API_BASE`` and a token point at it."""
    with FakeXApi() as api:
        monkeypatch.setenv("SCOUT_X_API_BASE", api.base_url)
        monkeypatch.setenv("X_BEARER_TOKEN", "test-token-s3cr3t")
        monkeypatch.delenv("BEARER_TOKEN", raising=False)
        yield api


def collect(chunks):
    """Flatten chunks into (read, accounts, interactions, errors, counts)."""
    read, accounts, interactions, errors, counts = 0, [], [], [], {}
    for c in chunks:
        c = c.as_records()  # column-wise chunks (CSV readers) as records
        read += c.read
        accounts += c.accounts
        interactions += c.interactions
        errors += c.errors
        for k, v in c.counts.items():
            counts[k] = counts.get(k, 0) + v
    return read, accounts, interactions, errors, counts


def edge_set(interactions):
    return {(e.post_id, e.kind, e.source, e.target) for e in interactions}

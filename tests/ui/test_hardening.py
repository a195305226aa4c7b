"""Issue 11, defect 7: empty roster replacements, empty topic rankings, login attempts, secure delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from graph.model import Account, Interaction, Person
from ingest.ops.throttle import FREE_ATTEMPTS, LoginThrottle
from ui.cli import cli

NOW = datetime.now(UTC) - timedelta(days=1)


@pytest.fixture
def uri(store):
    return f"sqlite:///{store.path}" if hasattr(store, "path") else store.display


def seed(store) -> None:
    store.add_interactions([
        Interaction("x", str(i), "mention", f"x:{i}", f"x:{i % 4 + 1}", NOW, topics=("pricing",))
        for i in range(1, 9)
    ])
    store.upsert_accounts([Account("x", str(i), handle=f"user{i}") for i in range(1, 9)])


def test_an_empty_roster_replacement_is_refused_unless_forced(store, uri, tmp_path):
    seed(store)
    store.set_roster([Person(handle="user1"), Person(handle="user2")])
    empty = tmp_path / "roster.csv"
    empty.write_text("handle,name\n")
    r = CliRunner().invoke(cli, ["--store", uri, "ingest", "roster", str(empty), "--replace"])
    assert r.exit_code == 2 and "nothing was changed (use --force" in r.output
    assert store.stats().internal_accounts == 2
    assert store.runs(limit=1)[0].status == "failed"
    forced = CliRunner().invoke(cli, ["--store", uri, "ingest", "roster", str(empty), "--replace",
                                      "--force"])
    assert forced.exit_code == 0, forced.output
    assert store.stats().internal_accounts == 0


def test_a_topic_nobody_talks_about_saves_no_snapshot(store, uri):
    seed(store)
    assert CliRunner().invoke(cli, ["--store", uri, "rank"]).exit_code == 0
    newest = store.load_snapshot().id
    r = CliRunner().invoke(cli, ["--store", uri, "rank", "--topic", "nobody-says-this"])
    assert r.exit_code == 1
    assert "no interaction in the window carries the topic(s) nobody-says-this" in r.output
    assert store.load_snapshot().id == newest and len(store.snapshots()) == 1
    assert CliRunner().invoke(cli, ["--store", uri, "rank", "--topic", "#Pricing"]).exit_code == 0
    assert len(store.snapshots()) == 2


def test_sqlite_forget_leaves_no_trace_in_the_files(sqlite_store):
    seed(sqlite_store)
    sqlite_store.upsert_accounts([Account("x", "77", handle="zz-private-handle-zz",
                                          name="Zelda Private-Person", bio="lives at 1 Secret Rd")])
    sqlite_store.add_interactions([Interaction("x", "99", "reply", "x:77", "x:1", NOW)])
    assert sqlite_store._conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    sqlite_store.forget("x:77")
    path = sqlite_store.path
    data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for secret in (b"zz-private-handle-zz", b"Zelda Private-Person", b"1 Secret Rd"):
        assert secret not in data


# -- login attempts -------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_delays_grow_per_session_and_per_client():
    clock = FakeClock()
    t = LoginThrottle(clock=clock)
    for _ in range(FREE_ATTEMPTS - 1):
        t.failed(["session:a", "client:1.2.3.4"])
    assert t.wait(["session:a"]) == 0
    t.failed(["session:a", "client:1.2.3.4"])
    assert t.wait(["session:a"]) == 1.0
    # A new session from the same client waits as well.
    assert t.wait(["session:b", "client:1.2.3.4"]) == 1.0
    t.failed(["session:a", "client:1.2.3.4"])
    assert t.wait(["session:a"]) == 2.0
    clock.now += 2.0
    assert t.wait(["session:a"]) == 0
    t.succeeded(["session:a", "client:1.2.3.4"])
    t.failed(["session:a"])
    assert t.wait(["session:a"]) == 0


def test_the_app_refuses_attempts_while_throttled(make_app, app_sample_uri, monkeypatch):
    import ui.app_state

    clock = FakeClock()
    monkeypatch.setattr(ui.app_state, "LOGIN_THROTTLE", LoginThrottle(clock=clock))
    secret = "s3cret-Pa55"
    at = make_app(app_sample_uri, SCOUT_APP_PASSWORD=secret)
    for _ in range(FREE_ATTEMPTS):
        at.text_input(key="_scout_password").input("guess")
        at.button[0].click().run()
        assert any("Wrong password" in e.value for e in at.error)
    # The right password is not even checked while the session must wait.
    at.text_input(key="_scout_password").input(secret)
    at.button[0].click().run()
    assert any("Too many wrong passwords: try again in 1 s" in e.value for e in at.error)
    assert not at.metric
    clock.now += 1.0
    at.text_input(key="_scout_password").input(secret)
    at.button[0].click().run()
    assert not at.exception and at.metric

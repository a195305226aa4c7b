"""Microsoft Teams messages and Viva Engage exports — on both stores."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from graph.errors import InputError
from ingest.engage import engage_time
from ingest.jobs import import_source
from ingest.teams import graph_time
from tests.ingest import company_fixtures as fx

T0 = fx.T0


def _edges(store):
    df = store.interactions()
    return sorted(zip(df["kind"], df["source"], df["target"], strict=True))


def _teams_file(path, lines):
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_teams_edge_rules(store, tmp_path):
    m = fx.teams_message
    path = _teams_file(tmp_path / "teams.jsonl", [
        # a reply that comes before its parent (Graph lists replies separately)
        m("2", "bob", T0 + timedelta(minutes=5), reply_to="1", mentions=("cy",)),
        m("1", "ann", T0, reactions=(("bob", "like"), ("cy", "heart"), ("ann", "like"))),
        m("3", "ann", T0, kind="systemEventMessage"),
        {"value": [m("4", "cy", T0, chat="19:chat@unq.gbl.spaces", channel=None, mentions=("ann",))]},
        "{not json",
        json.dumps({"id": "5", "messageType": "message", "createdDateTime": "2026-03-02T09:00:00Z",
                    "from": {"application": {"id": "bot"}, "user": None}}),
    ])
    messages: list[str] = []
    run = import_source(store, path, "teams", report=messages.append)
    assert run.status == "partial" and run.rejected == 2 and run.summary["system_or_deleted"] == 1
    assert messages[0].startswith(f"{path}:5: invalid JSON")
    assert messages[1] == f"{path}:6: message without 'from.user.id' (an application or a deleted user)"
    t = "teams:"
    assert _edges(store) == sorted([
        ("reply", t + "bob", t + "ann"), ("mention", t + "bob", t + "cy"),
        ("react", t + "bob", t + "ann"), ("react", t + "cy", t + "ann"),
        ("mention", t + "cy", t + "ann"),
    ])
    df = store.interactions()
    assert set(df.loc[df["kind"] == "reply", "text"]) == {"Hello team"}  # tags stripped
    assert df.loc[df["post_id"].str.startswith("19:chat"), "text"].isna().all()  # chats keep no text
    assert store.get_account("teams:ann")["name"] == "Name ann"
    assert import_source(store, path, "teams").inserted == 0


def test_teams_bad_file(sqlite_store, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        import_source(sqlite_store, tmp_path / "none.jsonl", "teams")
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(InputError, match="empty"):
        import_source(sqlite_store, tmp_path / "empty.jsonl", "teams")
    assert graph_time("2026-03-02T09:00:00.1234567Z").microsecond == 123456


def test_engage_edge_rules(store, tmp_path):
    e = fx.engage_message
    rows = [
        e(1, 1, T0),
        e(2, 2, T0 + timedelta(minutes=1), reply_to=1),
        e(3, 3, T0 + timedelta(minutes=2), reply_to=2, group="Product"),
        e(4, 1, T0 + timedelta(minutes=3), private_with=(2, 3)),
        e(5, 2, T0, deleted_at="2026-03-03T00:00:00Z"),
        e(6, 2, T0, created_at="soon"),
        e(7, 9, T0, reply_to=1, sender_email="new.person@acme.example"),
    ]
    files = {"export/Messages.csv": fx.csv_text(fx.ENGAGE_MESSAGE_COLUMNS, rows),
             "export/Users.csv": fx.csv_text(fx.ENGAGE_USER_COLUMNS, fx.engage_users(3))}
    path = fx.write_export(tmp_path / "engage", files, as_zip=True)
    messages: list[str] = []
    run = import_source(store, path, "engage", report=messages.append)
    assert run.rejected == 1 and messages == [f"{path}:export/Messages.csv:12: unreadable created_at 'soon'"]
    g = "engage:"
    assert _edges(store) == sorted([
        ("reply", g + "2", g + "1"), ("reply", g + "3", g + "2"), ("reply", g + "9", g + "1"),
        ("message", g + "1", g + "2"), ("message", g + "1", g + "3"),
    ])
    df = store.interactions()
    assert set(df.loc[df["post_id"] == "3", "topics"]) == {("product",)}
    assert sorted(df.loc[df["kind"] == "message", "weight"]) == [0.5, 0.5]
    assert df.loc[df["kind"] == "message", "text"].isna().all()
    assert store.account_emails()["engage:9"] == "new.person@acme.example"
    assert store.get_account("engage:1")["name"] == "Person 1"
    assert import_source(store, path, "engage").inserted == 0
    # a later export: a reply to a message of the first one
    later = {"Messages.csv": fx.csv_text(fx.ENGAGE_MESSAGE_COLUMNS, [e(8, 3, T0, reply_to=2)])}
    run2 = import_source(store, fx.write_export(tmp_path / "later", later, as_zip=False), "engage")
    assert run2.inserted == 1 and ("reply", g + "3", g + "2") in _edges(store)


def test_engage_bad_exports(sqlite_store, tmp_path):
    with pytest.raises(InputError, match="not a Viva Engage export"):
        import_source(sqlite_store, fx.write_export(tmp_path / "x", {"Users.csv": "id\n1\n"}, False), "engage")
    bad = {"Messages.csv": "id,sender_id,created_at\n1,2\n\"3,4,2026-01-01\n"}
    messages: list[str] = []
    run = import_source(sqlite_store, fx.write_export(tmp_path / "b", bad, True), "engage",
                        report=messages.append)
    assert run.rejected >= 1 and ":Messages.csv:2: 2 fields, the header has 3" in messages[0]
    latin = {"Messages.csv": "id,sender_id\n1,\xe9\n".encode("latin-1")}
    with pytest.raises(InputError, match="not UTF-8"):
        import_source(sqlite_store, fx.write_export(tmp_path / "l", latin, True), "engage")
    assert engage_time("2026-03-02 09:00:00 UTC").hour == 9

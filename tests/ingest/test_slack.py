"""Slack exports: edge rules, the real sample, bad input, re-imports — on both stores."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta

import pytest

from graph.errors import InputError
from ingest.jobs import import_source
from ingest.slack import mentioned_users, open_export, slack_time
from tests.conftest import REPO
from tests.ingest.company_fixtures import T0, small_slack_files, ts, write_export
from tests.ingest.conftest import real_sample


def _edges(store):
    df = store.interactions()
    return sorted(zip(df["kind"], df["source"], df["target"], strict=True))


@pytest.mark.parametrize("as_zip", [False, True])
def test_edge_rules_on_a_small_export(store, tmp_path, as_zip):
    path = write_export(tmp_path / "export", small_slack_files(), as_zip)
    run = import_source(store, path, "slack")
    assert run.status == "partial" or run.status == "ok"
    assert run.rejected == 0, run.errors
    edges = _edges(store)
    u = [f"slack:U{i:07d}" for i in range(5)]
    assert ("reply", u[1], u[0]) in edges  # parent found by thread_ts
    assert ("reply", u[2], u[0]) in edges  # parent_user_id
    assert ("mention", u[1], u[2]) in edges  # <@U…|name> in the text
    assert ("mention", u[4], u[1]) in edges  # a user element of rich-text blocks
    assert ("react", u[0], u[2]) in edges and ("react", u[4], u[2]) in edges
    assert ("react", u[1], "slack:B0000001") in edges  # reaction to a bot's message
    assert ("message", u[1], u[0]) in edges  # DM
    assert ("message", u[2], u[0]) in edges and ("message", u[2], u[1]) in edges  # group DM
    assert not any(k == "mention" and s == u[4] and t == u[4] for k, s, t in edges)  # join skipped
    assert len(edges) == 10
    df = store.interactions()
    general = df[df["post_id"].str.startswith("C0000001:")]
    assert all(t == ("general",) for t in general["topics"])
    dm = df[df["post_id"].str.startswith("D0000001:")]
    assert dm["text"].isna().all() and all(t == () for t in dm["topics"])  # DMs keep no text
    mpim = df[df["post_id"].str.startswith("G0000001:")]
    assert sorted(mpim["weight"]) == [0.5, 0.5]
    assert "Launch" not in " ".join(dm["text"].dropna())
    acc = store.accounts().set_index("key")
    assert acc.loc[u[0], "handle"] == "user0" and acc.loc[u[0], "name"] == "User Number0"
    assert "automated" in acc.loc["slack:UBOT00001", "tags"]
    assert "automated" in acc.loc["slack:B0000001", "tags"]
    assert run.summary["deleted_users"] == 1 and run.summary["system"] == 1

    again = import_source(store, path, "slack")
    assert again.inserted == 0 and again.duplicates == run.inserted


def test_a_newer_export_adds_only_what_is_new(store, tmp_path):
    files = small_slack_files()
    first = write_export(tmp_path / "jan", files, as_zip=True)
    run1 = import_source(store, first, "slack")
    day2 = T0 + timedelta(days=1)
    newer = dict(files)
    newer[f"general/{day2:%Y-%m-%d}.json"] = [
        {"type": "message", "user": "U0000003", "ts": ts(day2, 1), "text": "<@U0000000> welcome back"}
    ]
    run2 = import_source(store, write_export(tmp_path / "feb", newer, as_zip=True), "slack")
    assert run2.inserted == 1 and run2.duplicates == run1.inserted


def test_real_sample_export(store):
    path = real_sample("slack/testarchive.zip")
    run = import_source(store, path, "slack")
    assert run.rejected == 0
    # 158 messages: 12 are system messages (joins, bot_add), the others are read.
    assert run.read == 146 and run.summary["system"] == 12 and run.summary["users"] == 4
    df = store.interactions()
    kinds = df["kind"].value_counts().to_dict()
    assert kinds == {"mention": 14, "react": 1}
    # Hamza Faran mentions Harry Potter (abilinski) in #enrique nine times.
    hp = df[(df["source"] == "slack:U0BMQB6JE") & (df["target"] == "slack:U0BMYT2FL")]
    assert len(hp) == 9 and all(t == ("enrique",) for t in hp["topics"])
    react = df[df["kind"] == "react"].iloc[0]
    assert (react["source"], react["target"]) == ("slack:U0BMYT2FL", "slack:B0JL6RASU")
    acc = store.accounts().set_index("key")
    assert acc.loc["slack:U0BMYT2FL", "name"] == "Harry Potter"
    assert "automated" in acc.loc["slack:B0JL6RASU", "tags"]
    assert import_source(store, path, "slack").inserted == 0


def test_zulip_thread_fixtures(sqlite_store, tmp_path):
    folder = real_sample("slack/zulip")
    files = {
        "channels.json": [{"id": "C1", "name": "random"}],
        "users.json": [],
        "random/2015-06-12.json": (folder / "normal_thread.json").read_text(),
        "random/2015-06-13.json": (folder / "thread_with_broadcast_reply.json").read_text(),
        "random/2026-02-26.json": "[" + (folder / "message_with_user_mentions.json").read_text() + "]",
    }
    run = import_source(sqlite_store, write_export(tmp_path / "z", files, False), "slack")
    assert run.rejected == 0, run.errors
    edges = _edges(sqlite_store)
    assert ("reply", "slack:U061A1R2R", "slack:U061A5N1G") in edges
    assert ("mention", "slack:U06NU4E26M9", "slack:U074VRHQ11T") in edges
    # An author who mentions themselves makes no edge; a reply to oneself neither.
    assert all(s != t for _, s, t in edges)
    # The author's profile inlined in the message names the account.
    assert sqlite_store.get_account("slack:U06NU4E26M9")["handle"] == "pieterceka123"


def test_bad_input_is_reported_with_file_and_member(sqlite_store, tmp_path):
    files = small_slack_files()
    files["general/2026-03-03.json"] = "[{\"type\": \"message\", \"ts\": "  # cut off
    files["general/2026-03-04.json"] = [{"type": "message", "user": "U0000001", "ts": "soon"}, 7]
    path = write_export(tmp_path / "bad", files, as_zip=True)
    messages: list[str] = []
    run = import_source(sqlite_store, path, "slack", report=messages.append)
    assert run.status == "partial" and run.rejected == 3
    assert any(m.startswith(f"{path}:general/2026-03-03.json: invalid JSON") for m in messages)
    assert f"{path}:general/2026-03-04.json: message 1: 'ts' is not a timestamp: 'soon'" in messages
    assert f"{path}:general/2026-03-04.json: message 2: not an object" in messages
    assert run.inserted == 10  # the good files are all there
    with pytest.raises(InputError, match="--strict"):
        import_source(sqlite_store, path, "slack", strict=True)


def test_not_an_export(sqlite_store, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match="not a zip archive"):
        import_source(sqlite_store, junk, "slack")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="not a Slack export"):
        import_source(sqlite_store, empty, "slack")
    with pytest.raises(InputError, match="no such file"):
        import_source(sqlite_store, tmp_path / "missing.zip", "slack")
    assert sqlite_store.runs(limit=1)[0].status == "failed"
    files = {"users.json": "{\"oops\"", "channels.json": []}
    with pytest.raises(InputError, match=r"users.json: invalid JSON"):
        import_source(sqlite_store, write_export(tmp_path / "u", files, False), "slack")


def test_cli_reports_bad_export_without_traceback(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 truncated")
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", f"sqlite:///{tmp_path / 's.db'}",
         "ingest", "slack", str(junk)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "not a zip archive" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_json_summary(tmp_path):
    path = write_export(tmp_path / "export", small_slack_files(), as_zip=True)
    shutil.copy(path, tmp_path / "copy.zip")
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", f"sqlite:///{tmp_path / 's.db'}",
         "ingest", "slack", str(path), "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["inserted"] == 10 and summary["bots"] == 2


def test_small_helpers():
    assert slack_time("0.5").year == 1970
    with pytest.raises(ValueError):
        slack_time(None)
    assert mentioned_users({"text": "<!channel> <@U1> <#C1|x>"}) == ["U1"]


def test_open_export_lists_conversations(tmp_path):
    export = open_export(str(write_export(tmp_path / "e", small_slack_files(), False)))
    assert {c.kind for c in export.conversations.values()} == {"channel", "dm", "mpim"}
    assert export.emails["slack:U0000002"] == "user2@acme.example"
    export.files.close()


def test_bots_rank_as_automated(tmp_path):
    from click.testing import CliRunner

    from ui.cli import cli

    uri = f"sqlite:///{tmp_path / 's.db'}"
    from graph.factory import open_store

    with open_store(uri) as store:
        import_source(store, write_export(tmp_path / "e", small_slack_files(), True), "slack")
    runner = CliRunner()
    assert runner.invoke(cli, ["--store", uri, "rank"], catch_exceptions=False).exit_code == 0
    out = runner.invoke(cli, ["--store", uri, "leaders", "--top", "50", "--format", "json"],
                        catch_exceptions=False).stdout
    rows = {r["key"]: r for r in json.loads(out)}
    assert rows["slack:B0000001"]["automated"] is True
    assert rows["slack:U0000002"]["automated"] is False


def test_handle_only_accounts_fold_into_the_export_users(store, tmp_path):
    from ingest.jobs import import_file

    csv = tmp_path / "slack.csv"
    csv.write_text("source,target,timestamp,platform\nuser1,User2,2026-03-01T10:00:00Z,slack\n")
    import_file(store, csv, "edges")
    run = import_source(store, write_export(tmp_path / "e", small_slack_files(), True), "slack")
    assert run.summary["handle_accounts_merged"] == 2
    keys = set(store.accounts()["key"])
    assert "slack:user1" not in keys and "slack:user2" not in keys
    df = store.interactions()
    old = df[df["platform"] == "slack"].query("source == 'slack:U0000001' and target == 'slack:U0000002'")
    assert len(old) == 2  # the CSV's mention and the export's mention

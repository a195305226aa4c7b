"""``scout rank / leaders / explain / backtest`` through click's CliRunner."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest
from click.testing import CliRunner

from graph.model import Account
from ui.cli import cli

from .test_rank_store import T0, fill


@pytest.fixture
def filled(store_uri, tmp_path):
    from graph.sqlite_store import SqliteStore

    s = SqliteStore(tmp_path / "scout.db")
    fill(s)
    # a handle that would be a formula in a spreadsheet
    s.write_batch([Account("x", "u5", handle="=HYPERLINK(1)")], [])
    s.close()
    return store_uri


def run(uri, *args, ok=True):
    result = CliRunner().invoke(cli, ["--store", uri, *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, (result.output, result.stderr)
    return result


def test_rank_summary_and_json(filled):
    r = run(filled, "rank")
    assert "snapshot" in r.stdout and "top 10 internal" in r.stdout
    assert "User33" in r.stdout
    r = run(filled, "rank", "--json", "--preset", "conversation", "--seed", "3")
    data = json.loads(r.stdout)
    assert data["previous_snapshot"] and data["config"]["preset"] == "conversation"
    assert data["top_external"][0]["account"] == "User33"
    assert all(row["segment"] == "internal" for row in data["top_internal"])
    assert {"rank", "account", "platform", "segment", "score", "community", "pagerank"} <= \
        set(data["top_external"][0])


def test_rank_window_topic_and_weights_file(filled, tmp_path):
    w = tmp_path / "w.toml"
    w.write_text('preset = "brokers"\n[weights]\nreach = 0.2\n[kind_weights]\nreply = 0.5\n')
    until = (T0 + timedelta(hours=40)).isoformat().replace("+00:00", "Z")
    r = run(filled, "rank", "--json", "--since", "2024-05-01", "--until", until, "--topic",
            "pricing", "--weights", str(w), "--half-life", "0")
    data = json.loads(r.stdout)
    assert data["stats"]["events"] == 80
    assert data["config"]["preset"] == "brokers" and data["config"]["half_life_days"] is None
    assert "topic_pagerank" not in data["weights"] or data["weights"]["reach"] > 0
    assert data["config"]["kind_weights"] == {"reply": 0.5}


def test_rank_empty_window_saves_nothing(filled):
    r = run(filled, "rank", "--since", "2030-01-01", ok=False)
    assert r.exit_code == 1 and "nothing to rank" in r.stderr
    r = run(filled, "leaders", ok=False)
    assert r.exit_code == 1 and "scout rank" in r.stderr


def test_rank_bad_input_exits_2(filled, tmp_path):
    r = run(filled, "rank", "--since", "last tuesday", ok=False)
    assert r.exit_code == 2 and "ISO 8601" in r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[weights]\nfoo = 1\n")
    r = run(filled, "rank", "--weights", str(bad), ok=False)
    assert r.exit_code == 2 and "unknown metric" in r.stderr


def test_leaders_formats(filled, tmp_path):
    r = run(filled, "leaders", ok=False)
    assert r.exit_code == 1 and "scout rank" in r.stderr
    run(filled, "rank")
    r = run(filled, "leaders", "--top", "5")
    assert "leaders (all)" in r.stdout
    csv = run(filled, "leaders", "--format", "csv", "--top", "50").stdout
    df = pd.read_csv(pd.io.common.StringIO(csv))
    for col in ("rank", "account", "platform", "segment", "score", "community", "engagers",
                "pagerank", "betweenness", "core", "bridging", "reach", "automation", "key"):
        assert col in df.columns
    assert df["rank"].tolist() == list(range(1, len(df) + 1))
    assert "'=HYPERLINK(1)" in df["account"].tolist()  # neutralised
    js = json.loads(run(filled, "leaders", "--format", "json", "--segment", "internal").stdout)
    assert {row["segment"] for row in js} == {"internal"} and len(js) == 4
    ext = json.loads(run(filled, "leaders", "--format", "json", "--segment", "external",
                         "--top", "1").stdout)
    assert ext[0]["account"] == "User33" and ext[0]["crm_status"] == "customer"
    out = tmp_path / "leaders.xlsx"
    r = run(filled, "leaders", "--out", str(out), "--segment", "external")
    assert out.exists() and "wrote" in r.stderr
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    assert ws["B1"].value == "account" and all(c.data_type != "f" for row in ws.iter_rows()
                                               for c in row)
    r = run(filled, "leaders", "--format", "xlsx", ok=False)
    assert r.exit_code == 2
    t = json.loads(run(filled, "leaders", "--format", "json", "--topic", "pricing").stdout)
    assert t and all("pricing" in row["topics"].split(";") for row in t)
    c = json.loads(run(filled, "leaders", "--format", "json", "--community", "0").stdout)
    assert c and {row["community"] for row in c} == {0}
    b = json.loads(run(filled, "leaders", "--format", "json", "--segment", "boundary").stdout)
    assert all(row["boundary_bridging"] > 0 for row in b)
    p = json.loads(run(filled, "leaders", "--format", "json", "--preset", "brokers").stdout)
    assert p[0]["rank"] == 1


def test_leaders_snapshot_option(filled):
    first = json.loads(run(filled, "rank", "--json").stdout)["snapshot"]
    run(filled, "rank", "--preset", "reach")
    a = json.loads(run(filled, "leaders", "--format", "json", "--snapshot", first).stdout)
    assert a
    r = run(filled, "leaders", "--snapshot", "nope", ok=False)
    assert r.exit_code == 1


def test_explain(filled):
    run(filled, "rank")
    r = run(filled, "explain", "@User33")
    assert "rank 1" in r.stdout and "total" in r.stdout
    data = json.loads(run(filled, "explain", "user33", "--json").stdout)
    assert sum(m["contribution"] for m in data["metrics"]) == pytest.approx(data["score"])
    assert data["crm_status"] == "customer"
    r = run(filled, "explain", "nobody", ok=False)
    assert r.exit_code == 1 and "nobody" in r.stderr


def test_backtest(filled):
    r = run(filled, "backtest", "--split", "2024-05-03", "--horizon", "10d", "--top", "3,5")
    assert "precision@3" in r.stdout and "followers" in r.stdout and "ndcg@100" in r.stdout
    data = json.loads(run(filled, "backtest", "--split", "2024-05-03", "--json").stdout)
    assert [row["model"] for row in data["results"]] == ["scout", "engagers", "in_strength",
                                                         "pagerank", "followers"]
    same = json.loads(run(filled, "evaluate", "--split", "2024-05-03", "--json").stdout)
    assert same["results"] == data["results"]
    r = run(filled, "backtest", "--split", "2000-01-01", ok=False)
    assert r.exit_code == 2
    r = run(filled, "backtest", "--split", "2024-05-03", "--top", "a,b", ok=False)
    assert r.exit_code == 2

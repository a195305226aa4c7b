"""Known answers on the sample data set (data/ground_truth.json): planted leaders,
bots, brokers and rising stars, ingested and ranked through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ui.cli import cli

DATA = Path(__file__).resolve().parents[2] / "data"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (DATA / "ground_truth.json").exists(), reason="no sample data"),
]


def scout(uri: str, *args: str) -> str:
    # names unlocked: these tests check who the planted employees are
    r = CliRunner().invoke(cli, ["--store", uri, *args], catch_exceptions=False,
                           env={"SCOUT_SHOW_EMPLOYEE_NAMES": "1"})
    assert r.exit_code == 0, (r.output, r.stderr)
    return r.stdout


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    uri = f"sqlite:///{tmp_path_factory.mktemp('sample') / 'scout.db'}"
    scout(uri, "ingest", "jsonl", str(DATA / "x_pages.jsonl.gz"))
    scout(uri, "ingest", "edges", str(DATA / "community_edges.csv.gz"))
    scout(uri, "ingest", "accounts", str(DATA / "accounts.csv"))
    scout(uri, "ingest", "roster", str(DATA / "roster.csv"))
    scout(uri, "ingest", "crm", str(DATA / "crm.csv"))
    truth = json.loads((DATA / "ground_truth.json").read_text())
    first = json.loads(scout(uri, "rank", "--until", truth["window"]["rising_from"], "--json"))
    second = json.loads(scout(uri, "rank", "--json", "--top", "10"))
    board = json.loads(scout(uri, "leaders", "--format", "json", "--top", "100000"))
    return uri, truth, first, second, {row["account"]: row for row in board}


def test_planted_leaders_top_their_segments(sample):
    _, truth, _, second, board = sample
    # Each planted employee also has Slack, LinkedIn and forum accounts that rank on their
    # own beside the X account, so the X handles sit in the top 20 of ~60 internal accounts.
    internal = [a for a, r in sorted(board.items(), key=lambda kv: kv[1]["rank"])
                if r["segment"] == "internal"]
    for leader in truth["leaders"]["internal"]:
        assert leader["x_handle"] in internal[:20], leader["x_handle"]
    brands = {b["handle"] for b in truth["brands"]}
    external = [a for a, r in sorted(board.items(), key=lambda kv: kv[1]["rank"])
                if r["segment"] == "external" and a not in brands]
    for leader in truth["leaders"]["external"]:
        assert leader["x_handle"] in external[:15], leader["x_handle"]
    assert board["bi_with_ben"]["crm_status"] == "customer"
    assert board["cdo_rachel"]["crm_status"] == "prospect"


def test_bots_flagged_and_nobody_else(sample):
    _, truth, _, second, board = sample
    bots = {b["handle"] for b in truth["bots"]}
    flagged = {a for a, r in board.items() if r["automated"]}
    assert flagged == bots
    assert second["stats"]["automated"] == len(bots)
    assert all(board[b]["rank"] > len(board) * 0.8 for b in bots)


def test_brokers_bridge_communities(sample):
    _, truth, _, _, board = sample
    median = sorted(r["bridging"] for r in board.values())[len(board) // 2]
    for b in truth["brokers"]:
        row = board[b["x_handle"]]
        assert row["bridging"] > median and row["rank"] <= 50, b["x_handle"]


def test_rising_stars_are_the_planted_ones(sample):
    _, truth, first, second, _ = sample
    assert second["previous_snapshot"] == first["snapshot"]
    planted = {r["x_handle"] for r in truth["rising"]}
    rising = [r["handle"] for r in second["rising"]]
    assert len(planted & set(rising[:6])) >= 5


def test_backtest_beats_followers(sample):
    uri, truth, *_ = sample
    out = json.loads(scout(uri, "backtest", "--split", truth["window"]["rising_from"],
                           "--horizon", "21d", "--json"))
    res = {r["model"]: r for r in out["results"]}
    assert res["scout"]["spearman"] > res["followers"]["spearman"]

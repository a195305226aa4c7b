"""End to end through the stores (both implementations via the ``store`` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graph import automation as auto
from graph.errors import NotFoundError
from graph.evaluate import evaluate_split_store
from graph.model import Account, CrmEntry, Interaction, Person
from graph.ranking import (
    BackgroundShare,
    RankConfig,
    explain_account,
    leaderboard,
    rank_events,
    rank_store,
    read_texts,
    rising_stars,
    snapshot_weights,
    window_duplicate_share,
)

T0 = datetime(2024, 5, 1, tzinfo=UTC)
INTERNAL = {0, 1, 2, 3}


def fill(store, hours_offset: int = 0) -> None:
    """Zachary's karate club as replies/mentions on X; members 0–3 work for the company."""
    g = nx.karate_club_graph()
    accounts = [Account("x", f"u{i}", handle=f"User{i}", followers=100, following=20)
                for i in g]
    ints = []
    for j, (u, v) in enumerate(sorted(g.edges)):
        at = T0 + timedelta(hours=j + hours_offset)
        topic = ("pricing",) if j % 3 == 0 else ("api",)
        ints.append(Interaction("x", f"p{j}a", "reply", f"x:u{u}", f"x:u{v}", at,
                                text=f"reply {j}", topics=topic))
        ints.append(Interaction("x", f"p{j}b", "reply", f"x:u{v}", f"x:u{u}", at,
                                text=f"mention {j}", topics=topic))
    store.write_batch(accounts, ints)
    store.set_roster([Person(handle=f"User{i}", platform="x") for i in INTERNAL])
    store.set_crm([CrmEntry(handle="User33", status="customer", platform="x")])


def test_rank_store_saves_snapshot_and_run(store):
    fill(store)
    out = rank_store(store, RankConfig(seed=1, half_life_days=None))
    t = out.result.table
    assert set(t["account"].head(2)) == {"x:u0", "x:u33"}
    assert out.previous is None
    snap = store.load_snapshot()
    assert snap.id == out.snapshot.id
    loaded = snap.table.sort_values("rank").reset_index(drop=True)
    assert loaded["account"].tolist() == t["account"].tolist()
    assert np.allclose(loaded["score"], t["score"])
    assert np.allclose(loaded["pagerank"].astype(float), t["pagerank"])
    assert loaded["community"].astype(int).tolist() == t["community"].tolist()
    assert snap.config["seed"] == 1 and snap.config["metric_weights"]
    runs = store.runs(kind="rank")
    assert runs and runs[0].status == "ok" and runs[0].summary["snapshot"] == snap.id

    # segments and CRM marks from the stored snapshot
    internal = leaderboard(loaded, "internal", top=None)
    assert set(internal["key"]) == {f"x:u{i}" for i in INTERNAL}
    ext = leaderboard(loaded, "external", top=3)
    assert ext["key"].iloc[0] == "x:u33" and ext["crm_status"].iloc[0] == "customer"
    assert (leaderboard(loaded, "boundary", top=None)["boundary_bridging"] > 0).all()
    topical = leaderboard(loaded, topic="pricing", top=None)
    assert len(topical) and all("pricing" in t.split(";") for t in topical["topics"])

    # explanations recomputed from the snapshot sum to its score
    e = explain_account(loaded, "@user33", snapshot_weights(loaded, snap.config))
    assert sum(m["contribution"] for m in e["metrics"]) == pytest.approx(e["score"])
    assert e["score"] == pytest.approx(float(loaded.set_index("account").loc["x:u33", "score"]))


def test_same_answers_as_the_pure_function(store):
    fill(store)
    cfg = RankConfig(seed=2, preset="conversation")
    out = rank_store(store, cfg, save=False)
    pure = rank_events(store.interactions(), store.accounts(), cfg).table
    pd.testing.assert_frame_equal(out.result.table, pure)
    assert store.load_snapshot() is None


def test_read_texts_reads_the_window_of_the_sources_only(store):
    fill(store)
    cfg = RankConfig(since=T0 + timedelta(hours=10))
    chosen = ["x:u0", "x:u33", "x:u2"]
    texts = read_texts(store, cfg, chosen)
    assert set(texts["source"]) == set(chosen) and list(texts.columns) == ["source", "post_id", "text"]
    assert len(texts) < len(store.interactions(sources=chosen))  # the window applies
    assert read_texts(store, cfg, []).empty


def spammy(store) -> None:
    """Accounts that repeat themselves, for the duplicate-text share."""
    store.write_batch([], [Interaction("x", f"s{i}", "mention", f"x:u{i % 3}", f"x:u{30 + i % 4}",
                                       T0 + timedelta(minutes=i),
                                       text="buy now #deal" if i % 2 else f"note {i % 5}")
                           for i in range(60)])


def test_the_share_through_the_whole_window_equals_the_source_filtered_one(store, monkeypatch):
    """Big windows read the most active accounts' texts by source, or the whole window when
    they hold most of it (the share then skips the others' rows): the same answer."""
    import graph.ranking

    fill(store)
    spammy(store)
    cfg = RankConfig(since=T0 + timedelta(minutes=10))
    until = T0 + timedelta(days=30)
    counts = store.interactions(since=cfg.since, until=until)["source"].value_counts()
    monkeypatch.setattr(graph.ranking, "TEXT_READ_ALL_BELOW", 0)  # this window counts as big
    monkeypatch.setattr(graph.ranking, "MAX_TEXT_ACCOUNTS", 3)
    monkeypatch.setattr(graph.ranking, "WHOLE_WINDOW_TEXT_SHARE", 2.0)  # never whole
    filtered = window_duplicate_share(store, cfg, until, counts)
    monkeypatch.setattr(graph.ranking, "WHOLE_WINDOW_TEXT_SHARE", 0.0)  # always whole
    whole = window_duplicate_share(store, cfg, until, counts)
    pd.testing.assert_series_equal(whole, filtered)
    chosen = counts[counts >= auto.MIN_TEXT_POSTS].iloc[:3].index
    assert set(whole.index) <= set(chosen) and len(whole) and (whole > 0).any()
    # every account's share when the window is small, the chosen ones' the same
    monkeypatch.setattr(graph.ranking, "TEXT_READ_ALL_BELOW", 10**9)
    everyone = window_duplicate_share(store, cfg, until, counts)
    assert len(everyone) > len(whole)
    pd.testing.assert_series_equal(everyone[whole.index], whole)


def test_the_share_worker_process_gives_the_thread_s_answer(store, monkeypatch):
    import graph.ranking

    fill(store)
    spammy(store)
    cfg = RankConfig(seed=1, since=T0 + timedelta(minutes=10))
    until = T0 + timedelta(days=30)
    counts = store.interactions(since=cfg.since, until=until)["source"].value_counts()
    want = window_duplicate_share(store, cfg, until, counts)
    assert (want > 0).any()
    monkeypatch.setattr(graph.ranking, "SHARE_PROCESS_ABOVE", 0)  # a worker even for this store
    background = BackgroundShare(store, cfg, until)
    fresh = store.reopen()
    assert (background._process is not None) == (fresh is not None)  # SQLite: a process
    if fresh is not None:
        fresh.close()
    pd.testing.assert_series_equal(background.given(counts)(), want)
    # a worker killed before it answers: the share is computed here instead
    background = BackgroundShare(store, cfg, until)
    if background._process is not None:
        background._process.kill()
    pd.testing.assert_series_equal(background.given(counts)(), want)
    # counts other than the worker read (events written meanwhile): the share of those
    fewer = counts.iloc[1:]
    background = BackgroundShare(store, cfg, until)
    pd.testing.assert_series_equal(background.given(fewer)(),
                                   window_duplicate_share(store, cfg, until, fewer))
    # a whole ranking through the worker equals one on the thread
    through_worker = rank_store(store, cfg).result.table
    monkeypatch.setattr(graph.ranking, "SHARE_PROCESS_ABOVE", 10**12)
    pd.testing.assert_frame_equal(rank_store(store, cfg).result.table, through_worker)
    assert len(store.snapshots()) == 2


def test_an_unused_share_worker_is_stopped(store, monkeypatch):
    import graph.ranking

    fill(store)
    monkeypatch.setattr(graph.ranking, "SHARE_PROCESS_ABOVE", 0)
    with pytest.raises(NotFoundError):  # an empty window: refused before the share is needed
        rank_store(store, RankConfig(since=T0 + timedelta(days=3650)))
    assert store.snapshots().empty


def test_window_topics_and_rising_stars(store):
    fill(store)
    first = rank_store(store, RankConfig(until=T0 + timedelta(hours=40)))
    assert first.result.stats["events"] == 80
    second = rank_store(store, RankConfig(topics=("pricing",)))
    assert second.previous.id == first.snapshot.id
    assert "topic_pagerank" in second.result.table
    rising = rising_stars(second.result.table, second.previous.table, top=5)
    assert {"account", "rank", "previous_rank", "gain", "newcomer"} <= set(rising.columns)
    assert (rising["gain"] > 0).all()


def test_backtest_through_store(store):
    fill(store)
    report = evaluate_split_store(store, T0 + timedelta(hours=50),
                                  horizon=pd.Timedelta(days=30), tops=[3, 5])
    assert report.info["train_events"] == 100 and report.info["test_events"] > 0
    assert report.table["model"].tolist() == ["scout", "engagers", "in_strength", "pagerank",
                                              "followers"]
    assert {"spearman", "precision@3", "precision@5", "ndcg@100"} <= set(report.table.columns)
    d = report.as_dict()
    assert d["results"][0]["model"] == "scout"


def test_snapshot_leaderboard_reads_the_best_ranked_rows_and_equals_the_whole_table(store,
                                                                                     monkeypatch):
    import graph.ranking as ranking

    fill(store)
    rank_store(store, RankConfig(seed=1, half_life_days=None))
    whole = store.load_snapshot()
    top3 = store.load_snapshot(top=3)
    assert top3.id == whole.id and len(top3.table) == 3
    pd.testing.assert_frame_equal(top3.table, whole.table.head(3))
    assert store.load_snapshot("no-such-id", top=3) is None
    # Reads of 4 rows, then 32: every cut below needs the second read or more.
    monkeypatch.setattr(ranking, "MIN_SNAPSHOT_READ", 4)
    monkeypatch.setattr(ranking, "SNAPSHOT_READ_FACTOR", 1)
    cuts = [dict(segment="all", top=3), dict(segment="internal", top=4),
            dict(segment="external", top=20), dict(segment="all", top=5, topic="pricing"),
            dict(segment="all", top=50), dict(segment="brokers", top=5),
            dict(segment="external", top=3, community_id=int(whole.table["community"].iloc[-1]))]
    for cut in cuts:
        snap, board = ranking.snapshot_leaderboard(store, None, **cut)
        want = ranking.current_leaderboard(store, whole.table, **cut)
        assert snap.id == whole.id
        assert len(board) > 0, cut
        pd.testing.assert_frame_equal(board, want)
    assert ranking.snapshot_leaderboard(store, "no-such-id") is None

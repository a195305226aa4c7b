"""The sample data in ``data/``: reproducible, well-formed, and telling the planted story.

The files are regenerated once into a temporary folder by the committed script and
compared with ``data/``; the rest checks shapes, ranges and the ground truth.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import re
import sys
import warnings
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
SCRIPT = REPO / "scripts" / "make_sample_data.py"
GENERATED = (
    "x_pages.jsonl.gz",
    "community_edges.csv.gz",
    "accounts.csv",
    "roster.csv",
    "crm.csv",
    "slack_export.zip",
    "mail.mbox.gz",
    "networks_raw.jsonl.gz",
    "networks_edges.csv.gz",
    "networks_accounts.csv",
    "ground_truth.json",
)
WINDOW = (datetime(2026, 8, 18, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC))
X_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")
CSV_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TWITTER_EPOCH_MS = 1288834974657


def _load_script():
    spec = importlib.util.spec_from_file_location("make_sample_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample_data"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _read(name: str) -> bytes:
    raw = (DATA / name).read_bytes()
    return gzip.decompress(raw) if name.endswith(".gz") else raw


def _csv(name: str) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(_read(name).decode("utf-8")))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _in_window(ts: str) -> bool:
    t = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return WINDOW[0] <= t < WINDOW[1]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample-data")
    module = _load_script()
    assert module.main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(_read("ground_truth.json"))


@pytest.fixture(scope="module")
def pages() -> list[dict]:
    lines = _read("x_pages.jsonl.gz").decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def x_graph(pages) -> dict:
    """Tweets, users and the attention edges (source id, target id, kind, created_at) of X."""
    tweets: dict[str, dict] = {}
    users: dict[str, dict] = {}
    for page in pages:
        for u in page["includes"]["users"]:
            users[u["id"]] = u
        for t in page["includes"].get("tweets", []) + page["data"]:
            tweets[t["id"]] = t
    edges = []
    for page in pages:
        for t in page["data"]:
            a, at = t["author_id"], t["created_at"]
            refs = {r["type"]: r["id"] for r in t.get("referenced_tweets", [])}
            if "retweeted" in refs:
                edges.append((a, tweets[refs["retweeted"]]["author_id"], "repost", at))
                continue
            targets = set()
            if "replied_to" in refs:
                targets.add(t["in_reply_to_user_id"])
                edges.append((a, t["in_reply_to_user_id"], "reply", at))
            if "quoted" in refs:
                q = tweets[refs["quoted"]]["author_id"]
                targets.add(q)
                edges.append((a, q, "quote", at))
            for m in t.get("entities", {}).get("mentions", []):
                if "id" in m and m["id"] not in targets and m["id"] != a:
                    targets.add(m["id"])
                    edges.append((a, m["id"], "mention", at))
    by_name = {u["username"]: uid for uid, u in users.items()}
    return {"tweets": tweets, "users": users, "edges": edges, "by_name": by_name}


# --------------------------------------------------------------------------- reproducibility


def test_regeneration_matches_data(regenerated):
    assert sorted(p.name for p in regenerated.iterdir()) == sorted(GENERATED)
    for name in GENERATED:
        new, old = (regenerated / name).read_bytes(), (DATA / name).read_bytes()
        if name.endswith(".gz"):
            assert gzip.decompress(new) == gzip.decompress(old), f"{name} content differs"
            assert old[4:8] == b"\0\0\0\0", f"{name}: gzip mtime must be 0"
            assert not old[3] & 0x08, f"{name}: gzip must not store a file name"
            if new != old:  # same content, different deflate (another zlib build)
                warnings.warn(f"{name}: same content but different gzip bytes", stacklevel=1)
        else:
            assert new == old, f"{name} differs: run python scripts/make_sample_data.py"


def test_size_fits_in_git():
    total = sum((DATA / name).stat().st_size for name in GENERATED)
    total += (DATA / "README.md").stat().st_size
    assert total < 10 * 1024 * 1024


# --------------------------------------------------------------------------- X pages


def test_x_pages_have_the_api_v2_shape(pages):
    assert 150 <= len(pages) <= 400
    previous_oldest = None
    for k, page in enumerate(pages):
        assert list(page)[:2] == ["data", "includes"]
        assert {"data", "includes", "meta", "__twarc"} <= set(page)
        meta, twarc = page["meta"], page["__twarc"]
        assert meta["result_count"] == len(page["data"]) > 0
        assert meta["newest_id"] == page["data"][0]["id"]
        assert meta["oldest_id"] == page["data"][-1]["id"]
        assert ("next_token" in meta) == (k < len(pages) - 1)
        assert twarc["url"].startswith("https://api.twitter.com/2/tweets/search/")
        assert twarc["version"] == "2.14.0" and "retrieved_at" in twarc
        if k:
            assert f"next_token={pages[k - 1]['meta']['next_token']}" in twarc["url"]
        ids = [int(t["id"]) for t in page["data"]]
        assert ids == sorted(ids, reverse=True)
        if previous_oldest is not None:
            assert ids[0] < previous_oldest
        previous_oldest = ids[-1]


def test_x_tweets_are_consistent(pages):
    kinds: Counter[str] = Counter()
    for page in pages:
        users = {u["id"]: u for u in page["includes"]["users"]}
        included = {t["id"]: t for t in page["includes"].get("tweets", [])}
        suspended = {e["value"] for e in page.get("errors", [])}
        for t in page["data"]:
            assert isinstance(t["id"], str) and t["id"].isdigit()
            assert X_TIME.match(t["created_at"]) and _in_window(t["created_at"])
            # snowflake ids carry the creation time
            ms = (int(t["id"]) >> 22) + TWITTER_EPOCH_MS
            assert (
                datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                == t["created_at"]
            )
            assert t["author_id"] in users
            assert set(t["public_metrics"]) >= {
                "retweet_count",
                "reply_count",
                "like_count",
                "quote_count",
                "impression_count",
            }
            refs = {r["type"]: r["id"] for r in t.get("referenced_tweets", [])}
            for rid in refs.values():
                assert rid in included and included[rid]["author_id"] in users
            if "retweeted" in refs:
                kinds["repost"] += 1
                original = included[refs["retweeted"]]
                assert t["text"].startswith(f"RT @{users[original['author_id']]['username']}: ")
            elif "replied_to" in refs:
                kinds["reply"] += 1
                assert t["in_reply_to_user_id"] in users
                assert t["text"].startswith("@" + users[t["in_reply_to_user_id"]]["username"] + " ")
                assert t["conversation_id"] == included[refs["replied_to"]]["conversation_id"]
            elif "quoted" in refs:
                kinds["quote"] += 1
            else:
                kinds["original"] += 1
                assert t["conversation_id"] == t["id"]
            ent = t.get("entities", {})
            for m in ent.get("mentions", []):
                assert t["text"][m["start"] : m["end"]] == "@" + m["username"]
                assert m.get("id") in users or m["username"] in suspended
            for h in ent.get("hashtags", []):
                assert t["text"][h["start"] : h["end"]] == "#" + h["tag"]
            for u in ent.get("urls", []):
                assert t["text"][u["start"] : u["end"]] == u["url"]
    assert min(kinds.values()) > 1000, kinds


def test_x_users_have_the_expected_fields(x_graph):
    for u in x_graph["users"].values():
        assert {
            "id",
            "username",
            "name",
            "created_at",
            "description",
            "verified",
            "public_metrics",
            "url",
        } <= set(u)
        assert set(u["public_metrics"]) >= {
            "followers_count",
            "following_count",
            "tweet_count",
            "listed_count",
        }
        assert X_TIME.match(u["created_at"])


# --------------------------------------------------------------------------- CSV files


def test_community_edges(truth):
    columns, rows = _csv("community_edges.csv.gz")
    assert columns == [
        "source",
        "target",
        "kind",
        "timestamp",
        "platform",
        "post_id",
        "text",
        "topics",
        "weight",
    ]
    assert {r["platform"] for r in rows} == {"community", "linkedin", "slack"}
    assert {r["kind"] for r in rows} <= {"comment", "reply", "mention", "like", "message", "repost"}
    identities = set()
    for r in rows:
        assert r["source"] and r["target"] and r["source"] != r["target"]
        assert CSV_TIME.match(r["timestamp"]) and _in_window(r["timestamp"])
        assert float(r["weight"]) > 0
        assert all(re.fullmatch(r"[a-z0-9]+", t) for t in r["topics"].split(";") if t)
        identities.add((r["platform"], r["post_id"], r["kind"], r["target"]))
    assert len(identities) == len(rows)
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        counts[r["platform"]][r["kind"]] += 1
    for platform, by_kind in counts.items():
        assert dict(by_kind) == truth["counts"]["interactions"][platform]


def test_accounts_csv():
    columns, rows = _csv("accounts.csv")
    assert columns == [
        "platform",
        "handle",
        "name",
        "followers",
        "following",
        "posts",
        "created_at",
        "verified",
        "bio",
        "url",
    ]
    keys = [(r["platform"], r["handle"].lower()) for r in rows]
    assert len(keys) == len(set(keys))
    _, edges = _csv("community_edges.csv.gz")
    seen = {(e["platform"], e[c].lower()) for e in edges for c in ("source", "target")}
    assert set(keys) == seen


def test_roster(x_graph, truth):
    columns, rows = _csv("roster.csv")
    assert columns == ["platform", "handle", "email", "name", "department", "manager"]
    emails = {r["email"] for r in rows}
    assert 140 <= len(emails) <= 160
    assert {r["manager"] for r in rows if r["manager"]} <= emails
    people = [r for r in rows if r["department"] != "Brand"]  # the brand account has no manager
    assert len({r["email"] for r in people if not r["manager"]}) == 1  # only the CEO
    assert {r["platform"] for r in rows} == {"slack", "x", "linkedin", "community"}
    on_x = [r["handle"] for r in rows if r["platform"] == "x"]
    seen_x = [h for h in on_x if h in x_graph["by_name"]]
    assert len(seen_x) >= 60 and len(seen_x) < len(on_x)  # many seen, some lurk
    _, edges = _csv("community_edges.csv.gz")
    seen_other = {(e["platform"], e[c]) for e in edges for c in ("source", "target")}
    seen = defaultdict(bool)
    for r in rows:
        seen[r["email"]] |= r["handle"] in x_graph["by_name"] or (
            (r["platform"], r["handle"]) in seen_other
        )
    unseen = sorted(email for email, v in seen.items() if not v)
    assert unseen == sorted(truth["employees"]["not_seen_anywhere"])
    assert 3 <= len(unseen) <= 10
    lurkers = truth["employees"]["x_handles_never_seen"]
    assert set(lurkers) <= set(on_x) and not set(lurkers) & set(x_graph["by_name"])


def test_crm(x_graph):
    columns, rows = _csv("crm.csv")
    assert columns == ["handle", "platform", "status", "company"]
    assert 180 <= len(rows) <= 220
    assert {r["status"] for r in rows} == {"customer", "prospect"}
    _, accounts = _csv("accounts.csv")
    known = {("x", h) for h in x_graph["by_name"]} | {
        (a["platform"], a["handle"]) for a in accounts
    }
    matched = sum(1 for r in rows if (r["platform"], r["handle"]) in known)
    assert 0.7 * len(rows) <= matched < len(rows)


def test_totals_in_stated_ranges(truth, x_graph):
    counts = truth["counts"]
    assert 4500 <= counts["accounts"]["total"] <= 5500
    assert 50_000 <= counts["interactions_total"] <= 70_000
    assert counts["employees"] == 150
    x_kinds = Counter(kind for _, _, kind, _ in x_graph["edges"])
    assert dict(x_kinds) == counts["interactions"]["x"]
    authors = {t["author_id"] for t in x_graph["tweets"].values()}
    assert counts["accounts"]["x"] == len(x_graph["users"]) >= len(authors)


# --------------------------------------------------------------------------- the story


def test_planted_leaders_rank_high(truth, x_graph):
    weight = {"repost": 1.0, "reply": 1.5, "quote": 2.0, "mention": 1.0}
    attention: Counter[str] = Counter()
    for _, target, kind, _ in x_graph["edges"]:
        attention[target] += weight[kind]
    brands = {b["id"] for b in truth["brands"]}
    ranking = [uid for uid, _ in attention.most_common() if uid not in brands]
    names = [x_graph["users"][uid]["username"] for uid in ranking]
    leaders = [e["x_handle"] for grp in ("external", "internal") for e in truth["leaders"][grp]]
    assert set(leaders) <= set(names[:20]), names[:20]
    assert {b["handle"] for b in truth["brands"]} == {
        x_graph["users"][uid]["username"] for uid, _ in attention.most_common(3)
    }


def test_rising_accounts_rise(truth, x_graph):
    cut = truth["window"]["rising_from"]
    early: Counter[str] = Counter()
    late: Counter[str] = Counter()
    for _, target, _, at in x_graph["edges"]:
        (late if at >= cut else early)[target] += 1
    growth = {
        uid: (late[uid] / 21 + 0.5) / (early[uid] / 69 + 0.5) for uid in late if late[uid] >= 40
    }
    top = sorted(growth, key=growth.get, reverse=True)[: len(truth["rising"]) + 2]
    top_names = {x_graph["users"][uid]["username"] for uid in top}
    assert {e["x_handle"] for e in truth["rising"]} <= top_names


def test_bots_look_automated(truth, x_graph):
    by_author = Counter(t["author_id"] for t in x_graph["tweets"].values())
    attention = Counter(target for _, target, _, _ in x_graph["edges"])
    for bot in truth["bots"]:
        u = x_graph["users"][bot["id"]]
        m = u["public_metrics"]
        assert by_author[bot["id"]] >= 150
        assert attention[bot["id"]] == 0
        assert u["created_at"] >= "2026-01-01"
        assert m["followers_count"] < 100 < 1000 < m["following_count"]
        texts = Counter(
            re.sub(r"@\w+", "@", t["text"])
            for t in x_graph["tweets"].values()
            if t["author_id"] == bot["id"] and not t["text"].startswith("RT ")
        )
        assert texts.most_common(1)[0][1] >= 30  # duplicate texts


def test_ground_truth_accounts_exist(truth, x_graph):
    _, accounts = _csv("accounts.csv")
    other = {(a["platform"], a["handle"]) for a in accounts}
    groups = truth["leaders"]["external"] + truth["leaders"]["internal"]
    for entry in groups + truth["brokers"] + truth["rising"]:
        assert entry["x_handle"] in x_graph["by_name"]
        for acc in entry["accounts"]:
            if acc["platform"] == "x":
                assert x_graph["by_name"][acc["handle"]] == acc["id"]
            else:
                assert (acc["platform"], acc["handle"]) in other


# --------------------------------------------------------------------------- other networks
NETWORKS = ("youtube", "mastodon", "bluesky", "reddit", "blog", "facebook", "linkedin")


def test_other_networks_raw_archive_is_scouts_format():
    lines = [json.loads(line) for line in _read("networks_raw.jsonl.gz").decode().splitlines()]
    platforms = Counter(line["__scout"]["platform"] for line in lines)
    assert set(platforms) == {"youtube", "mastodon", "bluesky"}
    for line in lines:
        meta = line["__scout"]
        assert meta["call"] and meta["source"].startswith(meta["platform"] + ":")
        assert "response" in line
    calls = {line["__scout"]["call"] for line in lines}
    assert {"commentThreads.list", "comments.list", "videos.list", "timeline_hashtag",
            "status_reblogged_by", "app.bsky.feed.searchPosts", "app.bsky.feed.getLikes",
            "app.bsky.feed.getRepostedBy"} <= calls


def test_other_networks_edges_follow_the_identity_rules():
    _, rows = _csv("networks_edges.csv.gz")
    assert {r["platform"] for r in rows} == {"reddit", "blog", "facebook"}
    for r in rows:
        assert _in_window(r["timestamp"]) and r["source"] != r["target"]
        if r["platform"] == "reddit":
            assert r["kind"] == "reply" and re.fullmatch(r"t1_[a-z0-9]+", r["post_id"])
        elif r["platform"] == "facebook":
            assert r["source"].isdigit() and r["target"].isdigit()
        else:
            assert r["kind"] in ("link", "comment") and "." in r["target"]


def test_the_sample_spreads_the_conversation_over_every_network(tmp_path):
    """Loaded as `make run` loads it: every network present, nothing rejected, one ranking
    across all of them, and topics shared between networks."""
    from graph.ranking import rank_store
    from graph.sqlite_store import SqliteStore
    from ingest.sample import load_sample

    store = SqliteStore(tmp_path / "s.db")
    try:
        runs = load_sample(store)
        assert all(r.status == "ok" and r.rejected == 0 for r in runs), [
            (r.source, r.errors[:3]) for r in runs if r.rejected]
        by_platform = store.stats().by_platform
        assert set(NETWORKS) <= set(by_platform)
        df = store.interactions(platforms=list(NETWORKS[:6]))
        assert 500 <= len(df) <= 3000  # a little of each
        topics = {t for ts in df["topics"] for t in ts}
        assert {"dataobservability", "luminaobserve"} <= topics
        table = rank_store(store).snapshot.table
        ranked = set(table["platform"])
        assert set(NETWORKS) <= ranked
    finally:
        store.close()

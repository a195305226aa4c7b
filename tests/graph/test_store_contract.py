"""The store contract: every test runs against SqliteStore and against a real Neo4j."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from graph.errors import ConflictError, InputError, NotFoundError
from graph.model import INTERACTION_COLUMNS, Account, CrmEntry, Interaction, Person, Run, utcnow

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def ev(post: str, source: str, target: str, day: int = 0, kind: str = "mention", **kw) -> Interaction:
    return Interaction("x", post, kind, source, target, T0 + timedelta(days=day), **kw)


def seed(store) -> None:
    store.write_batch(
        [
            Account("x", "1", handle="Alice", name="Alice A", followers=500, verified=True),
            Account("x", "2", handle="bob", name="Bob B", followers=20),
            Account("x", "3", handle="carol", followers=9000),
            Account("slack", "dave", handle="Dave"),
            Account("email", "erin@lumina.example", handle="erin@lumina.example"),
        ],
        [
            ev("p1", "x:1", "x:2", 0, text="hello #Data", topics=("Data",)),
            ev("p1", "x:1", "x:3", 0, text="hello #Data", topics=("Data",)),
            ev("p2", "x:2", "x:1", 1, kind="reply", text="hi back", lang="en"),
            ev("p3", "x:3", "x:1", 2, kind="repost", topics=("ml", "data")),
            ev("p4", "x:3", "x:2", 10, kind="quote", weight=2.5),
        ],
    )


class TestInteractions:
    def test_write_batch_counts_inserted_and_duplicates(self, store):
        seed(store)
        again = store.write_batch([], [ev("p1", "x:1", "x:2"), ev("p9", "x:1", "x:2")])
        assert (again.inserted, again.duplicates) == (1, 1)
        assert store.stats().interactions == 6

    def test_duplicates_within_one_batch_are_stored_once(self, store):
        r = store.write_batch([], [ev("p1", "x:1", "x:2"), ev("p1", "x:1", "x:2")])
        assert (r.inserted, r.duplicates) == (1, 1)

    def test_identity_includes_kind_and_target(self, store):
        r = store.write_batch(
            [],
            [ev("p1", "x:1", "x:2"), ev("p1", "x:1", "x:3"), ev("p1", "x:1", "x:2", kind="reply")],
        )
        assert r.inserted == 3

    def test_missing_accounts_are_created_bare(self, store):
        store.write_batch([], [ev("p1", "x:10", "x:11")])
        df = store.accounts()
        assert set(df["key"]) == {"x:10", "x:11"}
        assert df["handle"].isna().all()
        assert not df["internal"].any()

    def test_frame_shape_and_types(self, store):
        seed(store)
        df = store.interactions()
        assert list(df.columns) == list(INTERACTION_COLUMNS)
        assert str(df["at"].dtype) == "datetime64[ns, UTC]" or str(df["at"].dtype).endswith(", UTC]")
        assert df["at"].is_monotonic_increasing
        row = df[df["post_id"] == "p3"].iloc[0]
        assert row["topics"] == ("ml", "data")
        assert row["kind"] == "repost"
        assert df[df["post_id"] == "p4"].iloc[0]["weight"] == 2.5
        assert df[df["post_id"] == "p2"].iloc[0]["lang"] == "en"

    def test_filters(self, store):
        seed(store)
        assert set(store.interactions(since=T0 + timedelta(days=1))["post_id"]) == {"p2", "p3", "p4"}
        # until is exclusive
        assert set(store.interactions(until=T0 + timedelta(days=1))["post_id"]) == {"p1"}
        assert set(store.interactions(kinds=["reply", "quote"])["post_id"]) == {"p2", "p4"}
        assert set(store.interactions(topics=["#DATA"])["post_id"]) == {"p1", "p3"}
        assert set(store.interactions(topics=["ml"])["post_id"]) == {"p3"}
        assert store.interactions(platforms=["slack"]).empty
        assert len(store.interactions(platforms=["x"])) == 5
        involving = store.interactions(account="x:3")
        assert set(involving["post_id"]) == {"p1", "p3", "p4"}
        newest = store.interactions(limit=2)
        assert list(newest["post_id"]) == ["p3", "p4"]
        no_text = store.interactions(with_text=False)
        assert no_text["text"].isna().all()

    def test_a_narrow_read_equals_the_same_columns_of_a_full_read(self, store):
        seed(store)
        cols = ["source", "post_id", "text", "topics", "at"]
        for kw in ({}, {"sources": ["x:1"]}, {"with_text": False}, {"limit": 2},
                   {"sources": ["nobody:1"]}):
            pd.testing.assert_frame_equal(store.interactions(columns=cols, **kw),
                                          store.interactions(**kw)[cols])
        with pytest.raises(InputError, match="nope"):
            store.interactions(columns=["source", "nope"])

    def test_an_unordered_read_returns_the_same_rows(self, store):
        seed(store)
        # Same time as p1: the order of equal times is the store's, not the contract's.
        store.write_batch([], [ev("p5", "x:2", "x:3", 0, text="tie"),
                               ev("p6", "x:1", "x:2", -3, kind="reply", text="early")])
        cols = ["source", "post_id", "text", "topics", "at", "weight"]
        key = ["post_id", "kind", "target", "source", "at", "text"]
        for kw in ({}, {"sources": ["x:1", "x:2"]}, {"columns": cols}, {"with_text": False},
                   {"columns": ["source", "post_id", "text"], "sources": ["x:1"]},
                   {"kinds": ["reply"]}, {"sources": ["nobody:1"]}):
            ordered = store.interactions(**kw)
            unordered = store.interactions(ordered=False, **kw)
            assert list(unordered.columns) == list(ordered.columns)
            assert (unordered.dtypes == ordered.dtypes).all()
            by = [c for c in key if c in ordered]
            pd.testing.assert_frame_equal(
                unordered.sort_values(by, kind="stable").reset_index(drop=True),
                ordered.sort_values(by, kind="stable").reset_index(drop=True))
        assert len(store.interactions(ordered=False)) == 7
        # limit still means the newest events
        assert set(store.interactions(limit=2, ordered=False)["post_id"]) == {"p3", "p4"}

    def test_a_reopened_store_is_a_second_connection_to_the_same_data(self, store):
        seed(store)
        fresh = store.reopen()
        if fresh is None:
            pytest.skip(f"{type(store).__name__} is shared from threads, not reopened")
        with fresh:
            pd.testing.assert_frame_equal(fresh.interactions(), store.interactions())
            fresh.write_batch([], [ev("p8", "x:2", "x:3", 4)])
        assert "p8" in set(store.interactions()["post_id"])  # and the first one still works

    def test_empty_store_gives_empty_frames(self, store):
        assert store.interactions().empty
        assert list(store.interactions().columns) == list(INTERACTION_COLUMNS)
        assert store.accounts().empty
        assert store.load_snapshot() is None
        assert store.runs() == []
        s = store.stats()
        assert (s.accounts, s.interactions, s.first_at) == (0, 0, None)

    def test_snippets_are_cut_to_280_characters(self, store):
        store.write_batch([], [ev("long", "x:1", "x:2", text="é" * 400)])
        assert store.interactions()["text"].iloc[0] == "é" * 280


class TestAccounts:
    def test_upsert_never_overwrites_known_values_with_unknown(self, store):
        seed(store)
        store.upsert_accounts([Account("x", "1", followers=600)])
        a = store.get_account("x:1")
        assert a["handle"] == "Alice" and a["followers"] == 600 and a["verified"] is True
        assert a["name"] == "Alice A"

    def test_resolve_by_key_and_handle(self, store):
        seed(store)
        assert store.resolve("x:1") == ["x:1"]
        assert store.resolve("@ALICE") == ["x:1"]
        assert store.resolve("alice") == ["x:1"]
        assert store.resolve("dave", platform="slack") == ["slack:dave"]
        assert store.resolve("dave", platform="x") == []
        assert store.resolve("nobody") == []
        assert store.get_account("nobody") is None

    def test_search(self, store):
        seed(store)
        found = store.search_accounts("b")
        assert "x:2" in set(found["key"])
        assert list(store.search_accounts("alice a")["key"]) == ["x:1"]
        assert store.search_accounts("%").empty

    def test_accounts_by_keys(self, store):
        seed(store)
        df = store.accounts(["x:2", "x:3", "x:99"])
        assert list(df["key"]) == ["x:2", "x:3"]
        assert df["followers"].tolist() == [20, 9000]

    def test_handle_keys(self, store):
        seed(store)
        store.upsert_accounts([Account("slack", "U7", handle="BOB")])
        assert store.handle_keys(["bob", "dave", "nobody"]) == ["slack:U7", "slack:dave", "x:2"]
        assert store.handle_keys(["Bob"]) == []  # lower-cased handles are asked for
        assert store.handle_keys([]) == []

    def test_tags(self, store):
        seed(store)
        store.set_tags("x:1", ["speaker", "advocate", "speaker"])
        assert store.get_account("x:1")["tags"] == ("advocate", "speaker")
        with pytest.raises(NotFoundError):
            store.set_tags("x:404", ["a"])


class TestRosterAndCrm:
    def test_roster_marks_accounts_internal_by_handle_platform_and_email(self, store):
        seed(store)
        n = store.set_roster(
            [
                Person(handle="@bob", department="Engineering"),
                Person(handle="dave", platform="slack", department="Sales"),
                Person(handle="carol", platform="linkedin", department="HR"),  # other platform
                Person(email="Erin@Lumina.example", department="Marketing"),
            ]
        )
        assert n == 3
        df = store.accounts().set_index("key")
        assert df.loc["x:2", "internal"] and df.loc["x:2", "department"] == "Engineering"
        assert df.loc["slack:dave", "internal"] and df.loc["slack:dave", "department"] == "Sales"
        assert df.loc["email:erin@lumina.example", "internal"]
        assert not df.loc["x:3", "internal"]
        assert not df.loc["x:1", "internal"]
        s = store.stats()
        assert (s.internal_accounts, s.external_accounts) == (3, 2)

    def test_roster_rows_match_accounts_seen_later(self, store):
        store.set_roster([Person(handle="frank", department="Support")])
        store.write_batch([Account("x", "7", handle="Frank")], [])
        a = store.get_account("frank")
        assert a["internal"] and a["department"] == "Support"

    def test_replace_makes_leavers_external(self, store):
        seed(store)
        store.set_roster([Person(handle="bob"), Person(handle="alice")])
        assert store.set_roster([Person(handle="alice")], replace=True) == 1
        assert not store.get_account("bob")["internal"]
        assert store.get_account("alice")["internal"]

    def test_roster_without_replace_accumulates_and_updates(self, store):
        seed(store)
        store.set_roster([Person(handle="bob", department="Eng")])
        store.set_roster([Person(handle="bob", department="Research"), Person(handle="alice")])
        assert store.get_account("bob")["department"] == "Research"
        assert store.get_account("alice")["internal"]

    def test_crm(self, store):
        seed(store)
        n = store.set_crm(
            [CrmEntry("alice", "customer", company="Acme"), CrmEntry("@ghost", "prospect")]
        )
        assert n == 1
        assert store.get_account("alice")["crm_status"] == "customer"
        assert store.get_account("bob")["crm_status"] == "none"
        store.write_batch([Account("x", "8", handle="ghost")], [])
        assert store.get_account("ghost")["crm_status"] == "prospect"
        store.set_crm([CrmEntry("alice", "prospect")])
        assert store.get_account("alice")["crm_status"] == "prospect"
        store.set_crm([CrmEntry("bob", "customer")], replace=True)
        assert store.get_account("alice")["crm_status"] == "none"
        assert store.get_account("bob")["crm_status"] == "customer"


class TestRuns:
    def test_save_update_and_list(self, store):
        r1 = Run(id="r1", kind="ingest", source="x:search:lumina", started_at=utcnow() - timedelta(minutes=5))
        store.save_run(r1)
        assert store.runs()[0].status == "running"
        r1.status, r1.finished_at, r1.read, r1.inserted = "ok", utcnow(), 10, 8
        r1.errors, r1.cursor, r1.summary = ["f.csv:3: bad"], "1500", {"new": 8}
        store.save_run(r1)
        r2 = Run(id="r2", kind="rank", source="rank", started_at=utcnow())
        store.save_run(r2)
        runs = store.runs()
        assert [r.id for r in runs] == ["r2", "r1"]
        got = runs[1]
        assert (got.status, got.read, got.inserted, got.errors, got.cursor, got.summary) == (
            "ok", 10, 8, ["f.csv:3: bad"], "1500", {"new": 8},
        )
        assert got.finished_at is not None and got.finished_at.tzinfo is not None
        assert [r.id for r in store.runs(kind="rank")] == ["r2"]
        assert len(store.runs(limit=1)) == 1

    def test_last_cursor_comes_from_the_newest_successful_run(self, store):
        base = utcnow() - timedelta(hours=1)
        store.save_run(Run("a", "ingest", "q", base, status="ok", cursor="100"))
        store.save_run(Run("b", "ingest", "q", base + timedelta(minutes=1), status="ok", cursor="200"))
        store.save_run(Run("c", "ingest", "q", base + timedelta(minutes=2), status="failed", cursor="300"))
        store.save_run(Run("d", "ingest", "other", base + timedelta(minutes=3), status="ok", cursor="9"))
        assert store.last_cursor("q") == "200"
        assert store.last_cursor("nothing") is None


def ranking_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account": ["x:1", "x:3", "x:2"],
            "rank": [1, 2, 3],
            "score": [0.9, 0.5, 0.1],
            "pagerank": [0.5, 0.3, 0.2],
            "community": [0, 1, 0],
            "segment": ["external", "external", "internal"],
            "bridging": [0.1, None, 0.0],
        }
    )


class TestSnapshots:
    def test_round_trip(self, store):
        seed(store)
        snap = store.save_snapshot({"preset": "balanced", "half_life_days": 30}, ranking_table())
        loaded = store.load_snapshot()
        assert loaded.id == snap.id
        assert loaded.config == {"preset": "balanced", "half_life_days": 30}
        t = loaded.table
        assert list(t["account"]) == ["x:1", "x:3", "x:2"]
        assert t["rank"].tolist() == [1, 2, 3]
        assert t["pagerank"].tolist() == [0.5, 0.3, 0.2]
        assert t["segment"].tolist() == ["external", "external", "internal"]
        assert pd.isna(t.loc[1, "bridging"])
        assert store.load_snapshot("nope") is None

    def test_newest_first_and_history(self, store):
        seed(store)
        first = store.save_snapshot({"n": 1}, ranking_table())
        table = ranking_table()
        table["rank"] = [2, 1, 3]
        second = store.save_snapshot({"n": 2}, table)
        listing = store.snapshots()
        assert list(listing["id"]) == [second.id, first.id]
        assert listing["accounts"].tolist() == [3, 3]
        assert store.load_snapshot().id == second.id
        assert store.load_snapshot(first.id).config == {"n": 1}
        hist = store.account_history("x:1")
        assert hist["rank"].tolist() == [1, 2]
        assert hist["snapshot_id"].tolist() == [first.id, second.id]

    def test_snapshot_naming_an_unknown_account_is_refused_whole(self, store):
        seed(store)
        table = pd.DataFrame({"account": ["x:1", "x:nobody"], "rank": [1, 2], "score": [0.9, 0.1]})
        with pytest.raises(NotFoundError):
            store.save_snapshot({}, table)
        assert store.snapshots().empty

    def test_a_snapshot_written_in_several_statements_is_whole_or_absent(self, store, monkeypatch):
        import graph.sqlite_store

        monkeypatch.setattr(graph.sqlite_store, "_SNAPSHOT_CHUNK_ROWS", 2)  # 3 statements
        seed(store)
        keys = ["x:3", "slack:dave", "x:1", "email:erin@lumina.example", "x:2"]
        table = pd.DataFrame({"account": keys, "rank": [1, 2, 3, 4, 5],
                              "score": [0.9, 0.7, 0.5, 0.3, 0.1], "note": list("abcde")})
        store.save_snapshot({}, table)
        loaded = store.load_snapshot().table
        pd.testing.assert_frame_equal(loaded[["account", "rank", "score", "note"]],
                                      table.astype({"account": "str", "note": "str"}),
                                      check_dtype=False)
        bad = pd.concat([table, pd.DataFrame({"account": ["x:nobody"], "rank": [6],
                                              "score": [0.0], "note": ["f"]})])
        with pytest.raises(NotFoundError):  # in the last statement: the others are undone
            store.save_snapshot({}, bad)
        assert len(store.snapshots()) == 1

    def test_snapshot_needs_its_key_columns(self, store):
        seed(store)
        with pytest.raises(ValueError):
            store.save_snapshot({}, pd.DataFrame({"account": ["x:1"]}))


class TestShortlists:
    def test_life_cycle(self, store):
        seed(store)
        store.create_shortlist("Q4 advocates", "people to invite")
        with pytest.raises(ConflictError):
            store.create_shortlist("Q4 advocates")
        assert store.add_to_shortlist("Q4 advocates", ["x:1", "x:3"], note="top", owner="kim") == 2
        assert store.add_to_shortlist("Q4 advocates", ["x:1"]) == 0  # already there
        members = store.shortlist_members("Q4 advocates")
        assert list(members["account"]) == ["x:1", "x:3"]
        assert members["note"].tolist() == ["top", "top"]
        assert members["status"].tolist() == ["to contact", "to contact"]
        assert members.loc[0, "handle"] == "Alice"
        store.update_member("Q4 advocates", "x:3", status="contacted", note="sent DM")
        m = store.shortlist_members("Q4 advocates").set_index("account")
        assert (m.loc["x:3", "status"], m.loc["x:3", "note"], m.loc["x:3", "owner"]) == (
            "contacted", "sent DM", "kim",
        )
        with pytest.raises(InputError):
            store.update_member("Q4 advocates", "x:3", status="ghosted")
        store.create_shortlist("Other")
        store.rename_shortlist("Q4 advocates", "Q4 leaders")
        with pytest.raises(ConflictError):
            store.rename_shortlist("Q4 leaders", "Other")
        assert [s.name for s in store.shortlists()] == ["Other", "Q4 leaders"]
        assert [s.members for s in store.shortlists()] == [0, 2]
        assert store.shortlists_of("x:1") == ["Q4 leaders"]
        assert store.remove_from_shortlist("Q4 leaders", ["x:1"]) == 1
        assert list(store.shortlist_members("Q4 leaders")["account"]) == ["x:3"]
        store.delete_shortlist("Q4 leaders")
        assert [s.name for s in store.shortlists()] == ["Other"]
        assert store.get_account("x:3") is not None  # accounts stay

    def test_errors(self, store):
        seed(store)
        with pytest.raises(NotFoundError):
            store.add_to_shortlist("missing", ["x:1"])
        store.create_shortlist("L")
        with pytest.raises(NotFoundError):
            store.add_to_shortlist("L", ["x:404"])
        assert store.shortlist_members("L").empty
        with pytest.raises(NotFoundError):
            store.shortlist_members("missing")
        with pytest.raises(NotFoundError):
            store.delete_shortlist("missing")
        with pytest.raises(NotFoundError):
            store.rename_shortlist("missing", "x")
        with pytest.raises(NotFoundError):
            store.update_member("L", "x:1", note="n")
        with pytest.raises(InputError):
            store.create_shortlist("   ")


class TestForget:
    def test_forget_removes_the_account_and_everything_naming_it(self, store):
        seed(store)
        store.set_roster([Person(handle="carol")])
        store.set_crm([CrmEntry("carol", "customer")])
        store.save_snapshot({}, ranking_table())
        store.create_shortlist("L")
        store.add_to_shortlist("L", ["x:3", "x:1"])
        removed = store.forget("x:3")
        assert removed == {
            "interactions": 3,
            "snapshot rows": 1,
            "shortlist entries": 1,
            "roster rows": 1,
            "crm rows": 1,
            "accounts": 1,
        }
        assert store.resolve("carol") == []
        df = store.interactions()
        assert not ((df["source"] == "x:3") | (df["target"] == "x:3")).any()
        assert len(df) == 2
        assert "x:3" not in set(store.load_snapshot().table["account"])
        assert list(store.shortlist_members("L")["account"]) == ["x:1"]
        # a later account with the same handle is not re-marked from the forgotten rows
        store.write_batch([Account("x", "33", handle="carol")], [])
        a = store.get_account("carol")
        assert not a["internal"] and a["crm_status"] == "none"

    def test_forget_unknown(self, store):
        with pytest.raises(NotFoundError):
            store.forget("x:404")

    def test_forget_counts_self_interactions_once(self, store):
        store.write_batch([], [ev("s1", "x:1", "x:1"), ev("s2", "x:1", "x:2")])
        assert store.forget("x:1")["interactions"] == 2


class TestStats:
    def test_stats(self, store):
        seed(store)
        store.set_roster([Person(handle="bob")])
        store.save_run(Run("r", "ingest", "test", utcnow(), status="ok"))
        s = store.stats()
        assert (s.accounts, s.internal_accounts, s.external_accounts) == (5, 1, 4)
        assert s.interactions == 5
        assert s.by_kind == {"mention": 2, "reply": 1, "repost": 1, "quote": 1}
        assert s.by_platform == {"x": 5}
        assert s.first_at == T0 and s.last_at == T0 + timedelta(days=10)
        assert [r.id for r in s.last_runs] == ["r"]
        d = s.as_dict()
        assert d["first_at"].startswith("2026-09-01") and d["store"] == store.display

    def test_delete_everything(self, store):
        seed(store)
        store.create_shortlist("L")
        store.delete_everything()
        assert store.stats().accounts == 0
        assert store.shortlists() == []


def test_filter_by_sources(store):
    seed(store)
    assert set(store.interactions(sources=["x:3"])["post_id"]) == {"p3", "p4"}
    assert set(store.interactions(sources=["x:1", "x:2"], kinds=["reply"])["post_id"]) == {"p2"}
    assert store.interactions(sources=[]).empty


class TestIdentities:
    def test_handle_alias_is_merged_into_the_id_account(self, store):
        seed(store)
        store.write_batch(
            [Account("x", "@bob", handle="Bob"), Account("x", "@zed", handle="zed")],
            [ev("p9", "x:3", "x:@bob", 3), ev("p1", "x:1", "x:@bob", 0), ev("p8", "x:@bob", "x:3", 4)],
        )
        store.set_tags("x:@bob", ["vip"])
        store.create_shortlist("s")
        store.add_to_shortlist("s", ["x:@bob"])
        assert store.handle_aliases("x") == {"x:@bob": "x:2"}  # zed has no id account
        counts = store.merge_accounts(store.handle_aliases("x"))
        assert counts == {"accounts": 1, "interactions": 2, "duplicates": 1}
        assert store.resolve("x:@bob") == [] and store.handle_aliases("x") == {}
        df = store.interactions()
        assert set(df.loc[df["post_id"] == "p9", "target"]) == {"x:2"}
        assert set(df.loc[df["post_id"] == "p8", "source"]) == {"x:2"}
        assert len(df[(df["post_id"] == "p1") & (df["target"] == "x:2")]) == 1  # duplicate dropped
        acc = store.get_account("x:2")
        assert acc["tags"] == ("vip",) and acc["handle"] == "bob"
        assert store.shortlist_members("s")["account"].tolist() == ["x:2"]
        # The event moved keeps its identity: writing it again (now resolved) is a duplicate.
        assert store.write_batch([], [ev("p9", "x:3", "x:2", 3)]).inserted == 0
        with pytest.raises(NotFoundError):
            store.merge_accounts({"x:@nobody": "x:2"})

    def test_aliases_need_an_id_account_with_that_handle(self, store):
        store.write_batch([Account("x", "@ann", handle="ann"), Account("x", "@bo", handle="bo"),
                           Account("x", "7"), Account("generic", "ann", handle="ann")], [])
        assert store.handle_aliases("x") == {}  # only handle-only keys have handles on x
        # An id on either side of the '@' range of keys counts.
        store.write_batch([Account("x", "Zed7", handle="Bo")], [])
        assert store.handle_aliases("x") == {"x:@bo": "x:Zed7"}

    def test_ambiguous_handles_are_left_alone(self, store):
        store.write_batch(
            [Account("x", "1", handle="ann"), Account("x", "2", handle="Ann"), Account("x", "@ann", handle="ann")],
            [],
        )
        assert store.handle_aliases("x") == {}

    def test_crm_rows_read_back_with_their_email(self, store):
        seed(store)
        store.set_crm([CrmEntry("Carol", "customer", platform="x", company="Acme",
                                email=" Carol@Acme.example "),
                       CrmEntry("bob", "prospect")])
        crm = store.crm()
        assert list(crm.columns) == ["handle", "platform", "status", "company", "email"]
        assert crm.astype(object).where(crm.notna(), None).values.tolist() == [
            ["carol", "x", "customer", "Acme", "carol@acme.example"],
            ["bob", None, "prospect", None, None]]
        store.set_crm([CrmEntry("carol", "prospect", platform="x")])  # a newer row replaces
        assert store.crm()["status"].tolist() == ["prospect", "prospect"]
        store.delete_everything()
        assert store.crm().empty

    def test_roster_emails_decisions_and_opt_outs(self, store):
        seed(store)
        store.set_roster([Person(handle="dave", platform="slack", email="dave@l.example",
                                 employee_id=" E7 ", department="Sales")])
        roster = store.roster()
        assert roster.loc[0, ["handle", "employee_id", "department"]].tolist() == ["dave", "E7", "Sales"]
        assert store.set_account_emails({"slack:dave": " Dave@L.example", "slack:ghost": "g@l.example"}) == 1
        assert store.account_emails() == {"slack:dave": "dave@l.example"}
        store.set_link_decision("x:2", "slack:dave", "link")
        store.set_link_decision("x:1", "x:3", "reject")
        store.set_link_decision("x:1", "x:3", "link")  # a later decision replaces the earlier one
        store.set_link_decision("x:2", "x:2", "detach")
        assert store.link_decisions().values.tolist() == [
            ["slack:dave", "x:2", "link"], ["x:1", "x:3", "link"], ["x:2", "x:2", "detach"]]
        with pytest.raises(NotFoundError):
            store.set_link_decision("x:1", "x:404", "link")
        with pytest.raises(InputError):
            store.set_link_decision("x:1", "x:2", "maybe")
        assert store.clear_link_decisions("x:2") == 2
        assert store.add_opt_outs(["dave@l.example", "x:3", "x:3"]) == 2
        assert store.add_opt_outs(["x:3"]) == 0
        assert store.opt_outs() == ["dave@l.example", "x:3"]
        assert store.remove_opt_outs(["x:3", "x:9"]) == 1
        store.forget("x:3")  # decisions naming a forgotten account go with it
        assert store.link_decisions().empty
        store.delete_everything()
        assert store.opt_outs() == [] and store.account_emails() == {} and store.roster().empty

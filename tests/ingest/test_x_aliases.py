"""``x:@name`` and ``x:<id>`` of one account end as one account — on both stores."""

from __future__ import annotations

import json

from graph.model import Account, Interaction
from ingest.jobs import import_file
from ingest.x_aliases import merge_handle_aliases
from tests.ingest.company_fixtures import T0


def page(tweet_id: str, author: dict, text: str, mentions: list[dict], users: list[dict]) -> dict:
    return {
        "data": [{"id": tweet_id, "author_id": author["id"], "text": text,
                  "created_at": "2026-03-02T09:00:00.000Z",
                  "entities": {"mentions": mentions}}],
        "includes": {"users": [author, *users]},
        "meta": {"result_count": 1},
    }


BO = {"id": "100", "username": "bo", "name": "Bo"}
ANN = {"id": "12", "username": "Ann", "name": "Ann Lee"}
# ann mentioned by name only (no id in the mention, no user object on the page)
BY_NAME = page("1001", BO, "hi @ann", [{"start": 3, "end": 7, "username": "ann"}], [])
# a later page reveals ann's id: she posts herself
REVEAL = page("1002", ANN, "hello @bo", [{"start": 6, "end": 9, "username": "bo", "id": "100"}], [])


def _write(path, pages):
    path.write_text("".join(json.dumps(p) + "\n" for p in pages))
    return path


def test_mention_by_name_before_the_id_is_revealed(store, tmp_path):
    path = _write(tmp_path / "pages.jsonl", [BY_NAME, REVEAL])
    run = import_file(store, path, "jsonl")
    assert run.summary["handles_resolved"] == 1
    keys = set(store.accounts()["key"])
    assert "x:@ann" not in keys and {"x:12", "x:100"} <= keys
    df = store.interactions()
    assert set(df.loc[df["post_id"] == "1001", "target"]) == {"x:12"}
    assert store.get_account("x:12")["name"] == "Ann Lee"
    again = import_file(store, path, "jsonl")
    assert again.inserted == 0 and "x:@ann" not in set(store.accounts()["key"])


def test_id_known_first_is_used_at_the_source(store, tmp_path):
    import_file(store, _write(tmp_path / "a.jsonl", [REVEAL]), "jsonl")
    run = import_file(store, _write(tmp_path / "b.jsonl", [BY_NAME]), "jsonl")
    assert run.inserted == 1 and run.summary["handles_resolved"] == 1
    df = store.interactions()
    assert set(df.loc[df["post_id"] == "1001", "target"]) == {"x:12"}
    assert "x:@ann" not in set(store.accounts()["key"])


def test_existing_store_is_repaired(store):
    # What an older Scout left behind: both keys, events on each.
    store.write_batch(
        [Account("x", "12", handle="Ann"), Account("x", "@ann", handle="ann")],
        [Interaction("x", "7", "mention", "x:100", "x:@ann", T0),
         Interaction("x", "8", "reply", "x:@ann", "x:100", T0)],
    )
    assert merge_handle_aliases(store) == 1
    df = store.interactions()
    assert sorted(zip(df["source"], df["target"], strict=True)) == [("x:100", "x:12"), ("x:12", "x:100")]
    assert merge_handle_aliases(store) == 0


def test_csv_edges_on_x_use_known_ids(sqlite_store, tmp_path):
    import_file(sqlite_store, _write(tmp_path / "a.jsonl", [REVEAL]), "jsonl")
    csv = tmp_path / "e.csv"
    csv.write_text("source,target,timestamp,platform\nbo,@Ann,2026-03-02,x\n")
    import_file(sqlite_store, csv, "edges")
    df = sqlite_store.interactions(kinds=["mention"])
    assert ("x:100", "x:12") in set(zip(df["source"], df["target"], strict=True))

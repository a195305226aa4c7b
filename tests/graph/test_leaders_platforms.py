"""`scout leaders --platform P` cuts a cross-platform ranking; every leader shows its person's
platforms (CLI table and exports)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from graph.factory import open_store
from ui.cli import cli


def _edges(path) -> None:
    rows = ["source,target,kind,timestamp,platform"]
    for i in range(30):
        rows.append(f"fan{i},ann,mention,2026-11-0{1 + i % 9}T10:00:00Z,x")
        rows.append(f"did:plc:{'f' * 20}{i:04d},did:plc:{'a' * 24},reply,2026-11-0{1 + i % 9}T11:00:00Z,bluesky")
        rows.append(f"UC{'f' * 18}{i:04d},UC{'b' * 22},comment,2026-11-0{1 + i % 9}T12:00:00Z,youtube")
    path.write_text("\n".join(rows) + "\n")


def test_leaders_platform_filter_and_person_platforms(tmp_path):
    uri = f"sqlite:///{tmp_path / 's.db'}"
    run = CliRunner().invoke
    _edges(tmp_path / "e.csv")
    assert run(cli, ["--store", uri, "ingest", "edges", str(tmp_path / "e.csv")]).exit_code == 0
    with open_store(uri) as store:
        store.set_link_decision("x:@ann", "bluesky:did:plc:" + "a" * 24, "link")
    assert run(cli, ["--store", uri, "rank"]).exit_code == 0

    every = json.loads(run(cli, ["--store", uri, "leaders", "--top", "100", "--format", "json"]).output)
    assert {r["platform"] for r in every} == {"x", "bluesky", "youtube"}  # cross-platform default
    out = run(cli, ["--store", uri, "leaders", "--platform", "youtube", "--platform", "bluesky",
                    "--top", "100", "--format", "json"])
    assert out.exit_code == 0, out.output
    cut = json.loads(out.output)
    assert cut and {r["platform"] for r in cut} == {"bluesky", "youtube"}
    by_key = {r["key"]: r for r in every}
    assert by_key["x:@ann"]["platforms"] == "bluesky;x"
    assert by_key["bluesky:did:plc:" + "a" * 24]["platforms"] == "bluesky;x"
    assert by_key["youtube:UC" + "b" * 22]["platforms"] == "youtube"
    table = run(cli, ["--store", uri, "leaders", "--top", "5"], env={"COLUMNS": "300"})
    assert table.exit_code == 0 and "platforms" in table.output and "bluesky;x" in table.output
    people = run(cli, ["--store", uri, "leaders", "--by", "person", "--platform", "youtube",
                       "--format", "json"])
    assert people.exit_code == 0 and json.loads(people.output)

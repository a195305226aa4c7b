"""`scout load-sample --if-empty` and `scout rank --if-stale`: what `make run` does."""

from __future__ import annotations

from click.testing import CliRunner

from ui.cli import cli


def test_load_sample_then_rank_only_when_stale(tmp_path):
    uri = f"sqlite:///{tmp_path / 'scout.db'}"
    run = CliRunner().invoke
    first = run(cli, ["--store", uri, "load-sample", "--if-empty", "--no-progress"])
    assert first.exit_code == 0, first.output
    assert "data/x_pages.jsonl.gz" in first.output and "rejected 0" in first.output
    second = run(cli, ["--store", uri, "load-sample", "--if-empty"])
    assert "already holds data" in second.output

    ranked = run(cli, ["--store", uri, "rank", "--if-stale"])
    assert ranked.exit_code == 0, ranked.output
    assert ranked.output.startswith("snapshot ")
    again = run(cli, ["--store", uri, "rank", "--if-stale"])
    assert "up to date" in again.output

    # New data makes the ranking stale again.
    edges = tmp_path / "more.csv"
    edges.write_text("source,target,timestamp\nnew_person,LuminaHQ,2026-11-14T10:00:00Z\n")
    assert run(cli, ["--store", uri, "ingest", "edges", str(edges), "--platform", "x"]).exit_code == 0
    assert run(cli, ["--store", uri, "rank", "--if-stale"]).output.startswith("snapshot ")

    leaders = run(cli, ["--store", uri, "leaders", "--segment", "internal", "--top", "5",
                        "--format", "csv"], env={"SCOUT_SHOW_EMPLOYEE_NAMES": "1"})
    assert leaders.exit_code == 0
    assert "LuminaHQ" in leaders.output.splitlines()[1]  # the brand account leads, inside
    # without the unlock, employees' accounts are initials + department, keys blank
    locked = run(cli, ["--store", uri, "leaders", "--segment", "internal", "--top", "5",
                       "--format", "csv"], env={"SCOUT_SHOW_EMPLOYEE_NAMES": ""})
    first = locked.output.splitlines()[1]
    assert "LuminaHQ" not in first and "(Brand)" in first

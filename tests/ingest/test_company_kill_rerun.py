"""Company sources: a run killed (SIGKILL) mid-way and run again ends like one clean run."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.ingest import company_fixtures as fx
from tests.ingest.test_kill_rerun import contents, kill_after_a_batch, run_to_end

BATCH = 500


def make_input(kind: str, tmp_path):
    if kind == "slack":
        return fx.write_export(tmp_path / "slack", fx.big_slack_files(), as_zip=True)
    if kind == "mail":
        return fx.big_mbox(tmp_path / "archive.mbox")
    if kind == "teams":
        return fx.big_teams(tmp_path / "teams.jsonl")
    return fx.write_export(tmp_path / "engage", fx.big_engage_files(), as_zip=True)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["slack", "mail", "teams", "engage"])
def test_killed_then_rerun_equals_clean_run(store, tmp_path, kind):
    path = make_input(kind, tmp_path)
    uri = store.display
    args = ("ingest", kind, str(path), "--batch-size", str(BATCH), "--json")

    partial = kill_after_a_batch(store, uri, args, BATCH)

    rerun = run_to_end(uri, *args)
    assert rerun["status"] == "partial" and rerun["rejected"] > 0  # the broken records
    assert rerun["duplicates"] >= partial
    after_rerun = contents(store)
    assert len(after_rerun[1]) == rerun["inserted"] + partial > partial

    store.delete_everything()
    clean = run_to_end(uri, *args)
    clean_contents = contents(store)
    assert clean["inserted"] == len(clean_contents[1]) == len(after_rerun[1])
    pd.testing.assert_frame_equal(after_rerun[0], clean_contents[0])
    pd.testing.assert_frame_equal(after_rerun[1], clean_contents[1])
    assert run_to_end(uri, *args)["inserted"] == 0

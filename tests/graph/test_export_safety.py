"""Exports never fail on stored text, and ``--out`` treats paths as a careful tool does (issue 11)."""

from __future__ import annotations

import io
import os
import threading
from datetime import UTC, datetime, timedelta

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from graph.errors import InputError
from graph.export import table_bytes, write_output
from ui.cli import cli

HOSTILE = ["bell\x07", "nul\x00", "=cmd|' /C calc'!A0", "\u202eevil", "tab\tnew\nline"]


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_every_format_exports_any_stored_string(fmt):
    df = pd.DataFrame({"handle": HOSTILE, "score": range(len(HOSTILE))})
    data = table_bytes(df, fmt)
    if fmt == "xlsx":
        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        cells = [ws.cell(row=i + 2, column=1).value for i in range(len(HOSTILE))]
    elif fmt == "csv":
        cells = pd.read_csv(io.BytesIO(data), keep_default_na=False)["handle"].tolist()
    else:
        cells = pd.read_json(io.BytesIO(data))["handle"].tolist()
    assert cells == ["bell", "nul", "'=cmd|' /C calc'!A0", "evil", "tab\tnew\nline"]


@pytest.fixture
def ranked_with_a_bell(store):
    """A store whose accounts were written before names were cleaned (raw handles)."""
    from graph.model import Interaction

    now = datetime.now(UTC) - timedelta(days=1)
    store.add_interactions([Interaction("x", str(i), "mention", f"x:{i}", f"x:{i + 1}", now)
                            for i in range(1, 6)])
    if hasattr(store, "path"):
        with store._lock:
            store._conn.execute("UPDATE accounts SET handle = 'bell\x07y' WHERE key = 'x:2'")
        uri = f"sqlite:///{store.path}"
    else:
        store._driver.execute_query("MATCH (a:Account {key: 'x:2'}) SET a.handle = 'bell\x07y'",
                                    database_=store.database)
        uri = store.display
    assert CliRunner().invoke(cli, ["--store", uri, "rank"]).exit_code == 0
    return uri


def test_leaders_xlsx_with_a_control_character_in_a_stored_handle(ranked_with_a_bell, tmp_path):
    out = tmp_path / "x.xlsx"
    r = CliRunner().invoke(cli, ["--store", ranked_with_a_bell, "leaders", "--out", str(out)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(out).active
    assert "belly" in [c.value for c in ws["B"]] + [c.value for c in ws["C"]] + [c.value for c in ws["D"]]


# -- defect 6: output files -------------------------------------------------------------------------


def test_a_regular_file_is_replaced_atomically(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old")
    write_output(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_a_symlink_is_followed_not_replaced(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_output(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_a_fifo_is_written_into(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_output(fifo, b"through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"]
    assert fifo.is_fifo()


def test_missing_folders_are_an_error_unless_asked(tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "a.csv"
    with pytest.raises(InputError, match="does not exist"):
        write_output(target, b"x")
    assert not (tmp_path / "no").exists()
    write_output(target, b"x", make_dirs=True)
    assert target.read_bytes() == b"x"


def test_leaders_out_refuses_a_missing_folder_and_accepts_mkdir(ranked_with_a_bell, tmp_path):
    out = tmp_path / "new" / "leaders.csv"
    r = CliRunner().invoke(cli, ["--store", ranked_with_a_bell, "leaders", "--out", str(out)])
    assert r.exit_code == 2 and "does not exist" in r.output and not out.parent.exists()
    r = CliRunner().invoke(cli, ["--store", ranked_with_a_bell, "leaders", "--out", str(out),
                                 "--mkdir"])
    assert r.exit_code == 0 and out.read_text().startswith("rank,")

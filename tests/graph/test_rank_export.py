"""Spreadsheet-safe exports: formulas neutralised in text cells, numbers kept as numbers."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from graph.errors import InputError
from graph.export import neutralize, spreadsheet_safe, write_table

DANGEROUS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "account": DANGEROUS + ["alice"],
        "score": [-1.5, 2.0, 3.0, -4.0, 5.0, 6.0, 7.0],
        "rank": np.arange(1, 8),
        "automated": [True, False] * 3 + [False],
    })


def test_neutralize_only_text():
    for v in DANGEROUS:
        assert neutralize(v) == "'" + v
    assert neutralize("alice") == "alice"
    assert neutralize(-3) == -3 and neutralize(-3.5) == -3.5 and neutralize(None) is None


def test_spreadsheet_safe_keeps_numbers_and_dtypes():
    df = frame()
    safe = spreadsheet_safe(df)
    assert safe["account"].tolist()[:6] == ["'" + v for v in DANGEROUS]
    assert safe["account"].iloc[-1] == "alice"
    pd.testing.assert_series_equal(safe["score"], df["score"])
    assert safe["rank"].dtype == df["rank"].dtype and safe["automated"].dtype == bool
    assert df["account"].iloc[0] == "=1+1"  # input untouched


def test_csv_to_stream_is_safe():
    buf = io.StringIO()
    write_table(frame(), "csv", stream=buf)
    back = pd.read_csv(io.StringIO(buf.getvalue()))
    assert back["account"].iloc[0] == "'=1+1"
    assert back["score"].iloc[0] == -1.5  # a number, not "'-1.5"
    assert all(not str(v).startswith(("=", "+", "-", "@")) for v in back["account"])


def test_json_keeps_values_and_neutralises_formulas(tmp_path):
    out = tmp_path / "x.json"
    df = frame()
    df.loc[0, "score"] = np.nan
    write_table(df, "json", out)
    rows = json.loads(out.read_text())
    assert rows[0]["score"] is None and rows[1]["account"] == "'+cmd"  # JSON is often opened in a spreadsheet too
    assert rows[2]["rank"] == 3 and rows[0]["automated"] is True


def test_xlsx_cells_are_text_or_numbers_never_formulas(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "x.xlsx"
    write_table(frame(), "xlsx", out)
    ws = load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header == ["account", "score", "rank", "automated"]
    for row in ws.iter_rows(min_row=2):
        acc, score = row[0], row[1]
        assert acc.data_type == "s"  # never "f" (formula)
        assert isinstance(score.value, float | int)
    assert ws["A2"].value == "'=1+1" and ws["B2"].value == -1.5


def test_errors():
    with pytest.raises(InputError):
        write_table(frame(), "xlsx")
    with pytest.raises(InputError):
        write_table(frame(), "pdf", stream=io.StringIO())

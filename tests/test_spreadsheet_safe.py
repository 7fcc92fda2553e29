"""Spreadsheet-bound outputs (CSV, XLSX) never carry a live formula; JSONL and Parquet keep every value verbatim."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from classifier.tabular import TableWriter

HOSTILE = ['=HYPERLINK("http://example.invalid","x")', "+1+2", "-3", "@SUM(A1:A9)", "\tgyro", "\rgyro"]
FRAME = pd.DataFrame(
    {
        "id": ["=1+1", "a", "b", "c", "d", "e"],
        "description": HOSTILE,
        "labels": [["aerospace"]] * 6,
        "count": [-3, 1, 2, 3, 4, 5],
    }
)


def _write(path):
    writer = TableWriter(path)
    writer.write(FRAME)
    writer.close()
    return path


def test_csv_cells_that_start_a_formula_get_a_leading_quote(tmp_path):
    with _write(tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["description"] for row in rows] == ["'" + text for text in HOSTILE]
    assert rows[0]["id"] == "'=1+1" and rows[1]["id"] == "a"
    assert rows[0]["labels"] == '["aerospace"]' and rows[0]["count"] == "-3"  # numbers are not formulas


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    from openpyxl import load_workbook

    sheet = load_workbook(_write(tmp_path / "out.xlsx")).active
    cells = [[cell for cell in row] for row in sheet.iter_rows(min_row=2)]
    # XML reads a CR back as a line feed
    assert [row[1].value for row in cells] == ["'" + text.replace("\r", "\n") for text in HOSTILE]
    assert all(cell.data_type != "f" for row in cells for cell in row)
    assert cells[0][3].value == -3


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_jsonl_and_parquet_stay_verbatim(tmp_path, suffix):
    path = _write(tmp_path / f"out{suffix}")
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    else:
        rows = pd.read_parquet(path).to_dict(orient="records")
    assert [row["description"] for row in rows] == HOSTILE and rows[0]["id"] == "=1+1"

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest

from classifier.catalog import CatalogError, label_catalog
from classifier.tabular import iter_chunks

ROWS = [
    {"id": "A1", "description": "Hot isostatic press, 2000 bar, 1400 C, 600 mm work zone", "price": "120000"},
    {"id": "A2", "description": "", "price": "5"},
    {"id": "A3", "description": "サマリウムコバルト磁石 Sm2Co17 φ10×5mm", "price": "3"},
    {"id": "A4", "description": "Cotton tote bag, printed logo", "price": "2"},
    {"id": "A5", "description": "液体火箭发动机涡轮泵 推力50吨级", "price": "900000"},
]


def _write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_every_format_round_trips_with_all_input_columns_and_rows(quick_model, tmp_path, suffix):
    source = tmp_path / "catalog.csv"
    _write_csv(source, ROWS)
    if suffix != ".csv":
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
        source = tmp_path / f"catalog{suffix}"
        {
            ".jsonl": lambda: frame.to_json(source, orient="records", lines=True, force_ascii=False),
            ".parquet": lambda: frame.to_parquet(source),
            ".xlsx": lambda: frame.to_excel(source, index=False),
        }[suffix]()
    output = tmp_path / f"out{suffix}"
    summary = label_catalog(source, output, quick_model, chunk_size=2, progress=False)
    assert summary.rows == 5 and summary.errors == 1
    out = pd.concat(list(iter_chunks(output)))
    assert list(out["id"]) == ["A1", "A2", "A3", "A4", "A5"]
    assert {
        "id",
        "description",
        "price",
        "labels",
        "scores",
        "dual_use",
        "model_version",
        "uncertain",
        "evidence",
        "entries",
        "below",
        "members",
        "error",
    } <= set(out.columns)
    labels = out["labels"].iloc[0]
    labels = json.loads(labels) if isinstance(labels, str) else list(labels)
    assert set(labels) <= set(quick_model.labels)
    assert out["error"].iloc[1] == "column 'description': description is empty"
    assert set(out["model_version"]) == {quick_model.version}
    assert not (tmp_path / f"out{suffix}.parts").exists()


def test_malformed_rows_are_kept_with_an_error(quick_model, tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_text(
        '{"id": 1, "description": "Ring laser gyro"}\n{"id": 2, "description": \n'
        '{"id": 3, "description": ["not", "text"]}\n',
        encoding="utf-8",
    )
    output = tmp_path / "bad.out.jsonl"
    label_catalog(source, output, quick_model, progress=False)
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(rows) == 3
    assert rows[0]["error"] == ""
    assert rows[1]["error"].startswith("line 2: malformed JSON")
    assert rows[2]["error"] == "column 'description': description must be text, not list"
    csv_source = tmp_path / "bad.csv"
    csv_source.write_text('id,description\n1,Gallium 6N ingot\n2,"too",many,fields\n', encoding="utf-8")
    label_catalog(csv_source, tmp_path / "bad.out.csv", quick_model, progress=False)
    out = pd.read_csv(tmp_path / "bad.out.csv", dtype=str, keep_default_na=False)
    assert list(out["id"]) == ["1", "2"] and "4 fields, header has 2" in out["error"].iloc[1]


def test_missing_column_names_the_columns_found(quick_model, tmp_path):
    source = tmp_path / "c.csv"
    _write_csv(source, [{"sku": "1", "text": "Hydrophone array"}])
    with pytest.raises(
        CatalogError, match=r"no column 'description'; columns found: sku, text \(choose one with --text-column\)"
    ):
        label_catalog(source, tmp_path / "o.csv", quick_model, progress=False)
    summary = label_catalog(
        source, tmp_path / "o.csv", quick_model, id_column="sku", text_column="text", progress=False
    )
    assert summary.rows == 1
    with pytest.raises(CatalogError, match="unsupported file type '.txt'"):
        label_catalog(source, tmp_path / "o.txt", quick_model, id_column="sku", text_column="text", progress=False)


class _InterruptAfter:
    """Wraps a model and raises KeyboardInterrupt on the nth classify call, like Ctrl-C mid-run."""

    def __init__(self, model, calls):
        self.model, self.calls, self.version = model, calls, model.version

    def classify(self, texts, with_evidence=True, full=False):
        self.calls -= 1
        if self.calls < 0:
            raise KeyboardInterrupt
        return self.model.classify(texts, with_evidence=with_evidence, full=full)


def test_interrupted_run_resumes_without_redoing_or_losing_rows(quick_model, tmp_path):
    rows = [{"id": str(i), "description": f"{ROWS[i % 5]['description']} lot {i}", "price": "1"} for i in range(23)]
    source = tmp_path / "big.csv"
    _write_csv(source, rows)
    output = tmp_path / "big.out.csv"
    with pytest.raises(KeyboardInterrupt):
        label_catalog(source, output, _InterruptAfter(quick_model, 2), chunk_size=5, progress=False)
    assert not output.exists() and len(list((tmp_path / "big.out.csv.parts").glob("part-*.pkl"))) == 2
    summary = label_catalog(source, output, quick_model, chunk_size=5, progress=False)
    assert summary.resumed_chunks == 2 and summary.rows == 23
    fresh = tmp_path / "fresh.csv"
    label_catalog(source, fresh, quick_model, chunk_size=5, progress=False)
    pd.testing.assert_frame_equal(pd.read_csv(output, dtype=str), pd.read_csv(fresh, dtype=str))


def test_label_command_reports_a_summary(quick_model_dir, tmp_path):
    source = tmp_path / "cat.csv"
    _write_csv(source, ROWS)
    command = [
        sys.executable,
        "-m",
        "classifier.cli",
        "label",
        str(source),
        "-o",
        str(tmp_path / "o.parquet"),
        "--model",
        str(quick_model_dir),
        "--quiet",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "5 rows labeled" in result.stdout and "1 with errors" in result.stdout
    bad = subprocess.run(command[:-1] + ["--text-column", "desc"], capture_output=True, text=True)
    assert bad.returncode == 2 and "no column 'desc'" in bad.stderr

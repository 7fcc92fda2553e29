"""`dualuse screen` and `dualuse lists import` as a user runs them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "orders.csv"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "classifier.cli", *args], capture_output=True, text=True, timeout=300)


def test_screen_sample_orders_prints_summary_and_writes_every_row(quick_model_dir, tmp_path):
    output = tmp_path / "decisions.csv"
    result = _run("screen", str(SAMPLE), "-o", str(output), "--model", str(quick_model_dir))
    assert result.returncode == 0, result.stderr
    assert "order lines screened" in result.stdout and "Needing attention:" in result.stdout
    for decision in ("prohibited", "review", "license_required", "not_controlled"):
        assert decision in result.stdout
    source = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    out = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert list(out["id"]) == list(source["id"])
    assert {"decision", "reasons", "matched_entity", "error"} <= set(out.columns)
    first = out.iloc[0]
    assert first["decision"] == "prohibited"
    reasons = json.loads(first["reasons"])
    assert reasons[0]["citation"].startswith("MOFCOM Announcement No. 1 of 2026") and reasons[0]["effective_from"]
    assert json.loads(first["matched_entity"])["alias"]
    bad = out[out["destination_country"] == "JPN"].iloc[0]
    assert bad["decision"] == "" and "not an ISO 3166 alpha-2 code" in bad["error"]


def test_screen_jsonl_with_malformed_line_keeps_it(tmp_path):
    source = tmp_path / "orders.jsonl"
    source.write_text(
        json.dumps(
            {
                "id": "a",
                "labels": ["aerospace"],
                "destination_country": "JP",
                "end_user": "JASDF",
                "end_user_country": "JP",
                "end_use": "spare parts",
                "date": "2026-05-01",
            }
        )
        + "\n{oops\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.jsonl"
    result = _run("screen", str(source), "-o", str(output))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert rows[0]["decision"] == "prohibited"
    assert rows[1]["decision"] == "" and rows[1]["error"].startswith("line 2: malformed JSON")


def test_lists_import_writes_a_valid_entity_list(tmp_path):
    source = tmp_path / "list.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "aliases", "country"])
        writer.writerow(["Example Aerospace Works K.K.", "エグザンプル航空; EAW", "JP"])
    output = tmp_path / "example.yaml"
    result = _run(
        "lists",
        "import",
        str(source),
        "-o",
        str(output),
        "--list-id",
        "example_list",
        "--kind",
        "watch_list",
        "--title",
        "Example list",
        "--source-url",
        "https://example.org/list",
        "--date",
        "2026-07-01",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "1 entities written" in result.stdout
    assert "Example Aerospace Works" in output.read_text(encoding="utf-8")
    wrong = _run(
        "lists",
        "import",
        str(source),
        "-o",
        str(output),
        "--list-id",
        "x",
        "--kind",
        "watch_list",
        "--title",
        "t",
        "--source-url",
        "u",
        "--date",
        "July",
    )
    assert wrong.returncode == 2 and "error" in wrong.stderr

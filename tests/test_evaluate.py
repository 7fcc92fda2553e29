import json
import subprocess
import sys

import numpy as np
import pytest

from training.evaluate import co_occurrence, expected_calibration_error, reliability
from training.metrics import compute_metrics


def test_evaluate_writes_report_plots_and_side_by_side_variants(quick_model_dir, tmp_path):
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "classifier.cli", "evaluate", "--model", str(quick_model_dir), "--output-dir", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads((out / "report.json").read_text())
    assert set(report["results"]) == {
        "ngram baseline",
        "fine-tuned encoder",
        "ensemble",
        "ensemble (cascade, as served)",
        "fine-tuned encoder (fp32)",
        "ensemble (fp32 encoder)",
    }
    assert report["results"]["fine-tuned encoder (fp32)"] != report["results"]["ngram baseline"]
    assert "Quantization: the served ensemble" in (out / "report.md").read_text()
    ensemble = report["results"]["ensemble"]
    assert {"macro_f1", "micro_f1", "dual_use", "per_label", "per_language", "per_style"} <= set(ensemble)
    assert set(ensemble["per_language"]) == {"en", "zh", "ja"}
    for plot in ("confusion.png", "reliability.png"):
        assert (out / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| ensemble |" in (out / "report.md").read_text()
    assert set(report["cascade"]) >= {"validation", "test"}
    extraction = report["entries"]["parameter_extraction"]
    assert extraction["checked"] + extraction["changed"] == 200 and extraction["precision"] > 0.9
    assert set(report["entries"]["accuracy"]) == {"all", "en", "zh", "ja"}
    assert "## Control-list entries" in (out / "report.md").read_text()
    readings = report["entries"]["readings"]  # the head's parameter-reading offsets and how often each reading fired
    assert len(readings["offsets"]) == 11 and all(len(pair) == 2 for pair in readings["offsets"].values())
    assert sum(sum(counts.values()) for counts in readings["per_style"].values()) > 0
    assert "Parameter readings" in (out / "report.md").read_text()
    assert result.returncode == (0 if all(report["targets"].values()) else 1)


def test_evaluate_an_ngram_only_model(tmp_path):
    from training.arguments import TrainingArguments
    from training.train import train_model

    model_dir = train_model(TrainingArguments(quick=True, ngram_only=True), tmp_path / "models", progress=False)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "classifier.cli",
            "evaluate",
            "--model",
            str(model_dir),
            "--output-dir",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert set(report["results"]) == {"ngram baseline"} and report["cascade"] == {}
    assert "int8_vs_fp32" not in report["targets"] and "macro_f1" in report["targets"]
    markdown = (tmp_path / "r" / "report.md").read_text()
    assert "## Per style (ngram baseline)" in markdown and "no encoder" in markdown
    assert "Cascade" not in markdown


def test_metrics_on_a_hand_checked_example():
    targets = np.array([[1, 0], [0, 1], [0, 0], [1, 1]])
    predictions = np.array([[1, 0], [0, 0], [1, 0], [1, 1]])
    m = compute_metrics(targets, predictions, ["a", "b"], langs=["en", "zh", "en", "ja"])
    assert m["per_label"]["a"] == {"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2}
    assert m["dual_use"]["recall"] == 2 / 3 and m["dual_use"]["precision"] == 2 / 3
    assert m["per_language"]["zh"]["dual_use"]["recall"] == 0.0


def test_reliability_bins_and_co_occurrence():
    probs = np.array([[0.05, 0.95], [0.15, 0.85]])
    targets = np.array([[0, 1], [0, 0]])
    bins = reliability(probs, targets)
    assert [b["count"] for b in bins] == [1, 1, 1, 1]
    assert expected_calibration_error(bins) == pytest.approx((0.05 + 0.05 + 0.15 + 0.85) / 4)
    matrix = co_occurrence(np.array([[1, 0], [0, 0]]), np.array([[1, 1], [0, 0]]))
    assert matrix.tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 1]]

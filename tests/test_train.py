"""Training writes a model only when it completes: a run stopped part-way leaves nothing to list or load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from classifier.registry import list_versions


def test_a_training_run_interrupted_part_way_leaves_no_model_directory(tmp_path):
    root = tmp_path / "models"
    command = [sys.executable, "-m", "classifier.cli", "train", "--quick", "--quiet", "--output-dir", str(root)]
    process = subprocess.Popen(
        command, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + 180
    while not (root.exists() and any(p.name.startswith(".partial-") for p in root.iterdir())):
        assert process.poll() is None and time.monotonic() < deadline, process.stdout.read() if process.poll() else ""
        time.sleep(0.2)
    time.sleep(1.0)  # part-way: the n-gram folds are being fitted
    assert list_versions(root) == []  # a model being written is not listed
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted" in output
    assert list(root.iterdir()) == [] and list_versions(root) == []


def test_a_run_can_reuse_the_fine_tuned_encoder_of_a_version_trained_on_the_same_data(quick_model_dir, tmp_path):
    import filecmp

    import pytest

    from training.arguments import TrainingArguments
    from training.train import TrainingError, train_model

    reused = train_model(TrainingArguments(quick=True, encoder_from=str(quick_model_dir)), tmp_path, progress=False)
    onnx = [p.relative_to(quick_model_dir) for p in (quick_model_dir / "transformer").rglob("*.onnx")]
    assert onnx and all(filecmp.cmp(quick_model_dir / p, reused / p, shallow=False) for p in onnx)
    assert (reused / "dualuse.json").exists()

    with pytest.raises(TrainingError, match="seed"):
        train_model(TrainingArguments(quick=True, seed=99, encoder_from=str(quick_model_dir)), tmp_path, progress=False)
    with pytest.raises(TrainingError, match="not a model version"):
        train_model(TrainingArguments(quick=True, encoder_from=str(tmp_path / "nothing")), tmp_path, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [reused.name]  # a refused run leaves nothing behind

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

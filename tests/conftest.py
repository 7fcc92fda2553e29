"""Shared fixtures: a real (quick) model trained once per test session on the project's corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def quick_model_dir(tmp_path_factory) -> Path:
    """Return the directory of a model trained in quick mode (small sample, one epoch)."""
    from training.arguments import TrainingArguments
    from training.train import train_model

    root = tmp_path_factory.mktemp("models")
    return train_model(TrainingArguments(quick=True), root, progress=False)


@pytest.fixture(scope="session")
def quick_model(quick_model_dir):
    """Return the quick model loaded for inference."""
    from classifier.model import DualUseClassifier

    return DualUseClassifier.from_pretrained(quick_model_dir)

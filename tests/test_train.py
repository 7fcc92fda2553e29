"""Training writes a model only when it completes: a run that fails part-way leaves nothing to list or load."""

from __future__ import annotations

import pytest

from classifier.registry import list_versions
from training.arguments import TrainingArguments
from training.train import train_model


def test_a_training_run_that_fails_part_way_leaves_no_model_directory(tmp_path):
    root = tmp_path / "models"
    with pytest.raises(ValueError, match="learning rate"):  # the optimiser refuses it after the n-gram step ran
        train_model(TrainingArguments(quick=True, learning_rate=-1.0), root, progress=False, log=lambda *_: None)
    assert list(root.iterdir()) == [] and list_versions(root) == []

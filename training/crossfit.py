"""Cross-fitted n-gram scores: the served n-gram model learns from train and validation together, and the head
(blend weights, calibration, thresholds) is fitted on validation scores from models that never saw the row."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from classifier.linear import NgramClassifier

log = logging.getLogger("dualuse.training")

CROSSFIT_FOLDS = 5
CROSSFIT_FILE = "ngram_validation.npz"


def crossfit_ngram(
    labels: list[str],
    train_texts: list[str],
    train_targets: np.ndarray,
    validation_texts: list[str],
    validation_targets: np.ndarray,
    C: float,
    seed: int,
    folds: int = CROSSFIT_FOLDS,
    on_fit: Callable[[int, int], None] | None = None,
    weights: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[NgramClassifier, np.ndarray]:
    """Return (n-gram model fitted on train + validation, out-of-fold validation probabilities).

    Each validation fold is scored by a model fitted on train plus the other folds (seeded fold assignment).
    on_fit: called with (fits done, fits in all) after each of the folds + 1 fits. weights: the train and validation
    items' weights in the fit (`training.train.ngram_weights`), all 1 when not given.
    """
    train_weights, validation_weights = weights or (np.ones(len(train_texts)), np.ones(len(validation_texts)))
    validation_targets = np.asarray(validation_targets)
    n = len(validation_texts)
    fold_of = np.random.RandomState(seed).permutation(np.arange(n) % folds) if n else np.zeros(0, dtype=int)
    out_of_fold = np.zeros((n, len(labels)), dtype=np.float32)

    def fit_with(rows: np.ndarray) -> NgramClassifier:  # train plus these validation rows
        return NgramClassifier(labels, C=C, seed=seed).fit(
            list(train_texts) + [validation_texts[i] for i in rows],
            np.vstack([train_targets, validation_targets[rows]]),
            np.concatenate([train_weights, np.asarray(validation_weights)[rows]]),
        )

    for fold in range(folds):
        held, kept = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
        if not len(held):
            continue
        log.info(
            f"  fold {fold + 1}/{folds}: n-gram model on {len(train_texts) + len(kept)} items, scoring {len(held)}"
        )
        model = fit_with(kept)
        out_of_fold[held] = model.predict_proba([validation_texts[i] for i in held])
        if on_fit is not None:
            on_fit(fold + 1, folds + 1)
    log.info(f"  final n-gram model on {len(train_texts) + n} items (train + validation)")
    final = fit_with(np.arange(n))
    if on_fit is not None:
        on_fit(folds + 1, folds + 1)
    return final, out_of_fold


def save_crossfit(directory: Path, ids: list[str], probabilities: np.ndarray) -> None:
    """Write the out-of-fold validation probabilities, keyed by item id, into a model directory."""
    np.savez_compressed(Path(directory) / CROSSFIT_FILE, ids=np.array(ids), probabilities=probabilities)


def with_crossfit(directory: Path, ids: list[str], probabilities: np.ndarray) -> np.ndarray:
    """Return n-gram probabilities for items ids with the rows the model learned from (its validation items)
    replaced by their stored out-of-fold scores; other rows, which the model never saw, are kept as they are."""
    path = Path(directory) / CROSSFIT_FILE
    if not path.exists():
        return probabilities
    with np.load(path) as stored:  # each key read from an .npz is read and decompressed again: read both once
        stored_ids, stored_probabilities = stored["ids"].tolist(), stored["probabilities"]
    row_of = {item_id: row for row, item_id in enumerate(stored_ids)}
    out = np.array(probabilities, copy=True)
    for index, item_id in enumerate(ids):
        if item_id in row_of:
            out[index] = stored_probabilities[row_of[item_id]]
    return out

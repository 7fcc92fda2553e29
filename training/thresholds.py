"""Fit what sits on top of the member models, on the validation split: blend weights, calibration, label
thresholds and the dual-use gate."""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from classifier.gate import DualUseGate, gate_features
from classifier.language import guess_language
from classifier.model import LANGS, DualUseClassifier

WEIGHT_GRID = np.linspace(0.0, 1.0, 11)
THRESHOLD_GRID = np.round(np.linspace(0.05, 0.95, 37), 3)
THRESHOLD_FLOOR = 0.02
GATE_C = 1.0
GATE_FOLDS = 5


def _mean_average_precision(probs: np.ndarray, targets: np.ndarray) -> float:
    scores = [average_precision_score(targets[:, j], probs[:, j]) for j in range(targets.shape[1]) if targets[:, j].any()]
    return float(np.mean(scores)) if scores else 0.0


def fit_weights(member_probs: dict[str, np.ndarray], texts: list[str], targets: np.ndarray) -> dict[str, dict[str, float]]:
    """Return per-language member weights maximising mean average precision on that language's rows."""
    names = list(member_probs)
    if len(names) == 1:
        return {lang: {names[0]: 1.0} for lang in LANGS}
    languages = np.array([guess_language(text) for text in texts])
    candidates = [w for w in itertools.product(WEIGHT_GRID, repeat=len(names)) if abs(sum(w) - 1.0) < 1e-9]
    weights = {}
    for lang in LANGS:
        rows = languages == lang
        if rows.sum() < 5:
            rows = np.ones(len(texts), dtype=bool)
        best = max(candidates, key=lambda w: _mean_average_precision(
            sum(wi * member_probs[n][rows] for wi, n in zip(w, names)), targets[rows]))
        weights[lang] = {name: float(w) for name, w in zip(names, best)}
    return weights


def fit_calibration(raw: np.ndarray, targets: np.ndarray, labels: list[str]) -> dict[str, tuple[float, float]]:
    """Return Platt parameters (a, b) per label so that sigmoid(a * logit(p) + b) matches observed frequencies."""
    logits = np.log(np.clip(raw, 1e-6, 1 - 1e-6) / np.clip(1 - raw, 1e-6, 1))
    calibration = {}
    for j, label in enumerate(labels):
        y = targets[:, j]
        if y.min() == y.max():
            calibration[label] = (1.0, 0.0)
            continue
        fit = LogisticRegression(C=100.0).fit(logits[:, [j]], y)
        calibration[label] = (float(fit.coef_[0, 0]), float(fit.intercept_[0]))
    return calibration


def fit_thresholds(probs: np.ndarray, targets: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Return per-label thresholds maximising each label's F1."""
    thresholds = [
        max(THRESHOLD_GRID, key=lambda t: (f1_score(targets[:, j], probs[:, j] >= t, zero_division=0), -abs(t - 0.5)))
        if targets[:, j].any() else 0.5
        for j in range(len(labels))
    ]
    return {label: float(round(t, 4)) for label, t in zip(labels, thresholds)}


def fit_gate(probs: np.ndarray, texts: list[str], targets: np.ndarray, min_recall: float, seed: int = 0) -> DualUseGate:
    """Return the dual-use gate fitted on calibrated validation probabilities.

    Its threshold is the highest at which at least min_recall of the items with a label are still flagged, read off
    out-of-fold gate scores (each fold scored by a gate fitted on the others), so that it holds for unseen text.
    """
    features = gate_features(probs, texts)
    flagged = targets.any(axis=1).astype(int)
    if flagged.min() == flagged.max():  # a single class: flag everything or nothing
        return DualUseGate(np.zeros(features.shape[1]), 0.0, 0.5 if flagged.max() else 1.5)
    regression = LogisticRegression(C=GATE_C, max_iter=5000)
    folds = StratifiedKFold(n_splits=min(GATE_FOLDS, int(np.bincount(flagged).min())), shuffle=True, random_state=seed)
    out_of_fold = cross_val_predict(regression, features, flagged, cv=folds, method="predict_proba")[:, 1]
    best = np.sort(out_of_fold[flagged == 1])[::-1]
    threshold = max(float(best[int(np.ceil(min_recall * len(best))) - 1]), THRESHOLD_FLOOR)
    regression.fit(features, flagged)
    return DualUseGate(regression.coef_.ravel(), float(regression.intercept_[0]), threshold)


def fit_head(model: DualUseClassifier, texts: list[str], targets: np.ndarray, min_recall: float,
             member_probs: dict[str, np.ndarray] | None = None) -> DualUseClassifier:
    """Fit the model's weights, calibration, label thresholds and dual-use gate on validation data in place and
    return it."""
    member_probs = member_probs if member_probs is not None else model.member_probabilities(texts)
    member_probs = {name: member_probs[name] for name in model.members}
    model.weights = fit_weights(member_probs, texts, targets)
    raw = model.blend(texts, member_probs)
    model.calibration = fit_calibration(raw, targets, model.labels)
    calibrated = model.calibrate(raw)
    model.thresholds = fit_thresholds(calibrated, targets, model.labels)
    model.gate = fit_gate(calibrated, texts, targets, min_recall)
    return model

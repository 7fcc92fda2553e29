"""The head over the member models: per-language blend weights, per-label Platt calibration, per-label thresholds
and the dual-use gate, fitted on validation scores in the scikit-learn manner (fitted state ends in `_`).

The head sees member probabilities and the texts' languages, never the texts: every member runs before it, and the
language is guessed once per text by the caller.
"""

from __future__ import annotations

import itertools

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score

from classifier.errors import DualUseError
from classifier.gate import DualUseGate
from classifier.language import LANGS
from classifier.probability import logit, sigmoid

UNCERTAINTY_MARGIN = 0.8  # in log-odds: a score within a factor ~2.2 in odds of its threshold is "near"
DEFAULT_MIN_RECALL = 0.98
WEIGHT_GRID = np.linspace(0.0, 1.0, 11)
THRESHOLD_GRID = np.round(np.linspace(0.05, 0.95, 37), 3)
MIN_LANGUAGE_ROWS = 5  # fewer validation rows of a language than this: its weights are fitted on all rows


class NotFittedError(DualUseError, RuntimeError):
    """The head was used before `fit` or `from_dict`."""


def _mean_average_precision(probs: np.ndarray, targets: np.ndarray) -> float:
    scores = [
        average_precision_score(targets[:, j], probs[:, j]) for j in range(targets.shape[1]) if targets[:, j].any()
    ]
    return float(np.mean(scores)) if scores else 0.0


def _fit_weights(member_probs: dict[str, np.ndarray], languages: np.ndarray, targets: np.ndarray) -> dict:
    """Return per-language member weights maximising mean average precision on that language's rows."""
    names = list(member_probs)
    if len(names) == 1:
        return {lang: {names[0]: 1.0} for lang in LANGS}
    candidates = [w for w in itertools.product(WEIGHT_GRID, repeat=len(names)) if abs(sum(w) - 1.0) < 1e-9]
    weights = {}
    for lang in LANGS:
        rows = languages == lang
        if rows.sum() < MIN_LANGUAGE_ROWS:
            rows = np.ones(len(languages), dtype=bool)
        best = max(
            candidates,
            key=lambda w: _mean_average_precision(
                sum(wi * member_probs[n][rows] for wi, n in zip(w, names)), targets[rows]
            ),
        )
        weights[lang] = {name: float(w) for name, w in zip(names, best)}
    return weights


def _fit_calibration(raw: np.ndarray, targets: np.ndarray, labels: list[str]) -> dict[str, tuple[float, float]]:
    """Return Platt parameters (a, b) per label so that sigmoid(a * logit(p) + b) matches observed frequencies."""
    logits = logit(raw)
    calibration = {}
    for j, label in enumerate(labels):
        y = targets[:, j]
        if y.min() == y.max():
            calibration[label] = (1.0, 0.0)
            continue
        fit = LogisticRegression(C=100.0).fit(logits[:, [j]], y)
        calibration[label] = (float(fit.coef_[0, 0]), float(fit.intercept_[0]))
    return calibration


def _fit_thresholds(probs: np.ndarray, targets: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Return per-label thresholds maximising each label's F1."""
    thresholds = [
        max(THRESHOLD_GRID, key=lambda t: (f1_score(targets[:, j], probs[:, j] >= t, zero_division=0), -abs(t - 0.5)))
        if targets[:, j].any()
        else 0.5
        for j in range(len(labels))
    ]
    return {label: float(round(t, 4)) for label, t in zip(labels, thresholds)}


class EnsembleHead:
    """Blend -> calibrate -> gate and label thresholds: from member probabilities to decisions.

    An item is likely dual-use when its dual-use score (the gate's probability; for heads saved without a gate, the
    best label score) reaches the gate's threshold, tuned for `min_recall`. A flagged item gets every label at or above
    that label's own threshold (tuned for F1), or its best label if none is. A label is uncertain when its score is
    within `uncertainty_margin` (log-odds) of its threshold, when the best-label rescue gave it below its threshold,
    or, for the best label, when the dual-use score is that near the gate's threshold.
    """

    def __init__(
        self,
        labels: list[str],
        min_recall: float = DEFAULT_MIN_RECALL,
        uncertainty_margin: float = UNCERTAINTY_MARGIN,
        seed: int = 0,
    ):
        self.labels = list(labels)
        self.min_recall = min_recall
        self.uncertainty_margin = uncertainty_margin
        self.seed = seed

    def fit(self, member_probs: dict[str, np.ndarray], languages: list[str], targets: np.ndarray) -> EnsembleHead:
        """Fit weights, calibration, thresholds and gate on validation probabilities; return self."""
        targets = np.asarray(targets, dtype=int)
        if targets.shape != (len(languages), len(self.labels)):
            raise ValueError(f"targets must have shape ({len(languages)}, {len(self.labels)}), got {targets.shape}")
        self.weights_ = _fit_weights(member_probs, np.asarray(languages), targets)
        raw = self.blend(member_probs, languages)
        self.calibration_ = _fit_calibration(raw, targets, self.labels)
        calibrated = self.calibrate(raw)
        self.thresholds_ = _fit_thresholds(calibrated, targets, self.labels)
        self.gate_ = DualUseGate(self.min_recall, seed=self.seed).fit(calibrated, languages, targets)
        self.dual_use_threshold_ = None
        return self

    def _check_fitted(self, attribute: str = "thresholds_") -> None:
        if not hasattr(self, attribute):
            raise NotFittedError("the head is not fitted: call fit() or load a saved model")

    def row_weights(self, languages: list[str], names: list[str]) -> np.ndarray:
        """Return the (n_texts x n_members) blend weights of each text's language, each row summing to 1."""
        self._check_fitted("weights_")
        by_language = {}
        for lang in LANGS:
            weights = np.array([self.weights_[lang].get(name, 0.0) for name in names])
            by_language[lang] = weights / (weights.sum() or 1.0)
        return np.array([by_language[lang] for lang in languages]).reshape(len(languages), len(names))

    def blend(
        self, member_probs: dict[str, np.ndarray], languages: list[str], row_weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the per-language weighted average of member probabilities (row_weights: see `row_weights`)."""
        names = list(member_probs)
        row_weights = self.row_weights(languages, names) if row_weights is None else row_weights
        stacked = np.stack([member_probs[name] for name in names], axis=1).astype(np.float64)
        return (row_weights[:, :, None] * stacked).sum(axis=1)

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Return calibrated probabilities: sigmoid(a * logit(p) + b) per label."""
        a = np.array([self.calibration_[label][0] for label in self.labels])
        b = np.array([self.calibration_[label][1] for label in self.labels])
        return sigmoid(a * logit(raw) + b)

    def predict_proba(
        self, member_probs: dict[str, np.ndarray], languages: list[str], row_weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the (n_texts x n_labels) calibrated probabilities of the blended member probabilities."""
        if not len(languages):
            return np.zeros((0, len(self.labels)))
        return self.calibrate(self.blend(member_probs, languages, row_weights))

    def dual_use_scores(self, probs: np.ndarray, languages: list[str]) -> tuple[np.ndarray, float]:
        """Return (each item's dual-use score, the threshold it must reach)."""
        self._check_fitted()
        if self.gate_ is not None:
            return self.gate_.scores(probs, languages), self.gate_.threshold_
        return probs.max(axis=1), self.dual_use_threshold_

    def decide(self, probs: np.ndarray, languages: list[str]) -> np.ndarray:
        """Return the multi-hot decisions for calibrated probabilities (see the class docstring)."""
        self._check_fitted()
        if not len(probs):
            return np.zeros(probs.shape, dtype=np.int8)
        thresholds = np.array([self.thresholds_[label] for label in self.labels])
        scores, gate_threshold = self.dual_use_scores(probs, languages)
        flagged = scores >= gate_threshold
        decisions = ((probs >= thresholds) & flagged[:, None]).astype(np.int8)
        rescue = flagged & (decisions.sum(axis=1) == 0)
        decisions[np.flatnonzero(rescue), probs.argmax(axis=1)[rescue]] = 1
        return decisions

    def predict(self, member_probs: dict[str, np.ndarray], languages: list[str]) -> np.ndarray:
        """Return the multi-hot decisions for member probabilities."""
        return self.decide(self.predict_proba(member_probs, languages), languages)

    def margins(self, probs: np.ndarray, languages: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return (each label score's distance to its threshold, each item's distance to the gate's threshold), in
        log-odds."""
        thresholds = np.array([self.thresholds_[label] for label in self.labels])
        scores, gate_threshold = self.dual_use_scores(probs, languages)
        return np.abs(logit(probs) - logit(thresholds)), np.abs(logit(scores) - logit(gate_threshold))

    def uncertainty(self, probs: np.ndarray, languages: list[str]) -> np.ndarray:
        """Return each item's smallest distance (log-odds) to any boundary that decides it: lower is less certain."""
        if not len(probs):
            return np.zeros(0)
        label_margins, gate_margins = self.margins(probs, languages)
        return np.minimum(label_margins.min(axis=1), gate_margins)

    def uncertain_mask(self, probs: np.ndarray, decisions: np.ndarray, languages: list[str]) -> np.ndarray:
        """Return a boolean matrix of uncertain labels (see the class docstring)."""
        if not len(probs):
            return np.zeros(probs.shape, dtype=bool)
        label_margins, gate_margins = self.margins(probs, languages)
        thresholds = np.array([self.thresholds_[label] for label in self.labels])
        mask = label_margins <= self.uncertainty_margin
        mask |= decisions.astype(bool) & (probs < thresholds)
        mask[np.arange(len(probs)), probs.argmax(axis=1)] |= gate_margins <= self.uncertainty_margin
        return mask

    def as_dict(self) -> dict:
        """Return the fitted head as JSON-ready settings (the keys of the model's config file)."""
        self._check_fitted()
        decision = (
            {"gate": self.gate_.as_dict()}
            if self.gate_ is not None
            else {"dual_use_threshold": self.dual_use_threshold_}
        )
        return {
            "weights": self.weights_,
            "calibration": {label: list(ab) for label, ab in self.calibration_.items()},
            "thresholds": self.thresholds_,
            **decision,
            "uncertainty_margin": self.uncertainty_margin,
        }

    @classmethod
    def from_dict(cls, labels: list[str], settings: dict) -> EnsembleHead:
        """Return the fitted head stored by `as_dict` (a head saved without a gate keeps its best-score rule)."""
        head = cls(labels, uncertainty_margin=settings.get("uncertainty_margin", UNCERTAINTY_MARGIN))
        head.weights_ = {lang: dict(settings["weights"][lang]) for lang in LANGS}
        head.calibration_ = {label: tuple(settings["calibration"][label]) for label in head.labels}
        head.thresholds_ = {label: float(settings["thresholds"][label]) for label in head.labels}
        head.gate_ = DualUseGate.from_dict(settings["gate"]) if settings.get("gate") else None
        head.dual_use_threshold_ = None if head.gate_ else float(settings.get("dual_use_threshold", 0.5))
        return head

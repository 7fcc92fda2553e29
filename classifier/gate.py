"""The dual-use gate: whether an item is likely dual-use at all, judged from all its calibrated label scores.

A logistic regression on the label scores' log-odds, the best and second-best score, their sum and the text's
language. It ranks "any dual-use label" better than the best label score alone, because it learns which labels'
moderate scores are common on civilian look-alikes.
"""

from __future__ import annotations

import numpy as np

from classifier.language import LANGS, guess_language


def gate_features(probs: np.ndarray, texts: list[str]) -> np.ndarray:
    """Return the gate's feature matrix for calibrated label probabilities and their texts."""
    probs = np.asarray(probs, dtype=np.float64)
    clipped = np.clip(probs, 1e-6, 1 - 1e-6)
    ordered = np.sort(probs, axis=1)
    languages = [guess_language(text) for text in texts]
    one_hot = np.array([[lang == code for code in LANGS] for lang in languages], dtype=np.float64)
    return np.hstack([
        np.log(clipped / (1 - clipped)),
        np.log(ordered[:, -1:] + 1e-6),
        ordered[:, -2:-1],
        probs.sum(axis=1, keepdims=True),
        one_hot.reshape(len(texts), len(LANGS)),
    ])


class DualUseGate:
    """P(any dual-use label) from an item's label scores, and the threshold above which the item is flagged."""

    def __init__(self, coef: list[float], intercept: float, threshold: float):
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.threshold = float(threshold)

    def scores(self, probs: np.ndarray, texts: list[str]) -> np.ndarray:
        """Return the gate probability of each item."""
        if not len(probs):
            return np.zeros(0)
        return 1.0 / (1.0 + np.exp(-(gate_features(probs, texts) @ self.coef + self.intercept)))

    def as_dict(self) -> dict:
        """Return the gate as JSON-ready settings."""
        return {"coef": [round(float(c), 6) for c in self.coef], "intercept": round(self.intercept, 6),
                "threshold": round(self.threshold, 6)}

    @classmethod
    def from_dict(cls, settings: dict) -> "DualUseGate":
        """Return the gate stored by `as_dict`."""
        return cls(settings["coef"], settings["intercept"], settings["threshold"])

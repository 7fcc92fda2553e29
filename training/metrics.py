"""Multi-label and binary dual-use metrics, overall and per language and style."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support


def _binary(targets: np.ndarray, predictions: np.ndarray) -> dict:
    truth, guess = targets.any(axis=1), predictions.any(axis=1)
    tp = float((truth & guess).sum())
    return {
        "precision": tp / guess.sum() if guess.sum() else 0.0,
        "recall": tp / truth.sum() if truth.sum() else 1.0,
        "positives": int(truth.sum()),
        "n": int(len(truth)),
    }


def _summary(targets: np.ndarray, predictions: np.ndarray) -> dict:
    present = targets.any(axis=0)
    macro = (
        f1_score(targets[:, present], predictions[:, present], average="macro", zero_division=0)
        if present.any()
        else 0.0
    )
    micro = f1_score(targets, predictions, average="micro", zero_division=0)
    return {"macro_f1": float(macro), "micro_f1": float(micro), "dual_use": _binary(targets, predictions)}


def compute_metrics(
    targets: np.ndarray,
    predictions: np.ndarray,
    labels: list[str],
    langs: list[str] | None = None,
    styles: list[str] | None = None,
) -> dict:
    """Return per-label P/R/F1, micro/macro F1, binary dual-use P/R, and the same per language and style."""
    targets, predictions = np.asarray(targets, dtype=int), np.asarray(predictions, dtype=int)
    precision, recall, f1, support = precision_recall_fscore_support(targets, predictions, zero_division=0)
    report = _summary(targets, predictions)
    report["per_label"] = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
    }
    for key, groups in (("per_language", langs), ("per_style", styles)):
        if groups is None:
            continue
        groups = np.asarray(groups)
        report[key] = {str(g): _summary(targets[groups == g], predictions[groups == g]) for g in sorted(set(groups))}
    return report


def split_metrics(model, records: dict, member_probs: dict | None = None) -> dict:
    """Return the metrics of a DualUseClassifier on a split given as column lists (text, label_vector, lang, style),
    from member_probs when its members already scored the split."""
    predictions = model.decide(records["text"], member_probs)
    return compute_metrics(
        np.array(records["label_vector"]), predictions, model.labels, records["lang"], records["style"]
    )

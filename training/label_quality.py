"""Label-quality check: items whose label disagrees with out-of-fold predictions, as a report for humans."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from classifier.linear import NgramClassifier
from classifier.taxonomy import default_taxonomy
from training.corpus import SPLITS, load_split

FOLDS = 5


def out_of_fold_probabilities(texts: list[str], targets: np.ndarray, labels: list[str], seed: int = 13) -> np.ndarray:
    """Return probabilities for every item from an n-gram model that never saw that item."""
    probs = np.zeros(targets.shape, dtype=np.float32)
    for train_index, held_index in KFold(FOLDS, shuffle=True, random_state=seed).split(texts):
        model = NgramClassifier(labels, seed=seed).fit([texts[i] for i in train_index], targets[train_index])
        probs[held_index] = model.predict_proba([texts[i] for i in held_index])
    return probs


def label_issues(records: list[dict], seed: int = 13) -> pd.DataFrame:
    """Return suspected label problems, strongest first, by confident learning per label: a missing label whose
    out-of-fold probability reaches the average probability of the items that carry it, or a given label whose
    probability falls to the average of the items that do not. Nothing is changed in the data."""
    labels = default_taxonomy().ids
    texts = [r["text"] for r in records]
    targets = np.array([[1 if label in r["labels"] else 0 for label in labels] for r in records])
    probs = out_of_fold_probabilities(texts, targets, labels, seed)
    issues = []
    for j, label in enumerate(labels):
        given = targets[:, j] == 1
        if given.all() or not given.any():
            continue
        confident_yes, confident_no = probs[given, j].mean(), probs[~given, j].mean()
        for row in np.flatnonzero(~given & (probs[:, j] >= confident_yes)):
            issues.append((row, label, "label missing, predicted likely", probs[row, j] - confident_yes))
        for row in np.flatnonzero(given & (probs[:, j] <= confident_no)):
            issues.append((row, label, "label given, predicted unlikely", confident_no - probs[row, j]))
    rows = [
        {
            "id": records[row]["id"],
            "label": label,
            "issue": issue,
            "out_of_fold_probability": round(float(probs[row, labels.index(label)]), 3),
            "severity": round(float(margin), 3),
            "labels": ", ".join(records[row]["labels"]) or "(none)",
            "lang": records[row]["lang"],
            "text": records[row]["text"],
        }
        for row, label, issue, margin in issues
    ]
    columns = ["id", "label", "issue", "out_of_fold_probability", "severity", "labels", "lang", "text"]
    return pd.DataFrame(rows, columns=columns).sort_values("severity", ascending=False, kind="stable")


def corpus_records() -> list[dict]:
    """Return every hand-written item of the corpus (all splits)."""
    return [r for split in SPLITS for r in load_split(split) if r["source"] == "authored"]

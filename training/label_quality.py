"""Label-quality check: items whose label disagrees with out-of-fold predictions, as a report for humans."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from classifier.linear import NgramClassifier
from classifier.taxonomy import default_taxonomy
from training.corpus import SPLITS, load_split

FOLDS = 5
MISSING_LABEL_AT = 0.85
DOUBTFUL_LABEL_AT = 0.15


def out_of_fold_probabilities(texts: list[str], targets: np.ndarray, labels: list[str], seed: int = 13) -> np.ndarray:
    """Return probabilities for every item from an n-gram model that never saw that item."""
    probs = np.zeros(targets.shape, dtype=np.float32)
    for train_index, held_index in KFold(FOLDS, shuffle=True, random_state=seed).split(texts):
        model = NgramClassifier(labels, seed=seed).fit([texts[i] for i in train_index], targets[train_index])
        probs[held_index] = model.predict_proba([texts[i] for i in held_index])
    return probs


def label_issues(records: list[dict], seed: int = 13) -> pd.DataFrame:
    """Return suspected label problems, strongest first: a given label the other folds find very unlikely,
    or a missing label they find very likely. Nothing is changed in the data."""
    labels = default_taxonomy().ids
    texts = [r["text"] for r in records]
    targets = np.array([[1 if label in r["labels"] else 0 for label in labels] for r in records])
    probs = out_of_fold_probabilities(texts, targets, labels, seed)
    issues = []
    for row, record in enumerate(records):
        for j, label in enumerate(labels):
            given, p = targets[row, j], float(probs[row, j])
            if given and p < DOUBTFUL_LABEL_AT:
                issues.append({"id": record["id"], "label": label, "issue": "label given, predicted unlikely",
                               "out_of_fold_probability": round(p, 3), "severity": round(1 - p, 3)})
            elif not given and p > MISSING_LABEL_AT:
                issues.append({"id": record["id"], "label": label, "issue": "label missing, predicted likely",
                               "out_of_fold_probability": round(p, 3), "severity": round(p, 3)})
            else:
                continue
            issues[-1].update(labels=", ".join(record["labels"]) or "(none)", lang=record["lang"], text=record["text"])
    columns = ["id", "label", "issue", "out_of_fold_probability", "severity", "labels", "lang", "text"]
    return pd.DataFrame(issues, columns=columns).sort_values("severity", ascending=False, kind="stable")


def corpus_records() -> list[dict]:
    """Return every hand-written item of the corpus (all splits)."""
    return [r for split in SPLITS for r in load_split(split) if r["source"] == "authored"]

"""Rank control-list entries for a text: votes of its nearest labelled items, with the entries' own text as items.

A text's candidate entries are those of its labels' categories (`Taxonomy.label_for_code`). Each code's raw score is
the sum of squared cosine similarities of the text's `neighbours` nearest reference items that name the code, in the
n-gram member's TF-IDF space (word and character n-grams, so Chinese and Japanese items find each other and the
English list text). k nearest neighbours beat a per-code logistic regression on validation and keep the model small:
the reference matrix is sparse, a few thousand rows.

The stated parameters then confirm or demote a candidate (`classifier.entries.thresholds.assess`), and a logistic
calibration fitted on validation turns (raw share, meets, below) into the confidence an analyst reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from classifier.linear import unit_rows
from classifier.probability import sigmoid
from classifier.stored import load_object, save_object

RANKER_DIR = "entries"
RANKER_FILE = "ranker.pkl"
JOBLIB_FILE = "ranker.joblib"  # as models written before stored it
NEIGHBOURS = 20
POWER = 2.0
FIRST_ENTRY_WEIGHT, OTHER_ENTRY_WEIGHT, LIST_TEXT_WEIGHT = 1.0, 0.5, 0.3
MAX_CANDIDATES = 3


class EntryRanker:
    """k-nearest-neighbour votes for control-list codes over labelled reference items, plus a calibration.

    fit(features, codes, weights, label_of) stores the reference items; `calibrate` learns P(code is right) on validation from
    the vote share and the parameter checks. Fitted state ends in `_`.
    """

    def __init__(self, neighbours: int = NEIGHBOURS, power: float = POWER):
        self.neighbours = neighbours
        self.power = power

    def fit(self, features, codes: list[str], weights: list[float], label_of: dict[str, str]) -> EntryRanker:
        """Store reference rows (one per item and code; weight = how much the row votes for its code); return self.

        label_of maps each code to the label whose category holds it, so a text's candidates are its labels' codes.
        """
        if not codes:
            raise ValueError("an entry ranker needs at least one reference item with a code")
        self.codes_ = sorted(set(codes))
        self.code_labels_ = np.array([label_of[code] for code in self.codes_])
        index = {code: i for i, code in enumerate(self.codes_)}
        self.references_ = unit_rows(sparse.csr_matrix(features, dtype=np.float32))
        rows = np.arange(len(codes))
        self.votes_ = sparse.csr_matrix(
            (np.asarray(weights, dtype=np.float32), (rows, [index[code] for code in codes])),
            shape=(len(codes), len(self.codes_)),
        )
        self.calibration_ = None
        return self

    def code_scores(self, features) -> np.ndarray:
        """Return an (n_texts x n_codes) matrix of raw vote scores."""
        similarity = (
            unit_rows(sparse.csr_matrix(features, dtype=np.float32)) @ self._references_by_feature()
        ).toarray()
        if self.neighbours < similarity.shape[1]:  # only the nearest `neighbours` references vote
            beyond = np.argpartition(-similarity, self.neighbours, axis=1)[:, self.neighbours :]
            np.put_along_axis(similarity, beyond, 0.0, axis=1)
        return (sparse.csr_matrix(np.power(similarity, self.power)) @ self.votes_).toarray()

    def _references_by_feature(self):
        """Return the reference matrix transposed into the layout a product with features wants, made once."""
        transposed = getattr(self, "_transposed", None)
        if transposed is None:
            transposed = self._transposed = self.references_.T.tocsr()
        return transposed

    def code_label(self) -> dict[str, str]:
        """Return code -> the label whose category holds it."""
        return dict(zip(self.codes_, self.code_labels_.tolist()))

    def calibrate(self, signals: np.ndarray, correct: np.ndarray) -> EntryRanker:
        """Fit the confidence on validation candidates: signals rows are `signals()`, correct is 0/1; return self."""
        if len(set(correct.tolist())) < 2:
            self.calibration_ = None
            return self
        self.calibration_ = LogisticRegression(C=1.0).fit(signals, correct)
        return self

    def confidence(self, signals: np.ndarray) -> np.ndarray:
        """Return the calibrated probability that each candidate is the right entry (the share when uncalibrated)."""
        if self.calibration_ is None:
            return np.clip(signals[:, 0], 0.0, 1.0)
        calibration = self.calibration_  # its predict_proba, without sklearn's per-call input checks
        return sigmoid(np.asarray(signals, dtype=float) @ calibration.coef_[0] + calibration.intercept_[0])

    def save_pretrained(self, directory: str | Path) -> None:
        """Write the ranker into directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        save_object(self, directory / RANKER_FILE)

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> EntryRanker:
        """Return the ranker saved in directory."""
        return load_object(Path(directory) / RANKER_FILE, Path(directory) / JOBLIB_FILE, cls)


def signals(share: float, meets: bool, below: bool) -> list[float]:
    """Return the calibration's inputs for one candidate: its vote share and whether a threshold is met / all below."""
    return [share, float(meets), float(below)]

"""TF-IDF n-gram + one-vs-rest logistic-regression classifier: the baseline, and the CJK-capable ensemble member."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from classifier.text import normalise_for_features

LINEAR_FILE = "linear.joblib"


class NgramClassifier:
    """Word 1-2-grams plus character 2-4-grams (which carry Chinese and Japanese) into per-label logistic regression."""

    def __init__(self, labels: list[str], C: float = 8.0, seed: int = 0):
        self.labels = list(labels)
        self.C = C
        self.seed = seed
        self.word_vectorizer = TfidfVectorizer(
            preprocessor=normalise_for_features, ngram_range=(1, 2), min_df=1, sublinear_tf=True,
            token_pattern=r"(?u)\b\w[\w.\-/]*\w\b|\b\w\b",
        )
        self.char_vectorizer = TfidfVectorizer(
            preprocessor=normalise_for_features, analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True,
        )
        self.model: OneVsRestClassifier | None = None

    def _features(self, texts: list[str], fit: bool = False):
        if fit:
            return sparse.hstack([self.word_vectorizer.fit_transform(texts), self.char_vectorizer.fit_transform(texts)]).tocsr()
        return sparse.hstack([self.word_vectorizer.transform(texts), self.char_vectorizer.transform(texts)]).tocsr()

    def fit(self, texts: list[str], targets: np.ndarray) -> "NgramClassifier":
        """Fit on texts and a multi-hot target matrix (n_texts x n_labels); return self."""
        targets = np.asarray(targets)
        if targets.ndim != 2 or targets.shape != (len(texts), len(self.labels)):
            raise ValueError(f"targets must have shape ({len(texts)}, {len(self.labels)}), got {targets.shape}")
        estimator = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced", random_state=self.seed)
        self.model = OneVsRestClassifier(estimator).fit(self._features(list(texts), fit=True), targets)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Return an (n_texts x n_labels) matrix of label probabilities."""
        if self.model is None:
            raise RuntimeError("NgramClassifier is not fitted: call fit() or from_pretrained()")
        if not len(texts):
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return self.model.predict_proba(self._features(list(texts))).astype(np.float32)

    def predict(self, texts: list[str], threshold: float = 0.5) -> np.ndarray:
        """Return a multi-hot matrix of labels whose probability reaches threshold."""
        return (self.predict_proba(texts) >= threshold).astype(np.int8)

    def feature_weights(self, text: str, label_indices: list[int]) -> dict[int, list[tuple[str, str, float]]]:
        """Return, per label index, (kind, n-gram, contribution) for the features of text that push it up, strongest first."""
        row = self._features([text]).getrow(0)
        word_names, char_names = self._feature_names()
        n_word = len(word_names)
        out = {}
        for index in label_indices:
            estimator = self.model.estimators_[index]
            if not hasattr(estimator, "coef_"):
                out[index] = []
                continue
            contributions = row.data * estimator.coef_.ravel()[row.indices]
            ranked = sorted((c, col) for c, col in zip(contributions, row.indices) if c > 0)[::-1]
            out[index] = [("word", str(word_names[col]), float(c)) if col < n_word
                          else ("char", str(char_names[col - n_word]), float(c)) for c, col in ranked]
        return out

    def _feature_names(self):
        if getattr(self, "_names", None) is None:
            self._names = (self.word_vectorizer.get_feature_names_out(), self.char_vectorizer.get_feature_names_out())
        return self._names

    def __getstate__(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key != "_names"}

    def save_pretrained(self, directory: str | Path) -> None:
        """Write the fitted classifier into directory."""
        Path(directory).mkdir(parents=True, exist_ok=True)
        joblib.dump(self, Path(directory) / LINEAR_FILE)

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> "NgramClassifier":
        """Return a classifier read from directory."""
        loaded = joblib.load(Path(directory) / LINEAR_FILE)
        if not isinstance(loaded, cls):
            raise TypeError(f"{directory}/{LINEAR_FILE} does not hold an NgramClassifier")
        return loaded

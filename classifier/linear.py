"""TF-IDF n-gram + one-vs-rest logistic-regression classifier: the baseline, and the CJK-capable ensemble member."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn import config_context
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from classifier.probability import sigmoid
from classifier.stored import load_object, save_object
from classifier.text import normalise_for_features, word_tokens

LINEAR_FILE = "linear.pkl"
JOBLIB_FILE = "linear.joblib"  # as models written before stored it
SATURATED_LOGIT = 30.0


def tfidf_row(vectorizer: TfidfVectorizer, analyze, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the (columns, values) of `vectorizer.transform([text])` of a fitted vectorizer with sublinear tf, idf
    weights and unit rows (as this member makes them), without sklearn's per-call input checks, which cost more than
    counting one text's n-grams; analyze is the vectorizer's `build_analyzer()`."""
    terms = (column for column in map(vectorizer.vocabulary_.get, analyze(text)) if column is not None)
    columns, times = np.unique(np.fromiter(terms, dtype=np.int32), return_counts=True)
    values = (np.log(times) + 1.0) * vectorizer.idf_[columns]
    length = np.sqrt(values @ values)
    return columns, values / length if length > 0 else values


def unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Return a CSR matrix whose nonzero rows are scaled to unit length (sklearn's l2 `normalize`, without its
    per-call input checks)."""
    lengths = np.diff(matrix.indptr)
    squares = matrix.data.astype(np.float64) ** 2
    norms = np.sqrt(np.bincount(np.repeat(np.arange(matrix.shape[0]), lengths), squares, minlength=matrix.shape[0]))
    scaled = matrix.copy()
    scaled.data = (matrix.data / np.repeat(np.where(norms > 0, norms, 1.0), lengths)).astype(matrix.dtype)
    return scaled


class NgramClassifier:
    """Word 1-2-grams (MeCab segmentation, so Chinese and Japanese get words too) plus character 1-5-grams into
    per-label logistic regression."""

    kind = "ngram"
    explains = True

    def __init__(self, labels: list[str], C: float = 8.0, seed: int = 0):
        self.labels = list(labels)
        self.C = C
        self.seed = seed
        self.word_vectorizer = TfidfVectorizer(
            preprocessor=normalise_for_features,
            tokenizer=word_tokens,
            token_pattern=None,
            ngram_range=(1, 2),
            min_df=1,
            sublinear_tf=True,
        )
        self.char_vectorizer = TfidfVectorizer(
            preprocessor=normalise_for_features,
            analyzer="char_wb",
            ngram_range=(1, 5),
            min_df=2,
            sublinear_tf=True,
        )
        self.model: OneVsRestClassifier | None = None

    def features(self, texts: list[str], fit: bool = False):
        """Return the sparse TF-IDF feature matrix of texts (word and character n-grams side by side)."""
        if fit:
            return sparse.hstack(
                [self.word_vectorizer.fit_transform(texts), self.char_vectorizer.fit_transform(texts)]
            ).tocsr()
        word, char = self.word_vectorizer, self.char_vectorizer  # char columns come after the word columns
        blocks = [(word, word.build_analyzer(), 0), (char, char.build_analyzer(), len(word.vocabulary_))]
        indptr, indices, values = [0], [np.zeros(0, dtype=np.int32)], [np.zeros(0)]
        for text in texts:
            for vectorizer, analyze, offset in blocks:
                columns, weights = tfidf_row(vectorizer, analyze, text)
                indices.append(columns + offset)
                values.append(weights)
            indptr.append(indptr[-1] + sum(len(columns) for columns in indices[-len(blocks) :]))
        shape = (len(texts), len(word.vocabulary_) + len(char.vocabulary_))
        return sparse.csr_matrix((np.concatenate(values), np.concatenate(indices), np.array(indptr)), shape=shape)

    def fit(self, texts: list[str], targets: np.ndarray, sample_weight: np.ndarray | None = None) -> NgramClassifier:
        """Fit on texts and a multi-hot target matrix (n_texts x n_labels), each text weighted by sample_weight (all
        1 when None); return self."""
        targets = np.asarray(targets)
        if targets.ndim != 2 or targets.shape != (len(texts), len(self.labels)):
            raise ValueError(f"targets must have shape ({len(texts)}, {len(self.labels)}), got {targets.shape}")
        weights = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if weights.shape != (len(texts),):
            raise ValueError(f"sample_weight must have shape ({len(texts)},), got {weights.shape}")
        with config_context(enable_metadata_routing=True):  # OneVsRestClassifier passes weights on only when routing
            estimator = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced", random_state=self.seed)
            estimator.set_fit_request(sample_weight=True)
            features = self.features(list(texts), fit=True)
            self.model = OneVsRestClassifier(estimator).fit(features, targets, sample_weight=weights)
        self._names = self._coef = self._intercept = None
        return self

    def _stacked(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the per-label logistic regressions as one (n_features x n_labels) matrix and an intercept row.

        One sparse product replaces a call per label (the same probabilities, without per-call overhead); a label
        seen with a single class in training predicts that class with a saturated intercept.
        """
        if getattr(self, "_coef", None) is None:
            columns, intercepts = [], []
            n_features = len(self.word_vectorizer.vocabulary_) + len(self.char_vectorizer.vocabulary_)
            for estimator in self.model.estimators_:
                if hasattr(estimator, "coef_"):
                    columns.append(estimator.coef_.ravel())
                    intercepts.append(float(estimator.intercept_[0]))
                else:
                    columns.append(np.zeros(n_features))
                    intercepts.append(SATURATED_LOGIT if float(np.ravel(estimator.y_)[0]) else -SATURATED_LOGIT)
            self._coef, self._intercept = np.column_stack(columns), np.array(intercepts)
        return self._coef, self._intercept

    def predict_proba(self, texts: list[str], features=None) -> np.ndarray:
        """Return an (n_texts x n_labels) matrix of label probabilities (from `features` when already computed)."""
        if self.model is None:
            raise RuntimeError("NgramClassifier is not fitted: call fit() or from_pretrained()")
        if not len(texts):
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        coef, intercept = self._stacked()
        logits = (self.features(list(texts)) if features is None else features) @ coef + intercept
        return sigmoid(logits).astype(np.float32)

    def predict(self, texts: list[str], threshold: float = 0.5) -> np.ndarray:
        """Return a multi-hot matrix of labels whose probability reaches threshold."""
        return (self.predict_proba(texts) >= threshold).astype(np.int8)

    def feature_weights(self, rows, label_indices: list[list[int]]) -> list[dict[int, list[tuple[str, str, float]]]]:
        """Return, for each row of a feature matrix and each of its label indices, (kind, n-gram, contribution) for
        the features of the text that push that label up, strongest first."""
        word_names, char_names = self._feature_names()
        n_word = len(word_names)
        coef, _ = self._stacked()
        out = []
        for row, indices in enumerate(label_indices):
            start, end = rows.indptr[row], rows.indptr[row + 1]
            columns, values = rows.indices[start:end], rows.data[start:end]
            weights = {}
            for index in indices:
                contributions = values * coef[columns, index]
                ranked = sorted(
                    ((c, col) for c, col in zip(contributions.tolist(), columns.tolist()) if c > 0), reverse=True
                )
                weights[index] = [
                    ("word", str(word_names[col]), c) if col < n_word else ("char", str(char_names[col - n_word]), c)
                    for c, col in ranked
                ]
            out.append(weights)
        return out

    def _feature_names(self):
        if getattr(self, "_names", None) is None:
            self._names = (self.word_vectorizer.get_feature_names_out(), self.char_vectorizer.get_feature_names_out())
        return self._names

    def __getstate__(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key not in ("_names", "_coef", "_intercept")}

    def save_pretrained(self, directory: str | Path) -> None:
        """Write the fitted classifier into directory."""
        Path(directory).mkdir(parents=True, exist_ok=True)
        save_object(self, Path(directory) / LINEAR_FILE)

    @classmethod
    def from_pretrained(cls, directory: str | Path, backend: str = "auto") -> NgramClassifier:
        """Return a classifier read from directory (backend is the member protocol's; this model has one)."""
        return load_object(Path(directory) / LINEAR_FILE, Path(directory) / JOBLIB_FILE, cls)

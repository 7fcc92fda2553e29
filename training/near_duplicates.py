"""Near-duplicate detection by normalised character 5-gram Jaccard similarity."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

NEAR_DUPLICATE_JACCARD = 0.8
SHINGLE_SIZE = 5
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Return text folded for comparison: NFKC, case-folded, punctuation and spacing collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", text).strip()


def _shingle_matrix(texts_a: list[str], texts_b: list[str]):
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(
        analyzer="char", ngram_range=(SHINGLE_SIZE, SHINGLE_SIZE), binary=True, preprocessor=normalise, dtype=np.int32
    )
    matrix = vectorizer.fit_transform(list(texts_a) + list(texts_b))
    return matrix[: len(texts_a)], matrix[len(texts_a) :]


def near_duplicate_pairs(
    texts_a: list[str], texts_b: list[str] | None = None, threshold: float = NEAR_DUPLICATE_JACCARD
) -> list[tuple[int, int, float]]:
    """Return (i, j, jaccard) for pairs at or above threshold; within texts_a (i < j) when texts_b is None."""
    within = texts_b is None
    if not texts_a or (not within and not texts_b):
        return []
    a, b = _shingle_matrix(texts_a, texts_a if within else texts_b)
    sizes_a = np.asarray(a.sum(axis=1)).ravel()
    sizes_b = np.asarray(b.sum(axis=1)).ravel()
    intersections = (a @ b.T).tocoo()
    pairs = []
    for i, j, shared in zip(intersections.row, intersections.col, intersections.data):
        if within and i >= j:
            continue
        union = sizes_a[i] + sizes_b[j] - shared
        score = shared / union if union else 1.0
        if score >= threshold:
            pairs.append((int(i), int(j), float(score)))
    return pairs

"""`dualuse suggest-review`: the catalog rows the model is least sure about, kept diverse, for analysts to label."""

from __future__ import annotations

import heapq
from pathlib import Path

import pandas as pd

from classifier.catalog import check_columns
from classifier.tabular import iter_chunks
from classifier.text import validate_description

POOL_FACTOR = 5
MAX_SIMILARITY = 0.8
CHUNK_SIZE = 512


def _diverse(candidates: list[tuple[float, int, dict]], n: int) -> list[tuple[float, int, dict]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from classifier.text import normalise_for_features

    ordered = sorted(candidates, key=lambda c: (c[0], c[1]))
    vectors = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), preprocessor=normalise_for_features
    ).fit_transform([c[2]["text"] for c in ordered])
    picked: list[int] = []
    for index in range(len(ordered)):
        if picked and (vectors[index] @ vectors[picked].T).toarray().max() > MAX_SIMILARITY:
            continue
        picked.append(index)
        if len(picked) == n:
            break
    return [ordered[i] for i in picked]


def suggest_review(
    input_path: str | Path, model, n: int, id_column: str = "id", text_column: str = "description"
) -> pd.DataFrame:
    """Return up to n rows, most uncertain first (smallest distance in log-odds to any boundary that decides the row:
    a label threshold or the dual-use gate, as the model's `uncertain` labels are defined), skipping rows too similar
    to one already picked."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    check_columns(Path(input_path), id_column, text_column)
    pool: list[tuple[float, int, dict]] = []
    pool_size = n * POOL_FACTOR
    row_number = 0
    for frame in iter_chunks(input_path, CHUNK_SIZE):
        rows = [(row_number + i, row) for i, row in enumerate(frame.to_dict(orient="records"))]
        row_number += len(rows)
        usable = [(i, row) for i, row in rows if validate_description(row.get(text_column)) is None]
        if not usable:
            continue
        margins, probs, decisions = model.uncertainty([row[text_column] for _, row in usable])
        for (i, row), margin, prob, decided in zip(usable, margins, probs, decisions):
            ranked = sorted(zip(model.labels, prob), key=lambda pair: -pair[1])[:3]
            entry = {
                "id": row.get(id_column),
                "text": row[text_column],
                "uncertainty_margin": round(float(margin), 4),
                "predicted_labels": [label for label, on in zip(model.labels, decided) if on],
                "top_scores": {label: round(float(score), 3) for label, score in ranked},
            }
            item = (-float(margin), -i, entry)
            if len(pool) < pool_size:
                heapq.heappush(pool, item)
            else:
                heapq.heappushpop(pool, item)
    candidates = [(-neg_margin, -neg_row, entry) for neg_margin, neg_row, entry in pool]
    chosen = _diverse(candidates, n) if candidates else []
    return pd.DataFrame([{"row": row, **entry} for _, row, entry in chosen])

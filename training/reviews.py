"""Analysts' reviewed items (read from the service's review store by the caller) as extra training items with their
provenance."""

from __future__ import annotations

from classifier.language import guess_language
from training.near_duplicates import near_duplicate_pairs, normalise

DATASHEET_WORDS = 60
MARKETING_WORDS = 20


def _style(text: str) -> str:
    words = len(text.split()) if guess_language(text) == "en" else len(text) // 2
    return "datasheet" if words >= DATASHEET_WORDS else "marketing" if words >= MARKETING_WORDS else "line"


def reviewed_items(reviews, held_out_texts: list[str]) -> tuple[list[dict], int]:
    """Return (training items from reviews with labels, number dropped as near-duplicates of held-out text).

    The latest review of a text wins; a confirmation without labels keeps the model's predicted labels. Items
    that near-duplicate a validation or test text are dropped so reviews never leak into evaluation.
    """
    latest: dict[str, object] = {}
    for review in reviews:
        latest[normalise(review.text)] = review
    items = []
    for review in latest.values():
        labels = review.labels if review.labels is not None else (review.predicted_labels if review.confirmed else None)
        if labels is None:
            continue
        items.append(
            {
                "id": f"r-{review.id}",
                "text": review.text,
                "labels": list(labels),
                "lang": guess_language(review.text),
                "style": _style(review.text),
                "source": f"review:{review.id}",
            }
        )
    leaked = {i for i, _, _ in near_duplicate_pairs([item["text"] for item in items], held_out_texts)}
    exact = {normalise(text) for text in held_out_texts}
    leaked |= {i for i, item in enumerate(items) if normalise(item["text"]) in exact}
    return [item for i, item in enumerate(items) if i not in leaked], len(leaked)

"""The member protocol: every scorer in the ensemble has the same verbs and is saved and loaded the same way.

A model directory's config names each member's `kind` and the sub-directory that holds it; loading asks the kind's
class to read that sub-directory. A new kind of member is a class with these verbs added to `MEMBER_KINDS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from classifier.linear import NgramClassifier
from classifier.transformer import TRANSFORMER_DIR, TransformerScorer


class Scorer(Protocol):
    """A member model: label probabilities for texts, saved to and read from a directory of its own."""

    kind: ClassVar[str]  # recorded in the model's config, names the class that loads it
    explains: ClassVar[bool]  # whether `feature_weights` can say which parts of a text drove a score
    labels: list[str]

    def features(self, texts: list[str]) -> Any | None:
        """Return features that `predict_proba` can reuse (None when the member has none worth sharing)."""

    def predict_proba(self, texts: list[str], features: Any | None = None) -> np.ndarray:
        """Return an (n_texts x n_labels) matrix of uncalibrated label probabilities."""

    def save_pretrained(self, directory: str | Path) -> None:
        """Write the member into directory."""

    @classmethod
    def from_pretrained(cls, directory: str | Path, backend: str = "auto") -> Scorer:
        """Return the member saved in directory."""


MEMBER_KINDS: dict[str, type] = {cls.kind: cls for cls in (NgramClassifier, TransformerScorer)}
# Members costly enough that the cascade runs them only on the rows whose answer they can change (the encoder runs
# ~100 texts/s on two cores, the n-gram model thousands).
DEFERRED_KINDS = frozenset({TransformerScorer.kind})
# Configs written before members had kinds name the class, with the n-gram model at the top of the directory.
LEGACY_MEMBERS = {
    "NgramClassifier": {"kind": "ngram", "path": "."},
    "TransformerScorer": {"kind": "transformer", "path": TRANSFORMER_DIR},
}


def member_spec(name: str, member: Scorer) -> dict:
    """Return how a member is recorded in the model's config: its kind and its sub-directory (the member's name)."""
    return {"kind": member.kind, "path": name}


def load_member(directory: Path, spec: dict | str, backend: str = "auto") -> Scorer:
    """Return the member a config entry describes, read from its sub-directory of the model directory."""
    spec = LEGACY_MEMBERS.get(spec, spec) if isinstance(spec, str) else spec
    if not isinstance(spec, dict) or spec.get("kind") not in MEMBER_KINDS:
        raise ValueError(f"{directory}: unknown member {spec!r}; known kinds: {', '.join(MEMBER_KINDS)}")
    return MEMBER_KINDS[spec["kind"]].from_pretrained(directory / spec["path"], backend=backend)

"""Text normalisation shared by the models and the evidence finder."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalise_for_features(text: str) -> str:
    """Return text with Unicode width folded (NFKC), lower-cased and spacing collapsed; length is not preserved."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def validate_description(value) -> str | None:
    """Return an error message when value cannot be classified as a description, else None."""
    if value is None or (isinstance(value, float) and value != value):
        return "description is empty"
    if not isinstance(value, str):
        return f"description must be text, not {type(value).__name__}"
    if not value.strip():
        return "description is empty"
    return None

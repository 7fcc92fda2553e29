"""Text normalisation shared by the models and the evidence finder."""

from __future__ import annotations

import re
import threading
import unicodedata

_SPACES = re.compile(r"\s+")
_WORD_CHARACTER = re.compile(r"\w")
_taggers = threading.local()


def normalise_for_features(text: str) -> str:
    """Return text with Unicode width folded (NFKC), lower-cased and spacing collapsed; length is not preserved."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def word_tokens(text: str) -> list[str]:
    """Return the words of text by MeCab (UniDic) segmentation, which also splits Chinese and Japanese; no punctuation.

    One tagger per thread: a MeCab tagger is not safe to share between threads.
    """
    tagger = getattr(_taggers, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _taggers.tagger = fugashi.Tagger()
    return [word.surface for word in tagger(text) if _WORD_CHARACTER.search(word.surface)]


def validate_description(value) -> str | None:
    """Return an error message when value cannot be classified as a description, else None."""
    if value is None or (isinstance(value, float) and value != value):
        return "description is empty"
    if not isinstance(value, str):
        return f"description must be text, not {type(value).__name__}"
    if not value.strip():
        return "description is empty"
    return None

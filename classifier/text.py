"""Text normalisation shared by the models and the evidence finder."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

from classifier.language import KANA

_SPACES = re.compile(r"\s+")
_WORD_CHARACTER = re.compile(r"\w")
_HAN_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000))
_taggers = threading.local()


@functools.cache
def _traditional_to_simplified() -> dict[int, str]:
    """Return a str.translate table from each Traditional Chinese character to its Simplified form (OpenCC t2s)."""
    import opencc

    converter = opencc.OpenCC("t2s")
    table = {}
    for start, end in _HAN_RANGES:
        for code in range(start, end):
            simplified = converter.convert(chr(code))
            if len(simplified) == 1 and simplified != chr(code):
                table[code] = simplified
    return table


def fold_traditional(text: str) -> str:
    """Return Chinese text with Traditional characters written in Simplified form, one character for one, so that
    纖維預浸料 and 纤维预浸料 share their n-grams; text with kana (Japanese) is returned unchanged."""
    return text if KANA.search(text) else text.translate(_traditional_to_simplified())


def normalise_for_features(text: str) -> str:
    """Return text with Unicode width folded (NFKC), lower-cased, Traditional Chinese folded to Simplified and
    spacing collapsed; length is not preserved."""
    return _SPACES.sub(" ", fold_traditional(unicodedata.normalize("NFKC", text).lower())).strip()


def word_tokens(text: str) -> list[str]:
    """Return the words of text by MeCab (UniDic) segmentation, which also splits Chinese and Japanese; no punctuation.

    One tagger per thread: a MeCab tagger is not safe to share between threads.
    """
    tagger = getattr(_taggers, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _taggers.tagger = fugashi.Tagger()
    return [word.surface for word in tagger(text) if _WORD_CHARACTER.search(word.surface)]


def unicode_error(text: str) -> str | None:
    """Return why text is not well-formed Unicode (a lone surrogate such as JSON's "\\ud800"), else None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"not well-formed Unicode: a lone surrogate at character {exc.start}"
    return None


def well_formed(text: str) -> str:
    """Return text with any lone surrogate written as its escape (\\ud800), so that it can be stored and hashed."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def validate_description(value) -> str | None:
    """Return an error message when value cannot be classified as a description, else None."""
    if value is None or (isinstance(value, float) and value != value):
        return "description is empty"
    if not isinstance(value, str):
        return f"description must be text, not {type(value).__name__}"
    if not value.strip():
        return "description is empty"
    if error := unicode_error(value):
        return f"description is {error}"
    return None

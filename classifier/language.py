"""Script-based language guess for routing ensemble weights: en, zh or ja."""

from __future__ import annotations

import re

LANGS = ("en", "zh", "ja")  # what guess_language returns
KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")


def guess_language(text: str) -> str:
    """Return 'ja' when the text has kana, 'zh' when Han characters dominate, else 'en'."""
    if KANA.search(text):
        return "ja"
    han = len(_HAN.findall(text))
    letters = sum(1 for ch in text if ch.isalpha())
    return "zh" if han and han >= 0.2 * letters else "en"

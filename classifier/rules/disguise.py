"""Disguised names: invisible characters removed, stray combining marks dropped, look-alike letters read as Latin.

An end-user written with a zero-width space inside it, a Cyrillic letter that looks Latin, or a combining mark
stacked on a letter reads the same to a person and differently to a comparison of code points. `unmask` undoes
those disguises before names are compared and says what it undid, so a reviewer can see the text was altered.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Scripts whose letters carry accents as optional decoration: marks on them may be dropped. Japanese voicing marks
# (dakuten, handakuten) change a kana's sound and are composed into it by NFKC; they are never dropped.
_MARK_BEARING_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
# Look-alikes are read as Latin letters only from alphabets: Han characters and kana resemble each other
# (口 / ロ, 力 / カ) in ways the confusables data records, but they are different words, not disguises.
_NEVER_SKELETON = ("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH KATAKANA", "HANGUL", "KANGXI", "IDEOGRAPHIC")
_ASCII_LETTER = re.compile(r"^[A-Za-z]$")
_MARKS = ("Mn", "Me")


@dataclass(frozen=True)
class Unmasked:
    """A text with its disguises undone, and the characters that were removed or read as Latin."""

    text: str
    invisible: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()
    lookalikes: tuple[tuple[str, str], ...] = ()

    def note(self) -> str:
        """Return a one-line account of what was undone, or '' when the text had no disguise."""
        parts = []
        if self.invisible:
            parts.append(f"removed {len(self.invisible)} invisible format character(s) ({_codes(self.invisible)})")
        if self.marks:
            parts.append(f"removed {len(self.marks)} combining mark(s) ({_codes(self.marks)})")
        if self.lookalikes:
            pairs = ", ".join(f"{char} U+{ord(char):04X} -> {latin}" for char, latin in dict(self.lookalikes).items())
            parts.append(f"read {len(self.lookalikes)} look-alike letter(s) as Latin ({pairs})")
        return "; ".join(parts)


def _codes(chars: tuple[str, ...]) -> str:
    return ", ".join(f"U+{ord(char):04X}" for char in dict.fromkeys(chars))


@lru_cache(maxsize=4096)
def _script(char: str) -> str:
    """Return the first word of the character's Unicode name (LATIN, CYRILLIC, CJK, ...), or '' if unnamed."""
    return unicodedata.name(char, "").split(" ", 1)[0]


@lru_cache(maxsize=1)
def _skeleton_table() -> dict[str, str]:
    """Return letter -> the one ASCII letter it is confusable with, from Unicode's confusables data."""
    from confusable_homoglyphs.confusables import confusables_data

    table = {}
    for char, homoglyphs in confusables_data.items():
        if len(char) != 1 or char.isascii() or not char.isalpha():
            continue
        if unicodedata.name(char, "").startswith(_NEVER_SKELETON):
            continue
        latin = {glyph["c"] for glyph in homoglyphs if _ASCII_LETTER.match(glyph["c"])}
        if len(latin) == 1:
            letter = latin.pop()
            # The data reads capital iota and its kin as "l"; names are compared case-folded, where they are "i".
            table[char] = "I" if letter == "l" and char.isupper() else letter
    return table


def _drop_marks(text: str) -> tuple[str, list[str]]:
    """Return text without combining marks that sit on Latin, Greek or Cyrillic letters or on no letter at all."""
    kept: list[str] = []
    dropped: list[str] = []
    base_script = ""
    for char in text:
        if unicodedata.category(char) in _MARKS:
            if base_script in _MARK_BEARING_SCRIPTS or not base_script:
                dropped.append(char)
                continue
        else:
            base_script = _script(char) if char.isalpha() else ""
        kept.append(char)
    return "".join(kept), dropped


def _strip_accents(text: str) -> str:
    """Drop accents composed into Latin, Greek and Cyrillic letters (Kaijō -> Kaijo); kana keep their voicing."""
    out = []
    for char in text:
        if char.isascii() or _script(char) not in _MARK_BEARING_SCRIPTS:
            out.append(char)
        else:
            out.append("".join(c for c in unicodedata.normalize("NFD", char) if unicodedata.category(c) not in _MARKS))
    return "".join(out)


def unmask(text: str) -> Unmasked:
    """Return the text with format characters removed, NFKC applied, marks and accents dropped where the script
    allows, and look-alike letters read as the Latin letters they imitate."""
    invisible = tuple(char for char in text if unicodedata.category(char) == "Cf")
    if invisible:
        text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    text, marks = _drop_marks(unicodedata.normalize("NFKC", text))
    text = _strip_accents(text)
    table = _skeleton_table()
    lookalikes = tuple((char, table[char]) for char in text if char in table)
    if lookalikes:
        text = "".join(table.get(char, char) for char in text)
    return Unmasked(text, invisible, tuple(marks), lookalikes)


def unmasking_notes(fields: dict[str, str | None]) -> dict[str, str]:
    """Return field -> what was undone in it, for the fields whose text carried a disguise."""
    notes = {name: unmask(text or "").note() for name, text in fields.items()}
    return {name: note for name, note in notes.items() if note}

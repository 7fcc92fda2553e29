"""The EU Annex I control list (and the US CCL codes beside it): headings, provisions by dotted path, decontrol notes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from classifier.errors import DualUseError
from classifier.settings import get_settings

ANNEX_I_FILE = "control_list/eu_annex_i_2025-11-15.json"
CCL_FILE = "control_list/ccl_part774_supp1_2026-07-23.json"
LIST_NAME = "EU Annex I (Regulation (EU) 2021/821, consolidated 2025-11-15)"
CHINA_LIST_NOTE = (
    "China's dual-use export control list (MOFCOM Announcement No. 51 of 2024) uses the same number for the "
    "multilateral (Wassenaar) entries; its text and thresholds are not included here and can differ."
)
CODE_PATTERN = re.compile(r"^[0-9][A-E][0-9]{3}$")
_LINE = re.compile(r"^([0-9][A-E][0-9]{3}(?:\.[a-z0-9]+)*)\.? (.*)$")
_NOTE = re.compile(r"^(?:Notes?|N\.B\.|Technical Notes?)\b[^:]*:?", re.IGNORECASE)
# a note that takes items out of its paragraph ("2B352.f.2 includes any isolator ..., except for medical isolators ...")
_DECONTROL = re.compile(r"does not (?:apply|control)|do not (?:apply|control)|except for", re.IGNORECASE)


class ControlListError(DualUseError, KeyError):
    """A code or dotted path that the control list does not hold."""


@dataclass
class Entry:
    """One Annex I entry: its code, heading, provision lines by dotted path, and the note lines by dotted path."""

    code: str
    heading: str
    verbatim_text: str
    provisions: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)


def _parse_entry(raw: dict) -> Entry:
    code = raw["entry_code"]
    entry = Entry(code=code, heading="", verbatim_text=raw["verbatim_text"])
    for line in raw["verbatim_text"].split("\n"):
        match = _LINE.match(line)
        if not match:
            continue
        path, text = match.groups()
        if _NOTE.match(text):
            entry.notes.setdefault(path, []).append(text)
        elif path not in entry.provisions:
            entry.provisions[path] = text
    entry.heading = entry.provisions.get(code, "")
    return entry


def within(path: str, ancestor: str) -> bool:
    """Return True when a dotted paragraph is the ancestor or lies below it (3A001.b.4 within 3A001.b)."""
    return path == ancestor or path.startswith(ancestor + ".")


@dataclass(eq=False)  # one per data directory (`control_list`), so hashed by identity: things worked out from it cache
class ControlList:
    """The Annex I entries by code, the list's attribution, and the set of US ECCNs."""

    entries: dict[str, Entry]
    attribution: str
    us_codes: frozenset[str]

    def entry(self, code: str) -> Entry:
        """Return the entry for a 5-character code; an unknown code raises ControlListError."""
        try:
            return self.entries[code]
        except KeyError:
            raise ControlListError(f"{code!r} is not an entry of {LIST_NAME}") from None

    def has_paragraph(self, path: str) -> bool:
        """Return True when the dotted path (e.g. 7A003.a.1) is a provision of the list."""
        entry = self.entries.get(path[:5])
        return entry is not None and path in entry.provisions

    def provision_chain(self, path: str) -> list[tuple[str, str]]:
        """Return (path, text) from the entry heading down to the dotted path, verbatim."""
        entry = self.entry(path[:5])
        if path not in entry.provisions:
            raise ControlListError(f"{path!r} is not a paragraph of {entry.code}")
        parts = path.split(".")
        chain = [".".join(parts[: n + 1]) for n in range(len(parts))]
        return [(step, entry.provisions[step]) for step in chain if step in entry.provisions]

    def decontrol_notes(self, path: str) -> list[str]:
        """Return the notes saying the entry (or a paragraph above or below the path) does not apply, verbatim."""
        entry = self.entry(path[:5])
        notes = []
        for note_path, texts in entry.notes.items():
            if within(path, note_path) or within(note_path, path):
                notes += [text for text in texts if text.startswith("Note") and _DECONTROL.search(text)]
        return notes

    def us_eccn(self, code: str) -> str | None:
        """Return the US ECCN with the same code, or None when the CCL has no such entry."""
        return code if code in self.us_codes else None


@lru_cache(maxsize=4)
def _load(directory: str) -> ControlList:
    annex = json.loads((Path(directory) / ANNEX_I_FILE).read_text(encoding="utf-8"))
    ccl = json.loads((Path(directory) / CCL_FILE).read_text(encoding="utf-8"))
    entries = {raw["entry_code"]: _parse_entry(raw) for raw in annex["entries"]}
    return ControlList(entries, annex["attribution"], frozenset(item["eccn"] for item in ccl["entries"]))


def control_list() -> ControlList:
    """Return the control list of the data directory, loaded once."""
    return _load(str(get_settings().data_dir))


def attribution() -> str:
    """Return the attribution that must accompany any Annex I text shown or copied."""
    return control_list().attribution

"""The control-list entries behind a flagged item: ranked candidates, each with its text, the item's stated
parameters against the entry's thresholds, decontrol notes and a calibrated confidence.

Candidates are not a classification ruling: an analyst decides on the list text and the item's full data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from classifier.entries.control_list import CHINA_LIST_NOTE, LIST_NAME, ControlList, control_list
from classifier.entries.quantities import StatedQuantity, extract_quantities, normalise
from classifier.entries.ranking import MAX_CANDIDATES, EntryRanker, signals
from classifier.entries.thresholds import (
    BELOW,
    MEETS,
    NOT_STATED,
    Assessment,
    assessed,
    find_stated,
    load_parameters,
    thresholds_for,
    under,
    unnamed_subjects,
)

# Candidates whose parameters are checked before the final ranking (the calibrated confidence may reorder them).
SHORTLIST = 6
_WORD = re.compile(r"[a-z][a-z0-9-]{3,}")
_COMMON = frozenset(
    "having following equipment systems system designed specially components with than less more other "
    "which their from that this into used using such any type types described specified".split()
)
# A sub-paragraph is named only when the text shares at least this many distinctive words with its line.
MIN_SHARED_WORDS = 2


@dataclass
class StatedParameter:
    """One threshold of an entry set against the text: met, below or not stated, and the phrase the value came from."""

    parameter: str
    paragraph: str
    threshold: str
    line: str
    status: str
    value: float | None = None
    unit: str | None = None
    phrase: str | None = None

    @classmethod
    def of(cls, assessment: Assessment) -> StatedParameter:
        """Return the JSON-ready view of an assessment."""
        threshold, stated = assessment.threshold, assessment.stated
        return cls(
            parameter=threshold.parameter,
            paragraph=threshold.paragraph,
            threshold=f"{threshold.comparator} {threshold.value:g} {threshold.unit}",
            line=threshold.line,
            status=assessment.status,
            value=None if assessment.stated_value is None else round(assessment.stated_value, 6),
            unit=threshold.unit if stated else None,
            phrase=stated.phrase if stated else None,
        )


@dataclass
class EntrySuggestion:
    """A candidate control-list entry for an item, best first in a prediction's `entries`."""

    list: str
    code: str
    entry: str
    us_eccn: str | None
    china: str
    title: str
    text: list[str]
    attribution: str
    parameters: list[StatedParameter] = field(default_factory=list)
    decontrol_notes: list[str] = field(default_factory=list)
    score: float = 0.0
    insufficient_data: bool = False

    def as_dict(self) -> dict:
        """Return a JSON-ready dict (its lists are copies: changing them leaves the suggestion as it was)."""
        return {
            **vars(self),
            "text": list(self.text),
            "parameters": [dict(vars(parameter)) for parameter in self.parameters],
            "decontrol_notes": list(self.decontrol_notes),
        }


def thresholds_assessed(
    code: str, text: str, quantities: list[StatedQuantity] | None = None, norm: str | None = None
) -> list[Assessment]:
    """Return every threshold of the entry set against the text's stated values; one under a paragraph whose
    subject the text does not name (`subjects.yaml`) counts as not stated (quantities and norm: the text's
    `extract_quantities` and `normalise`, when already computed)."""
    quantities = extract_quantities(text) if quantities is None else quantities
    norm = normalise(text) if norm is None else norm
    unnamed = unnamed_subjects(norm)
    parameters = load_parameters()
    stated: dict[str, StatedQuantity | None] = {}  # each parameter looked for once
    found = []
    for threshold in thresholds_for(code):
        if under(threshold.paragraph, unnamed):
            found.append(Assessment(threshold, NOT_STATED))
            continue
        if threshold.parameter not in stated:
            stated[threshold.parameter] = find_stated(text, parameters[threshold.parameter], quantities, norm)
        found.append(assessed(threshold, stated[threshold.parameter]))
    return found


def _supported_paragraph(code: str, text: str, assessments: list[Assessment]) -> str:
    """Return the most specific paragraph the text supports: one whose conditions are all met (not only its band: a
    6-18 GHz amplifier is in 3A001.b.4.a.1's band from 2.7 GHz but short of its power), else one sharing words with the
    text."""
    statuses: dict[str, set[str]] = {}
    for a in assessments:
        statuses.setdefault(a.threshold.paragraph, set()).add(a.status)
    met = [path for path, found in statuses.items() if found == {MEETS}]
    if met:
        return max(met, key=lambda path: path.count("."))
    words = _words(text)
    best, best_shared = code, MIN_SHARED_WORDS - 1
    for path, line_words in _provision_words(code, control_list()):
        shared = len(words & line_words)
        if shared > best_shared or (shared == best_shared and best != code and path.count(".") > best.count(".")):
            best, best_shared = path, shared
    return best


def _words(text: str) -> frozenset[str]:
    """Return the words of text that can tie it to a provision (lower case, four letters or more, not common)."""
    return frozenset(_WORD.findall(text.lower())) - _COMMON


@lru_cache(maxsize=512)
def _provision_words(code: str, lists: ControlList) -> tuple[tuple[str, frozenset[str]], ...]:
    """Return each provision of an entry of the lists with its words (`_words`), worked out once per entry."""
    return tuple((path, _words(line)) for path, line in lists.entry(code).provisions.items())


def _suggestion(code: str, text: str, assessments: list[Assessment], score: float) -> EntrySuggestion:
    lists = control_list()
    paragraph = _supported_paragraph(code, text, assessments)
    entry = lists.entry(code)
    return EntrySuggestion(
        list=LIST_NAME,
        code=paragraph,
        entry=code,
        us_eccn=lists.us_eccn(code),
        china=CHINA_LIST_NOTE,
        title=entry.heading,
        text=[f"{path} {line}" for path, line in lists.provision_chain(paragraph)],
        attribution=lists.attribution,
        parameters=[StatedParameter.of(a) for a in assessments],
        decontrol_notes=lists.decontrol_notes(paragraph),
        score=round(float(score), 4),
        insufficient_data=bool(assessments) and all(a.status == NOT_STATED for a in assessments),
    )


def parameter_flags(assessments: list[Assessment]) -> tuple[bool, bool]:
    """Return (a threshold is met, the stated thresholds are all below with none met)."""
    meets = any(a.status == MEETS for a in assessments)
    return meets, not meets and any(a.status == BELOW for a in assessments)


def shortlist(scores: np.ndarray, allowed: np.ndarray, size: int = SHORTLIST) -> list[tuple[int, float]]:
    """Return (code index, vote share among allowed codes) of the best-voted allowed codes."""
    masked = np.where(allowed, scores, 0.0)
    total = masked.sum()
    if total <= 0:
        return []
    order = np.argsort(-masked)[:size]
    return [(int(i), float(masked[i] / total)) for i in order if masked[i] > 0]


def suggest_entries(
    text: str, scores: np.ndarray, allowed: np.ndarray, ranker: EntryRanker, limit: int = MAX_CANDIDATES
) -> list[EntrySuggestion]:
    """Return up to `limit` entries for one text, best first.

    scores: the text's row of `EntryRanker.code_scores`; allowed: which of the ranker's codes belong to the text's
    labels. Each shortlisted code's thresholds are checked against the text's stated values before the calibrated
    confidence orders them.
    """
    candidates = shortlist(scores, allowed)
    if not candidates:
        return []
    quantities, norm = extract_quantities(text), normalise(text)
    checked = [
        (ranker.codes_[i], share, thresholds_assessed(ranker.codes_[i], text, quantities, norm))
        for i, share in candidates
    ]
    features = np.array([signals(share, *parameter_flags(found)) for _, share, found in checked])
    confidence = ranker.confidence(features)
    order = np.argsort(-confidence, kind="stable")[:limit]
    return [_suggestion(checked[i][0], text, checked[i][2], confidence[i]) for i in order]

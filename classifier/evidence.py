"""Evidence: the spans of a description that support a label, for an analyst to read.

A span is made of whole units of the text, never parts of them: stated quantities (value and unit, with the
comparator written before or after it), words of letters and digits (with their inner hyphens, dots and slashes),
and, in Chinese and Japanese, runs of Han and katakana (or of hiragana) between punctuation, digits and Latin letters
(a run longer than LONG_RUN is cut into runs of one script, and those around dictionary words). The units come from
two sources: the n-gram model's strongest features for the label (a feature that touches a unit selects
the whole unit; selected units next to each other, or next to a stated quantity, make one span), and the parameters
that the label's control-list entries state thresholds in ("bias stability 0.005 deg/h": the words naming the
parameter and the value stated for it). Parameter spans come first (those that meet a threshold before those below
it), then the n-gram spans, strongest first; spans that overlap or touch are merged.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from classifier.entries.quantities import StatedQuantity, extract_quantities, normalise
from classifier.entries.thresholds import (
    AFTER_KEYWORD_CHARS,
    BEFORE_KEYWORD_CHARS,
    COMPARATORS,
    Parameter,
    Threshold,
    find_stated,
    load_parameters,
    load_thresholds,
    stated_feature,
    stated_value,
)
from classifier.entries.units import same_kind
from classifier.taxonomy import default_taxonomy
from classifier.text import fold_traditional

MAX_SPANS = 4
MAX_FEATURES = 25
MAX_PARAMETER_SPANS = 2
# A run of one script longer than this (an unpunctuated Chinese clause) is cut around the words of two or more
# characters that MeCab finds in its dictionary; unknown words (most Simplified Chinese) are never cut.
LONG_RUN = 12
WORD_CONNECTORS = set("-‐‑'’._/&+·⋅")
# A number in scientific notation (1×10⁻⁹, 5 x 10^-3) is one unit even where no unit of it is known.
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?\s?[×xX*]\s?10(?:\^[-−+]?\d+|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
# Han and katakana written together make one term in Japanese (ベローズシール弁, 一方向凝固タービンブレード).
_TERM_SCRIPTS = {"han", "katakana"}
CJK_SCRIPTS = {"han", "katakana", "hiragana", "hangul"}
# What may stand between a term and the quantity stated after it ("质量：约3.2kg", "Psat = 50 W").
_BEFORE_QUANTITY = re.compile(r"[\s:：=]*")
QUANTITY, WORD, MARK = "quantity", "word", "mark"
_taggers = threading.local()


@lru_cache(maxsize=65536)
def _script(char: str) -> str | None:
    """Return the unit class of a character: han, kana scripts, hangul, word (letters and digits), or None."""
    code = ord(char)
    if 0x3040 <= code <= 0x309F:
        return "hiragana"
    if (0x30A0 <= code <= 0x30FF and code != 0x30FB) or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "katakana"
    if 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or code >= 0x20000:
        return "han"
    if char in "々〆〇":
        return "han"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if char.isalnum():
        return WORD
    return None


def _joins_word(text: str, position: int) -> bool:
    """Return True when the connector at position sits inside a word or number (Fibre-optic, 0.005, L1/L2, 1,000)."""
    if position == 0 or position + 1 >= len(text):
        return False
    char, before, after = text[position], text[position - 1], text[position + 1]
    if _script(before) != WORD or _script(after) != WORD:
        return False
    return char in WORD_CONNECTORS or (char == "," and before.isdigit() and after.isdigit())


def _dictionary_cuts(run: str) -> list[int]:
    """Return the offsets in run before and after each word of two or more characters in MeCab's dictionary."""
    tagger = getattr(_taggers, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _taggers.tagger = fugashi.Tagger()  # one per thread: a MeCab tagger is not safe to share
    cuts, position = set(), 0
    for word in tagger(run):
        found = run.find(word.surface, position)
        if found < 0:
            continue
        position = found + len(word.surface)
        if not word.is_unk and len(word.surface) >= 2:
            cuts.update((found, position))
    return sorted(cut for cut in cuts if 0 < cut < len(run))


@dataclass(frozen=True)
class Unit:
    """A piece of text a span may not cut: start and end in the text, and its kind (quantity, word, a script,
    mark)."""

    start: int
    end: int
    kind: str


def _script_runs(text: str, start: int, end: int) -> list[Unit]:
    """Return the runs of one script in text[start:end]; one still longer than LONG_RUN is cut around dictionary
    words."""
    units, index = [], start
    while index < end:
        kind, stop = _script(text[index]), index + 1
        while stop < end and _script(text[stop]) == kind:
            stop += 1
        if stop - index > LONG_RUN:
            bounds = [index] + [index + cut for cut in _dictionary_cuts(text[index:stop])] + [stop]
            units += [Unit(a, b, kind) for a, b in zip(bounds, bounds[1:])]
        else:
            units.append(Unit(index, stop, kind))
        index = stop
    return units


def text_units(text: str, quantities: list[StatedQuantity] | None = None) -> list[Unit]:
    """Return the units of text in order (whitespace belongs to none)."""
    quantities = extract_quantities(text) if quantities is None else quantities
    units = [Unit(q.start, q.end, QUANTITY) for q in quantities]
    taken = [False] * len(text)
    for q in quantities:
        taken[q.start : q.end] = [True] * (q.end - q.start)
    for match in _SCIENTIFIC.finditer(text):
        if not any(taken[match.start() : match.end()]):
            units.append(Unit(match.start(), match.end(), QUANTITY))
            taken[match.start() : match.end()] = [True] * (match.end() - match.start())
    index = 0
    while index < len(text):
        char = text[index]
        if taken[index] or char.isspace():
            index += 1
            continue
        kind = _script(char)
        end = index + 1
        if kind is None:
            units.append(Unit(index, end, MARK))
            index = end
            continue
        term = kind in _TERM_SCRIPTS
        while end < len(text) and not taken[end]:
            following = _script(text[end])
            if following == kind or (term and following in _TERM_SCRIPTS) or (kind == WORD and _joins_word(text, end)):
                end += 1
            else:
                break
        if term and end - index > LONG_RUN:
            units += _script_runs(text, index, end)
        else:
            units.append(Unit(index, end, "cjk" if term else kind))
        index = end
    return sorted(units, key=lambda unit: unit.start)


def _normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """Return text folded as the n-gram features fold it, with the index in text of each folded character."""
    chars, offsets = [], []
    for index, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char).lower():
            chars.append(folded)
            offsets.append(index)
    return fold_traditional("".join(chars)), offsets


@lru_cache(maxsize=4096)
def _same_kind(unit: str, other: str) -> bool:
    return same_kind(unit, other)


@lru_cache(maxsize=1)
def _label_parameters() -> dict[str, dict[str, tuple[Threshold, ...]]]:
    """Return, for each label, the parameters its control-list entries state thresholds in, with those thresholds."""
    taxonomy = default_taxonomy()
    out: dict[str, dict[str, list[Threshold]]] = {}
    for threshold in load_thresholds():
        label = taxonomy.label_for_code(threshold.code)
        if label is not None:
            out.setdefault(label, {}).setdefault(threshold.parameter, []).append(threshold)
    return {label: {name: tuple(found) for name, found in params.items()} for label, params in out.items()}


def _keyword_next_to(norm: str, parameter: Parameter, stated: StatedQuantity) -> tuple[int, int] | None:
    """Return the keyword occurrence the stated quantity was read for (as find_stated measures distance)."""
    best, best_distance = None, None
    for start, end in parameter.keyword_spans(norm):
        if stated.start >= end:
            distance = stated.start - end if stated.start - end <= AFTER_KEYWORD_CHARS else None
        else:
            distance = start - stated.end if 0 <= start - stated.end <= BEFORE_KEYWORD_CHARS else None
        if distance is not None and (best_distance is None or distance < best_distance):
            best, best_distance = (start, end), distance
    return best


@dataclass
class _Candidate:
    start: int
    end: int
    rank: tuple


class _Reading:
    """One text cut into units once, for the evidence of each of its labels."""

    def __init__(self, text: str):
        self.text = text
        self.quantities = extract_quantities(text)
        self.units = text_units(text, self.quantities)
        self.unit_at = [-1] * len(text)
        for number, unit in enumerate(self.units):
            self.unit_at[unit.start : unit.end] = [number] * (unit.end - unit.start)
        self._folded = None
        self._norm = None
        self._stated: dict[str, StatedQuantity | None] = {}

    def _gap(self, left: int, right: int) -> str:
        return self.text[self.units[left].end : self.units[right].start]

    def _joins(self, end: int, start: int) -> bool:
        """Return True when what lies between end and start lets two pieces of evidence read as one: nothing, or
        spacing between words that are not Chinese or Japanese (where a space separates the fields of a line)."""
        if end >= start:
            return True
        if self.text[end:start].strip():
            return False
        return _script(self.text[end - 1]) not in CJK_SCRIPTS and _script(self.text[start]) not in CJK_SCRIPTS

    def _snap(self, start: int, end: int) -> tuple[int, int] | None:
        """Return (start, end) widened to the whole units it touches, without whitespace or marks at either end."""
        touched = [self.unit_at[i] for i in range(start, end) if self.unit_at[i] >= 0]
        touched = [i for i in touched if self.units[i].kind != MARK]
        if not touched:
            return None
        return self.units[min(touched)].start, self.units[max(touched)].end

    def ngram_candidates(self, features: list[tuple[str, str, float]]) -> list[_Candidate]:
        """Return the spans of whole units that the features touch, scored by the features' weights."""
        if self._folded is None:
            self._folded = _normalised_with_offsets(self.text)
        folded, offsets = self._folded
        weight = [0.0] * len(self.text)
        for _, ngram, contribution in features[:MAX_FEATURES]:
            needle = ngram.strip()
            if needle not in folded:  # a word pair segmented out of Chinese or Japanese, which has no space between
                needle = needle.replace(" ", "")
            if len(needle) < 2 and not (needle and _script(needle) in CJK_SCRIPTS):  # one letter or sign says nothing
                continue
            start = folded.find(needle)
            while start != -1:
                for position in range(start, start + len(needle)):
                    weight[offsets[position]] += contribution / len(needle)
                start = folded.find(needle, start + 1)
        unit_weight = [sum(weight[unit.start : unit.end]) if unit.kind != MARK else 0.0 for unit in self.units]
        groups: list[list[int]] = []
        for number, value in enumerate(unit_weight):
            if value <= 0:
                continue
            if (
                groups
                and groups[-1][-1] == number - 1
                and self._joins(self.units[number - 1].end, self.units[number].start)
            ):
                groups[-1].append(number)
            else:
                groups.append([number])
        candidates = []
        for group in groups:
            first, last = group[0], group[-1]
            before, after = first - 1, last + 1
            if (
                before >= 0
                and self.units[before].kind == QUANTITY
                and self._joins(self.units[before].end, self.units[first].start)
            ):
                first = before
            if (
                after < len(self.units)
                and self.units[after].kind == QUANTITY
                and _BEFORE_QUANTITY.fullmatch(self._gap(last, after))
            ):
                last = after
            score = sum(unit_weight[i] for i in group)
            candidates.append(_Candidate(self.units[first].start, self.units[last].end, (1, -score)))
        return candidates

    def _stated_for(self, parameter: Parameter) -> StatedQuantity | None:
        if parameter.id not in self._stated:
            if self._norm is None:
                self._norm = normalise(self.text)
            of_kind = [q for q in self.quantities if _same_kind(q.unit, parameter.unit)]
            stated = None
            if parameter.is_feature:
                stated = stated_feature(self._norm, parameter)
            elif of_kind and parameter.keyword_spans(self._norm):  # find_stated only where it can find something
                stated = find_stated(self.text, parameter, of_kind)
            self._stated[parameter.id] = stated
        return self._stated[parameter.id]

    def parameter_candidates(self, label: str) -> list[_Candidate]:
        """Return "keyword + quantity" spans of the parameters the label's entries state thresholds in, those that
        meet a threshold first."""
        found = []
        parameters = load_parameters()
        for name, thresholds in _label_parameters().get(label, {}).items():
            parameter = parameters.get(name)
            stated = self._stated_for(parameter) if parameter else None
            if stated is None:
                continue
            keyword = _keyword_next_to(self._norm, parameter, stated)
            start, end = keyword or (stated.start, stated.end)
            snapped = self._snap(min(start, stated.start), max(end, stated.end))
            if snapped is None:
                continue
            meets = any(COMPARATORS[t.comparator](stated_value(stated, t), t.value) for t in thresholds)
            found.append(_Candidate(*snapped, (0, 0 if meets else 1, snapped[0])))
        return sorted(found, key=lambda candidate: candidate.rank)[:MAX_PARAMETER_SPANS]

    def spans(self, features: list[tuple[str, str, float]], label: str | None, max_spans: int) -> list[str]:
        """Return up to max_spans evidence strings: parameter spans, then n-gram spans, merged where they meet."""
        candidates = (self.parameter_candidates(label) if label else []) + self.ngram_candidates(features)
        merged: list[_Candidate] = []
        for candidate in sorted(candidates, key=lambda c: c.start):
            last = merged[-1] if merged else None
            if last and (candidate.start <= last.end or self._joins(last.end, candidate.start)):
                last.end, last.rank = max(last.end, candidate.end), min(last.rank, candidate.rank)
            else:
                merged.append(_Candidate(candidate.start, candidate.end, candidate.rank))
        seen, out = set(), []
        for candidate in sorted(merged, key=lambda c: c.rank):
            span = self.text[candidate.start : candidate.end]
            if span.lower() not in seen:
                seen.add(span.lower())
                out.append(span)
            if len(out) == max_spans:
                break
        return out


def evidence_spans(
    text: str, features: list[tuple[str, str, float]], max_spans: int = MAX_SPANS, label: str | None = None
) -> list[str]:
    """Return up to max_spans substrings of text that support a label: with the label, the stated parameters of its
    entries first; then whole units covered by the given (kind, n-gram, weight) features, strongest first."""
    return _Reading(text).spans(features, label, max_spans)


def explain(text: str, features_by_label: dict[str, list[tuple[str, str, float]]]) -> dict[str, list[str]]:
    """Return each label's evidence spans in text (the text is cut into units once for all its labels)."""
    reading = _Reading(text)
    return {label: reading.spans(features, label, MAX_SPANS) for label, features in features_by_label.items()}

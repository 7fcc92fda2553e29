"""Parameter thresholds of control-list entries (data/control_list/*.yaml) and how a text's stated value compares."""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from classifier.entries.quantities import StatedQuantity, extract_quantities, normalise
from classifier.entries.units import convert, same_kind
from classifier.errors import DualUseError
from classifier.settings import get_settings

PARAMETERS_FILE = "control_list/parameters.yaml"
THRESHOLDS_DIR = "control_list/thresholds"
SUBJECTS_FILE = "control_list/subjects.yaml"
EXEMPTIONS_FILE = "control_list/exemptions.yaml"
COMPARATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
# A feature (a condition the list states in words, "capable of in-situ steam sterilisation") reads as this unit's
# 1 when the text names it and 0 when the text says the item lacks it; its records are ">= 1".
FEATURE_UNIT = "dimensionless"
MEETS, BELOW, NOT_STATED = "meets", "below", "not_stated"
# Words that deny a feature named right after them ("no VHP", "不支持蒸汽灭菌") or right before them ("蒸気滅菌不可").
NEGATION_BEFORE = re.compile(
    r"(?:\b(?:no|not|non|without)[\s-]*|(?:不支持|不具备|不具有|不带|不含|不可|不能|无|没有|非)\s*)$", re.I
)
NEGATION_AFTER = re.compile(
    r"\s*(?:not (?:available|supported|included|possible)|unavailable|なし|無し|不可|非対応|未対応|できません|不支持)",
    re.I,
)
# A value counts for a parameter when written this many characters after one of its keywords, or just before it.
AFTER_KEYWORD_CHARS = 40
BEFORE_KEYWORD_CHARS = 12
# ... or anywhere before it in the same phrase, where a title puts it: "5 L autoclavable bench-top fermenter"
_CLAUSE_BREAK = re.compile(r"[,;:|.!?\[\]、，；：。！？【】／/]|\s[-–—]\s|\s{2,}")


class ThresholdError(DualUseError, ValueError):
    """A parameter or threshold file that cannot be read."""


VOICED_MARKS = "\u3099\u309a"  # the combining (semi-)voiced sound marks


@cache  # one pattern per keyword of parameters.yaml (about 1,300)
def _keyword_pattern(keyword: str) -> re.Pattern:
    """Return the compiled pattern of a parameter keyword: whole words for Latin keywords, as written for CJK ones."""
    pattern = rf"(?<![A-Za-z]){re.escape(keyword)}(?![A-Za-z])" if keyword.isascii() else _kana_tolerant(keyword)
    return re.compile(pattern, re.IGNORECASE)


def _kana_tolerant(keyword: str) -> str:
    """Return the escaped keyword with each voiced kana also matched as its base and combining mark: `normalise`
    folds half-width katakana one for one, so "ｸﾞ" becomes "ク" + U+3099, not "グ" ("ﾏｼﾆﾝｸﾞｾﾝﾀ", "ﾊﾞｲｱｽ")."""
    parts = []
    for char in keyword:
        split = unicodedata.normalize("NFD", char)
        voiced = len(split) == 2 and split[1] in VOICED_MARKS
        parts.append(f"(?:{re.escape(char)}|{re.escape(split)})" if voiced else re.escape(char))
    return "".join(parts)


@dataclass(frozen=True)
class Parameter:
    """A parameter thresholds are stated in: its id, the unit its values convert to, the words that name it,
    whether it selects which line applies (a wavelength band, a product form) rather than measuring capability, and
    whether its unit alone says what a value is (samples per second are always a converter's rate), so that a value
    of its kind counts wherever the text names the parameter, not only next to the word; one marked `largest` (a
    capability given per reaction vessel and for a whole run) is read as the largest of the values that count, not
    the nearest. A feature has `absent` words, by which a text says the item lacks it (its `keywords` then name the
    feature itself). A parameter whose `below_says_nothing` is set (an operating temperature range, which nearly
    every product states) can meet a line but a value short of it is read as not stated: a radio rated for -40 to
    +60 °C is not thereby below the entry."""

    id: str
    unit: str
    keywords: tuple[str, ...]
    selects: bool = False
    named_by_unit: bool = False
    largest: bool = False
    absent: tuple[str, ...] = ()
    below_says_nothing: bool = False

    @property
    def is_feature(self) -> bool:
        """Return True for a condition stated in words, read as present (1) or absent (0) rather than measured."""
        return bool(self.absent)

    def keyword_spans(self, text: str) -> list[tuple[int, int]]:
        """Return (start, end) of every keyword in the (normalised) text."""
        lowered = _lowered(text)  # a keyword not in it as a substring cannot match: no pattern run for it
        return [
            (m.start(), m.end())
            for low, pattern in _screened(self.keywords)
            if low in lowered
            for m in pattern.finditer(text)
        ]


@dataclass(frozen=True)
class Threshold:
    """One threshold: the provision (dotted path), parameter, comparator, value and unit, the verbatim line, notes."""

    paragraph: str
    parameter: str
    comparator: str
    value: float
    unit: str
    line: str
    notes: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        """Return the 5-character entry code."""
        return self.paragraph[:5]

    def as_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {
            "paragraph": self.paragraph,
            "parameter": self.parameter,
            "comparator": self.comparator,
            "value": self.value,
            "unit": self.unit,
            "line": self.line,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Assessment:
    """A threshold set against a text: meets, below or not_stated, with the stated quantity it was decided on."""

    threshold: Threshold
    status: str
    stated: StatedQuantity | None = None
    stated_value: float | None = None

    def as_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {
            "threshold": self.threshold.as_dict(),
            "status": self.status,
            "stated": self.stated.as_dict() if self.stated else None,
            "stated_value": self.stated_value,
        }


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key written twice in one mapping (YAML would keep the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen, repeated = set(), set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                repeated.add(str(key))
            seen.add(key)
        if repeated:
            raise yaml.constructor.ConstructorError(
                None, None, f"key(s) written twice: {', '.join(sorted(repeated))}", node.start_mark
            )
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path):
    """Return the parsed YAML of a file; a syntax error or a key written twice raises ThresholdError naming the
    file."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise ThresholdError(f"{path}: not valid YAML: {exc}") from exc


@lru_cache(maxsize=4)
def _parameters(path: str) -> dict[str, Parameter]:
    raw = read_yaml(Path(path)) or {}
    return {
        name: Parameter(
            name,
            spec["unit"],
            tuple(spec["keywords"]),
            bool(spec.get("selects", False)),
            bool(spec.get("named_by_unit", False)),
            bool(spec.get("largest", False)),
            tuple(spec.get("absent") or ()),
            bool(spec.get("below_says_nothing", False)),
        )
        for name, spec in raw.items()
    }


@lru_cache(maxsize=4)
def _thresholds(directory: str) -> tuple[Threshold, ...]:
    records = []
    for path in sorted(Path(directory).glob("*.yaml")):
        for raw in read_yaml(path) or []:
            records.append(
                Threshold(
                    raw["paragraph"],
                    raw["parameter"],
                    raw["comparator"],
                    float(raw["value"]),
                    raw["unit"],
                    raw["line"],
                    tuple(raw.get("notes") or ()),
                )
            )
    return tuple(records)


@dataclass(frozen=True)
class Subject:
    """What an entry or paragraph of subjects.yaml is for: words of which the text must name one (a list in the
    file), or words naming items it does not cover (`{not: [...]}`: CO2 lasers are specified only in 6A005.d)."""

    named: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def applies(self, norm: str) -> bool:
        """Return True when the (normalised) text is about what the entry or paragraph covers."""
        if self.named and not _names_one(norm, self.named):
            return False
        return not _names_one(norm, self.excluded)


def _names_one(norm: str, words: tuple[str, ...]) -> bool:
    """Return True when the text names one of the words."""
    return _word_named(norm, words) is not None


def _word_named(norm: str, words: tuple[str, ...]) -> str | None:
    """Return the first of the words (in their order) that the text names, as written there, or None: a substring
    test first, then the word's pattern."""
    lowered = _lowered(norm)
    return next(
        (m.group() for low, pattern in _screened(words) if low in lowered and (m := pattern.search(norm))), None
    )


@lru_cache(maxsize=64)  # one text is screened for many parameters, features and subjects in turn
def _lowered(norm: str) -> str:
    """Return the text for the substring screen: lower case, voiced kana split into base and mark (as keywords are
    in `_screened`), so a half-width "ﾊﾞ" and a full-width "バ" pass alike."""
    return unicodedata.normalize("NFD", norm.lower())


@lru_cache(maxsize=4096)
def _screened(words: tuple[str, ...]) -> tuple[tuple[str, re.Pattern], ...]:
    """Return each word in lower case (for the substring test that comes first) with its pattern."""
    return tuple((unicodedata.normalize("NFD", word.lower()), _keyword_pattern(word)) for word in words)


@lru_cache(maxsize=4)
def _subjects(path: str) -> dict[str, Subject]:
    raw = read_yaml(Path(path)) if Path(path).exists() else None
    return {
        str(key): Subject(excluded=tuple(terms["not"])) if isinstance(terms, dict) else Subject(named=tuple(terms))
        for key, terms in (raw or {}).items()
    }


def unnamed_subjects(norm: str, data: Path | None = None) -> frozenset[str]:
    """Return the entries and paragraphs of subjects.yaml that the (normalised) text is not about: it names none of
    their subject words, or names an item they do not cover."""
    return _unnamed(norm, str((data or get_settings().data_dir) / SUBJECTS_FILE))


@lru_cache(maxsize=1024)  # a text's entry suggestions ask once per candidate entry
def _unnamed(norm: str, path: str) -> frozenset[str]:
    return frozenset(key for key, subject in _subjects(path).items() if not subject.applies(norm))


def exempted_paragraphs(norm: str, data: Path | None = None) -> dict[str, str]:
    """Return the entries and paragraphs of exemptions.yaml whose decontrol note the (normalised) text says its item
    falls under, each with the word it names ("6A008": "automotive radar": 6A008 does not control civil automotive
    radar)."""
    return dict(_exempted(norm, str((data or get_settings().data_dir) / EXEMPTIONS_FILE)))


@lru_cache(maxsize=1024)
def _exempted(norm: str, path: str) -> tuple[tuple[str, str], ...]:
    named = ((key, _word_named(norm, words)) for key, words in _exemptions(path).items())
    return tuple((key, word) for key, word in named if word is not None)


@lru_cache(maxsize=4)
def _exemptions(path: str) -> dict[str, tuple[str, ...]]:
    raw = read_yaml(Path(path)) if Path(path).exists() else None
    return {str(key): tuple(words) for key, words in (raw or {}).items()}


def under(paragraph: str, paths: frozenset[str]) -> bool:
    """Return True when the paragraph is one of paths or lies below one of them."""
    return any(paragraph[:end] in paths for end in _ancestor_ends(paragraph))


@lru_cache(maxsize=4096)
def _ancestor_ends(paragraph: str) -> tuple[int, ...]:
    """Return where each of the paragraph's ancestors ("3A001", "3A001.b") and the paragraph itself end."""
    return (*(i for i, char in enumerate(paragraph) if char == "."), len(paragraph))


def load_parameters(data: Path | None = None) -> dict[str, Parameter]:
    """Return the parameters by id, read once from data/control_list/parameters.yaml."""
    return _parameters(str((data or get_settings().data_dir) / PARAMETERS_FILE))


def load_thresholds(data: Path | None = None) -> tuple[Threshold, ...]:
    """Return every threshold record of data/control_list/thresholds/*.yaml, read once."""
    return _thresholds(str((data or get_settings().data_dir) / THRESHOLDS_DIR))


def thresholds_for(code: str, data: Path | None = None) -> list[Threshold]:
    """Return the thresholds of an entry code (e.g. 7A002) or of a dotted paragraph and the ones below it."""
    return list(_thresholds_under(code, str((data or get_settings().data_dir) / THRESHOLDS_DIR)))


@lru_cache(maxsize=1024)
def _thresholds_under(code: str, directory: str) -> tuple[Threshold, ...]:
    return tuple(t for t in _thresholds(directory) if t.paragraph == code or t.paragraph.startswith(code + "."))


def keyword_spans(norm: str, parameters: list[Parameter]) -> dict[str, list[tuple[int, int]]]:
    """Return each parameter's keyword spans in the normalised text, leaving out a span that lies inside a longer
    keyword of any of them ("定位精度" inside "重复定位精度"): the longest term written is the one meant."""
    found = {parameter.id: parameter.keyword_spans(norm) for parameter in parameters}
    every = {span for spans in found.values() for span in spans}

    def inside(span: tuple[int, int]) -> bool:
        return any(s <= span[0] and span[1] <= e and e - s > span[1] - span[0] for s, e in every)

    return {name: [span for span in spans if not inside(span)] for name, spans in found.items()}


def find_stated(
    text: str,
    parameter: Parameter,
    quantities: list[StatedQuantity] | None = None,
    norm: str | None = None,
    spans: list[tuple[int, int]] | None = None,
) -> StatedQuantity | None:
    """Return the quantity of the parameter's kind written nearest one of its keywords (at equal distances, the one
    after it: "3,530MPa、引張弾性率 230GPa" gives the modulus 230 GPa), or None when none is (norm:
    the text's `normalise`, spans: its keywords' spans from `keyword_spans`, when already computed). A parameter
    `named_by_unit` takes the value of its kind nearest a keyword however far it is written from it; one marked
    `largest` takes the largest value that counts. A feature reads 0 where the text says the item lacks it, else 1
    where the text names it (`stated_feature`)."""
    if parameter.is_feature:
        return stated_feature(normalise(text) if norm is None else norm, parameter)
    quantities = extract_quantities(text) if quantities is None else quantities
    candidates = [q for q in quantities if same_kind(q.unit, parameter.unit)]
    if not candidates:
        return None
    norm = normalise(text) if norm is None else norm
    found = []  # ((distance from the keyword, whether before it), quantity) of the values that count
    for start, end in parameter.keyword_spans(norm) if spans is None else spans:
        for stated in candidates:
            after = stated.start >= end
            distance = stated.start - end if after else start - stated.end
            if parameter.named_by_unit or _counts(norm, distance, after, stated.end, start):
                found.append(((abs(distance), not after), stated))
    if not found:
        return None
    if parameter.largest:
        return max(
            (stated for _, stated in found),
            key=lambda q: convert(q.value if q.upper is None else q.upper, q.unit, parameter.unit),
        )
    return min(found, key=lambda pair: pair[0])[1]


def _counts(norm: str, distance: int, after: bool, value_end: int, keyword_start: int) -> bool:
    """Return True when a value `distance` characters from a keyword counts for it: after it, within
    AFTER_KEYWORD_CHARS; before it, within BEFORE_KEYWORD_CHARS, or as far in the same phrase with no clause break
    between ("5 L autoclavable bench-top fermenter")."""
    if not 0 <= distance <= AFTER_KEYWORD_CHARS:
        return False
    return after or distance <= BEFORE_KEYWORD_CHARS or not _CLAUSE_BREAK.search(norm, value_end, keyword_start)


def stated_feature(norm: str, parameter: Parameter) -> StatedQuantity | None:
    """Return a feature as the (normalised) text states it: 0 at the first words saying the item lacks it, 1 at the
    first words naming it, None when the text does neither, or both (a words naming it outside the words saying it
    is lacking: "a Class II cabinet and a Class III glovebox" are two items)."""
    lacking = _first_matches(norm, parameter.absent)
    naming = [
        m
        for m in _first_matches(norm, parameter.keywords)
        if not any(_overlap(m, a) for a in lacking) and not _negated(norm, m)
    ]
    if bool(lacking) == bool(naming):
        return None
    value, first = (0.0, lacking[0]) if lacking else (1.0, naming[0])
    return StatedQuantity(value, FEATURE_UNIT, first.start(), first.end(), first.group())


def _negated(norm: str, match: re.Match) -> bool:
    """Return True when the words next to a feature's name deny it ("no VHP", "不支持蒸汽灭菌", "蒸気滅菌不可"): the
    name is then not a sign of the feature, nor of its absence unless the feature's `absent` words say so."""
    return bool(NEGATION_BEFORE.search(norm, 0, match.start()) or NEGATION_AFTER.match(norm, match.end()))


def _first_matches(norm: str, words: tuple[str, ...]) -> list[re.Match]:
    """Return the matches of the words in the text, first written first (the longest word where several start at
    the same place)."""
    lowered = _lowered(norm)  # none of the words in it as a substring: no pattern to run
    return list(_words_pattern(words).finditer(norm)) if any(low in lowered for low, _ in _screened(words)) else []


@cache  # one pattern per feature's word list
def _words_pattern(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(_keyword_pattern(word).pattern for word in sorted(words, key=len, reverse=True)), re.I)


def _overlap(one: re.Match, other: re.Match) -> bool:
    return one.start() < other.end() and other.start() < one.end()


def stated_value(stated: StatedQuantity, threshold: Threshold) -> float:
    """Return the stated value in the threshold's unit; for a range, the end the comparator reads (max for > / >=)."""
    values = [stated.value] if stated.upper is None else [stated.value, stated.upper]
    converted = [convert(value, stated.unit, threshold.unit) for value in values]
    return max(converted) if threshold.comparator.startswith(">") else min(converted)


def assess(
    threshold: Threshold, text: str, quantities: list[StatedQuantity] | None = None, data: Path | None = None
) -> Assessment:
    """Return whether the text's stated parameter meets the threshold, is below it, or is not stated."""
    return assessed(threshold, find_stated(text, load_parameters(data)[threshold.parameter], quantities))


def assessed(threshold: Threshold, stated: StatedQuantity | None) -> Assessment:
    """Return the threshold set against the quantity stated for its parameter (None: not stated)."""
    if stated is None:
        return Assessment(threshold, NOT_STATED)
    value = stated_value(stated, threshold)
    status = MEETS if COMPARATORS[threshold.comparator](value, threshold.value) else BELOW
    return Assessment(threshold, status, stated, value)

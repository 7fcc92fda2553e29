"""Extract stated quantities (value, unit, comparator, the exact phrase) from English, Chinese and Japanese text."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from classifier.entries.units import convert, match_unit, same_kind

SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_KEEP = set("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺，℃㎛㎏")
QUANTITIES_CACHED = 2048  # more than a catalog chunk (classifier.catalog.CHUNK_SIZE): its texts are read three times
_DIGITS = (
    r"(?:\d{1,3}(?:,\d{3})+(?![\d])|\d{1,3}(?:[\u00a0\u202f\u2009]\d{3})+(?![\d])|\d+)(?:[.,]\d+)?(?:[eE][-+−]?\d+)?"
)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.,×*/^⁻])" + _DIGITS)
_EXPONENT = re.compile(r"\s*[×xX*]\s*10(?:\s*\^\s*([-−+]?\d+)|([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)|([-−]\d+))")
_MULTIPLIER = re.compile(r"(万|亿|千)(?![瓦米克赫帕伏])")
MULTIPLIERS = {"万": 1e4, "亿": 1e8, "千": 1e3}
# Dimensions written "φ500×1200mm" or "450 x 450 x 600 mm": the unit after the last number is each one's.
_DIMENSION = re.compile(r"\s*[×xX*]\s*" + _DIGITS)
# A count of like parts before their value ("3 × 300 kN" of roller force, "2 x 50 W" outputs): each part's value counts
_COUNT = re.compile(r"(?:[2-9]|1[0-6])\s*[×xX*]\s*(" + _DIGITS + ")")
_RANGE = re.compile(r"\s*(?:-|–|—|~|～|〜|to|至|到|から)\s*(?=[-−+]?\d)")
# A tolerance after a value: "1080±5nm" is 1080 nm (the unit after the tolerance is the value's), and in
# "1080 nm ± 5 nm" the "± 5 nm" is not a value of its own.
_PLUS_MINUS = r"(?:±|\+/-|\+-)"
_TOLERANCE = re.compile(rf"\s*{_PLUS_MINUS}\s*(?=\d)")
_SPACE = re.compile(r"[ \u00a0\u202f\u2009]?")
# Written before the number: (pattern, comparator). "better" is "better than", which the threshold direction reads.
_PREFIX = (
    (r"(?:≤|<=|=<|≦|不大于|不超过|小于等于|小於等於|up to|max\.?|maximum|最大|最高)", "<="),
    (r"(?:≥|>=|=>|≧|不小于|不低于|大于等于|at least|min\.?|minimum|最小|最低)", ">="),
    (r"(?:优于|優於|better than|superior to)", "better"),
    (r"(?:<|less than|lower than|under|below|小于|小於|低于|低於)", "<"),
    (r"(?:>|greater than|more than|over|exceeding|above|大于|大於|高于|高於|超过|超過)", ">"),
    (_PLUS_MINUS, "±"),
    (r"(?:~|～|≈|approx\.?|approximately|about|约|約|ca\.)", "~"),
)
_PREFIX_PATTERNS = tuple((re.compile(rf"{pattern}\s*$", re.IGNORECASE), name) for pattern, name in _PREFIX)
_SUFFIX = (
    (re.compile(r"\s*(?:以下|以内|以內|或以下|max\.?\b|maximum\b|or less\b)", re.IGNORECASE), "<="),
    (re.compile(r"\s*(?:未満)"), "<"),
    (re.compile(r"\s*(?:以上|或以上|or more\b|min\.?\b|minimum\b)", re.IGNORECASE), ">="),
    (re.compile(r"\s*(?:或更好|或更优|or better\b)", re.IGNORECASE), "better"),
)
CONTEXT_CHARS = 60
# Stainless steel grades (316L, 304L) are not volumes.
_STEEL_GRADE = re.compile(r"(?:304|316|317)L(?![A-Za-z0-9])")
# A unit that goes on ("W/cm²", "µg/℃", "h-1", "N·m", "4072A19") is one the lexicon does not know: no value is taken.
_COMPOUND_TAIL = re.compile(r"\s?/\s?(?![\d\s])|-1(?!\d)|⁻¹|[·•]|[0-9]")
# A number joined to a name by a hyphen (Zircaloy-4, DLC-4A) is part of the name.
_MODEL_SUFFIX = re.compile(r"[A-Za-z]-$")


@dataclass(frozen=True)
class StatedQuantity:
    """A value stated in a text: value (and upper end of a range), pint unit, comparator, and where it was written."""

    value: float
    unit: str
    start: int
    end: int
    phrase: str
    comparator: str | None = None
    upper: float | None = None

    def as_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {
            "value": self.value,
            "upper": self.upper,
            "unit": self.unit,
            "comparator": self.comparator,
            "phrase": self.phrase,
            "start": self.start,
            "end": self.end,
        }


class _FoldTable(dict):
    """str.translate table of the one-for-one NFKC fold, filled character by character as texts meet them."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        self[code] = folded = (folded if len(folded) == 1 and char not in _KEEP else char).replace("−", "-")
        return folded


_FOLD = _FoldTable()


def normalise(text: str) -> str:
    """Return text with full-width and compatibility characters folded one for one, so offsets stay valid."""
    return text if text.isascii() else text.translate(_FOLD)


_PER = re.compile(r"\s*(?:per\s+|/\s*)", re.IGNORECASE)


def _parse_number(raw: str) -> float:
    raw = raw.replace("−", "-").replace("\u00a0", "").replace("\u202f", "").replace("\u2009", "")
    mantissa, _, exponent = raw.replace("E", "e").partition("e")
    if re.fullmatch(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?", mantissa):
        mantissa = mantissa.replace(",", "")
    else:
        mantissa = mantissa.replace(",", ".")
    return float(mantissa) * (10 ** int(exponent) if exponent else 1)


def _number_at(text: str, position: int) -> tuple[float, int] | None:
    """Return (value, end) of a signed number starting at position, with ×10ⁿ and 万/千 multipliers applied."""
    sign = 1.0
    if position < len(text) and text[position] in "-+":
        sign = -1.0 if text[position] == "-" else 1.0
        position += 1
    match = _NUMBER.match(text, position)
    if not match:
        return None
    value, end = sign * _parse_number(match.group(0)), match.end()
    exponent = _EXPONENT.match(text, end)
    if exponent:
        power = next(group for group in exponent.groups() if group)
        value *= 10 ** int(power.translate(SUPERSCRIPTS).replace("−", "-"))
        end = exponent.end()
    multiplier = _MULTIPLIER.match(text, end)
    if multiplier:
        value *= MULTIPLIERS[multiplier.group(1)]
        end = multiplier.end()
    return value, end


def _unit_after(text: str, position: int, context: str, whole: str) -> tuple[str, int] | None:
    space = _SPACE.match(text, position)
    found = match_unit(text, space.end(), context, whole)
    if found is None and text.startswith("-", position):
        found = match_unit(text, position + 1, context, whole)
        if found and found[0] != "bit":
            return None
    return _rate(text, found, context, whole) if found else None


def _rate(text: str, unit: tuple[str, int], context: str, whole: str) -> tuple[str, int]:
    """Return the unit, or the rate it begins when "per" or "/" and a unit of another kind follow ("litres per hour",
    "nautical miles per hour", "mm/min"): a quantity is read in its whole unit, not as its numerator alone."""
    expression, end = unit
    per = _PER.match(text, end)
    if per is None or "/" in expression:
        return unit
    denominator = match_unit(text, per.end(), context, whole)
    if denominator is None or same_kind(expression, denominator[0]):  # "6 µm per metre" is an accuracy in µm
        return unit
    below = denominator[0] if denominator[0].isidentifier() else f"({denominator[0]})"
    return f"{expression}/{below}", denominator[1]


def _prefix_comparator(text: str, start: int) -> tuple[str | None, int]:
    window = text[max(0, start - 16) : start]
    for pattern, name in _PREFIX_PATTERNS:
        match = pattern.search(window)
        if match and (match.start() == 0 or not window[match.start() - 1].isalpha() or not match.group(0)[0].isalpha()):
            return name, start - (len(window) - match.start())
    return None, start


def _signed_start(text: str, start: int) -> int:
    """Include a minus sign written directly before the number, unless it joins two words or numbers or ends "+/-"
    (written for ±)."""
    if (
        start > 0
        and text[start - 1] == "-"
        and (start == 1 or not (text[start - 2].isascii() and text[start - 2].isalnum()))
        and text[max(0, start - 3) : start] != "+/-"
    ):
        return start - 1
    return start


def _dimensions_end(norm: str, end: int) -> int | None:
    """Return where a chain of dimensions ("500×1200", "450 x 450 x 600") that starts with the number ending at end
    ends, or None when no other dimension follows it."""
    last = None
    while dimension := _DIMENSION.match(norm, end):
        last = end = dimension.end()
    return last


def _each_part(norm: str, start: int, last: int, first: float) -> float:
    """Return the value a chain of numbers from start to last states: each part's where it is a count of like parts
    and their value ("3 × 300 kN"), else the first number's (a dimension)."""
    count = _COUNT.match(norm, start)
    return _parse_number(count.group(1)) if count and count.end() == last else first


def extract_quantities(text: str) -> list[StatedQuantity]:
    """Return every number with a unit stated in the text, in order; bare numbers are left out.

    The readings, the entry suggestions and the evidence of one text each ask for its quantities: the last texts'
    are kept (`QUANTITIES_CACHED`), so a text is parsed once.
    """
    return list(_quantities(text))


def _tolerance_of(previous: StatedQuantity, norm: str, start: int, unit: str) -> bool:
    """Return True when a "±" value starting at start is the tolerance of the value just before it ("1080 nm ± 5 nm"):
    nothing but spaces between them and units of one kind."""
    return not norm[previous.end : start].strip() and same_kind(previous.unit, unit)


@functools.lru_cache(maxsize=QUANTITIES_CACHED)
def _quantities(text: str) -> tuple[StatedQuantity, ...]:
    norm = normalise(text)
    found: list[StatedQuantity] = []
    consumed = 0
    for match in _NUMBER.finditer(norm):
        if match.start() < consumed:
            continue
        start = _signed_start(norm, match.start())
        first = _number_at(norm, start)
        if first is None:
            continue
        value, end = first
        if _STEEL_GRADE.match(norm, start) or _MODEL_SUFFIX.search(norm, 0, start) and start == match.start():
            continue
        context = norm[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS]
        unit = _unit_after(norm, end, context, norm)
        upper = None
        if unit is None and (last := _dimensions_end(norm, end)) is not None:
            unit = _unit_after(norm, last, context, norm)  # the first dimension; the chain is its phrase
            if unit is None:
                continue
            value = _each_part(norm, start, last, value)
        elif unit is None and (tolerance := _TOLERANCE.match(norm, end)):
            second = _number_at(norm, tolerance.end())
            unit = _unit_after(norm, second[1], context, norm) if second else None
            if unit is None:
                continue
        elif unit is None:
            separator = _RANGE.match(norm, end)
            second = _number_at(norm, separator.end()) if separator else None
            unit = _unit_after(norm, second[1], context, norm) if second else None
            if unit is None:
                continue
            upper = second[0]
        else:
            separator = _RANGE.match(norm, unit[1])
            second = _number_at(norm, separator.end()) if separator else None
            repeated = _unit_after(norm, second[1], context, norm) if second else None
            if repeated and repeated[0] == unit[0]:
                upper, unit = second[0], repeated
            elif repeated and same_kind(repeated[0], unit[0]):  # "10 MHz to 67 GHz": the upper end in the first unit
                upper, unit = convert(second[0], repeated[0], unit[0]), (unit[0], repeated[1])
        expression, end = unit
        if _COMPOUND_TAIL.match(norm, end) or (
            upper is not None and upper < value and value > 0 and "-" in norm[start:end]
        ):
            continue
        comparator, phrase_start = _prefix_comparator(norm, start)
        if comparator == "±" and found and _tolerance_of(found[-1], norm, phrase_start, expression):
            consumed = end
            continue
        for pattern, name in _SUFFIX:
            suffix = pattern.match(norm, end)
            if suffix:
                comparator, end = name, suffix.end()
                break
        if upper is not None and comparator is None:
            comparator = "range"
        if upper is not None and upper < value:
            value, upper = upper, value
        found.append(StatedQuantity(value, expression, phrase_start, end, text[phrase_start:end], comparator, upper))
        consumed = end
    return tuple(found)

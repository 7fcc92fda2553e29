"""What a text's stated parameters say about each label: one of its entries met, one below and none met, or
nothing to go by. The head learns on validation how far each reading moves a label's score.

Each entry is read as its provision tree. A line's threshold records must all hold (the conditions of one provision
line: "12 bit or more ... with a sample rate greater than 400 MSPS"); the lines under a line that asks for "all of the
following" (or "both") must all hold too, and a line under it without records is a condition the text cannot be
checked against, so that line is never met; other sub-lines are alternatives. A line is met when the text states
each of its conditions and each holds, below when a condition it states does not hold, and says nothing when a stated
value falls outside what a selector of the line allows (a band the line bounds from both sides, or a parameter that
only selects, such as a laser's wavelength: `Parameter.selects`), unless the value is a capability under every
value the entry's lines admit (`_floors`). A line whose band the item is stated to fall in, with another condition
unstated, is UNDECIDED: it keeps the other alternatives from reading below. A value more than MAX_ORDERS_APART orders of
magnitude from a threshold is taken for another quantity in the same unit (an ultimate vacuum is not the working
pressure of a press) and counts as not stated. An entry or paragraph listed in `subjects.yaml` (one stated in
parameters any product has: tensile strength, density, purity) applies only when the text names its subject (maraging
steel, bismuth, a spray dryer). Text that points to special design for a military or controlled use never reads
below.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from classifier.entries.control_list import control_list
from classifier.entries.decision import SPECIAL_DESIGN
from classifier.entries.quantities import StatedQuantity, extract_quantities, normalise
from classifier.entries.thresholds import (
    BELOW,
    COMPARATORS,
    FEATURE_UNIT,
    MEETS,
    NOT_STATED,
    Parameter,
    Threshold,
    exempted_paragraphs,
    find_stated,
    keyword_spans,
    load_parameters,
    load_thresholds,
    stated_value,
    unnamed_subjects,
)
from classifier.entries.units import convert, same_kind
from classifier.settings import get_settings
from classifier.taxonomy import default_taxonomy

READING_VALUES = {MEETS: 1, BELOW: -1, NOT_STATED: 0}
# "having all of the following" (the list text once runs it together: 3A002.a.7's "havingall")
ALL_OF = re.compile(r"(?:\b|(?<=having))(?:all|both) (?:of )?the following", re.IGNORECASE)
MAX_ORDERS_APART = 3
MAX_REASONS = 3  # shortfalls quoted in a below reason
NOT_APPLICABLE = None  # a stated value falls outside a band the provision is for: it says nothing about the label
# A line whose selectors (a frequency band) the item is stated to fall in, and one of whose other conditions is not
# stated: the item may meet it, so other alternatives being below says nothing (a 67 GHz network analyser, output
# power not given, may meet 3A002.e.1, whatever it is of 3A002.e.4's 110 GHz).
UNDECIDED = "undecided"
# The list states fibres' "specific modulus" and "specific tensile strength" (a stress over density times g, in
# metres); catalogues state the stress and the density, from which they are worked out. A density below
# MIN_FIBRE_DENSITY (the lightest fibres, polyethylene, are about 0.97 g/cm3) is a felt's or a mat's bulk density.
SPECIFIC = {"specific_modulus": "tensile_modulus", "specific_tensile_strength": "tensile_strength"}
STANDARD_GRAVITY = 9.80665  # m/s2
# 3A001.b's "fractional bandwidth" (catalogues state the frequency range it is worked out from)
FRACTIONAL_BANDWIDTH, FREQUENCY_RANGE = "band_fractional_bandwidth", "rf_frequency"
MIN_FIBRE_DENSITY = 900.0  # kg/m3


@dataclass(frozen=True)
class Provision:
    """A node of an entry's provision tree: its own threshold records, the parameters among them that only say
    whether the line applies and those a value short of says nothing about (`Parameter.below_says_nothing`), its
    sub-provisions, and whether those must all hold (a line asking for "all of the following" or "both") or are
    alternatives."""

    path: str
    records: tuple[Threshold, ...]
    selectors: frozenset[str]
    silent_below: frozenset[str]  # of its records' parameters, those a value short of says nothing about
    children: tuple[Provision, ...]
    all_of: bool
    parameters: frozenset[str]  # of the records here and below
    floors: dict[str, tuple[float, str]] = field(default_factory=dict, compare=False, hash=False)  # see `_floors`


def _selectors(records: tuple[Threshold, ...], selecting: frozenset[str]) -> frozenset[str]:
    """Return the parameters of a line that say which line applies, not how capable the item is: those the line
    bounds from both sides ("8 bit or more but less than 10 bit", a wavelength range) and those that always select
    (`Parameter.selects`)."""
    lower = {r.parameter for r in records if r.comparator in (">", ">=")}
    upper = {r.parameter for r in records if r.comparator in ("<", "<=")}
    return frozenset(lower & upper) | {r.parameter for r in records if r.parameter in selecting}


def _floors(records: dict[str, list[Threshold]], parameters: dict[str, Parameter]) -> dict[str, tuple[float, str]]:
    """Return, per measured parameter, the least value any line of an entry admits (value, unit), where
    every line that names the parameter bounds it from below: a value under it is below the whole entry, even where
    a line bounds the parameter from both sides (2B352.e: freeze dryers of 10 kg of ice or more and less than
    1000 kg). A parameter that some line bounds only from above ("axis travel less than 1 m") has no floor, nor has a
    frequency: a carrier below a line's band is in another band, not a less capable item (a 10 MHz clock output says
    nothing about 3A002's microwave instruments)."""
    frequencies = {name for name, parameter in parameters.items() if same_kind(parameter.unit, "hertz")}
    lowest: dict[str, float] = {}
    open_below: set[str] = set()
    for line in records.values():
        for name in {r.parameter for r in line if not parameters[r.parameter].selects} - frequencies:
            unit = parameters[name].unit
            bounds = [
                convert(r.value, r.unit, unit) for r in line if r.parameter == name and r.comparator in (">", ">=")
            ]
            if bounds:
                lowest[name] = min(lowest.get(name, math.inf), max(bounds))
            else:
                open_below.add(name)
    return {name: (value, parameters[name].unit) for name, value in lowest.items() if name not in open_below}


def _provision(
    path: str,
    texts: dict[str, str],
    children: dict[str, list[str]],
    records: dict[str, list[Threshold]],
    selecting: frozenset[str],
    silent: frozenset[str],
    floors: dict[str, tuple[float, str]],
) -> Provision:
    subs = tuple(
        _provision(child, texts, children, records, selecting, silent, floors) for child in children.get(path, ())
    )
    own = tuple(records.get(path, ()))
    return Provision(
        path,
        own,
        _selectors(own, selecting),
        frozenset(r.parameter for r in own) & silent,
        subs,
        bool(ALL_OF.search(texts.get(path, ""))),
        frozenset().union(*(sub.parameters for sub in subs)) | {r.parameter for r in own},
        floors,
    )


def _entry_tree(code: str, records: dict[str, list[Threshold]], parameters: dict[str, Parameter]) -> Provision:
    """Return an entry's provision tree: its lines, plus each recorded paragraph and the steps above it."""
    texts = control_list().entry(code).provisions
    paths = set(texts) | {".".join(path.split(".")[:n]) for path in records for n in range(1, path.count(".") + 2)}
    children: dict[str, list[str]] = {}
    for path in sorted(paths):
        if "." in path:
            children.setdefault(path.rsplit(".", 1)[0], []).append(path)
    selecting = frozenset(name for name, parameter in parameters.items() if parameter.selects)
    silent = frozenset(name for name, parameter in parameters.items() if parameter.below_says_nothing)
    return _provision(code, texts, children, records, selecting, silent, _floors(records, parameters))


@lru_cache(maxsize=8)
def _entries_by_label(labels: tuple[str, ...], data: str) -> dict[str, tuple[Provision, ...]]:
    """Return, per label, the provision trees of its entries that have threshold records."""
    taxonomy = default_taxonomy()
    parameters = load_parameters(Path(data))
    by_code: dict[str, dict[str, list[Threshold]]] = {}
    for threshold in load_thresholds(Path(data)):
        by_code.setdefault(threshold.code, {}).setdefault(threshold.paragraph, []).append(threshold)
    trees: dict[str, list[Provision]] = {label: [] for label in labels}
    for code, records in by_code.items():
        label = taxonomy.label_for_code(code)
        if label in trees:
            trees[label].append(_entry_tree(code, records, parameters))
    return {label: tuple(entries) for label, entries in trees.items()}


@lru_cache(maxsize=8)
def _parameters_read(labels: tuple[str, ...], data: str) -> frozenset[str]:
    """Return the parameters the labels' entry trees have records for."""
    trees = _entries_by_label(labels, data)
    recorded = frozenset().union(*(entry.parameters for entries in trees.values() for entry in entries))
    inputs = {name for ratio, stress in SPECIFIC.items() if ratio in recorded for name in (stress, "density")}
    if FRACTIONAL_BANDWIDTH in recorded:
        inputs.add(FREQUENCY_RANGE)
    return recorded | inputs


@lru_cache(maxsize=4096)
def _measured(wanted: frozenset[str], units: frozenset[str], data: str) -> frozenset[str]:
    """Return the wanted parameters whose unit measures what one of the stated units measures."""
    parameters = load_parameters(Path(data))
    return frozenset(name for name in wanted if any(same_kind(parameters[name].unit, unit) for unit in units))


def _with_derived(values: dict[str, StatedQuantity]) -> dict[str, StatedQuantity]:
    """Return values with the fractional bandwidth and the fibres' specific values the text does not state worked
    out from what it does state."""
    return _with_specific(_with_fractional_bandwidth(values))


def _with_fractional_bandwidth(values: dict[str, StatedQuantity]) -> dict[str, StatedQuantity]:
    """Return values with the "fractional bandwidth" of a stated frequency range, when the text does not state it:
    the range's width over its centre frequency, in percent (3A001.b: "2,7 to 3,2 GHz" is 17 %)."""
    band = values.get(FREQUENCY_RANGE)
    if FRACTIONAL_BANDWIDTH in values or band is None or band.upper is None or band.upper <= band.value:
        return values
    percent = 200.0 * (band.upper - band.value) / (band.upper + band.value)
    derived = StatedQuantity(percent, "percent", band.start, band.end, band.phrase, band.comparator)
    return values | {FRACTIONAL_BANDWIDTH: derived}


def _with_specific(values: dict[str, StatedQuantity]) -> dict[str, StatedQuantity]:
    """Return values with each specific modulus or strength the text does not state worked out from the stated
    stress and density (see SPECIFIC)."""
    density = values.get("density")
    if density is None or (kg_m3 := convert(density.value, density.unit, "kilogram/meter**3")) < MIN_FIBRE_DENSITY:
        return values
    derived = dict(values)
    for ratio, name in SPECIFIC.items():
        stress = values.get(name)
        if stress is not None and ratio not in values:
            metres = convert(stress.value, stress.unit, "pascal") / (kg_m3 * STANDARD_GRAVITY)
            derived[ratio] = StatedQuantity(
                metres, "meter", stress.start, stress.end, f"{stress.phrase} / {density.phrase}", stress.comparator
            )
    return derived


def _implausible(stated: StatedQuantity, record: Threshold) -> bool:
    """Return True when a stated value (each end of a stated range) is so many orders of magnitude from a threshold
    (MAX_ORDERS_APART) that it is more likely another quantity in the same unit (an ultimate vacuum read as a working
    pressure) than the parameter. Nil is infinitely many orders from any threshold: a range from 0 ("measuring range
    0~80 m") says nothing of an accuracy. A feature's 0 (the item lacks it) is no measurement."""
    if stated.unit == FEATURE_UNIT:
        return False
    ends = [stated.value] if stated.upper is None else [stated.value, stated.upper]
    return all(_orders_apart(convert(end, stated.unit, record.unit), record.value) for end in ends)


def _orders_apart(value: float, threshold: float) -> bool:
    if value == 0:
        return threshold != 0
    return value > 0 and threshold > 0 and abs(math.log10(value / threshold)) > MAX_ORDERS_APART


def _line_status(provision: Provision, values: dict[str, StatedQuantity]) -> str | None:
    """Return MEETS when every record of a line is stated (in values) and holds, BELOW when a stated one does not
    hold, NOT_APPLICABLE when a stated value falls outside what one of its selectors allows, UNDECIDED when the item
    is of the kind the line's selectors ask for but a condition is not stated, else NOT_STATED."""
    statuses = []
    selected = bool(provision.selectors)
    for record in provision.records:
        value = _counted_value(provision, record, values)
        if value is None:
            statuses.append(NOT_STATED)
            selected &= record.parameter not in provision.selectors
            continue
        holds = COMPARATORS[record.comparator](value, record.value)
        if not holds and record.parameter in provision.selectors and not _under_floor(provision, record, value):
            return NOT_APPLICABLE
        statuses.append(MEETS if holds else BELOW)
    status = _all_of(statuses)
    return UNDECIDED if status == NOT_STATED and selected else status


def _counted_value(provision: Provision, record: Threshold, values: dict[str, StatedQuantity]) -> float | None:
    """Return the stated value a record is read against (in its unit), or None where the reading counts it as not
    stated: not in the text, taken for another quantity (`_implausible`), or short of a record whose parameter's
    shortfall says nothing (`Parameter.below_says_nothing`)."""
    stated = values.get(record.parameter)
    if stated is None or _implausible(stated, record):
        return None
    value = stated_value(stated, record)
    if record.parameter in provision.silent_below and not COMPARATORS[record.comparator](value, record.value):
        return None
    return value


def _under_floor(provision: Provision, record: Threshold, value: float) -> bool:
    """Return True when a value (in the record's unit) is less than every value the provision's entry admits for the
    record's parameter (`_floors`)."""
    floor = provision.floors.get(record.parameter)
    return floor is not None and value < convert(*floor, record.unit)


def _all_of(statuses: list[str | None]) -> str | None:
    """Conditions that must all hold: not applicable if one is, below if one is below, met if all are met."""
    if NOT_APPLICABLE in statuses:
        return NOT_APPLICABLE
    if BELOW in statuses:
        return BELOW
    if all(status == MEETS for status in statuses):
        return MEETS
    return UNDECIDED if UNDECIDED in statuses else NOT_STATED


def _any_of(statuses: list[str | None]) -> str | None:
    """Alternatives: met if one is met, else below if one the text states something about is below."""
    known = [status for status in statuses if status is not NOT_APPLICABLE]
    if not known:
        return NOT_APPLICABLE
    for status in (MEETS, UNDECIDED, BELOW):
        if status in known:
            return status
    return NOT_STATED


def _status(
    provision: Provision, values: dict[str, StatedQuantity], unnamed: frozenset[str], exempt: dict[str, str]
) -> str | None:
    """Return the status of a provision: its own line and its sub-provisions (all of them, or any one) together. A
    sub-provision without records is an unknown condition: it keeps an "all of the following" line from being met.
    A provision whose subject the text does not name (its path in unnamed) does not apply; one whose decontrol note
    the text says its item falls under (its path in exempt, `exempted_paragraphs`) is below."""
    if provision.path in exempt:
        return NOT_APPLICABLE if provision.path in unnamed else BELOW
    if provision.parameters.isdisjoint(values) and not any(path.startswith(provision.path + ".") for path in exempt):
        return NOT_STATED
    if provision.path in unnamed:
        return NOT_APPLICABLE
    parts = [_line_status(provision, values)] if provision.records else []
    if provision.children:
        statuses = [_status(child, values, unnamed, exempt) for child in provision.children]
        parts.append(_all_of(statuses) if provision.all_of else _any_of(statuses))
    return _all_of(parts)


def read_labels(text: str, labels: list[str], data: Path | None = None) -> dict[str, str]:
    """Return each label's reading of the text: MEETS when one of its entries is met, BELOW when one the text states
    something about is below and none is met (and no sign of special design), else NOT_STATED."""
    readings = dict.fromkeys(labels, NOT_STATED)
    for label, read in _readings(text, labels, data).items():
        readings[label] = read.status
    return readings


def below_reasons(text: str, about: dict[str, list[str]], data: Path | None = None) -> dict[str, str]:
    """Return, for each label whose entries the text is about (about: label -> entry codes) read BELOW (one below,
    none met or undecided), why: the lines whose stated values fall short ("below 2B352.e: 6 kg, needs >= 10
    kilogram")."""
    found = {}
    for label, read in _readings(text, list(about), data).items():
        trees = [tree for tree in read.trees if tree.path in about[label]]
        if read.status == MEETS or not trees:
            continue
        if _any_of([_status(tree, read.values, read.unnamed, read.exempt) for tree in trees]) == BELOW:
            lines = [line for tree in trees for line in _shortfalls(tree, read.values, read.unnamed, read.exempt)]
            found[label] = "; ".join(list(dict.fromkeys(lines))[:MAX_REASONS])
    return found


def _shortfalls(
    provision: Provision, values: dict[str, StatedQuantity], unnamed: frozenset[str], exempt: dict[str, str]
) -> list[str]:
    """Return, for a provision that reads BELOW, each of its lines' stated values that fall short of a record, or
    the words by which its decontrol note exempts the item."""
    if _status(provision, values, unnamed, exempt) != BELOW:
        return []
    if provision.path in exempt:
        return [f'below {provision.path}: its note exempts "{exempt[provision.path]}"']
    found = []
    if provision.records and _line_status(provision, values) == BELOW:
        for record in provision.records:
            value = _counted_value(provision, record, values)
            if value is not None and not COMPARATORS[record.comparator](value, record.value):
                found.append(f"below {provision.path}: {_shortfall(values[record.parameter], record)}")
    return found + [line for child in provision.children for line in _shortfalls(child, values, unnamed, exempt)]


def _shortfall(stated: StatedQuantity, record: Threshold) -> str:
    """Return how a stated value falls short of a record, or the words saying the item lacks a feature."""
    if stated.unit == FEATURE_UNIT:
        return f'"{stated.phrase}", needs {record.parameter.replace("_", " ")}'
    return f"{stated.phrase}, needs {record.comparator} {record.value:g} {record.unit}"


@dataclass(frozen=True)
class _LabelReading:
    """A label's MEETS or BELOW reading, with what it was read from."""

    status: str
    trees: tuple[Provision, ...]  # the label's entries
    values: dict[str, StatedQuantity]  # the text's stated parameters
    unnamed: frozenset[str]  # the paragraphs the text is not about (subjects.yaml)
    exempt: dict[str, str]  # the paragraphs whose decontrol note exempts the item, with the words saying so


def _readings(text: str, labels: list[str], data: Path | None) -> dict[str, _LabelReading]:
    """Return each label that reads MEETS or BELOW, with its reading."""
    data = data or get_settings().data_dir
    entries = _entries_by_label(tuple(labels), str(data))
    quantities = extract_quantities(text)
    parameters = load_parameters(data)
    wanted = _parameters_read(tuple(labels), str(data))
    norm = normalise(text)
    measured = _measured(wanted, frozenset(quantity.unit for quantity in quantities), str(data))
    present = [parameters[name] for name in wanted if parameters[name].is_feature or name in measured]
    spans = keyword_spans(norm, [p for p in present if not p.is_feature])  # a feature is read from its own words
    found = {p.id: find_stated(text, p, quantities, norm, spans.get(p.id)) for p in present}
    values = _with_derived({name: stated for name, stated in found.items() if stated is not None})
    exempt = exempted_paragraphs(norm, data)
    if not values and not exempt:
        return {}
    special = SPECIAL_DESIGN.search(text) is not None
    unnamed = unnamed_subjects(norm, data)
    readings = {}
    for label, trees in entries.items():
        status = _any_of([_status(entry, values, unnamed, exempt) for entry in trees])
        if status == MEETS or (status == BELOW and not special):
            readings[label] = _LabelReading(status, trees, values, unnamed, exempt)
    return readings


def reading_matrix(texts: list[str], labels: list[str], data: Path | None = None) -> np.ndarray:
    """Return the (n_texts x n_labels) readings as +1 (met), -1 (below) and 0 (nothing to go by)."""
    matrix = np.zeros((len(texts), len(labels)), dtype=np.int8)
    for row, text in enumerate(texts):
        readings = read_labels(text, labels, data)
        matrix[row] = [READING_VALUES[readings[label]] for label in labels]
    return matrix

"""Validate the parameter, threshold and subject files against pint and the Annex I text (run by `dualuse data
check`)."""

from __future__ import annotations

import re
from pathlib import Path

from classifier.entries.control_list import ControlListError, control_list
from classifier.entries.thresholds import (
    COMPARATORS,
    EXEMPTIONS_FILE,
    FEATURE_UNIT,
    PARAMETERS_FILE,
    SUBJECTS_FILE,
    THRESHOLDS_DIR,
    ThresholdError,
    read_yaml,
)
from classifier.entries.units import known_unit, same_kind
from classifier.settings import get_settings

REQUIRED = ("paragraph", "parameter", "comparator", "value", "unit", "line")
OPTIONAL = ("notes",)


def _written_forms(value: float) -> set[str]:
    """Return ways the list text writes a number: decimal comma, and m × 10n with the superscript lost."""
    plain = f"{value:f}".rstrip("0").rstrip(".")
    forms = {plain, plain.replace(".", ",")}
    for exponent in range(2, 16):
        mantissa = value / 10**exponent
        if 1 <= mantissa < 10:
            text = f"{mantissa:f}".rstrip("0").rstrip(".").replace(".", ",")
            forms.add(f"{text} × 10{exponent}")
    return forms


def _parameter_errors(path: Path) -> tuple[dict, list[str]]:
    try:
        raw = read_yaml(path)
    except (ThresholdError, OSError) as exc:
        return {}, [str(exc)]
    if not isinstance(raw, dict):
        return {}, [f"{path}: must map parameter ids to {{unit, keywords}}"]
    errors = []
    for name, spec in raw.items():
        if not isinstance(spec, dict) or not known_unit(str(spec.get("unit"))):
            errors.append(
                f"{path}: parameter {name!r}: unit {spec.get('unit') if isinstance(spec, dict) else spec!r} is not known to pint"
            )
        elif not _words(spec.get("keywords")):
            errors.append(f"{path}: parameter {name!r}: needs a list of keywords")
        elif "absent" in spec and (not _words(spec["absent"]) or spec["unit"] != FEATURE_UNIT):
            errors.append(f"{path}: feature {name!r}: needs a list of `absent` words and unit {FEATURE_UNIT}")
    return raw, errors


def _words(words) -> bool:
    return isinstance(words, list) and bool(words) and all(isinstance(w, str) and w.strip() for w in words)


def _record_errors(record, where: str, parameters: dict) -> list[str]:
    if not isinstance(record, dict):
        return [f"{where}: each record must be a mapping"]
    missing = [name for name in REQUIRED if name not in record]
    extra = [name for name in record if name not in REQUIRED + OPTIONAL]
    if missing or extra:
        return [f"{where}: missing field(s) {missing}" if missing else f"{where}: unexpected field(s) {extra}"]
    errors = []
    paragraph, value, unit = str(record["paragraph"]), record["value"], str(record["unit"])
    lists = control_list()
    if not lists.has_paragraph(paragraph):
        return [f"{where}: paragraph {paragraph!r} is not in the Annex I text"]
    entry = lists.entry(paragraph[:5])
    if record["parameter"] not in parameters:
        errors.append(f"{where}: unknown parameter {record['parameter']!r} (define it in {PARAMETERS_FILE})")
    if record["comparator"] not in COMPARATORS:
        errors.append(f"{where}: comparator must be one of {', '.join(COMPARATORS)}, not {record['comparator']!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.append(f"{where}: value {value!r} is not a number")
    elif not known_unit(unit):
        errors.append(f"{where}: unit {unit!r} is not known to pint")
    else:
        if record["parameter"] in parameters and not same_kind(unit, parameters[record["parameter"]]["unit"]):
            errors.append(f"{where}: unit {unit!r} does not measure {record['parameter']!r}")
        written = str(record["line"])
        if "absent" in (parameters.get(record["parameter"]) or {}):  # a feature: the line names it in words
            if (record["comparator"], value) != (">=", 1):
                errors.append(f"{where}: a feature's record is '>= 1' (the item has it)")
        elif not any(re.search(rf"(?<![\d,]){re.escape(form)}(?![\d])", written) for form in _written_forms(value)):
            errors.append(f"{where}: value {value} is not written in its line")
    line = str(record["line"])
    # a decontrol note's exemption ("a maximum frame rate equal to or less than 9 Hz") is a condition of its paragraph
    if line not in entry.provisions[paragraph] and not any(line in note for note in lists.decontrol_notes(paragraph)):
        errors.append(f"{where}: line is not the verbatim text of {paragraph} or of a note on it")
    for note in record.get("notes") or []:
        if str(note) not in entry.verbatim_text:
            errors.append(f"{where}: note not found verbatim in {entry.code}: {str(note)[:60]!r}")
    return errors


def _mapping(path: Path) -> tuple[dict, list[str]]:
    """Return a YAML file that maps entry codes or paragraphs to words (empty when it does not exist), with the
    errors that kept it from being read."""
    if not path.exists():
        return {}, []
    try:
        raw = read_yaml(path) or {}
    except ThresholdError as exc:
        return {}, [str(exc)]
    if not isinstance(raw, dict):
        return {}, [f"{path}: must map entry codes or paragraphs to lists of words"]
    return raw, []


def _subject_errors(path: Path) -> list[str]:
    raw, errors = _mapping(path)
    for key, terms in raw.items():
        if not control_list().has_paragraph(str(key)):
            errors.append(f"{path}: {key!r} is not an entry or paragraph of the Annex I text")
        if isinstance(terms, dict) and set(terms) == {"not"}:
            terms = terms["not"]
        if not _words(terms):
            errors.append(f"{path}: {key!r} needs a list of words (or {{not: [words]}})")
    return errors


def _exemption_errors(path: Path) -> list[str]:
    raw, errors = _mapping(path)
    for key, words in raw.items():
        if not control_list().has_paragraph(str(key)):
            errors.append(f"{path}: {key!r} is not an entry or paragraph of the Annex I text")
        elif not control_list().decontrol_notes(str(key)):
            errors.append(f"{path}: {key!r} has no note saying what it does not control")
        if not _words(words):
            errors.append(f"{path}: {key!r} needs a list of words")
    return errors


def threshold_errors(data: Path | None = None) -> list[str]:
    """Return every problem of data/control_list/parameters.yaml, thresholds/*.yaml, subjects.yaml and
    exemptions.yaml (empty when all is well)."""
    data = data or get_settings().data_dir
    parameters, errors = _parameter_errors(data / PARAMETERS_FILE)
    errors += _subject_errors(data / SUBJECTS_FILE) + _exemption_errors(data / EXEMPTIONS_FILE)
    for path in sorted((data / THRESHOLDS_DIR).glob("*.yaml")):
        try:
            records = read_yaml(path) or []
        except ThresholdError as exc:
            errors.append(str(exc))
            continue
        if not isinstance(records, list):
            errors.append(f"{path}: must be a list of threshold records")
            continue
        seen: dict[tuple, int] = {}  # each record's paragraph, parameter, comparator, value and unit: its number
        for number, record in enumerate(records, start=1):
            try:
                errors += _record_errors(record, f"{path}: record {number}", parameters)
            except ControlListError as exc:
                errors.append(f"{path}: record {number}: {exc}")
            if isinstance(record, dict):
                key = tuple(
                    str(record.get(field)) for field in ("paragraph", "parameter", "comparator", "value", "unit")
                )
                if key in seen:
                    errors.append(f"{path}: record {number} repeats record {seen[key]}")
                seen.setdefault(key, number)
    return errors

"""What a text's stated parameters say about each label: a paragraph of one of its entries met, every stated
paragraph below, or nothing to go by. The head learns on validation how far each reading moves a label's score.

A paragraph's threshold records must all hold (the conditions of one provision line: "12 bit or more ... with a
sample rate greater than 400 MSPS"), and so must those of sibling paragraphs under a line that asks for "all of the
following" (or "both"); other siblings are alternatives. Such a group is met when the text states each of its
conditions and each holds, and below when a condition it states does not hold. Text that points to
special design for a military or controlled use never reads below.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from classifier.entries.control_list import control_list
from classifier.entries.decision import SPECIAL_DESIGN
from classifier.entries.quantities import StatedQuantity, extract_quantities, normalise
from classifier.entries.thresholds import (
    BELOW,
    COMPARATORS,
    MEETS,
    NOT_STATED,
    Threshold,
    find_stated,
    keyword_spans,
    load_parameters,
    load_thresholds,
    stated_value,
)
from classifier.entries.units import same_kind
from classifier.settings import get_settings
from classifier.taxonomy import default_taxonomy

READING_VALUES = {MEETS: 1, BELOW: -1, NOT_STATED: 0}
ALL_OF = re.compile(r"\b(?:all|both) (?:of )?the following", re.IGNORECASE)


def condition_group(paragraph: str) -> str:
    """Return the provision whose conditions must hold together with this paragraph's: the paragraph itself, or the
    highest ancestor reached through lines that ask for all of the following."""
    provisions = control_list().entry(paragraph[:5]).provisions
    group = paragraph
    while "." in group and ALL_OF.search(provisions.get(group.rsplit(".", 1)[0], "")):
        group = group.rsplit(".", 1)[0]
    return group


@lru_cache(maxsize=8)
def _paragraphs_by_label(labels: tuple[str, ...], data: str) -> dict[str, tuple[tuple[Threshold, ...], ...]]:
    """Return, per label, its entries' threshold records grouped by the conditions that must hold together."""
    taxonomy = default_taxonomy()
    grouped: dict[str, dict[str, list[Threshold]]] = {label: {} for label in labels}
    for threshold in load_thresholds(Path(data)):
        label = taxonomy.label_for_code(threshold.code)
        if label in grouped:
            grouped[label].setdefault(condition_group(threshold.paragraph), []).append(threshold)
    return {label: tuple(tuple(records) for records in paragraphs.values()) for label, paragraphs in grouped.items()}


def _paragraph_status(records: tuple[Threshold, ...], values: dict[str, StatedQuantity]) -> str:
    """Return MEETS when every record's parameter is stated (in values) and holds, BELOW when a stated one does not
    hold."""
    statuses = []
    for record in records:
        stated = values.get(record.parameter)
        if stated is None:
            statuses.append(NOT_STATED)
            continue
        holds = COMPARATORS[record.comparator](stated_value(stated, record), record.value)
        statuses.append(MEETS if holds else BELOW)
    if BELOW in statuses:
        return BELOW
    return MEETS if all(status == MEETS for status in statuses) else NOT_STATED


def read_labels(text: str, labels: list[str], data: Path | None = None) -> dict[str, str]:
    """Return each label's reading of the text: MEETS when a paragraph of one of its entries is met, BELOW when every
    paragraph the text states something about is below (and no sign of special design), else NOT_STATED."""
    data = data or get_settings().data_dir
    paragraphs = _paragraphs_by_label(tuple(labels), str(data))
    readings = dict.fromkeys(labels, NOT_STATED)
    quantities = extract_quantities(text)
    if not quantities:
        return readings
    parameters = load_parameters(data)
    wanted = {record.parameter for groups in paragraphs.values() for records in groups for record in records}
    norm = normalise(text)
    kinds = {quantity.unit for quantity in quantities}
    present = [parameters[name] for name in wanted if any(same_kind(unit, parameters[name].unit) for unit in kinds)]
    spans = keyword_spans(norm, present)
    found = {p.id: find_stated(text, p, quantities, norm, spans[p.id]) for p in present}
    values = {name: stated for name, stated in found.items() if stated is not None}
    if not values:
        return readings
    special = SPECIAL_DESIGN.search(text) is not None
    for label, groups in paragraphs.items():
        statuses = {
            _paragraph_status(records, values) for records in groups if any(r.parameter in values for r in records)
        }
        if MEETS in statuses:
            readings[label] = MEETS
        elif BELOW in statuses and not special:
            readings[label] = BELOW
    return readings


def reading_matrix(texts: list[str], labels: list[str], data: Path | None = None) -> np.ndarray:
    """Return the (n_texts x n_labels) readings as +1 (met), -1 (below) and 0 (nothing to go by)."""
    matrix = np.zeros((len(texts), len(labels)), dtype=np.int8)
    for row, text in enumerate(texts):
        readings = read_labels(text, labels, data)
        matrix[row] = [READING_VALUES[readings[label]] for label in labels]
    return matrix

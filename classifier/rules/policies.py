"""Policy files: one legal instrument each, with dates, sources and declarative rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from classifier.rules.conditions import CONDITIONS
from classifier.rules.countries import ISO_ALPHA2
from classifier.rules.entities import EntityList
from classifier.rules.errors import PolicyFileError
from classifier.rules.schema import Fields, read_sources, read_yaml

# Strongest first: when rules disagree, the earliest decision in this order wins.
DECISIONS = ("prohibited", "review", "license_required", "not_controlled")

_INSTRUMENT_KEYS = {"id", "title", "citation", "issued", "effective_from", "effective_to", "sources", "notes", "rules"}
_RULE_KEYS = {"id", "decision", "applies_when", "detail", "citation"}


@dataclass(frozen=True)
class Rule:
    """One rule: when all its conditions hold, it yields its decision."""

    id: str
    decision: str
    conditions: tuple[tuple[str, tuple[str, ...]], ...]
    detail: str
    citation: str | None
    where: str


@dataclass(frozen=True)
class Instrument:
    """One legal instrument (announcement, law or regulation) and the rules that implement it."""

    id: str
    title: dict[str, str]
    citation: str
    issued: dt.date
    effective_from: dt.date
    effective_to: dt.date | None
    sources: tuple[dict[str, str], ...]
    notes: str | None
    rules: tuple[Rule, ...]
    path: str

    def in_force_on(self, date: dt.date) -> bool:
        """Return True if the instrument applies on `date`."""
        return self.effective_from <= date and (self.effective_to is None or date <= self.effective_to)


def _read_conditions(rule: Fields) -> tuple[tuple[str, tuple[str, ...]], ...]:
    applies_when = rule.mapping("applies_when")
    if not applies_when.raw:
        raise rule.error("applies_when", "must state at least one condition")
    applies_when.check_keys(set(CONDITIONS))
    conditions = []
    for kind, spec in CONDITIONS.items():
        if kind not in applies_when.raw:
            continue
        values = applies_when.text_list(kind, required=True)
        for index, value in enumerate(values):
            if spec.values == "choices" and value not in spec.choices:
                raise applies_when.error(f"{kind}[{index}]", f"{value!r} is not one of {', '.join(spec.choices)}")
            if spec.values == "countries" and value not in ISO_ALPHA2:
                raise applies_when.error(f"{kind}[{index}]", f"{value!r} is not an ISO 3166 alpha-2 code")
        conditions.append((kind, values))
    return tuple(conditions)


def _read_rule(rule: Fields) -> Rule:
    rule.check_keys(_RULE_KEYS)
    return Rule(
        id=rule.text("id"),
        decision=rule.choice("decision", DECISIONS),
        conditions=_read_conditions(rule),
        detail=rule.text("detail"),
        citation=rule.text("citation", required=False),
        where=rule.where,
    )


def read_instrument(raw: object, path: str) -> Instrument:
    """Return the instrument of one policy document, or raise PolicyFileError naming the file and field."""
    document = Fields(raw, path)
    document.check_keys(_INSTRUMENT_KEYS)
    title = document.mapping("title")
    for language in ("zh", "en"):
        title.text(language)
    effective_from = document.date("effective_from")
    effective_to = document.date("effective_to", required=False)
    if effective_to and effective_to < effective_from:
        raise document.error("effective_to", f"{effective_to} is before effective_from {effective_from}")
    rules = tuple(_read_rule(rule) for rule in document.mappings("rules"))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise PolicyFileError(path, f"{rule.where}.id", f"{rule.id!r} is used by another rule of this file")
        seen.add(rule.id)
    return Instrument(
        id=document.text("id"),
        title={str(language): str(text) for language, text in title.raw.items()},
        citation=document.text("citation"),
        issued=document.date("issued"),
        effective_from=effective_from,
        effective_to=effective_to,
        sources=read_sources(document),
        notes=document.text("notes", required=False),
        rules=rules,
        path=path,
    )


def load_instruments(directory: Path) -> tuple[Instrument, ...]:
    """Return the instruments of every *.yaml file in `directory`, ids unique."""
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise PolicyFileError(str(directory), "", "holds no policy files (*.yaml)")
    instruments: dict[str, Instrument] = {}
    for path in paths:
        instrument = read_instrument(read_yaml(path), str(path))
        if instrument.id in instruments:
            other = instruments[instrument.id].path
            raise PolicyFileError(str(path), "id", f"{instrument.id!r} is also the id of {other}")
        instruments[instrument.id] = instrument
    return tuple(instruments.values())


def check_references(instruments: tuple[Instrument, ...], lists: dict[str, EntityList]) -> None:
    """Raise PolicyFileError if a rule names an unknown list or a list names an unknown instrument."""
    for instrument in instruments:
        for rule in instrument.rules:
            for kind, values in rule.conditions:
                if CONDITIONS[kind].values != "lists":
                    continue
                for index, list_id in enumerate(values):
                    if list_id not in lists:
                        raise PolicyFileError(
                            instrument.path,
                            f"{rule.where}.applies_when.{kind}[{index}]",
                            f"{list_id!r} is not the id of any entity list; known: {', '.join(sorted(lists))}",
                        )
    instrument_ids = {instrument.id for instrument in instruments}
    for entity_list in lists.values():
        if entity_list.instrument and entity_list.instrument not in instrument_ids:
            raise PolicyFileError(
                entity_list.path, "list.instrument", f"{entity_list.instrument!r} is not the id of any policy file"
            )

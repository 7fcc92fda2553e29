"""The screening policy: instruments, entity lists and the end-user matcher, loaded and validated together."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from classifier.rules.entities import Entity, EntityList, load_entity_lists
from classifier.rules.matching import EndUserMatcher
from classifier.rules.policies import Instrument, check_references, load_instruments
from classifier.rules.vocabulary import Vocabulary, load_vocabulary, vocabulary_path
from classifier.settings import get_settings

POLICIES_DIR = "policies"
ENTITIES_DIR = "entities"


@dataclass(frozen=True)
class Policy:
    """Everything a screening decision depends on; `version` is a short hash of the data files."""

    instruments: tuple[Instrument, ...]
    lists: dict[str, EntityList]
    entities: dict[str, Entity]
    children: dict[str, tuple[str, ...]]
    matcher: EndUserMatcher
    vocabulary: Vocabulary
    version: str
    data_dir: Path

    def in_force_on(self, date: dt.date) -> list[Instrument]:
        """Return the instruments that apply on `date`."""
        return [instrument for instrument in self.instruments if instrument.in_force_on(date)]

    def ancestors(self, entity_id: str) -> list[tuple[Entity, bool]]:
        """Return the parents of an entity, nearest first, each with whether a subsidiary link lies between."""
        chain = []
        across_subsidiary = False
        entity = self.entities[entity_id]
        while entity.parent:
            across_subsidiary = across_subsidiary or entity.relation == "subsidiary"
            entity = self.entities[entity.parent]
            chain.append((entity, across_subsidiary))
        return chain

    def descendants(self, entity_id: str) -> list[Entity]:
        """Return every subsidiary and unit below an entity."""
        found = []
        pending = list(self.children.get(entity_id, ()))
        while pending:
            child = self.entities[pending.pop()]
            found.append(child)
            pending.extend(self.children.get(child.id, ()))
        return found


def _data_version(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load_policy(data_dir: str | Path | None = None) -> Policy:
    """Return the policy read from `data_dir`/policies, /entities and /terms, validated; raise PolicyFileError."""
    root = Path(data_dir) if data_dir else get_settings().data_dir
    instruments = load_instruments(root / POLICIES_DIR)
    lists, entities = load_entity_lists(root / ENTITIES_DIR)
    check_references(instruments, lists)
    children: dict[str, list[str]] = {}
    for entity in entities.values():
        if entity.parent:
            children.setdefault(entity.parent, []).append(entity.id)
    vocabulary = load_vocabulary(root)
    files = sorted(
        [*(root / POLICIES_DIR).glob("*.yaml"), *(root / ENTITIES_DIR).glob("*.yaml"), vocabulary_path(root)]
    )
    return Policy(
        instruments=instruments,
        lists=lists,
        entities=entities,
        children={parent: tuple(ids) for parent, ids in children.items()},
        matcher=EndUserMatcher(entities),
        vocabulary=vocabulary,
        version=_data_version(files, root),
        data_dir=root,
    )

"""Entity lists: named end-users with their aliases, parent organisation and list memberships."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from classifier.rules.errors import PolicyFileError
from classifier.rules.names import COMMON_NAME_WORDS, compact_key, normalise
from classifier.rules.schema import Fields, read_sources, read_yaml

# `platform`: a weapon system, ship class or aircraft type only this end-user operates (SH-60K, いずも型).
ALIAS_KINDS = ("en", "ja", "kana", "romaji", "zh", "abbr", "generic", "platform", "other")
# An alias written as a mapping names its own source: an address, or `unsourced` for a name no source gave.
UNSOURCED = "unsourced"
LIST_KINDS = ("military", "control_list", "watch_list", "contractor", "other")
# A unit is part of its parent (a works, a base, an internal company) and shares the parent's listings;
# a subsidiary is a separate legal person, so its parent's listings are only a group signal.
RELATIONS = ("unit", "subsidiary")

_LIST_KEYS = {"id", "kind", "title", "instrument", "date", "effective_from", "sources", "notes"}
_ENTITY_KEYS = {
    "id",
    "name",
    "country",
    "parent",
    "relation",
    "aliases",
    "position",
    "listed_from",
    "listed_to",
    "sources",
    "notes",
}
_REF_KEYS = {"ref", "aliases", "position", "listed_from", "listed_to", "sources", "notes"}


@dataclass(frozen=True)
class Alias:
    """One way of writing an entity's name; `generic` aliases need a Japanese context to count.

    `source` is None when the alias comes from the sources of its list, else an address or `unsourced`.
    """

    text: str
    kind: str
    source: str | None = None


@dataclass(frozen=True)
class EntityList:
    """One list of entities, e.g. the MOFCOM control list of one announcement."""

    id: str
    kind: str
    title: dict[str, str]
    date: dt.date
    effective_from: dt.date | None
    instrument: str | None
    sources: tuple[dict[str, str], ...]
    gaps: tuple[str, ...]
    notes: str | None
    path: str


@dataclass(frozen=True)
class Membership:
    """An entity's place on a list and the dates between which it counts."""

    list_id: str
    position: int | None
    listed_from: dt.date | None
    listed_to: dt.date | None
    sources: tuple[dict[str, str], ...]
    notes: str | None

    def active_on(self, date: dt.date) -> bool:
        """Return True if the membership counts on `date`."""
        started = self.listed_from is None or self.listed_from <= date
        return started and (self.listed_to is None or date <= self.listed_to)


@dataclass(frozen=True)
class Entity:
    """A named organisation with its aliases, parent and list memberships."""

    id: str
    name: str
    country: str
    parent: str | None
    relation: str | None
    aliases: tuple[Alias, ...]
    memberships: tuple[Membership, ...]
    notes: str | None
    path: str


@dataclass
class _Draft:
    """Entity fields gathered from the defining entry and from references in other lists."""

    fields: Fields
    entity_id: str
    name: str
    country: str
    parent: str | None
    relation: str | None
    notes: str | None
    aliases: list[Alias] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)


def _read_alias(section: Fields, kind: str, index: int, item: object) -> Alias:
    """Return one alias written as text, or as a mapping with `name` and `source` (an address or `unsourced`)."""
    if not isinstance(item, dict):
        if not isinstance(item, (str, int)) or isinstance(item, bool) or not str(item).strip():
            raise section.error(f"{kind}[{index}]", f"{item!r} is not non-empty text")
        return Alias(str(item).strip(), kind)
    entry = Fields(item, section.path, f"{section.name(kind)}[{index}]")
    entry.check_keys({"name", "source"})
    source = entry.text("source")
    if source != UNSOURCED and not source.startswith(("http://", "https://")):
        raise entry.error("source", f"{source!r} is neither an http(s) address nor {UNSOURCED!r}")
    return Alias(entry.text("name"), kind, source)


def _read_aliases(fields: Fields) -> list[Alias]:
    section = fields.mapping("aliases", required=False)
    if section is None:
        return []
    section.check_keys(set(ALIAS_KINDS))
    aliases = []
    for kind in ALIAS_KINDS:
        items = section.raw.get(kind)
        items = [] if items is None else [items] if isinstance(items, str) else items
        if not isinstance(items, list):
            raise section.error(kind, "must be a list of names")
        aliases += [_read_alias(section, kind, index, item) for index, item in enumerate(items)]
    return aliases


def _read_membership(entry: Fields, entity_list: EntityList) -> Membership:
    listed_from = entry.date("listed_from", required=False) or entity_list.effective_from
    listed_to = entry.date("listed_to", required=False)
    if listed_from and listed_to and listed_to < listed_from:
        raise entry.error("listed_to", f"{listed_to} is before listed_from {listed_from}")
    return Membership(
        list_id=entity_list.id,
        position=entry.integer("position"),
        listed_from=listed_from,
        listed_to=listed_to,
        sources=read_sources(entry) if "sources" in entry.raw else entity_list.sources,
        notes=entry.text("notes", required=False),
    )


def read_entity_list(raw: object, path: str) -> tuple[EntityList, list[tuple[Fields, str | None]]]:
    """Return a list's header and its entries (each with the referenced id, or None for a definition)."""
    document = Fields(raw, path)
    document.check_keys({"list", "gaps", "entities"})
    header = document.mapping("list")
    header.check_keys(_LIST_KEYS)
    title = header.mapping("title")
    if not title.text("en", required=False):
        raise title.error("en", "an English title is required")
    entity_list = EntityList(
        id=header.text("id"),
        kind=header.choice("kind", LIST_KINDS),
        title={str(lang): str(text) for lang, text in title.raw.items()},
        date=header.date("date"),
        effective_from=header.date("effective_from", required=False),
        instrument=header.text("instrument", required=False),
        sources=read_sources(header),
        gaps=document.text_list("gaps"),
        notes=header.text("notes", required=False),
        path=path,
    )
    entries = []
    for entry in document.mappings("entities"):
        if "ref" in entry.raw:
            entry.check_keys(_REF_KEYS)
            entries.append((entry, entry.text("ref")))
        else:
            entry.check_keys(_ENTITY_KEYS)
            entries.append((entry, None))
    return entity_list, entries


def _define(entry: Fields, entity_list: EntityList) -> _Draft:
    parent = entry.text("parent", required=False)
    relation = entry.choice("relation", RELATIONS) if parent else None
    if not parent and "relation" in entry.raw:
        raise entry.error("relation", "is only meaningful together with 'parent'")
    name = entry.text("name")
    draft = _Draft(
        fields=entry,
        entity_id=entry.text("id"),
        name=name,
        country=entry.text("country").upper(),
        parent=parent,
        relation=relation,
        notes=entry.text("notes", required=False),
    )
    draft.aliases = [Alias(name, "other"), *_read_aliases(entry)]
    draft.memberships.append(_read_membership(entry, entity_list))
    return draft


def _check_alias_keys(drafts: dict[str, _Draft]) -> None:
    """Reject aliases that are only a common word, or that two entities share."""
    owner_of_key: dict[str, str] = {}
    for draft in drafts.values():
        for alias in draft.aliases:
            normalised = normalise(alias.text)
            key = compact_key(normalised)
            if not key:
                raise draft.fields.error(
                    "aliases", f"{alias.text!r} is empty once punctuation and legal forms are removed"
                )
            if normalised in COMMON_NAME_WORDS:
                raise draft.fields.error(
                    "aliases", f"{alias.text!r} is a word shared by unrelated firms and would match them all"
                )
            owner = owner_of_key.setdefault(key, draft.entity_id)
            if owner != draft.entity_id:
                raise draft.fields.error(
                    "aliases", f"{alias.text!r} of {draft.entity_id!r} is also an alias of {owner!r}"
                )


def _check_parents(drafts: dict[str, _Draft]) -> None:
    for draft in drafts.values():
        if draft.parent and draft.parent not in drafts:
            raise draft.fields.error("parent", f"{draft.parent!r} is not the id of any entity")
        seen = {draft.entity_id}
        current = draft.parent
        while current:
            if current in seen:
                raise draft.fields.error("parent", f"parent chain of {draft.entity_id!r} loops back to {current!r}")
            seen.add(current)
            current = drafts[current].parent


def build_entities(documents: list[tuple[object, str]]) -> tuple[dict[str, EntityList], dict[str, Entity]]:
    """Return lists by id and entities by id from parsed entity-list documents, validated across files."""
    lists: dict[str, EntityList] = {}
    drafts: dict[str, _Draft] = {}
    references: list[tuple[Fields, str, EntityList]] = []
    for raw, path in documents:
        entity_list, entries = read_entity_list(raw, path)
        if entity_list.id in lists:
            raise PolicyFileError(path, "list.id", f"{entity_list.id!r} is also the id of {lists[entity_list.id].path}")
        lists[entity_list.id] = entity_list
        for entry, ref in entries:
            if ref is not None:
                references.append((entry, ref, entity_list))
                continue
            draft = _define(entry, entity_list)
            if draft.entity_id in drafts:
                other = drafts[draft.entity_id].fields.path
                raise entry.error(
                    "id", f"{draft.entity_id!r} is already defined in {other}; use 'ref' to list it again"
                )
            drafts[draft.entity_id] = draft
    for entry, ref, entity_list in references:
        if ref not in drafts:
            raise entry.error("ref", f"{ref!r} is not the id of an entity defined in any list")
        drafts[ref].aliases.extend(_read_aliases(entry))
        drafts[ref].memberships.append(_read_membership(entry, entity_list))
    _check_parents(drafts)
    _check_alias_keys(drafts)
    entities = {
        entity_id: Entity(
            id=entity_id,
            name=draft.name,
            country=draft.country,
            parent=draft.parent,
            relation=draft.relation,
            aliases=tuple(dict.fromkeys(draft.aliases)),
            memberships=tuple(draft.memberships),
            notes=draft.notes,
            path=draft.fields.path,
        )
        for entity_id, draft in drafts.items()
    }
    return lists, entities


def load_entity_lists(directory: Path) -> tuple[dict[str, EntityList], dict[str, Entity]]:
    """Return lists and entities read from every *.yaml file in `directory`."""
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise PolicyFileError(str(directory), "", "holds no entity-list files (*.yaml)")
    return build_entities([(read_yaml(path), str(path)) for path in paths])

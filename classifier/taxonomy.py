"""The label taxonomy: fixed label ids with their control-list scope, loaded from data/taxonomy.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from classifier.errors import DualUseError
from classifier.settings import get_settings

REQUIRED_FIELDS = ("id", "name", "scope", "description", "examples")


class TaxonomyError(DualUseError, ValueError):
    """A taxonomy file or a label id that does not fit the taxonomy."""


@dataclass(frozen=True)
class Label:
    """One label: its id, display name, control-list scope and example items."""

    id: str
    name: str
    scope: str
    description: str
    examples: tuple[str, ...]
    lookalikes: tuple[str, ...] = ()
    category_digits: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()

    @property
    def category(self) -> str:
        """Return where the label sits in the control lists, short: "Cat. 7", or its entries when it has no
        category of its own ("1C351-1C354, 2B352")."""
        if self.category_digits:
            return "Cat. " + "/".join(self.category_digits)
        return self.scope.removesuffix(" and related technology")

    @property
    def display(self) -> str:
        """Return the name an analyst reads: "Navigation and avionics (Cat. 7)"."""
        return f"{self.name} ({self.category})"


@dataclass(frozen=True)
class Taxonomy:
    """The ordered list of labels; the order fixes the columns of every model output."""

    labels: tuple[Label, ...]
    source: str = ""
    by_id: dict[str, Label] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {label.id: label for label in self.labels})

    @property
    def ids(self) -> list[str]:
        """Return the label ids in taxonomy order."""
        return [label.id for label in self.labels]

    def validate_ids(self, ids, where: str) -> list[str]:
        """Return ids unchanged, or raise TaxonomyError naming `where` and the unknown id."""
        unknown = [label for label in ids if label not in self.by_id]
        if unknown:
            raise TaxonomyError(f"{where}: unknown label id {unknown[0]!r}; known ids: {', '.join(self.ids)}")
        return list(ids)

    def display(self, label_id: str) -> str:
        """Return a label's name and category for people to read; an id the taxonomy does not hold is returned as is."""
        label = self.by_id.get(label_id)
        return label.display if label else label_id

    def label_for_code(self, code: str) -> str | None:
        """Return the label id for a control-list code such as '9A012' or '1C351', or None."""
        code = code.strip().upper()
        if len(code) < 2 or not code[0].isdigit():
            return None
        for label in self.labels:
            if any(code.startswith(entry) for entry in label.entries):
                return label.id
        for label in self.labels:
            if code[0] in label.category_digits:
                return label.id
        return None


def _label_from_mapping(raw: dict, where: str) -> Label:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{where}: each label must be a mapping")
    missing = [name for name in REQUIRED_FIELDS if not raw.get(name)]
    if missing:
        raise TaxonomyError(f"{where}: label {raw.get('id', '?')!r} lacks field {missing[0]!r}")
    return Label(
        id=str(raw["id"]),
        name=str(raw["name"]),
        scope=str(raw["scope"]),
        description=str(raw["description"]).strip(),
        examples=tuple(raw["examples"]),
        lookalikes=tuple(raw.get("lookalikes") or ()),
        category_digits=tuple(str(d) for d in raw.get("category_digits") or ()),
        entries=tuple(raw.get("entries") or ()),
    )


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Return the taxonomy read and validated from `path` (default: data/taxonomy.yaml)."""
    path = Path(path) if path else get_settings().data_dir / "taxonomy.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: cannot read taxonomy: {exc}") from exc
    raw_labels = (document or {}).get("labels")
    if not isinstance(raw_labels, list) or not raw_labels:
        raise TaxonomyError(f"{path}: field 'labels' must be a non-empty list")
    labels = tuple(_label_from_mapping(raw, f"{path}: labels[{i}]") for i, raw in enumerate(raw_labels))
    seen: set[str] = set()
    for label in labels:
        if label.id in seen:
            raise TaxonomyError(f"{path}: duplicate label id {label.id!r}")
        seen.add(label.id)
    return Taxonomy(labels=labels, source=str(path))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """Return the project's taxonomy, loaded once."""
    return load_taxonomy()

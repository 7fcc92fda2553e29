"""Import a screening list from CSV or OpenSanctions (FollowTheMoney) JSON into an entity-list document."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import yaml

from classifier.rules.countries import ISO_ALPHA2
from classifier.rules.entities import ALIAS_KINDS, build_entities
from classifier.rules.errors import ListImportError, PolicyFileError
from classifier.rules.names import has_cjk, has_kana
from classifier.rules.ruleset import ENTITIES_DIR
from classifier.rules.schema import read_yaml

# FollowTheMoney schemata that name a party an order could go to.
PARTY_SCHEMATA = frozenset({"Person", "Company", "Organization", "LegalEntity", "PublicBody"})
CSV_ALIAS_SEPARATOR = ";"
MAX_REPORTED_ERRORS = 20


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def alias_kind(text: str) -> str:
    """Return the alias kind a bare alias most likely is: ja (kana), other (kanji only), abbr or en."""
    if has_kana(text):
        return "ja"
    if has_cjk(text):
        return "other"
    compact = text.replace(".", "")
    return "abbr" if compact.isupper() and compact.isalnum() and len(compact) <= 6 else "en"


def _aliases(pairs: list[tuple[str, str]], name: str) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for kind, text in pairs:
        text = text.strip()
        if text and text != name and text not in grouped.get(kind, []):
            grouped.setdefault(kind, []).append(text)
    return {kind: grouped[kind] for kind in ALIAS_KINDS if kind in grouped}


def _country(value: str, fallback: str | None, where: str, errors: list[str]) -> str:
    code = (value or fallback or "").strip().upper()
    if code not in ISO_ALPHA2:
        errors.append(f"{where}: country {code or '(blank)'!r} is not an ISO 3166 alpha-2 code")
    return code


def _entities_from_csv(path: Path, list_id: str, country: str | None, errors: list[str]) -> list[dict]:
    entities = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "name" not in reader.fieldnames:
            raise ListImportError(f"{path}: the CSV needs a 'name' column; found {reader.fieldnames or 'no header'}")
        for number, row in enumerate(reader, start=1):
            where = f"{path}: row {number}"
            name = (row.get("name") or "").strip()
            if not name:
                errors.append(f"{where}: column 'name' is empty")
                continue
            pairs = [(alias_kind(text), text) for text in (row.get("aliases") or "").split(CSV_ALIAS_SEPARATOR)]
            for kind in ALIAS_KINDS:
                pairs += [(kind, text) for text in (row.get(f"alias_{kind}") or "").split(CSV_ALIAS_SEPARATOR)]
            entity = {
                "id": _slug(row.get("id") or "") or f"{list_id}-{number}",
                "name": name,
                "country": _country(row.get("country") or "", country, where, errors),
            }
            if (row.get("position") or "").strip():
                if not row["position"].strip().isdigit():
                    errors.append(f"{where}: position {row['position']!r} is not a whole number")
                else:
                    entity["position"] = int(row["position"])
            if (row.get("parent") or "").strip():
                entity["parent"] = _slug(row["parent"])
                entity["relation"] = (row.get("relation") or "subsidiary").strip()
            aliases = _aliases(pairs, name)
            if aliases:
                entity["aliases"] = aliases
            if (row.get("source_url") or "").strip():
                entity["sources"] = [{"url": row["source_url"].strip()}]
            if (row.get("notes") or "").strip():
                entity["notes"] = row["notes"].strip()
            entities.append(entity)
    return entities


def _read_ftm_records(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    try:
        parsed = json.loads(text)
        records = parsed if isinstance(parsed, list) else parsed.get("entities") or parsed.get("results") or [parsed]
    except json.JSONDecodeError:
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ListImportError(f"{path}: line {number} is not JSON: {exc.msg}") from None
    if not all(isinstance(record, dict) for record in records):
        raise ListImportError(f"{path}: expected FollowTheMoney entities (JSON objects with 'schema' and 'properties')")
    return records


def _values(properties: dict, name: str) -> list[str]:
    return [value for value in properties.get(name) or [] if isinstance(value, str) and value.strip()]


def _entities_from_ftm(path: Path, list_id: str, country: str | None, errors: list[str]) -> list[dict]:
    records = _read_ftm_records(path)
    ids = {record.get("id"): f"{list_id}-{_slug(str(record.get('id')))}" for record in records}
    owners = {}
    for record in records:
        properties = record.get("properties") or {}
        if record.get("schema") == "Ownership" and _values(properties, "owner") and _values(properties, "asset"):
            owners[_values(properties, "asset")[0]] = _values(properties, "owner")[0]
    entities = []
    for number, record in enumerate(records, start=1):
        if record.get("schema") not in PARTY_SCHEMATA:
            continue
        properties = record.get("properties") or {}
        where = f"{path}: entity {record.get('id') or number}"
        names = _values(properties, "name") or ([record["caption"]] if isinstance(record.get("caption"), str) else [])
        if not names:
            errors.append(f"{where}: has no name")
            continue
        countries = _values(properties, "country") or _values(properties, "jurisdiction")
        pairs = [(alias_kind(text), text) for text in names[1:] + _values(properties, "alias")]
        pairs += [("other", text) for text in _values(properties, "previousName")]
        pairs += [("generic", text) for text in _values(properties, "weakAlias")]
        entity = {
            "id": ids[record.get("id")],
            "name": names[0],
            "country": _country(countries[0] if countries else "", country, where, errors),
        }
        parent = owners.get(record.get("id")) or next(iter(_values(properties, "parent")), None)
        if parent in ids and ids[parent] != entity["id"]:
            entity["parent"] = ids[parent]
            entity["relation"] = "subsidiary"
        aliases = _aliases(pairs, names[0])
        if aliases:
            entity["aliases"] = aliases
        urls = [url for url in _values(properties, "sourceUrl") if url.startswith(("http://", "https://"))]
        if urls:
            entity["sources"] = [{"url": url} for url in urls]
        notes = _values(properties, "notes") + _values(properties, "program")
        if notes:
            entity["notes"] = " ".join(notes)
        entities.append(entity)
    return entities


def import_entity_list(
    path: str | Path,
    *,
    list_id: str,
    kind: str,
    title: str,
    source_url: str,
    date: dt.date,
    effective_from: dt.date | None = None,
    instrument: str | None = None,
    country: str | None = None,
) -> dict:
    """Return an entity-list document built from a CSV or OpenSanctions JSON file; raise ListImportError."""
    path = Path(path)
    errors: list[str] = []
    if path.suffix.lower() == ".csv":
        entities = _entities_from_csv(path, list_id, country, errors)
    elif path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        entities = _entities_from_ftm(path, list_id, country, errors)
    else:
        raise ListImportError(f"{path}: unsupported format {path.suffix!r}; use .csv, .json, .jsonl or .ndjson")
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = f"\n... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        raise ListImportError("\n".join(shown) + more)
    if not entities:
        raise ListImportError(f"{path}: holds no entities to import")
    header = {"id": list_id, "kind": kind, "title": {"en": title}, "date": date, "sources": [{"url": source_url}]}
    if effective_from:
        header["effective_from"] = effective_from
    if instrument:
        header["instrument"] = instrument
    document = {"list": header, "entities": entities}
    try:
        build_entities([(document, str(path))])
    except PolicyFileError as exc:
        raise ListImportError(f"imported list is not valid: {exc}") from None
    return document


def check_against_data(document: dict, file_name: str, data_dir: str | Path) -> None:
    """Raise ListImportError if the document, saved as `file_name`, would clash with the existing entity lists."""
    directory = Path(data_dir) / ENTITIES_DIR
    documents = [(read_yaml(path), str(path)) for path in sorted(directory.glob("*.yaml")) if path.name != file_name]
    try:
        build_entities([*documents, (document, str(directory / file_name))])
    except PolicyFileError as exc:
        raise ListImportError(f"imported list clashes with the existing lists: {exc}") from None


def dump_entity_list(document: dict) -> str:
    """Return the entity-list document as YAML text, ready to save under data/entities/."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)

"""The labeled corpus: record schema, reading split files, and loading it as a datasets.DatasetDict."""

from __future__ import annotations

import json
import re
from pathlib import Path

from classifier.entries.control_list import control_list
from classifier.errors import DualUseError
from classifier.settings import get_settings
from classifier.taxonomy import Taxonomy, default_taxonomy

LANGS = ("en", "zh", "ja")
STYLES = ("line", "marketing", "datasheet", "vendor")  # vendor: copy in the voice of real product pages and listings
SPLITS = ("train", "validation", "test")
RECORD_FIELDS = ("id", "text", "labels", "lang", "style", "source")
ENTRY_FIELDS = ("entries", "national", "entries_below", "entry_note")
OPTIONAL_FIELDS = ("lookalike", *ENTRY_FIELDS)
MAX_ENTRIES = 3
SOURCE_PATTERN = re.compile(r"^(authored|review:\S+|ccl:[0-9][A-E][0-9]{3}[a-z0-9.]*)$")
GIVEAWAY_PATTERN = re.compile(r"dual[- ]use|export control|两用物项|出口管制|輸出管理|\bECCN\b", re.IGNORECASE)


class CorpusError(DualUseError, ValueError):
    """A corpus file that cannot be read or a record that breaks the schema."""


def corpus_dir() -> Path:
    """Return the directory holding the split files."""
    return get_settings().data_dir / "corpus"


def read_jsonl(path: str | Path) -> list[tuple[int, dict]]:
    """Return (line number, object) pairs from a JSONL file; a bad line raises CorpusError naming it."""
    path = Path(path)
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
            if not isinstance(record, dict):
                raise CorpusError(f"{path}:{number}: each line must be a JSON object")
            records.append((number, record))
    return records


def record_errors(record: dict, where: str, taxonomy: Taxonomy, fields=RECORD_FIELDS) -> list[str]:
    """Return the schema violations of one record, each prefixed with `where`."""
    errors = []
    missing = [name for name in fields if name not in record]
    extra = [name for name in record if name not in fields and name not in OPTIONAL_FIELDS]
    if missing:
        errors.append(f"{where}: missing field(s) {', '.join(missing)}")
    if extra:
        errors.append(f"{where}: unexpected field(s) {', '.join(extra)}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{where}: 'text' must be a non-empty string")
    elif record.get("source", "authored") == "authored" and GIVEAWAY_PATTERN.search(text):
        errors.append(f"{where}: text contains a compliance giveaway word ({GIVEAWAY_PATTERN.search(text).group(0)!r})")
    labels = record.get("labels")
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        errors.append(f"{where}: 'labels' must be a list of label ids")
    else:
        unknown = [label for label in labels if label not in taxonomy.by_id]
        if unknown:
            errors.append(f"{where}: unknown label id {unknown[0]!r}")
        if len(set(labels)) != len(labels):
            errors.append(f"{where}: repeated label id")
    if "lang" in fields and record.get("lang") not in LANGS:
        errors.append(f"{where}: 'lang' must be one of {', '.join(LANGS)}, not {record.get('lang')!r}")
    if "style" in fields and record.get("style") not in STYLES:
        errors.append(f"{where}: 'style' must be one of {', '.join(STYLES)}, not {record.get('style')!r}")
    if "source" in fields and not SOURCE_PATTERN.match(str(record.get("source", ""))):
        errors.append(f"{where}: 'source' must be 'authored' or 'ccl:<ECCN>', not {record.get('source')!r}")
    if record.get("lookalike") and labels:
        errors.append(f"{where}: a 'lookalike' (hard negative) must have no labels")
    return errors + entry_errors(record, where)


def _code_list_errors(record: dict, name: str, where: str) -> list[str]:
    codes = record[name]
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        return [f"{where}: '{name}' must be a list of Annex I codes such as '7A003'"]
    errors = []
    entries = control_list().entries
    unknown = [code for code in codes if code not in entries]
    if unknown:
        errors.append(f"{where}: '{name}' code {unknown[0]!r} is not an entry of the EU Annex I list")
    if len(set(codes)) != len(codes):
        errors.append(f"{where}: repeated code in '{name}'")
    return errors


def entry_errors(record: dict, where: str) -> list[str]:
    """Return the violations of the optional entry-code fields (`entries`, `national`, `entries_below`, `entry_note`)."""
    errors = []
    labelled = bool(record.get("labels"))
    if "entries" in record:
        errors += _code_list_errors(record, "entries", where)
        if record["entries"] and not labelled:
            errors.append(f"{where}: 'entries' are allowed only on an item with labels")
        if isinstance(record["entries"], list) and len(record["entries"]) > MAX_ENTRIES:
            errors.append(f"{where}: at most {MAX_ENTRIES} 'entries', best first")
    if "entries_below" in record:
        errors += _code_list_errors(record, "entries_below", where)
        if labelled:
            errors.append(f"{where}: 'entries_below' belongs to an item relabelled as a look-alike (no labels)")
    for name in ("national", "entry_note"):
        if name in record and (not isinstance(record[name], str) or not record[name].strip()):
            errors.append(f"{where}: '{name}' must be a non-empty note")
    if record.get("national") and not labelled:
        errors.append(f"{where}: 'national' is allowed only on an item with labels")
    return errors


def load_split(name: str, directory: str | Path | None = None, taxonomy: Taxonomy | None = None) -> list[dict]:
    """Return the validated records of one split; a schema violation raises CorpusError."""
    if name not in SPLITS:
        raise CorpusError(f"unknown split {name!r}; splits are {', '.join(SPLITS)}")
    taxonomy = taxonomy or default_taxonomy()
    path = Path(directory or corpus_dir()) / f"{name}.jsonl"
    if not path.exists():
        raise CorpusError(f"{path}: split file not found (build it with `dualuse data build`)")
    records = []
    for number, record in read_jsonl(path):
        errors = record_errors(record, f"{path}:{number}", taxonomy)
        if errors:
            raise CorpusError(errors[0])
        records.append(record)
    return records


def load_corpus(directory: str | Path | None = None, taxonomy: Taxonomy | None = None):
    """Return the corpus as a datasets.DatasetDict with train/validation/test, a multi-hot `label_vector`, each
    item's `entries` (empty when it names none) and whether it is a `lookalike`."""
    from datasets import Dataset, DatasetDict

    taxonomy = taxonomy or default_taxonomy()
    splits = {}
    for name in SPLITS:
        records = load_split(name, directory, taxonomy)
        columns = {key: [record[key] for record in records] for key in RECORD_FIELDS}
        columns["entries"] = [record.get("entries") or [] for record in records]
        columns["lookalike"] = [bool(record.get("lookalike")) for record in records]
        columns["label_vector"] = [
            [1.0 if label in record["labels"] else 0.0 for label in taxonomy.ids] for record in records
        ]
        splits[name] = Dataset.from_dict(columns)
    return DatasetDict(splits)

"""Build the train/validation/test split files from the authored items and the control-list text.

Assignment is stratified by (first label, language), keeps every item already placed in a split where it
was, and keeps clusters of near-duplicates inside one split, so adding items never moves the test set.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from classifier.taxonomy import Taxonomy, default_taxonomy
from training.corpus import (
    ENTRY_FIELDS,
    SPLITS,
    CorpusError,
    corpus_dir,
    read_jsonl,
    record_errors,
)
from training.near_duplicates import near_duplicate_pairs, normalise

SPLIT_RATIOS = {"train": 0.70, "validation": 0.15, "test": 0.15}
AUTHORED_FIELDS = ("text", "labels", "lang", "style")
CCL_FILE = "control_list/ccl_part774_supp1_2026-07-23.json"
CCL_MAX_WORDS = 90
_CCL_SKIP_NOTE = re.compile(r"\(see List of Items Controlled\)\.?|\(These items are .*?\)", re.IGNORECASE)


def item_id(prefix: str, text: str) -> str:
    """Return a stable id derived from the normalised text."""
    return f"{prefix}-{hashlib.sha1(normalise(text).encode('utf-8')).hexdigest()[:10]}"


def read_authored(directory: Path, taxonomy: Taxonomy) -> list[dict]:
    """Return validated authored items from directory/*.jsonl, exact duplicates removed."""
    items: dict[str, dict] = {}
    errors = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, raw in read_jsonl(path):
            problems = record_errors(raw, f"{path}:{number}", taxonomy, fields=AUTHORED_FIELDS)
            if problems:
                errors.extend(problems)
                continue
            record = {
                "id": item_id("a", raw["text"]),
                "text": raw["text"].strip(),
                "labels": [label for label in taxonomy.ids if label in raw["labels"]],
                "lang": raw["lang"],
                "style": raw["style"],
                "source": "authored",
            }
            if raw.get("lookalike"):
                record["lookalike"] = True
            record.update({name: raw[name] for name in ENTRY_FIELDS if name in raw})
            items.setdefault(record["id"], record)
    if errors:
        raise CorpusError("\n".join(errors[:20]) + (f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""))
    return list(items.values())


def _ccl_text(entry: dict) -> str:
    parts = [entry["heading"]]
    parts += list((entry.get("topLevelParagraphs") or {}).values())
    text = " ".join(_CCL_SKIP_NOTE.sub("", part) for part in parts)
    text = re.sub(r"[“”]", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return " ".join(text.split()[:CCL_MAX_WORDS])


def ccl_items(path: Path, taxonomy: Taxonomy) -> list[dict]:
    """Return weakly labelled training items from multilateral control-list entries."""
    entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
    items = []
    for entry in entries:
        eccn, reason_digit = entry["eccn"], entry["eccn"][2]
        munitions = reason_digit == "6" or (reason_digit == "5" and entry["category"] != "9")
        if munitions or reason_digit == "9":
            continue
        label = taxonomy.label_for_code(eccn)
        text = _ccl_text(entry)
        if label is None or len(text.split()) < 4:
            continue
        items.append(
            {
                "id": f"ccl-{eccn}",
                "text": text,
                "labels": [label],
                "lang": "en",
                "style": "datasheet",
                "source": f"ccl:{eccn}",
            }
        )
    return items


def _clusters(items: list[dict]) -> list[list[int]]:
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in near_duplicate_pairs([item["text"] for item in items]):
        parent[find(i)] = find(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(items)):
        groups[find(index)].append(index)
    return sorted(groups.values(), key=lambda members: items[members[0]]["id"])


def _stratum(item: dict) -> tuple[str, str]:
    return (item["labels"][0] if item["labels"] else "none", item["lang"])


def assign_splits(items: list[dict], previous: dict[str, str]) -> dict[str, str]:
    """Return id -> split: previous placements kept, new near-duplicate clusters placed by stratum deficit."""
    counts: dict[tuple, Counter] = defaultdict(Counter)
    assignment: dict[str, str] = {}
    pending = []
    for members in _clusters(items):
        placed = [previous[items[m]["id"]] for m in members if items[m]["id"] in previous]
        if placed:
            split = Counter(placed).most_common(1)[0][0]
            for m in members:
                assignment[items[m]["id"]] = split
                counts[_stratum(items[m])][split] += 1
        else:
            pending.append(members)
    for members in pending:
        stratum = _stratum(items[members[0]])
        total = sum(counts[stratum].values()) + len(members)
        split = max(SPLITS, key=lambda s: (SPLIT_RATIOS[s] * total - counts[stratum][s], SPLIT_RATIOS[s]))
        for m in members:
            assignment[items[m]["id"]] = split
            counts[_stratum(items[m])][split] += 1
    return assignment


def build_corpus(data: Path, taxonomy: Taxonomy | None = None) -> dict[str, list[dict]]:
    """Write data/corpus/{train,validation,test}.jsonl and return the records per split."""
    taxonomy = taxonomy or default_taxonomy()
    out_dir = data / "corpus"
    authored = read_authored(out_dir / "authored", taxonomy)
    previous = {}
    for split in SPLITS:
        path = out_dir / f"{split}.jsonl"
        if path.exists():
            previous.update({record["id"]: split for _, record in read_jsonl(path)})
    assignment = assign_splits(authored, previous)
    splits: dict[str, list[dict]] = {split: [] for split in SPLITS}
    for item in authored:
        splits[assignment[item["id"]]].append(item)
    splits["train"] += ccl_items(data / CCL_FILE, taxonomy)
    for split, records in splits.items():
        records.sort(key=lambda record: record["id"])
        path = out_dir / f"{split}.jsonl"
        tmp = path.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        tmp.replace(path)
    return splits


__all__ = ["build_corpus", "ccl_items", "assign_splits", "read_authored", "item_id", "corpus_dir"]

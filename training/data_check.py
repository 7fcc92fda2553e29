"""`dualuse data check`: validate the corpus (schema, label ids, counts, language mix, cross-split duplicates)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from classifier.entries.threshold_check import threshold_errors
from classifier.taxonomy import Taxonomy, default_taxonomy
from training.corpus import LANGS, SPLITS, STYLES, CorpusError, entry_errors, read_jsonl, record_errors
from training.near_duplicates import NEAR_DUPLICATE_JACCARD, near_duplicate_pairs

MIN_AUTHORED = 3000
MIN_PER_LABEL = {"aerospace": 300, "biotech": 300, "telecom": 300}
MIN_PER_OTHER_LABEL = 180
MIN_NEGATIVES = 1200
MIN_LOOKALIKES = 400
MIN_LANG_SHARE = {"zh": 0.15, "ja": 0.10}
MIN_LANG_SHARE_PER_LABEL = {"zh": 0.08, "ja": 0.05}
MULTI_LABEL_SHARE = (0.05, 0.20)
SPLIT_TARGETS = {"train": 0.70, "validation": 0.15, "test": 0.15}
SPLIT_TOLERANCE = 0.05


@dataclass
class CheckReport:
    """What `data check` found: the violations and a printable table of counts."""

    violations: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when nothing was violated."""
        return not self.violations


def _table(title: str, rows: list[list], header: list[str]) -> str:
    cells = [header] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in cells[1:]
    ]
    return "\n".join(lines)


def _read_splits(corpus: Path, taxonomy: Taxonomy, report: CheckReport) -> dict[str, list[dict]]:
    splits = {}
    for split in SPLITS:
        path = corpus / f"{split}.jsonl"
        if not path.exists():
            report.violations.append(f"{path}: split file missing (build it with `dualuse data build`)")
            splits[split] = []
            continue
        try:
            numbered = read_jsonl(path)
        except CorpusError as exc:
            report.violations.append(str(exc))
            splits[split] = []
            continue
        records = []
        for number, record in numbered:
            errors = record_errors(record, f"{path}:{number}", taxonomy)
            report.violations.extend(errors)
            if not errors:
                if split != "train" and record["source"] != "authored":
                    report.violations.append(f"{path}:{number}: source {record['source']!r} is allowed only in train")
                records.append(record)
        splits[split] = records
    return splits


def _check_authored_entries(authored: Path, report: CheckReport) -> None:
    """Check the entry-code fields where the annotators write them, before the splits are rebuilt."""
    for path in sorted(authored.glob("*.jsonl")):
        try:
            numbered = read_jsonl(path)
        except CorpusError as exc:
            report.violations.append(str(exc))
            continue
        for number, record in numbered:
            report.violations.extend(entry_errors(record, f"{path}:{number}"))


def _check_counts(authored: list[dict], taxonomy: Taxonomy, report: CheckReport) -> None:
    label_counts = Counter(label for record in authored for label in record["labels"])
    negatives = [record for record in authored if not record["labels"]]
    lookalikes = sum(1 for record in negatives if record.get("lookalike"))
    positives = [record for record in authored if record["labels"]]
    if len(authored) < MIN_AUTHORED:
        report.violations.append(f"{len(authored)} authored items, need at least {MIN_AUTHORED}")
    for label in taxonomy.ids:
        need = MIN_PER_LABEL.get(label, MIN_PER_OTHER_LABEL)
        if label_counts[label] < need:
            report.violations.append(f"label {label!r}: {label_counts[label]} items, need at least {need}")
    if len(negatives) < MIN_NEGATIVES:
        report.violations.append(f"{len(negatives)} items with no label, need at least {MIN_NEGATIVES}")
    if lookalikes < MIN_LOOKALIKES:
        report.violations.append(f"{lookalikes} hard negatives (lookalike), need at least {MIN_LOOKALIKES}")
    multi = sum(1 for record in positives if len(record["labels"]) > 1) / max(len(positives), 1)
    low, high = MULTI_LABEL_SHARE
    if not low <= multi <= high:
        report.violations.append(f"{multi:.1%} of positives carry two or more labels, expected {low:.0%}-{high:.0%}")
    languages = Counter(record["lang"] for record in authored)
    for lang, share in MIN_LANG_SHARE.items():
        if languages[lang] < share * len(authored):
            report.violations.append(
                f"{lang}: {languages[lang] / max(len(authored), 1):.1%} of authored items, need {share:.0%}"
            )
    groups = {label: [r for r in authored if label in r["labels"]] for label in taxonomy.ids} | {"(none)": negatives}
    for name, records in groups.items():
        langs = Counter(record["lang"] for record in records)
        for lang, share in MIN_LANG_SHARE_PER_LABEL.items():
            if records and langs[lang] < share * len(records):
                report.violations.append(
                    f"label {name!r}: only {langs[lang]} {lang} items of {len(records)} (need {share:.0%})"
                )


def _check_splits(splits: dict[str, list[dict]], report: CheckReport) -> None:
    authored_total = sum(1 for records in splits.values() for r in records if r["source"] == "authored")
    for split, target in SPLIT_TARGETS.items():
        share = sum(1 for r in splits[split] if r["source"] == "authored") / max(authored_total, 1)
        if abs(share - target) > SPLIT_TOLERANCE:
            report.violations.append(f"split {split}: {share:.1%} of authored items, target {target:.0%}")
    ids = Counter(record["id"] for records in splits.values() for record in records)
    report.violations += [f"id {item!r} appears {n} times" for item, n in ids.items() if n > 1]
    names = list(SPLITS)
    for a_index, a in enumerate(names):
        for b in names[a_index + 1 :]:
            pairs = near_duplicate_pairs([r["text"] for r in splits[a]], [r["text"] for r in splits[b]])
            for i, j, score in pairs[:10]:
                report.violations.append(
                    f"near-duplicate across {a}/{b} (5-gram Jaccard {score:.2f} >= {NEAR_DUPLICATE_JACCARD}): "
                    f"{splits[a][i]['id']} and {splits[b][j]['id']}"
                )


def _count_tables(splits: dict[str, list[dict]], taxonomy: Taxonomy) -> list[str]:
    authored = [r for records in splits.values() for r in records if r["source"] == "authored"]
    groups = [(label, [r for r in authored if label in r["labels"]]) for label in taxonomy.ids]
    groups.append(("(none)", [r for r in authored if not r["labels"]]))
    header = ["label", "total", *LANGS, *STYLES, *SPLITS]
    rows = []
    for name, records in groups:
        langs = Counter(r["lang"] for r in records)
        styles = Counter(r["style"] for r in records)
        ids = {r["id"] for r in records}
        split_counts = [sum(1 for r in splits[s] if r["id"] in ids) for s in SPLITS]
        rows.append([name, len(records), *(langs[x] for x in LANGS), *(styles[x] for x in STYLES), *split_counts])
    langs = Counter(r["lang"] for r in authored)
    styles = Counter(r["style"] for r in authored)
    totals = [sum(1 for r in splits[s] if r["source"] == "authored") for s in SPLITS]
    rows.append(["(all authored)", len(authored), *(langs[x] for x in LANGS), *(styles[x] for x in STYLES), *totals])
    ccl = Counter(label for r in splits["train"] if r["source"] != "authored" for label in r["labels"])
    lookalikes = sum(1 for r in authored if r.get("lookalike"))
    multi = sum(1 for r in authored if len(r["labels"]) > 1)
    summary = (
        f"hard negatives (lookalike): {lookalikes}; items with two labels: {multi}; "
        f"control-list items in train: {sum(ccl.values())} ({', '.join(f'{k} {v}' for k, v in sorted(ccl.items()))})"
    )
    cross_header = ["label"] + [f"{lang}/{style}" for lang in LANGS for style in STYLES]
    cross_rows = []
    for name, records in groups:
        cells = Counter((r["lang"], r["style"]) for r in records)
        cross_rows.append([name] + [cells[(lang, style)] for lang in LANGS for style in STYLES])
    return [
        _table("Authored items per label x language x style x split", rows, header),
        _table("Authored items per label x (language/style)", cross_rows, cross_header),
        summary,
    ]


def check_corpus(corpus: str | Path, taxonomy: Taxonomy | None = None) -> CheckReport:
    """Return a CheckReport for the split files in `corpus`."""
    taxonomy = taxonomy or default_taxonomy()
    report = CheckReport()
    splits = _read_splits(Path(corpus), taxonomy, report)
    authored = [r for records in splits.values() for r in records if r["source"] == "authored"]
    _check_counts(authored, taxonomy, report)
    _check_splits(splits, report)
    _check_authored_entries(Path(corpus) / "authored", report)
    report.violations += threshold_errors()
    report.tables = _count_tables(splits, taxonomy)
    return report

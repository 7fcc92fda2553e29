"""Write a random sample of the quantities extracted from the corpus' positive items to a CSV for checking by hand.

    .venv/bin/python -m bench.parameter_sample -n 200 -o reports/parameter_sample.csv

Each row holds the value, unit and comparator as extracted, the exact phrase, and the text around it; the checker
fills `correct` (y/n) and the precision is the share of y.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from classifier.entries.quantities import extract_quantities
from training.corpus import SPLITS, corpus_dir, read_jsonl

CONTEXT_CHARS = 40


def sample_rows(records: list[dict], size: int, seed: int) -> list[dict]:
    """Return `size` extracted quantities drawn at random from the labelled authored records."""
    rows = []
    for record in records:
        if record.get("source") != "authored" or not record["labels"]:
            continue
        text = record["text"]
        for stated in extract_quantities(text):
            context = text[max(0, stated.start - CONTEXT_CHARS) : stated.end + CONTEXT_CHARS]
            rows.append(
                {
                    "id": record["id"],
                    "lang": record["lang"],
                    "value": stated.value,
                    "upper": stated.upper,
                    "unit": stated.unit,
                    "comparator": stated.comparator,
                    "phrase": stated.phrase,
                    "context": context,
                    "correct": "",
                }
            )
    return random.Random(seed).sample(rows, min(size, len(rows)))


def main(argv: list[str] | None = None) -> int:
    """Write the sample CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("-o", "--output", default="reports/parameter_sample.csv")
    args = parser.parse_args(argv)
    records = [record for split in SPLITS for _, record in read_jsonl(corpus_dir() / f"{split}.jsonl")]
    rows = sample_rows(records, args.size, args.seed)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} values written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

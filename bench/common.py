"""Shared helpers for the benchmarks: sample catalogs from the corpus, print tables, save results."""

from __future__ import annotations

import csv
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def corpus_texts() -> list[str]:
    """Return every authored description of the corpus (all splits), as realistic catalog text."""
    from training.corpus import SPLITS, load_split

    return [r["text"] for split in SPLITS for r in load_split(split) if r["source"] == "authored"]


def write_catalog(path: Path, rows: int, texts: list[str]) -> Path:
    """Write a CSV catalog of `rows` rows cycling through texts, with a SKU and a price column."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "description", "price"])
        for i in range(rows):
            writer.writerow([f"SKU{i:07d}", texts[i % len(texts)], f"{(i * 37) % 1000}.00"])
    return path


def machine() -> dict:
    """Return a description of the machine the figures come from."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "python": platform.python_version()}


def table(header: list[str], rows: list[list]) -> str:
    """Return rows as a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def save(name: str, results: dict, markdown: str) -> Path:
    """Write results as JSON and Markdown under bench/results and return the JSON path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    results = {"measured_at": datetime.now(UTC).isoformat(), "machine": machine(), **results}
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    (RESULTS_DIR / f"{name}.md").write_text(markdown + "\n", encoding="utf-8")
    return path

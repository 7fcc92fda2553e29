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


CPU_FEATURES = {  # /proc/cpuinfo flag -> name in the figures
    "avx2": "AVX2",
    "avx512f": "AVX-512",
    "avx512_vnni": "AVX-512 VNNI",
    "avx_vnni": "AVX-VNNI",
    "amx_int8": "AMX",
}


def machine() -> dict:
    """Return a description of the machine the figures come from: CPU model, cores, and the SIMD features that the
    int8 encoder's speed depends on."""
    cpu, flags = "unknown", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "features": [name for flag, name in CPU_FEATURES.items() if flag in flags],
        "python": platform.python_version(),
    }


def machine_line() -> str:
    """Return the machine as one line for a results table's heading."""
    about = machine()
    features = ", ".join(about["features"]) or "none of AVX2 / AVX-512 / VNNI"
    return f"{about['cpu']}, {about['cores']} cores, {features}"


def catalog_texts(language: str) -> list[str]:
    """Return the corpus texts of a catalog: `en`, `zh` or `ja` (texts of that language, as the model routes them)
    or `mixed` (all of them)."""
    from classifier.language import guess_language

    texts = corpus_texts()
    return texts if language == "mixed" else [text for text in texts if guess_language(text) == language]


def naive_loop(model_dir: Path, texts: list[str]) -> dict:
    """Return the naive baseline on texts: the fine-tuned encoder in fp32 PyTorch, one text per call, on every core
    ({"texts_per_second", "p50_ms"})."""
    import statistics
    import time

    import torch
    from transformers import AutoTokenizer

    from classifier.encoder import MeanPoolClassifier

    encoder = model_dir / "transformer"
    tokenizer = AutoTokenizer.from_pretrained(encoder)
    model = MeanPoolClassifier.from_pretrained(encoder)
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    times = []
    with torch.inference_mode():
        for text in texts:
            started = time.perf_counter()
            torch.sigmoid(model(**tokenizer(text, truncation=True, max_length=128, return_tensors="pt")))
            times.append(time.perf_counter() - started)
    return {"texts_per_second": len(texts) / sum(times), "p50_ms": 1000 * statistics.median(times)}


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

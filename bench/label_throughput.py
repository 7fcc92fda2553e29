"""Catalog labeling throughput end to end through `dualuse label`, with peak memory, for an English, a Chinese, a
Japanese and a mixed catalog: each beside the naive fp32 batch-1 transformers loop on the same catalog's texts and
the TF-IDF baseline, measured in the same run, with the share of rows that skipped the encoder (the cascade runs it
only where it can change an answer; `--full` runs, for comparison, run it wherever the language gives it weight)."""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.common import catalog_texts, machine_line, naive_loop, save, table, write_catalog

NAIVE_SAMPLE = 300


def _label(catalog: Path, output: Path, extra: list[str]) -> tuple[float, int]:
    """Run `dualuse label` in a child process; return (seconds, peak RSS in MiB of that child)."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    command = [
        sys.executable,
        "-c",
        probe,
        sys.executable,
        "-m",
        "classifier.cli",
        "label",
        str(catalog),
        "-o",
        str(output),
        "--quiet",
        *extra,
    ]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, int(result.stdout.strip().splitlines()[-1]) // 1024


def skipped_share(output: Path) -> float:
    """Return the share of a labeled catalog's rows that the encoder did not score (its `members` column)."""
    members = pd.read_csv(output, usecols=["members"])["members"]
    return float(sum("transformer" not in json.loads(value) for value in members) / max(len(members), 1))


def tfidf_rate(model_dir: Path, texts: list[str]) -> float:
    """Return texts/s of the TF-IDF + logistic-regression baseline on a whole batch."""
    from classifier.model import DualUseClassifier

    ngram = DualUseClassifier.from_pretrained(model_dir, members=["ngram"]).members["ngram"]
    started = time.perf_counter()
    ngram.predict_proba(texts)
    return len(texts) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="6000", help="comma-separated catalog sizes")
    parser.add_argument(
        "--catalogs", default="en,zh,ja,mixed", help="catalogs to label: en, zh, ja (one language each) and mixed"
    )
    parser.add_argument(
        "--no-evidence-size", type=int, default=0, help="catalog size also run with --no-evidence (0: none)"
    )
    parser.add_argument("--no-full", action="store_true", help="skip the --full runs (every row through the encoder)")
    args = parser.parse_args(argv)
    from classifier.registry import default_model_path

    model_dir = default_model_path()
    about = machine_line()
    baseline = tfidf_rate(model_dir, (catalog_texts("mixed") * 3)[:10000])
    runs, naive = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.catalogs.split(","):
            texts = catalog_texts(name)
            naive[name] = naive_loop(model_dir, random.Random(0).sample(texts, min(NAIVE_SAMPLE, len(texts))))
            for size in (int(s) for s in args.sizes.split(",")):
                catalog = write_catalog(Path(tmp) / f"catalog-{name}-{size}.csv", size, texts)
                modes = [("cascade", [])] + ([] if args.no_full else [("full", ["--full"])])
                if size == args.no_evidence_size:
                    modes.append(("cascade, no evidence", ["--no-evidence"]))
                for mode, extra in modes:
                    output = Path(tmp) / f"out-{name}-{size}.csv"
                    seconds, rss = _label(catalog, output, extra)
                    rate = size / seconds
                    runs.append(
                        {
                            "catalog": name,
                            "rows": size,
                            "mode": mode,
                            "seconds": round(seconds, 1),
                            "rows_per_second": round(rate, 1),
                            "naive_per_second": round(naive[name]["texts_per_second"], 1),
                            "vs_naive": round(rate / naive[name]["texts_per_second"], 2),
                            "encoder_skipped": round(skipped_share(output), 4),
                            "peak_rss_mib": rss,
                        }
                    )
    results = {
        "model": model_dir.name,
        "machine_line": about,
        "naive_fp32_batch1": {name: {k: round(v, 1) for k, v in figures.items()} for name, figures in naive.items()},
        "tfidf_baseline_per_second": round(baseline, 1),
        "label_runs": runs,
    }
    rows = [
        [
            r["catalog"],
            r["rows"],
            r["mode"],
            r["seconds"],
            r["rows_per_second"],
            f"{r['vs_naive']}x (naive {r['naive_per_second']}/s)",
            f"{r['encoder_skipped']:.1%}",
            f"{r['rows_per_second'] / baseline:.2f}x",
            r["peak_rss_mib"],
        ]
        for r in runs
    ]
    markdown = (
        f"Model {model_dir.name} on {about}. The naive fp32 batch-1 loop runs on a seeded sample of each catalog's "
        f"texts in the same run; TF-IDF baseline: {baseline:.0f} texts/s.\n\n"
        + table(
            [
                "catalog",
                "rows",
                "mode",
                "seconds",
                "rows/s",
                "vs naive fp32 batch-1",
                "encoder skipped",
                "vs TF-IDF",
                "peak RSS MiB",
            ],
            rows,
        )
    )
    path = save("label_throughput", results, markdown)
    print(markdown)
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

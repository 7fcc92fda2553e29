"""Catalog labeling throughput end to end through `dualuse label` (10k and 100k rows), with peak memory,
against a naive fp32 batch-1 transformers loop and the TF-IDF baseline measured in the same run."""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import corpus_texts, save, table, write_catalog

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


def naive_loop_rate(model_dir: Path, texts: list[str]) -> float:
    """Return texts/s of the fine-tuned encoder in fp32 PyTorch, one text per call (the naive baseline)."""
    import torch
    from transformers import AutoTokenizer

    from classifier.encoder import MeanPoolClassifier

    encoder = model_dir / "transformer"
    tokenizer = AutoTokenizer.from_pretrained(encoder)
    model = MeanPoolClassifier.from_pretrained(encoder)
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    started = time.perf_counter()
    with torch.inference_mode():
        for text in texts:
            torch.sigmoid(model(**tokenizer(text, truncation=True, max_length=128, return_tensors="pt")))
    return len(texts) / (time.perf_counter() - started)


def tfidf_rate(model_dir: Path, texts: list[str]) -> float:
    """Return texts/s of the TF-IDF + logistic-regression baseline on a whole batch."""
    from classifier.linear import NgramClassifier

    ngram = NgramClassifier.from_pretrained(model_dir)
    started = time.perf_counter()
    ngram.predict_proba(texts)
    return len(texts) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated catalog sizes")
    parser.add_argument(
        "--no-evidence-size", type=int, default=10000, help="catalog size also run with --no-evidence (0 to skip)"
    )
    parser.add_argument(
        "--languages",
        default="en,zh,ja",
        help="catalog languages (the encoder runs only on the rows whose language gives it weight)",
    )
    args = parser.parse_args(argv)
    from classifier.language import guess_language
    from classifier.registry import default_model_path

    model_dir = default_model_path()
    wanted = set(args.languages.split(","))
    languages = [(text, guess_language(text)) for text in corpus_texts()]
    texts = [text for text, lang in languages if lang in wanted]
    mix = {lang: sum(found == lang for _, found in languages) / len(texts) for lang in sorted(wanted)}
    naive = naive_loop_rate(model_dir, random.Random(0).sample(texts, min(NAIVE_SAMPLE, len(texts))))
    baseline = tfidf_rate(model_dir, (texts * 3)[:10000])
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            catalog = write_catalog(Path(tmp) / f"catalog-{size}.csv", size, texts)
            modes = [("with evidence", [])] + (
                [("no evidence", ["--no-evidence"])] if size == args.no_evidence_size else []
            )
            for mode, extra in modes:
                seconds, rss = _label(catalog, Path(tmp) / f"out-{size}.csv", extra)
                runs.append(
                    {
                        "rows": size,
                        "mode": mode,
                        "seconds": round(seconds, 1),
                        "rows_per_second": round(size / seconds, 1),
                        "peak_rss_mib": rss,
                        "vs_naive": round(size / seconds / naive, 2),
                    }
                )
    results = {
        "model": model_dir.name,
        "language_mix": {k: round(v, 3) for k, v in mix.items()},
        "naive_fp32_batch1_per_second": round(naive, 1),
        "tfidf_baseline_per_second": round(baseline, 1),
        "label_runs": runs,
    }
    rows = [
        [
            r["rows"],
            r["mode"],
            r["seconds"],
            r["rows_per_second"],
            f"{r['vs_naive']}x",
            f"{r['rows_per_second'] / baseline:.2f}x",
            r["peak_rss_mib"],
        ]
        for r in runs
    ]
    shares = ", ".join(f"{lang} {share:.0%}" for lang, share in mix.items())
    markdown = (
        f"Model {model_dir.name}; catalog languages {shares}. Naive fp32 batch-1 loop: {naive:.1f} texts/s; "
        f"TF-IDF baseline: {baseline:.0f} texts/s.\n\n"
        + table(["rows", "mode", "seconds", "rows/s", "vs naive", "vs TF-IDF", "peak RSS MiB"], rows)
    )
    path = save("label_throughput", results, markdown)
    print(markdown)
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

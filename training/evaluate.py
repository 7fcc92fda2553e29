"""`dualuse evaluate`: test-split report for the n-gram baseline, the fine-tuned encoder and their ensemble, and for the
control-list entries the model suggests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from classifier.entries.reading import reading_matrix
from classifier.head import EnsembleHead
from classifier.language import LANGS
from classifier.model import DualUseClassifier, languages_of
from classifier.transformer import TransformerScorer
from training.arguments import TrainingArguments
from training.corpus import corpus_dir, load_corpus
from training.crossfit import with_crossfit
from training.entries import PARAMETER_CHECK_FILE, entry_accuracy, parameter_precision
from training.metrics import compute_metrics

NGRAM_ONLY = "ngram baseline"  # the served variant of a model trained with --members ngram
FP32_ENSEMBLE = "ensemble (fp32 encoder)"
# Variant name -> {member name: source of its probabilities}; "transformer_fp32" is the encoder before int8 export.
VARIANTS = {
    NGRAM_ONLY: {"ngram": "ngram"},
    "fine-tuned encoder": {"transformer": "transformer"},
    "ensemble": {"transformer": "transformer", "ngram": "ngram"},
    "fine-tuned encoder (fp32)": {"transformer": "transformer_fp32"},
    FP32_ENSEMBLE: {"transformer": "transformer_fp32", "ngram": "ngram"},
}
QUANTIZATION_TOLERANCE = 0.005  # the int8 ensemble's macro-F1 may trail the fp32 one by half a point at most
TARGETS = {
    "int8_vs_fp32": f"int8 macro-F1 within {QUANTIZATION_TOLERANCE * 100:g} point of fp32",
    "macro_f1": 0.90,
    "dual_use_recall": 0.97,
    "dual_use_precision": 0.90,
    "zh_recall": 0.90,
    "ja_recall": 0.90,
    "cascade_agreement": "the cascade's labels, dual_use and uncertain equal the full ensemble's on >= 99.5% of "
    "validation and test rows",
    "cascade_quality": "the cascade within 0.3 points of the full ensemble on test macro-F1, dual-use precision and "
    "recall",
}
CASCADE = "ensemble (cascade, as served)"
CASCADE_MIN_AGREEMENT = 0.995
CASCADE_TOLERANCE = 0.003
RELIABILITY_BINS = 10


def reliability(probs: np.ndarray, targets: np.ndarray, bins: int = RELIABILITY_BINS) -> list[dict]:
    """Return per-bin mean predicted probability and observed frequency over all label decisions."""
    flat_p, flat_y = probs.ravel(), targets.ravel()
    edges = np.linspace(0, 1, bins + 1)
    out = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (flat_p >= low) & ((flat_p < high) if high < 1 else (flat_p <= high))
        if inside.any():
            out.append(
                {
                    "low": float(low),
                    "high": float(high),
                    "mean_predicted": float(flat_p[inside].mean()),
                    "observed": float(flat_y[inside].mean()),
                    "count": int(inside.sum()),
                }
            )
    return out


def expected_calibration_error(bins: list[dict]) -> float:
    """Return the count-weighted mean gap between predicted and observed frequency."""
    total = sum(b["count"] for b in bins) or 1
    return float(sum(b["count"] * abs(b["mean_predicted"] - b["observed"]) for b in bins) / total)


def co_occurrence(targets: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Return a (L+1)x(L+1) matrix: rows true label (last = none), columns predicted label (last = none)."""
    n_labels = targets.shape[1]
    matrix = np.zeros((n_labels + 1, n_labels + 1), dtype=int)
    for truth, guess in zip(targets, predictions):
        rows = np.flatnonzero(truth).tolist() or [n_labels]
        cols = np.flatnonzero(guess).tolist() or [n_labels]
        for r in rows:
            for c in cols:
                matrix[r, c] += 1
    return matrix


def _plots(out: Path, labels: list[str], matrix: np.ndarray, curves: dict[str, list[dict]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = labels + ["(none)"]
    fig, ax = plt.subplots(figsize=(9, 8))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right")
    ax.set_yticks(range(len(names)), names)
    for (r, c), value in np.ndenumerate(matrix):
        if value:
            ax.text(c, r, str(value), ha="center", va="center", fontsize=7)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    ax.set_title("Ensemble on the test split: true vs predicted labels")
    fig.tight_layout()
    fig.savefig(out / "confusion.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfect calibration")
    for name, bins in curves.items():
        ax.plot([b["mean_predicted"] for b in bins], [b["observed"] for b in bins], marker="o", label=name)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_title("Reliability of the ensemble's calibrated scores")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "reliability.png", dpi=110)
    plt.close(fig)


def _served(results: dict) -> str:
    """Return the name of the variant the service runs: the ensemble, or the n-gram model of an n-gram-only model."""
    return "ensemble" if "ensemble" in results else NGRAM_ONLY


def _target_checks(results: dict) -> dict[str, bool]:
    metrics = results[_served(results)]
    languages = metrics.get("per_language", {})
    checks = {
        "macro_f1": metrics["macro_f1"] >= TARGETS["macro_f1"],
        "dual_use_recall": metrics["dual_use"]["recall"] >= TARGETS["dual_use_recall"],
        "dual_use_precision": metrics["dual_use"]["precision"] >= TARGETS["dual_use_precision"],
        "zh_recall": languages.get("zh", {}).get("dual_use", {}).get("recall", 0) >= TARGETS["zh_recall"],
        "ja_recall": languages.get("ja", {}).get("dual_use", {}).get("recall", 0) >= TARGETS["ja_recall"],
    }
    if FP32_ENSEMBLE in results:
        checks["int8_vs_fp32"] = metrics["macro_f1"] >= results[FP32_ENSEMBLE]["macro_f1"] - QUANTIZATION_TOLERANCE
    return {name: bool(ok) for name, ok in checks.items()}


def _markdown(version: str, results: dict, checks: dict, ece: dict) -> str:
    lines = [
        f"# Evaluation of model {version} on the test split",
        "",
        "Each variant has its own blend weights, calibration and thresholds fitted on the validation split.",
        "",
        "| variant | macro-F1 | micro-F1 | dual-use precision | dual-use recall | en macro-F1 | zh macro-F1 | ja macro-F1 | zh recall | ja recall |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in results.items():
        lang = m.get("per_language", {})
        lines.append(
            f"| {name} | {m['macro_f1']:.3f} | {m['micro_f1']:.3f} | {m['dual_use']['precision']:.3f} | "
            f"{m['dual_use']['recall']:.3f} | "
            + " | ".join(f"{lang.get(code, {}).get('macro_f1', 0):.3f}" for code in ("en", "zh", "ja"))
            + " | "
            + " | ".join(f"{lang.get(code, {}).get('dual_use', {}).get('recall', 0):.3f}" for code in ("zh", "ja"))
            + " |"
        )
    served = _served(results)
    lines += [
        "",
        f"## Per label ({served})",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |"
        for label, m in results[served]["per_label"].items()
    ]
    lines += [
        "",
        f"## Per style ({served})",
        "",
        "| style | macro-F1 | dual-use precision | dual-use recall | n |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {style} | {m['macro_f1']:.3f} | {m['dual_use']['precision']:.3f} | {m['dual_use']['recall']:.3f} | {m['dual_use']['n']} |"
        for style, m in results[served].get("per_style", {}).items()
    ]
    lines += ["", f"## Targets ({served})", ""]
    lines += [f"- {name}: {'met' if ok else 'NOT met'} (target {TARGETS[name]})" for name, ok in checks.items()]
    if FP32_ENSEMBLE in results:
        gap = results["ensemble"]["macro_f1"] - results[FP32_ENSEMBLE]["macro_f1"]
        lines += [
            "",
            f"Quantization: the served ensemble (ONNX int8 encoder) scores macro-F1 {gap * 100:+.2f} points against "
            "the same ensemble with the fp32 PyTorch encoder, each with thresholds fitted on validation.",
        ]
    else:
        lines += ["", "This model has no encoder (trained with `--members ngram`): the n-gram model alone answers."]
    lines += [
        "",
        f"Calibration (expected calibration error over all label decisions): validation {ece['validation']:.4f}, "
        f"test {ece['test']:.4f}. Plots: `confusion.png`, `reliability.png`.",
    ]
    return "\n".join(lines) + "\n"


def cascade_agreement(model: DualUseClassifier, texts: list[str], member_probs: dict) -> dict:
    """Return how the cascade compares with the full ensemble on texts that every member has already scored: the
    share of rows with the same labels, dual_use and uncertain labels, and the share of the rows the encoder would
    score that skip it, in all and per language."""
    languages = languages_of(texts)
    full = model.score_rows(texts, member_probs, full=True, languages=languages)
    cascade = model.score_rows(texts, member_probs, languages=languages)
    same = (full.decisions == cascade.decisions).all(axis=1) & (full.uncertain == cascade.uncertain).all(axis=1)
    deferred = np.array([name in model.deferred for name in model.members])
    would_run = full.ran[:, deferred].any(axis=1)
    skipped = would_run & ~cascade.ran[:, deferred].any(axis=1)

    def figures(rows: np.ndarray) -> dict:
        return {
            "rows": int(rows.sum()),
            "agreement": float(same[rows].mean()) if rows.any() else 1.0,
            "encoder_rows": int(would_run[rows].sum()),
            "skipped": float(skipped[rows].sum() / would_run[rows].sum()) if would_run[rows].any() else None,
        }

    languages = np.asarray(languages)
    return figures(np.ones(len(texts), dtype=bool)) | {
        "per_language": {lang: figures(languages == lang) for lang in LANGS if (languages == lang).any()}
    }


def _cascade_checks(results: dict, cascade: dict) -> dict[str, bool]:
    full, served = results["ensemble"], results[CASCADE]
    gaps = [
        full["macro_f1"] - served["macro_f1"],
        full["dual_use"]["precision"] - served["dual_use"]["precision"],
        full["dual_use"]["recall"] - served["dual_use"]["recall"],
    ]
    return {
        "cascade_agreement": all(
            bool(cascade[name]["agreement"] >= CASCADE_MIN_AGREEMENT) for name in ("validation", "test")
        ),
        "cascade_quality": bool(max(gaps) <= CASCADE_TOLERANCE + 1e-12),
    }


def _cascade_markdown(cascade: dict, results: dict) -> str:
    blended = {lang for lang, f in cascade["validation"]["per_language"].items() if f["encoder_rows"]}
    rule = ", ".join(
        f"{lang} "
        + (
            "without the encoder (no blend weight)"
            if lang not in blended
            else "exact bound"
            if not margins
            else "exact bound and margins "
            + " / ".join(f"{kind} {'-' if value is None else f'{value:g}'}" for kind, value in margins.items())
        )
        for lang, margins in cascade["rule"].items()
    )

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    lines = [
        "",
        "## Cascade (as served)",
        "",
        "The service and `dualuse label` score every row with the n-gram model and the head first and run the encoder "
        "only on the rows whose labels, dual_use or uncertain labels it could change (`--full` runs it wherever the "
        "language gives it weight). "
        f"Rule per language, fitted on validation (margins in log-odds): {rule}.",
        "",
        "| split | rows | same labels, dual_use and uncertain as the full ensemble | encoder rows skipped | "
        + " | ".join(f"{lang} skipped" for lang in LANGS)
        + " |",
        "|---|---|---|---|" + "---|" * len(LANGS),
    ]
    for name in ("validation", "test"):
        figures = cascade[name]
        per_language = figures["per_language"]
        lines.append(
            f"| {name} | {figures['rows']} | {figures['agreement']:.2%} | {share(figures['skipped'])} | "
            + " | ".join(share(per_language[lang]["skipped"]) if lang in per_language else "-" for lang in LANGS)
            + " |"
        )
    full, served = results["ensemble"], results[CASCADE]
    lines += [
        "",
        "A dash: no row of that language would run the encoder (the blend gives it no weight there).",
        "",
        "Test quality, cascade against the full ensemble: "
        + ", ".join(
            f"{name} {b:.3f} vs {a:.3f} ({(b - a) * 100:+.2f} points)"
            for name, a, b in (
                ("macro-F1", full["macro_f1"], served["macro_f1"]),
                ("dual-use precision", full["dual_use"]["precision"], served["dual_use"]["precision"]),
                ("dual-use recall", full["dual_use"]["recall"], served["dual_use"]["recall"]),
            )
        )
        + ".",
    ]
    return "\n".join(lines) + "\n"


def _entry_results(model: DualUseClassifier, test: dict, corpus) -> dict:
    """Return entry top-1 / top-3 on the test split (from the model's own labels and uncertain labels), the
    precision of parameter extraction on the hand-checked sample, and the head's parameter-reading offsets with how
    many test items per style read met / below for a label they carry or not."""
    texts = {id_: text for name in corpus for id_, text in zip(corpus[name]["id"], corpus[name]["text"])}
    extraction = parameter_precision(corpus_dir().parent / PARAMETER_CHECK_FILE, texts)
    readings = _reading_results(model, test)
    if model.entry_ranker is None:
        return {"accuracy": None, "parameter_extraction": extraction, "readings": readings}
    predictions = model.classify(test["text"], with_evidence=False)
    candidates = [p.labels + [label for label in p.uncertain if label not in p.labels] for p in predictions]
    return {
        "accuracy": entry_accuracy(model, test, candidates),
        "parameter_extraction": extraction,
        "readings": readings,
    }


def _reading_results(model: DualUseClassifier, test: dict) -> dict | None:
    """Return the head's reading offsets and, per style, the (text, label) pairs of the test split that read met or
    below, split by whether the text carries the label (None when the head does not use readings)."""
    if not model.head.uses_readings:
        return None
    matrix = reading_matrix(test["text"], model.labels)
    carried = np.array(test["label_vector"]) > 0
    counts = {}
    for style in sorted(set(test["style"])):
        rows = np.array(test["style"]) == style
        counts[style] = {
            f"{reading} ({'labelled' if labelled else 'not labelled'})": int(
                ((matrix[rows] == value) & (carried[rows] == labelled)).sum()
            )
            for reading, value in (("meets", 1), ("below", -1))
            for labelled in (True, False)
        }
    return {"offsets": model.head.reading_offsets_, "per_style": counts}


def _entries_markdown(entries: dict) -> str:
    extraction = entries["parameter_extraction"]
    lines = ["", "## Control-list entries", ""]
    if entries["accuracy"] is None:
        lines.append("This model has no entry ranker (trained before entries were suggested).")
    else:
        lines += [
            "The annotated first entry among the model's suggestions, over labelled test items that name an entry "
            "(candidates from the model's own labels; an item it does not flag is a miss).",
            "",
            "| language | items | top-1 | top-3 |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {group} | {m['n']} | {m['top1']:.3f} | {m['top3']:.3f} |" for group, m in entries["accuracy"].items()
        ]
    lines += [
        "",
        f"Parameter extraction: {extraction['correct']} of {extraction['checked']} hand-checked values correct "
        f"(precision {extraction['precision']:.3f}; {extraction['changed']} sample rows no longer extracted the same "
        f"way and are left out), from `data/{PARAMETER_CHECK_FILE}`.",
    ]
    readings = entries.get("readings")
    if readings:
        columns = list(next(iter(readings["per_style"].values())))
        lines += [
            "",
            "Parameter readings (per label: one of its entries met, or one below and none met) move "
            "the calibrated scores by these log-odds (meets, below), fitted on validation: "
            + ", ".join(f"{label} {met:+.2f} / {below:+.2f}" for label, (met, below) in readings["offsets"].items())
            + ". Test (text, label) pairs with a reading:",
            "",
            "| style | " + " | ".join(columns) + " |",
            "|---|" + "---|" * len(columns),
        ]
        lines += [
            f"| {style} | " + " | ".join(str(counts[c]) for c in columns) + " |"
            for style, counts in readings["per_style"].items()
        ]
    return "\n".join(lines) + "\n"


def evaluate_model(model_dir: Path, out_dir: Path) -> dict:
    """Write report.md, report.json, confusion.png and reliability.png into out_dir and return the results.

    Each variant's head is fitted with the dual-use recall the model was trained for.
    """
    full = DualUseClassifier.from_pretrained(model_dir)
    min_recall = full.metadata.get("settings", {}).get("min_dual_use_recall", TrainingArguments.min_dual_use_recall)
    scorers = dict(full.members)
    if "transformer" in full.members:
        encoder = full.members["transformer"].directory
        scorers["transformer_fp32"] = TransformerScorer(encoder, full.labels, backend="torch")
    variants = {name: sources for name, sources in VARIANTS.items() if set(sources.values()) <= set(scorers)}
    corpus = load_corpus()
    splits = {name: corpus[name].to_dict() for name in ("validation", "test")}
    scores = {
        name: {source: scorer.predict_proba(split["text"]) for source, scorer in scorers.items()}
        for name, split in splits.items()
    }
    # the n-gram model learned from the validation items: score them as the head was fitted, out of fold
    scores["validation"]["ngram"] = with_crossfit(model_dir, splits["validation"]["id"], scores["validation"]["ngram"])
    targets = {name: np.array(split["label_vector"], dtype=int) for name, split in splits.items()}
    results, calibrated, cascade = {}, {}, {}
    served = _served(variants)
    for variant, sources in variants.items():
        model = DualUseClassifier(
            full.labels,
            {member: scorers[source] for member, source in sources.items()},
            head=EnsembleHead(full.labels, min_recall=min_recall),
        )
        member_probs = {name: {member: scores[name][source] for member, source in sources.items()} for name in splits}
        model.fit_head(splits["validation"]["text"], targets["validation"], member_probs["validation"])
        probs, predictions = model.score(splits["test"]["text"], member_probs["test"], full=True)
        results[variant] = compute_metrics(
            targets["test"], predictions, full.labels, splits["test"]["lang"], splits["test"]["style"]
        )
        if variant == served:
            calibrated = {name: model.score(splits[name]["text"], member_probs[name], full=True)[0] for name in splits}
            matrix = co_occurrence(targets["test"], predictions)
        if variant == "ensemble":
            cascade = {name: cascade_agreement(model, splits[name]["text"], member_probs[name]) for name in splits}
            results[CASCADE] = compute_metrics(
                targets["test"],
                model.score(splits["test"]["text"], member_probs["test"])[1],
                full.labels,
                splits["test"]["lang"],
                splits["test"]["style"],
            )
            cascade["rule"] = model.head.cascade_margins()
    curves = {name: reliability(calibrated[name], targets[name]) for name in splits}
    ece = {name: expected_calibration_error(bins) for name, bins in curves.items()}
    checks = _target_checks(results) | (_cascade_checks(results, cascade) if cascade else {})
    entries = _entry_results(full, splits["test"], corpus)
    out_dir.mkdir(parents=True, exist_ok=True)
    _plots(out_dir, full.labels, matrix, curves)
    report = {
        "model_version": full.version,
        "results": results,
        "targets": checks,
        "reliability": curves,
        "expected_calibration_error": ece,
        "cascade": cascade,
        "entries": entries,
    }
    (out_dir / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (out_dir / "report.md").write_text(
        _markdown(full.version, results, checks, ece)
        + (_cascade_markdown(cascade, results) if cascade else "")
        + _entries_markdown(entries),
        encoding="utf-8",
    )
    return report

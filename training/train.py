"""`dualuse train`: fit the n-gram model (cross-fitted on validation), fine-tune the encoder, export it, fit the head,
write a versioned model."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from classifier.head import EnsembleHead
from classifier.model import DualUseClassifier
from classifier.taxonomy import default_taxonomy
from classifier.transformer import TRANSFORMER_DIR, TransformerScorer
from training.arguments import TrainingArguments
from training.corpus import SPLITS, corpus_dir, load_corpus
from training.crossfit import CROSSFIT_FOLDS, crossfit_ngram, save_crossfit
from training.export import export_onnx_int8
from training.finetune import fine_tune
from training.metrics import split_metrics
from training.model_card import render_model_card

log = logging.getLogger("dualuse.training")

QUICK_EVAL_SAMPLE = 120


def data_hash(directory: Path) -> str:
    """Return the sha256 of the split files, so a model card names the exact data it learned from."""
    digest = hashlib.sha256()
    for split in SPLITS:
        digest.update((directory / f"{split}.jsonl").read_bytes())
    return digest.hexdigest()


def _sample(records: dict, size: int, seed: int) -> dict:
    n = len(records["text"])
    if n <= size:
        return records
    keep = sorted(random.Random(seed).sample(range(n), size))
    return {key: [values[i] for i in keep] for key, values in records.items()}


def _split(corpus, name: str, args: TrainingArguments) -> dict:
    records = corpus[name].to_dict()
    if args.quick:
        records = _sample(records, args.quick_sample if name == "train" else QUICK_EVAL_SAMPLE, args.seed)
    return records


def _with_items(records: dict, items: list[dict], labels: list[str]) -> dict:
    extra = {key: [item[key] for item in items] for key in ("id", "text", "labels", "lang", "style", "source")}
    extra["label_vector"] = [[1.0 if label in item["labels"] else 0.0 for label in labels] for item in items]
    return {key: list(values) + extra[key] for key, values in records.items()}


PARTIAL_PREFIX = ".partial-"  # a model being written; renamed to its version when complete


def train_model(
    args: TrainingArguments, output_root: Path, progress: bool = True, extra_train: list[dict] | None = None
) -> Path:
    """Train a complete model into output_root/<version> and return that directory.

    The model is written into a hidden `.partial-<version>` directory and renamed when complete, so a run that stops
    early (an error, Ctrl-C, a killed process) never leaves a model directory that anything lists or loads.
    extra_train: additional training-only items (e.g. analysts' reviews) with their `source` provenance.
    """
    args = args.effective()
    labels = default_taxonomy().ids
    corpus = load_corpus()
    splits = {name: _split(corpus, name, args) for name in SPLITS}
    if extra_train:
        splits["train"] = _with_items(splits["train"], extra_train, labels)
    created = datetime.now(UTC)
    hashed = data_hash(corpus_dir())
    version = f"{created:%Y%m%d-%H%M%S}-{hashed[:8]}" + ("-quick" if args.quick else "")
    counts = {name: len(splits[name]["text"]) for name in SPLITS} | {"reviewed_in_train": len(extra_train or [])}
    metadata = {
        "created": created.isoformat(),
        "data_sha256": hashed,
        "settings": args.as_dict(),
        "counts": counts,
        "max_length": args.max_length,
    }
    partial = output_root / f"{PARTIAL_PREFIX}{version}"
    partial.mkdir(parents=True, exist_ok=False)
    try:
        _train_into(partial, version, args, labels, splits, metadata, progress)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    out = output_root / version
    partial.rename(out)
    log.info(f"done: {out}")
    return out


def _train_into(
    out: Path, version: str, args: TrainingArguments, labels: list[str], splits: dict, metadata: dict, progress: bool
) -> None:
    train, validation = splits["train"], splits["validation"]
    targets = np.array(train["label_vector"])
    log.info(
        f"[1/4] n-gram model on {len(train['text'])} training + {len(validation['text'])} validation items, "
        f"cross-fitted on validation ({CROSSFIT_FOLDS} folds)"
    )
    ngram, ngram_validation = crossfit_ngram(
        labels,
        train["text"],
        targets,
        validation["text"],
        np.array(validation["label_vector"]),
        args.linear_C,
        args.seed,
    )
    log.info(f"[2/4] fine-tuning the encoder ({args.epochs} epoch(s), lr {args.learning_rate})")
    fine_tune(train["text"], targets, labels, args, out / TRANSFORMER_DIR, progress=progress)
    log.info("[3/4] exporting the encoder to ONNX int8")
    export_onnx_int8(out / TRANSFORMER_DIR)
    transformer = TransformerScorer(out / TRANSFORMER_DIR, labels, backend="onnx", max_length=args.max_length)
    head = EnsembleHead(labels, min_recall=args.min_dual_use_recall)
    model = DualUseClassifier(
        labels, {"transformer": transformer, "ngram": ngram}, head=head, version=version, metadata=metadata
    )
    log.info("[4/4] fitting blend weights, calibration, thresholds and gate on validation (int8 model)")
    validation_probs = {"transformer": transformer.predict_proba(validation["text"]), "ngram": ngram_validation}
    model.fit_head(validation["text"], np.array(validation["label_vector"]), validation_probs)
    metrics = {
        "validation": split_metrics(model, validation, validation_probs),
        "test": split_metrics(model, splits["test"]),
    }
    model.save_pretrained(out)
    save_crossfit(out, validation["id"], ngram_validation)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    (out / "README.md").write_text(render_model_card(model, metrics), encoding="utf-8")
    test = metrics["test"]
    log.info(
        f"test macro-F1 {test['macro_f1']:.3f}, dual-use precision {test['dual_use']['precision']:.3f}"
        f" recall {test['dual_use']['recall']:.3f}"
    )

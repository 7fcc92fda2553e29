"""`dualuse train`: fit the n-gram model (cross-fitted on validation), fine-tune the encoder, export it, fit the head,
write a versioned model."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shutil
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from classifier.background import OWNER_SUFFIX, PARTIAL_PREFIX
from classifier.errors import DualUseError
from classifier.head import EnsembleHead
from classifier.linear import NgramClassifier
from classifier.model import DualUseClassifier
from classifier.paths import CONFIG_FILE
from classifier.taxonomy import default_taxonomy
from classifier.transformer import TRANSFORMER_DIR, TransformerScorer
from training.arguments import TrainingArguments
from training.corpus import SPLITS, corpus_dir, load_corpus
from training.crossfit import CROSSFIT_FOLDS, crossfit_ngram, save_crossfit
from training.entries import fit_entry_ranker, fit_parameter_check
from training.export import export_onnx_int8
from training.finetune import fine_tune
from training.metrics import split_metrics
from training.model_card import render_model_card

log = logging.getLogger("dualuse.training")

QUICK_EVAL_SAMPLE = 120


class TrainingError(DualUseError, ValueError):
    """A training run that cannot start as asked."""


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
    extra["entries"] = [item.get("entries") or [] for item in items]
    extra["lookalike"] = [bool(item.get("lookalike")) for item in items]
    return {key: list(values) + extra[key] for key, values in records.items()}


def ngram_weights(split: dict, args: TrainingArguments) -> np.ndarray:
    """Return each item's weight in the n-gram model's fit: `vendor_weight` for the real vendor voice, times
    `lookalike_weight` for look-alikes, 1 otherwise."""
    vendor = np.array([style == "vendor" for style in split["style"]])
    lookalike = np.array(split["lookalike"], dtype=bool)
    return np.where(vendor, args.vendor_weight, 1.0) * np.where(lookalike, args.lookalike_weight, 1.0)


ENCODER_SETTINGS = ("epochs", "learning_rate", "batch_size", "max_length", "weight_decay", "warmup_ratio", "seed")


def reuse_encoder(source: Path, target: Path, args: TrainingArguments, metadata: dict) -> None:
    """Copy the fine-tuned encoder of an earlier model version, after checking that it learned from the same data
    (split files and item counts) with the same encoder settings; raise TrainingError naming what differs."""
    config_path = source / CONFIG_FILE
    if not (source / TRANSFORMER_DIR).is_dir() or not config_path.exists():
        raise TrainingError(f"{source} is not a model version with a fine-tuned encoder")
    earlier = json.loads(config_path.read_text(encoding="utf-8")).get("metadata", {})
    differs = [name for name in ("data_sha256", "counts") if earlier.get(name) != metadata[name]]
    settings = earlier.get("settings", {})
    differs += [name for name in ENCODER_SETTINGS if settings.get(name) != getattr(args, name)]
    if differs:
        raise TrainingError(f"cannot reuse the encoder of {source}: its {', '.join(differs)} differ from this run's")
    shutil.copytree(source / TRANSFORMER_DIR, target)


Report = Callable[[str, float], None]  # (stage, fraction of the whole training done)
# the share of a training run each stage ends at: the encoder's fine-tuning takes nearly all of a full one
STAGE_ENDS = {"ngram": 0.1, "fine-tuning": 0.9, "export": 0.93, "head": 1.0}
NGRAM_ONLY_STAGE_ENDS = {"ngram": 0.7, "head": 1.0}


def train_model(
    args: TrainingArguments,
    output_root: Path,
    progress: bool = True,
    extra_train: list[dict] | None = None,
    report: Report | None = None,
) -> Path:
    """Train a complete model into output_root/<version> and return that directory.

    The model is written into a hidden `.partial-<version>` directory and renamed when complete, so a run that stops
    early (an error, Ctrl-C, a killed process) never leaves a model directory that anything lists or loads; a
    `.partial-<version>.pid` file beside it names the process writing it, so a partial left by a killed process can be
    told from one still being written. extra_train: additional training-only items (e.g. analysts' reviews) with
    their `source` provenance. report: called with each stage's progress (`STAGE_ENDS`).
    """
    args = args.effective()
    labels = default_taxonomy().ids
    corpus = load_corpus()
    splits = {name: _split(corpus, name, args) for name in SPLITS}
    if extra_train:
        splits["train"] = _with_items(splits["train"], extra_train, labels)
    created = datetime.now(UTC)
    hashed = data_hash(corpus_dir())
    version = (
        f"{created:%Y%m%d-%H%M%S}-{hashed[:8]}"
        + ("-quick" if args.quick else "")
        + ("-ngram" if args.ngram_only else "")
    )
    counts = {name: len(splits[name]["text"]) for name in SPLITS} | {"reviewed_in_train": len(extra_train or [])}
    metadata = {
        "created": created.isoformat(),
        "data_sha256": hashed,
        "settings": args.as_dict(),
        "counts": counts,
        "max_length": args.max_length,
    }
    partial = output_root / f"{PARTIAL_PREFIX}{version}"
    owner = output_root / f"{PARTIAL_PREFIX}{version}{OWNER_SUFFIX}"
    stopping = {signal.SIGINT, signal.SIGTERM}  # held until the try below can clean up after them
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    try:
        partial.mkdir(parents=True, exist_ok=False)
        try:
            owner.write_text(f"{os.getpid()}\n", encoding="utf-8")
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            _train_into(
                partial, version, args, labels, splits, metadata, progress, report or (lambda stage, done: None)
            )
            out = output_root / version
            partial.rename(out)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        finally:
            owner.unlink(missing_ok=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    log.info(f"done: {out}")
    return out


def _train_into(
    out: Path,
    version: str,
    args: TrainingArguments,
    labels: list[str],
    splits: dict,
    metadata: dict,
    progress: bool,
    report: Report,
) -> None:
    train, validation = splits["train"], splits["validation"]
    targets = np.array(train["label_vector"])
    weights = {name: ngram_weights(split, args) for name, split in (("train", train), ("validation", validation))}
    ends = NGRAM_ONLY_STAGE_ENDS if args.ngram_only else STAGE_ENDS
    report("ngram", 0.0)
    if args.ngram_only:  # one fit instead of the cross-fit's six: the head learns from validation items it never saw
        log.info(f"[1/4] n-gram model on {len(train['text'])} training items, scoring validation")
        ngram = NgramClassifier(labels, C=args.linear_C, seed=args.seed).fit(train["text"], targets, weights["train"])
        ngram_validation = ngram.predict_proba(validation["text"])
    else:
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
            on_fit=lambda done, fits: report("ngram", ends["ngram"] * done / fits),
            weights=(weights["train"], weights["validation"]),
        )
    report("ngram", ends["ngram"])
    members, validation_probs = {"ngram": ngram}, {"ngram": ngram_validation}
    if args.ngram_only:
        log.info("[2/4] [3/4] no encoder (n-gram only)")
    else:
        if args.encoder_from:
            log.info(f"[2/4] [3/4] reusing the fine-tuned encoder of {args.encoder_from}")
            reuse_encoder(Path(args.encoder_from), out / TRANSFORMER_DIR, args, metadata)
        else:
            log.info(f"[2/4] fine-tuning the encoder ({args.epochs} epoch(s), lr {args.learning_rate})")
            start, span = ends["ngram"], ends["fine-tuning"] - ends["ngram"]
            fine_tune(
                train["text"],
                targets,
                labels,
                args,
                out / TRANSFORMER_DIR,
                progress=progress,
                on_step=lambda step, total: report("fine-tuning", start + span * step / total),
            )
            log.info("[3/4] exporting the encoder to ONNX int8")
            export_onnx_int8(out / TRANSFORMER_DIR)
        report("export", ends["export"])
        transformer = TransformerScorer(out / TRANSFORMER_DIR, labels, backend="onnx", max_length=args.max_length)
        members = {"transformer": transformer, **members}
        validation_probs = {"transformer": transformer.predict_proba(validation["text"]), **validation_probs}
    head = EnsembleHead(labels, min_recall=args.min_dual_use_recall)
    log.info("entry ranker: nearest labelled items and the list text, calibrated on validation")
    ranker = fit_entry_ranker(ngram, train, validation, default_taxonomy())
    model = DualUseClassifier(
        labels,
        members,
        head=head,
        version=version,
        metadata=metadata,
        entry_ranker=ranker,
    )
    log.info("[4/4] fitting blend weights, calibration, thresholds and gate on validation")
    model.fit_head(validation["text"], np.array(validation["label_vector"]), validation_probs)
    model.parameter_check = fit_parameter_check(model, validation, validation_probs, args.min_dual_use_recall)
    log.info(
        f"parameter check: demotes {model.parameter_check.labels_ or 'no label'} ({model.parameter_check.validation_})"
    )
    metrics = {
        "validation": split_metrics(model, validation, validation_probs),
        "test": split_metrics(model, splits["test"]),
    }
    model.save_pretrained(out)
    if not args.ngram_only:  # the n-gram model learned from validation: its out-of-fold scores stand in for it there
        save_crossfit(out, validation["id"], ngram_validation)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    (out / "README.md").write_text(render_model_card(model, metrics), encoding="utf-8")
    report("head", ends["head"])
    test = metrics["test"]
    log.info(
        f"test macro-F1 {test['macro_f1']:.3f}, dual-use precision {test['dual_use']['precision']:.3f}"
        f" recall {test['dual_use']['recall']:.3f}"
    )

"""Compare a newly trained model with the promoted one before promoting it."""

from __future__ import annotations

from pathlib import Path

from classifier.model import DualUseClassifier
from classifier.taxonomy import default_taxonomy
from training.corpus import load_split
from training.metrics import split_metrics

TOLERANCE = 0.005


def _as_columns(records: list[dict]) -> dict:
    labels = default_taxonomy().ids
    return {
        "text": [r["text"] for r in records],
        "lang": [r["lang"] for r in records],
        "style": [r["style"] for r in records],
        "label_vector": [[1 if label in r["labels"] else 0 for label in labels] for r in records],
    }


def _summary(model: DualUseClassifier, columns: dict) -> dict:
    if not columns["text"]:
        return {}
    metrics = split_metrics(model, columns)
    return {
        "macro_f1": metrics["macro_f1"],
        "dual_use_recall": metrics["dual_use"]["recall"],
        "dual_use_precision": metrics["dual_use"]["precision"],
        **{f"{lang}_recall": m["dual_use"]["recall"] for lang, m in metrics.get("per_language", {}).items()},
    }


def compare_models(new_dir: Path, old_dir: Path, reviewed: list[dict]) -> dict:
    """Return {'new': {...}, 'old': {...}} summaries on the test split and on the reviewed items."""
    test = _as_columns(load_split("test"))
    review = _as_columns(reviewed)
    out = {}
    for name, directory in (("new", new_dir), ("old", old_dir)):
        model = DualUseClassifier.from_pretrained(directory)
        out[name] = {"version": model.version, "test": _summary(model, test), "reviewed": _summary(model, review)}
    return out


def regressions(comparison: dict, tolerance: float = TOLERANCE) -> list[str]:
    """Return the test-split measures on which the new model is worse than the old by more than tolerance."""
    new, old = comparison["new"]["test"], comparison["old"]["test"]
    return [
        f"{key}: {new.get(key, 0):.3f} < {value:.3f}"
        for key, value in old.items()
        if new.get(key, 0) < value - tolerance
    ]


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def comparison_table(comparison: dict) -> str:
    """Return the comparison as aligned text."""
    keys = list(comparison["old"]["test"]) or list(comparison["new"]["test"])
    lines = [
        f"{'measure':<22}{'promoted ' + comparison['old']['version']:>40}{'new ' + comparison['new']['version']:>40}"
    ]
    for split in ("test", "reviewed"):
        for key in keys:
            old, new = comparison["old"][split].get(key), comparison["new"][split].get(key)
            if old is None and new is None:
                continue
            lines.append(f"{split + ' ' + key:<22}{_figure(old):>40}{_figure(new):>40}")
    return "\n".join(lines)

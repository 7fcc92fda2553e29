"""`dualuse label`: label a whole catalog in chunks, with progress, resumable, written atomically."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from classifier.errors import DualUseError
from classifier.tabular import TableWriter, TabularError, count_rows, file_format, iter_chunks, read_columns

CHUNK_SIZE = 512
ADDED_COLUMNS = (
    "labels",
    "scores",
    "dual_use",
    "uncertain",
    "evidence",
    "entries",
    "below",
    "members",
    "model_version",
    "error",
)
MANIFEST = "manifest.json"


class CatalogError(DualUseError, ValueError):
    """A catalog that cannot be labeled as asked (wrong columns, unsupported format, ...)."""


@dataclass
class LabelSummary:
    """What a labeling run did."""

    rows: int
    dual_use: int
    errors: int
    resumed_chunks: int
    output: Path


def _fingerprint(path: Path, **settings) -> dict:
    stat = path.stat()
    return {"input": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, **settings}


def _part_path(work: Path, index: int) -> Path:
    return work / f"part-{index:06d}.pkl"


def label_chunk(frame: pd.DataFrame, model, text_column: str, with_evidence: bool, full: bool = False) -> pd.DataFrame:
    """Return the labeled copy of one input chunk: the added columns, and read errors kept per row (full: every
    member scores every row, as `DualUseClassifier.classify` has it)."""
    texts = frame[text_column].tolist() if text_column in frame else [None] * len(frame)
    predictions = model.classify(texts, with_evidence=with_evidence, full=full)
    out = frame.drop(columns=[c for c in ("_error", "_raw") if c in frame.columns]).copy()
    read_errors = frame["_error"].tolist() if "_error" in frame.columns else [None] * len(frame)
    raws = frame["_raw"].tolist() if "_raw" in frame.columns else [None] * len(frame)
    out["labels"] = [p.labels for p in predictions]
    out["scores"] = [p.scores for p in predictions]
    out["dual_use"] = [p.dual_use for p in predictions]
    out["uncertain"] = [p.uncertain for p in predictions]
    out["evidence"] = [p.evidence for p in predictions]
    # JSON text in every output format: a list of nested records that CSV, XLSX and Parquet chunks all hold alike
    out["entries"] = [json.dumps(p.entries, ensure_ascii=False) for p in predictions]
    out["below"] = [p.below for p in predictions]
    out["members"] = [p.members for p in predictions]
    out["model_version"] = model.version
    errors = []
    for prediction, read_error, raw in zip(predictions, read_errors, raws):
        if isinstance(read_error, str):
            errors.append(read_error + (f": {str(raw)[:200]}" if isinstance(raw, str) else ""))
        elif prediction.error:
            errors.append(f"column {text_column!r}: {prediction.error}")
        else:
            errors.append("")
    out["error"] = errors
    for index, error in enumerate(errors):
        if error and read_errors[index]:
            out.at[out.index[index], "labels"] = []
            out.at[out.index[index], "scores"] = {}
            out.at[out.index[index], "dual_use"] = False
    return out


def check_columns(path: Path, id_column: str, text_column: str) -> list[str]:
    """Return the input's columns, or raise CatalogError naming the missing column and the columns found."""
    columns = read_columns(path)
    for wanted, option in ((text_column, "--text-column"), (id_column, "--id-column")):
        if wanted not in columns:
            raise CatalogError(
                f"{path}: no column {wanted!r}; columns found: {', '.join(map(str, columns)) or '(none)'} "
                f"(choose one with {option})"
            )
    clash = [c for c in ADDED_COLUMNS if c in columns]
    if clash:
        raise CatalogError(f"{path}: input already has output column(s) {', '.join(clash)}; rename them first")
    return columns


def check_catalog(input_path: Path, output_path: Path, id_column: str, text_column: str) -> None:
    """Raise CatalogError unless both formats are supported, the input exists and it has the needed columns."""
    try:
        file_format(input_path)
        file_format(output_path)
        if not input_path.exists():
            raise CatalogError(f"{input_path}: file not found")
        check_columns(input_path, id_column, text_column)
    except TabularError as exc:
        raise CatalogError(str(exc)) from exc


def label_catalog(
    input_path,
    output_path,
    model,
    id_column: str = "id",
    text_column: str = "description",
    chunk_size: int = CHUNK_SIZE,
    with_evidence: bool = True,
    progress: bool = True,
    on_progress: Callable[[int, int | None], None] | None = None,
    full: bool = False,
) -> LabelSummary:
    """Label every row of input_path into output_path; an interrupted run resumes from its finished chunks.

    on_progress(rows_done, rows_total) is called after each chunk; full: no cascade, the encoder runs wherever the
    text's language gives it weight (for evaluation).
    """
    from tqdm.auto import tqdm

    input_path, output_path = Path(input_path), Path(output_path)
    check_catalog(input_path, output_path, id_column, text_column)
    work = output_path.with_name(output_path.name + ".parts")
    manifest = _fingerprint(
        input_path,
        text_column=text_column,
        chunk_size=chunk_size,
        model_version=model.version,
        evidence=with_evidence,
        full=full,
    )
    manifest_path = work / MANIFEST
    if work.exists() and (not manifest_path.exists() or json.loads(manifest_path.read_text()) != manifest):
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    resumed = 0
    total = count_rows(input_path)
    bar = tqdm(total=total, desc=f"labeling {input_path.name}", unit="row", disable=not progress)
    chunks = done = 0
    for index, frame in enumerate(iter_chunks(input_path, chunk_size)):
        chunks = index + 1
        part = _part_path(work, index)
        if part.exists():
            resumed += 1
        else:
            labeled = label_chunk(frame, model, text_column, with_evidence, full)
            tmp = part.with_suffix(".tmp")
            labeled.to_pickle(tmp)
            tmp.replace(part)
        bar.update(len(frame))
        done += len(frame)
        if on_progress is not None:
            on_progress(done, total)
    bar.close()

    rows = dual_use = errors = 0
    tmp_output = output_path.with_name(f".{output_path.name}.tmp{output_path.suffix}")
    writer = TableWriter(tmp_output)
    for index in range(chunks):
        frame = pd.read_pickle(_part_path(work, index))
        rows += len(frame)
        dual_use += int(frame["dual_use"].sum())
        errors += int((frame["error"] != "").sum())
        writer.write(frame)
    if chunks == 0:
        writer.write(pd.DataFrame(columns=read_columns(input_path) + list(ADDED_COLUMNS)))
    writer.close()
    tmp_output.replace(output_path)
    shutil.rmtree(work)
    return LabelSummary(rows=rows, dual_use=dual_use, errors=errors, resumed_chunks=resumed, output=output_path)

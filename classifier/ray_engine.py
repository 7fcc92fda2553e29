"""`dualuse label --engine ray`: the labeling of classifier.catalog, with the model run by Ray Data workers.

The driver reads the input with the local engine's reader and chunk size, Ray workers label one chunk per call, and
the driver writes the labeled chunks in input order. Ray's own readers are not used: they pick other block boundaries,
and the encoder's scores shift slightly with the rows that share a batch, and they would not keep the local reader's
per-row errors for malformed CSV/JSONL lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from classifier.catalog import ADDED_COLUMNS, CHUNK_SIZE, CatalogError, LabelSummary, check_catalog, label_chunk
from classifier.paths import CONFIG_FILE
from classifier.settings import get_settings
from classifier.tabular import TableWriter, iter_chunks, read_columns


class ChunkLabeler:
    """Ray Data worker: loads the model once, then labels one catalog chunk per call."""

    def __init__(self, model_dir: str, text_column: str, with_evidence: bool, full: bool = False):
        from classifier.model import DualUseClassifier

        self.model = DualUseClassifier.from_pretrained(model_dir)
        self.text_column = text_column
        self.with_evidence = with_evidence
        self.full = full

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """Return the labeled chunk."""
        return label_chunk(chunk, self.model, self.text_column, self.with_evidence, self.full)


def _labeled_chunks(
    input_path: Path, model_dir: str, text_column: str, batch_size: int, with_evidence: bool, full: bool = False
):
    """Yield the labeled chunks of input_path in input order, computed by a Ray Data actor pool."""
    import ray

    refs = [ray.put(chunk) for chunk in iter_chunks(input_path, batch_size)]
    if not refs:
        return
    dataset = ray.data.from_pandas_refs(refs)
    # Keep rows in input order, and keep the labeled chunks as pandas blocks: converting them to Arrow would turn
    # the score and evidence dicts into structs padded with nulls, and lists into arrays.
    dataset.context.execution_options.preserve_order = True
    dataset.context.batch_to_block_arrow_format = False
    labeled = dataset.map_batches(
        ChunkLabeler,
        fn_constructor_args=(model_dir, text_column, with_evidence, full),
        batch_format="pandas",
        batch_size=None,  # one input block, i.e. one local-engine chunk, per call
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=None),
    )
    yield from labeled.iter_batches(batch_format="pandas", batch_size=None)


def _write_labeled(
    input_path: Path,
    output_path: Path,
    model_dir: str,
    text_column: str,
    batch_size: int,
    with_evidence: bool,
    full: bool = False,
) -> LabelSummary:
    tmp_output = output_path.with_name(f".{output_path.name}.tmp{output_path.suffix}")
    writer = TableWriter(tmp_output)
    rows = dual_use = errors = 0
    try:
        for frame in _labeled_chunks(input_path, model_dir, text_column, batch_size, with_evidence, full):
            rows += len(frame)
            dual_use += int(frame["dual_use"].sum())
            errors += int((frame["error"] != "").sum())
            writer.write(frame)
        if rows == 0:
            writer.write(pd.DataFrame(columns=read_columns(input_path) + list(ADDED_COLUMNS)))
        writer.close()
    except BaseException:
        writer.close()
        tmp_output.unlink(missing_ok=True)
        raise
    tmp_output.replace(output_path)
    return LabelSummary(rows=rows, dual_use=dual_use, errors=errors, resumed_chunks=0, output=output_path)


def label_catalog_ray(
    input_path,
    output_path,
    model_dir,
    id_column: str = "id",
    text_column: str = "description",
    address: str | None = None,
    batch_size: int = CHUNK_SIZE,
    with_evidence: bool = True,
    full: bool = False,
) -> LabelSummary:
    """Label input_path into output_path on Ray: this process's running Ray, else address, else a new local Ray
    (full: every member on every row, see `label_catalog`)."""
    import ray

    input_path, output_path = Path(input_path), Path(output_path)
    check_catalog(input_path, output_path, id_column, text_column)
    # Workers of a local Ray share this machine, so a relative model path is made absolute; on a cluster it is
    # passed as given and resolved by each worker (e.g. inside a runtime_env working_dir).
    model_path = str(model_dir) if address else str(Path(model_dir).absolute())
    if not address and not (Path(model_path) / CONFIG_FILE).exists():
        raise CatalogError(f"{model_dir}: not a dualuse model directory (no {CONFIG_FILE})")
    started = not ray.is_initialized()
    if started and address:
        ray.init(address=address)
    elif started:
        ray.init(address="local", num_cpus=get_settings().cpu_threads, include_dashboard=False)
    try:
        return _write_labeled(input_path, output_path, model_path, text_column, batch_size, with_evidence, full)
    finally:
        if started:
            ray.shutdown()

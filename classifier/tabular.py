"""Chunked reading and writing of tabular files (CSV, JSONL, Parquet, XLSX), chosen by file extension."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from classifier.errors import DualUseError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".xlsx": "xlsx"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula
MAX_COLUMN_NAME_CHARS = 200


class TabularError(DualUseError, ValueError):
    """A file that cannot be read or written as a table."""


def file_format(path: str | Path) -> str:
    """Return the format name for a path's extension, or raise TabularError listing the known ones."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise TabularError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; use one of {', '.join(sorted(FORMATS))}"
        )
    return FORMATS[suffix]


def count_rows(path: str | Path) -> int | None:
    """Return the number of data rows when it is cheap to know (Parquet metadata, line counts), else None."""
    kind = file_format(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if kind == "jsonl":
        with open(path, "rb") as handle:
            return sum(1 for line in handle if line.strip())
    if kind == "csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return max(sum(1 for _ in _csv_records(handle)) - 1, 0)
    return None


def _jsonl_chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    rows: list[dict] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
                row = value if isinstance(value, dict) else {"_error": f"line {number}: not a JSON object"}
            except json.JSONDecodeError as exc:
                row = {"_error": f"line {number}: malformed JSON ({exc.msg})", "_raw": line.rstrip("\n")}
            rows.append(row)
            if len(rows) == chunk_size:
                yield pd.DataFrame(rows, dtype=object)
                rows = []
    if rows:
        yield pd.DataFrame(rows, dtype=object)


def _fields_of_line(line: str) -> list[str]:
    """Return one physical line's fields as best they can be read (for error rows), or none."""
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return []


def _csv_records(handle) -> Iterator[tuple[int, list[str], str | None, str | None]]:
    """Yield (line number, fields, error, raw line) per record of a CSV text stream.

    A record that breaks the quoting rules (a quote never closed, or text after a closing quote) becomes one error
    row per physical line it spans, so rows swallowed by a stray quote are reported, never merged into one field.
    """
    consumed: list[tuple[int, str]] = []
    numbered = ((number, line) for number, line in enumerate(handle, start=1))

    def lines() -> Iterator[str]:
        for number, line in numbered:
            consumed.append((number, line))
            yield line

    reader = csv.reader(lines(), strict=True)
    while True:
        consumed.clear()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            first, last = consumed[0][0], consumed[-1][0]
            for number, line in consumed:
                if number == first:
                    error = f"line {number}: malformed CSV ({exc})" + (
                        f"; a quote opened here swallows lines {first}-{last}" if last > first else ""
                    )
                else:
                    error = f"line {number}: inside the unclosed quote opened on line {first}"
                yield number, _fields_of_line(line), error, line.rstrip("\r\n")
            continue
        yield consumed[0][0], fields, None, None


def _csv_chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = _csv_records(handle)
        first = next(records, None)
        if first is None:
            return
        header = first[1]
        rows: list[dict] = []
        for number, row, error, raw in records:
            record = dict(zip(header, row))
            if error is None and len(row) != len(header):
                error, raw = f"line {number}: {len(row)} fields, header has {len(header)}", ",".join(row)
            if error is not None:
                record = {**{name: "" for name in header}, **record, "_error": error, "_raw": raw}
            rows.append(record)
            if len(rows) == chunk_size:
                yield pd.DataFrame(rows, columns=_columns(header, rows))
                rows = []
        if rows:
            yield pd.DataFrame(rows, columns=_columns(header, rows))


def _columns(header: list[str], rows: list[dict]) -> list[str]:
    extra = [key for key in ("_error", "_raw") if any(key in row for row in rows)]
    return list(header) + extra


def _checked_header(path: Path, names: list[str]) -> list[str]:
    """Return names, or raise TabularError for an oversized or repeated column name."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if len(name) > MAX_COLUMN_NAME_CHARS:
            raise TabularError(
                f"{path}: the name of column {position} is {len(name)} characters; the limit is {MAX_COLUMN_NAME_CHARS}"
            )
        if name and name in seen:
            raise TabularError(
                f"{path}: column name {name!r} appears more than once (columns {seen[name]} "
                f"and {position}); rename one of them"
            )
        seen[name] = position
    return names


def _read_header(path: Path, kind: str) -> list[str]:
    if kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(path).schema_arrow.names)
    if kind == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            _, header, error, _ = next(_csv_records(handle), (1, [], None, None))
        if error:
            raise TabularError(f"{path}: the header is not valid CSV ({error})")
        return header
    first = next(iter_chunks(path, 1000), None)
    return [] if first is None else [str(c) for c in first.columns if not str(c).startswith("_")]


def read_columns(path: str | Path) -> list[str]:
    """Return the column names of a table without reading it whole; TabularError if it is not a readable table
    of its format or a column name is oversized or repeated."""
    path = Path(path)
    kind = file_format(path)
    try:
        return _checked_header(path, _read_header(path, kind))
    except TabularError:
        raise
    except UnicodeDecodeError as exc:
        raise TabularError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    except Exception as exc:  # pyarrow, openpyxl and zipfile each raise their own kinds for a file that is not theirs
        raise TabularError(f"{path}: not a readable {kind.upper()} file ({type(exc).__name__}: {exc})") from exc


def iter_chunks(path: str | Path, chunk_size: int = 1000) -> Iterator[pd.DataFrame]:
    """Yield the table in DataFrames of at most chunk_size rows; unreadable rows carry an `_error` column."""
    path = Path(path)
    if not path.exists():
        raise TabularError(f"{path}: file not found")
    kind = file_format(path)
    if kind == "csv":
        yield from _csv_chunks(path, chunk_size)
    elif kind == "jsonl":
        yield from _jsonl_chunks(path, chunk_size)
    elif kind == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_size):
            yield batch.to_pandas(integer_object_nulls=True)
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        rows = sheet.iter_rows(values_only=True)
        header = [str(h) if h is not None else "" for h in next(rows, ())]
        chunk = []
        for values in rows:
            chunk.append(dict(zip(header, values)))
            if len(chunk) == chunk_size:
                yield pd.DataFrame(chunk, columns=header, dtype=object)
                chunk = []
        if chunk:
            yield pd.DataFrame(chunk, columns=header, dtype=object)


def spreadsheet_safe(value):
    """Return value with a leading single quote when it is text that a spreadsheet would run as a formula (it starts
    with =, +, -, @, tab or CR); anything else unchanged."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _cell_for_text(value):
    """Return value as a CSV or XLSX cell: JSON text for lists and mappings, "" when missing, formulas neutralised."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return spreadsheet_safe(value)


def _json_if_mapping(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value


def _concrete_schema(schema):
    """Return schema with null-typed columns (all values missing in the first chunk) widened to strings."""
    import pyarrow as pa

    fields = []
    for field in schema:
        kind = field.type
        if pa.types.is_null(kind):
            kind = pa.string()
        elif pa.types.is_list(kind) and pa.types.is_null(kind.value_type):
            kind = pa.list_(pa.string())
        fields.append(pa.field(field.name, kind))
    return pa.schema(fields)


class TableWriter:
    """Append DataFrames to one output file of any supported format; in CSV/XLSX JSON-typed cells become JSON text
    and text that a spreadsheet would run as a formula gets a leading quote (JSONL and Parquet stay verbatim)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.kind = file_format(self.path)
        self._handle = None
        self._writer = None
        self._columns: list[str] | None = None

    def write(self, frame: pd.DataFrame) -> None:
        """Append the rows of frame."""
        if self._columns is None:
            self._columns = list(frame.columns)
        frame = frame.reindex(columns=self._columns + [c for c in frame.columns if c not in self._columns])
        if self.kind == "jsonl":
            self._handle = self._handle or self.path.open("w", encoding="utf-8")
            for record in frame.to_dict(orient="records"):
                clean = {k: (None if isinstance(v, float) and v != v else v) for k, v in record.items()}
                self._handle.write(json.dumps(clean, ensure_ascii=False, default=str) + "\n")
        elif self.kind == "csv":
            if self._handle is None:
                self._handle = self.path.open("w", encoding="utf-8", newline="")
                self._writer = csv.writer(self._handle)
                self._writer.writerow([spreadsheet_safe(name) for name in frame.columns])
            for row in frame.itertuples(index=False):
                self._writer.writerow([_cell_for_text(v) for v in row])
        elif self.kind == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            frame = pd.DataFrame(
                {
                    name: pd.Series([_json_if_mapping(v) for v in column], index=frame.index, dtype=object)
                    for name, column in frame.items()
                }
            )  # object columns: no int -> float on the way
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, _concrete_schema(table.schema))
            self._writer.write_table(table.cast(self._writer.schema, safe=False))
        else:
            from openpyxl import Workbook

            if self._writer is None:
                self._handle = Workbook(write_only=True)
                self._writer = self._handle.create_sheet()
                self._writer.append([spreadsheet_safe(name) for name in frame.columns])
            for row in frame.itertuples(index=False):
                self._writer.append([_cell_for_text(v) for v in row])

    def close(self) -> None:
        """Finish the file."""
        if self.kind == "parquet" and self._writer is not None:
            self._writer.close()
        elif self.kind == "xlsx" and self._handle is not None:
            self._handle.save(self.path)
        elif self._handle is not None:
            self._handle.close()

"""Checks on an uploaded catalog, made while it is saved and before it is queued, so a bad file is refused at once."""

from __future__ import annotations

import codecs
import hashlib
import shutil
from pathlib import Path
from typing import BinaryIO

from classifier.catalog import CatalogError, check_columns
from classifier.tabular import FORMATS, TabularError, count_rows, iter_chunks

TEXT_FORMATS = ("csv", "jsonl")
COPY_CHUNK_BYTES = 1 << 20


class UploadError(ValueError):
    """An upload refused with an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def save_upload(source: BinaryIO, target: Path, name: str) -> str:
    """Copy source to target and return its SHA-256; UploadError if a CSV or JSONL file is binary or not UTF-8."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if FORMATS[target.suffix] in TEXT_FORMATS else None
    offset = 0
    with target.open("wb") as handle:
        while chunk := source.read(COPY_CHUNK_BYTES):
            digest.update(chunk)
            handle.write(chunk)
            if decoder is not None:
                if b"\x00" in chunk:
                    raise UploadError(
                        400,
                        f"{name} contains NUL bytes at byte {offset + chunk.index(0)}: it is "
                        "a binary file (or UTF-16 text), not UTF-8 CSV or JSON Lines",
                    )
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    raise UploadError(
                        400, f"{name} is not UTF-8 text (invalid byte at byte {offset + exc.start}); save it as UTF-8"
                    ) from exc
            offset += len(chunk)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise UploadError(400, f"{name} is not UTF-8 text (it ends inside a character); save it as UTF-8") from exc
    return digest.hexdigest()


def check_upload(path: Path, name: str, id_column: str, text_column: str, max_rows: int) -> int:
    """Return the catalog's row count; UploadError if it is not a readable table with the named columns, or has
    more rows than max_rows."""
    try:
        check_columns(path, id_column, text_column)
        rows = count_rows(path)
        if rows is None:
            rows = sum(len(chunk) for chunk in iter_chunks(path))
    except (CatalogError, TabularError) as exc:
        raise UploadError(400, str(exc).replace(str(path), name)) from exc
    if rows > max_rows:
        raise UploadError(413, f"{name} has {rows} rows; the limit is {max_rows} rows per job")
    return rows


def discard(folder: Path) -> None:
    """Remove a refused upload's folder and everything in it."""
    shutil.rmtree(folder, ignore_errors=True)

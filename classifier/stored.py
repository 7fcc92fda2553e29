"""Fitted Python objects of a model directory (the n-gram model, the entry ranker) on disk.

They are written with Python's own pickler (protocol 5), which reads back about ten times faster than joblib's
pure-Python unpickler: a service or a `dualuse label` run starts in a fraction of a second instead of several. Files
written by joblib before are still read. Either way a model file is code to Python: load only models you trust.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import joblib

PICKLE_PROTOCOL = 5


def save_object(obj: object, path: Path) -> None:
    """Write obj to path."""
    with Path(path).open("wb") as handle:
        pickle.dump(obj, handle, protocol=PICKLE_PROTOCOL)


def load_object(path: Path, joblib_path: Path, kind: type) -> object:
    """Return the kind of object stored at path, or at joblib_path (the name joblib wrote it under) when path is
    absent; TypeError when the file holds something else."""
    path, joblib_path = Path(path), Path(joblib_path)
    if path.exists():
        with path.open("rb") as handle:
            loaded, source = pickle.load(handle), path
    else:
        loaded, source = joblib.load(joblib_path), joblib_path
    if not isinstance(loaded, kind):
        raise TypeError(f"{source} does not hold a {kind.__name__}")
    return loaded

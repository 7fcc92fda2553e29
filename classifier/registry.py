"""Trained model versions under the models directory, and which one the commands use by default."""

from __future__ import annotations

import os
from pathlib import Path

from classifier.paths import models_dir

CURRENT_FILE = "CURRENT"


class ModelNotFoundError(FileNotFoundError):
    """No trained model where one was expected."""


def current_version(root: Path | None = None) -> str | None:
    """Return the promoted version name, or None when nothing is promoted."""
    pointer = (root or models_dir()) / CURRENT_FILE
    return pointer.read_text(encoding="utf-8").strip() or None if pointer.exists() else None


def promote(version: str, root: Path | None = None) -> None:
    """Make `version` the model the commands and the service use by default."""
    root = root or models_dir()
    if not (root / version).is_dir():
        raise ModelNotFoundError(f"no model version {version!r} under {root}")
    tmp = root / f".{CURRENT_FILE}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    tmp.replace(root / CURRENT_FILE)


def default_model_path() -> Path:
    """Return the model directory to use: $DUALUSE_MODEL_PATH, else the promoted version."""
    explicit = os.environ.get("DUALUSE_MODEL_PATH")
    if explicit:
        return Path(explicit)
    version = current_version()
    if version is None:
        raise ModelNotFoundError(
            f"no trained model under {models_dir()}: run `dualuse train` (about 10 minutes on 2 cores) "
            "or set DUALUSE_MODEL_PATH"
        )
    return models_dir() / version

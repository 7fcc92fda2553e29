"""Where the project's data and models live, overridable by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_FILE = "dualuse.json"  # a model directory's config: members, head, version and metadata


def data_dir() -> Path:
    """Return the data directory (labels, corpus, policies, entity lists)."""
    return Path(os.environ.get("DUALUSE_DATA_DIR", PROJECT_ROOT / "data"))


def models_dir() -> Path:
    """Return the directory that holds trained model versions."""
    return Path(os.environ.get("DUALUSE_MODELS_DIR", PROJECT_ROOT / "models"))


def state_dir() -> Path:
    """Return the service's state directory (database, jobs, assembled LLM weights)."""
    return Path(os.environ.get("DUALUSE_STATE_DIR", PROJECT_ROOT / "state"))

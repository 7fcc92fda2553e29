"""Trained model versions under the models directory, which one is promoted, and the promotion history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from classifier.errors import DualUseError
from classifier.paths import CONFIG_FILE
from classifier.settings import Settings, get_settings

CURRENT_FILE = "CURRENT"
HISTORY_FILE = "HISTORY"


class ModelNotFoundError(DualUseError, FileNotFoundError):
    """No trained model where one was expected."""


class ModelNotLoadableError(ModelNotFoundError):
    """A model directory that is there but does not load or classify."""


@dataclass
class ModelVersion:
    """One trained model directory and what its card says about it."""

    name: str
    path: Path
    created: str
    metrics: dict
    promoted: bool


def _root(root: Path | None) -> Path:
    return root or get_settings().models_dir


def current_version(root: Path | None = None) -> str | None:
    """Return the promoted version name, or None when nothing is promoted."""
    pointer = _root(root) / CURRENT_FILE
    return (pointer.read_text(encoding="utf-8").strip() or None) if pointer.exists() else None


def model_version(directory: Path) -> str:
    """Return the version recorded in a model directory's config."""
    config = Path(directory) / CONFIG_FILE
    if not config.exists():
        raise ModelNotFoundError(f"{directory} is not a dualuse model directory (no {CONFIG_FILE})")
    return json.loads(config.read_text(encoding="utf-8"))["version"]


def list_versions(root: Path | None = None) -> list[ModelVersion]:
    """Return every trained version, oldest first."""
    root = _root(root)
    current = current_version(root)
    versions = []
    # hidden directories are models still being written (see training.train)
    for path in sorted(p for p in root.glob("*") if not p.name.startswith(".") and (p / CONFIG_FILE).exists()):
        config = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
        metrics_path = path / "metrics.json"
        metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
        versions.append(
            ModelVersion(path.name, path, config.get("metadata", {}).get("created", ""), metrics, path.name == current)
        )
    return versions


def promotion_stack(root: Path | None = None) -> list[str]:
    """Return the promoted versions as a stack (oldest first); a rollback pops the top one."""
    history = _root(root) / HISTORY_FILE
    stack: list[str] = []
    if history.exists():
        for line in history.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] == "promote":
                stack.append(parts[2])
            elif len(parts) == 3 and parts[1] == "rollback" and stack:
                stack.pop()
    return stack


def _point_to(root: Path, version: str, action: str) -> None:
    if not (root / version / CONFIG_FILE).exists():
        raise ModelNotFoundError(f"no model version {version!r} under {root}")
    tmp = root / f".{CURRENT_FILE}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    tmp.replace(root / CURRENT_FILE)
    with (root / HISTORY_FILE).open("a", encoding="utf-8") as handle:
        handle.write(f"{datetime.now(UTC).isoformat()} {action} {version}\n")


def promote(version: str, root: Path | None = None) -> None:
    """Make `version` the model the commands and the service use by default, and record it in the history."""
    _point_to(_root(root), version, "promote")


def check_loads(version: str, root: Path | None = None) -> None:
    """Raise ModelNotFoundError unless `version` exists, loads and classifies a description (before promoting it)."""
    from classifier.model import DualUseClassifier

    path = _root(root) / version
    if not (path / CONFIG_FILE).exists():
        raise ModelNotFoundError(f"no model version {version!r} under {_root(root)}")
    try:
        DualUseClassifier.from_pretrained(path).classify(["Ring laser gyro, bias stability 0.001 deg/h"])
    except Exception as exc:
        raise ModelNotLoadableError(
            f"model version {version!r} does not load ({type(exc).__name__}: {exc}); not promoted"
        ) from exc


def rollback(root: Path | None = None) -> str:
    """Return to the version promoted before the current one, and return its name."""
    root = _root(root)
    stack = promotion_stack(root)
    if len(stack) < 2:
        raise ModelNotFoundError(f"no earlier promoted version to roll back to under {root}")
    _point_to(root, stack[-2], "rollback")
    return stack[-2]


def default_model_path(settings: Settings | None = None) -> Path:
    """Return the model directory to use: the settings' model_path (DUALUSE_MODEL_PATH), else the version promoted
    under their models_dir."""
    settings = settings or get_settings()
    if settings.model_path is not None:
        return settings.model_path
    version = current_version(settings.models_dir)
    if version is None:
        raise ModelNotFoundError(
            f"no trained model under {settings.models_dir}: run `dualuse train` (about 40 minutes on 2 cores) "
            "or set DUALUSE_MODEL_PATH"
        )
    return settings.models_dir / version

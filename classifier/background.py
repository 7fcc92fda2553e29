"""The full model trained in the background while the service answers with the n-gram model.

`dualuse serve --train-in-background` starts `dualuse train --status-file STATE_DIR/training.json` as a child
process at low priority when no model with the encoder exists yet; the child writes its progress to that file and,
when done, promotes the model by the usual comparison, which the service's reload picks up. The file is read by
/readyz and the web page. A model being written lives in a hidden `.partial-<version>` directory with a
`.partial-<version>.pid` file beside it; `clean_partials` removes the ones whose process is gone.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from classifier.paths import CONFIG_FILE

STATUS_FILE = "training.json"
LOG_FILE = "training.log"
PARTIAL_PREFIX = ".partial-"  # a model being written; renamed to its version when complete
OWNER_SUFFIX = ".pid"  # beside a partial directory: the id of the process writing it
NICENESS = 10  # the training yields the cores to the service
STOP_SECONDS = 20
ENCODER_KINDS = frozenset({"transformer", "TransformerScorer"})  # a member kind, or a legacy config's class name

log = logging.getLogger("dualuse.background")


def pid_alive(pid: int | None) -> bool:
    """Return whether a process with this id is running (a zombie counts until it is reaped)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StatusWriter:
    """Writes a training run's progress to its status file (atomically, at most every `interval` seconds)."""

    def __init__(self, path: Path, members: list[str], interval: float = 2.0):
        self.path = Path(path)
        self.interval = interval
        self.started = time.time()
        self._written = 0.0
        self.fields = {
            "state": "running",
            "pid": os.getpid(),
            "members": members,
            "started": datetime.fromtimestamp(self.started, UTC).isoformat(timespec="seconds"),
            "stage": "starting",
            "fraction": 0.0,
            "eta_seconds": None,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write()

    def progress(self, stage: str, fraction: float) -> None:
        """Record the stage and the fraction of the whole run done, with an estimate of the time left."""
        elapsed = time.time() - self.started
        eta = elapsed / fraction * (1.0 - fraction) if fraction >= 0.02 else None
        new_stage = stage != self.fields["stage"]
        self.fields.update(stage=stage, fraction=round(fraction, 4), eta_seconds=None if eta is None else round(eta))
        if new_stage or time.monotonic() - self._written >= self.interval:
            self._write()

    def finish(self, state: str, **fields) -> None:
        """Record the end of the run: state `promoted`, `not promoted`, `trained`, `failed` or `interrupted`."""
        self.fields.update(state=state, eta_seconds=None, finished=datetime.now(UTC).isoformat(timespec="seconds"))
        self.fields.update(fields)
        self._write()

    def _write(self) -> None:
        self._written = time.monotonic()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.fields, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)


def training_status(state_dir: Path) -> dict | None:
    """Return the last background training's status (None when there was none), with `running` true only while
    its process is alive; a run whose process died without finishing reads as `interrupted`."""
    path = Path(state_dir) / STATUS_FILE
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(status, dict):
        return None
    status["running"] = status.get("state") == "running" and pid_alive(status.get("pid"))
    if status.get("state") == "running" and not status["running"]:
        status["state"] = "interrupted"
    return status


def clean_partials(models_dir: Path) -> list[str]:
    """Remove the partial model directories (and their pid files) whose writing process is gone; return their
    names. A partial whose process is still running is kept."""
    removed = []
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return removed
    for partial in sorted(models_dir.glob(f"{PARTIAL_PREFIX}*")):
        if partial.name.endswith(OWNER_SUFFIX):
            continue
        owner = partial.with_name(partial.name + OWNER_SUFFIX)
        try:
            pid = int(owner.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            pid = None
        if pid_alive(pid):
            continue
        shutil.rmtree(partial, ignore_errors=True)
        owner.unlink(missing_ok=True)
        removed.append(partial.name)
    for owner in models_dir.glob(f"{PARTIAL_PREFIX}*{OWNER_SUFFIX}"):  # a pid file left without its directory
        if not owner.with_name(owner.name[: -len(OWNER_SUFFIX)]).exists():
            owner.unlink(missing_ok=True)
    return removed


def has_encoder(model_dir: Path) -> bool:
    """Return whether the model in model_dir has the encoder among its members."""
    try:
        config = json.loads((Path(model_dir) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    specs = config.get("members", {}).values()
    return any((spec.get("kind") if isinstance(spec, dict) else spec) in ENCODER_KINDS for spec in specs)


def full_model_exists(models_dir: Path) -> bool:
    """Return whether any trained version under models_dir has the encoder (hidden, partial directories aside)."""
    models_dir = Path(models_dir)
    return models_dir.is_dir() and any(
        has_encoder(path) for path in models_dir.iterdir() if path.is_dir() and not path.name.startswith(".")
    )


def _lower_priority_and_die_with_parent() -> None:  # runs in the child between fork and exec
    os.nice(NICENESS)
    try:  # Linux: the child gets SIGTERM when the service dies, however it dies
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class BackgroundTraining:
    """The child process that trains the full model while the service runs (see the module's description)."""

    def __init__(self, process: subprocess.Popen, status_path: Path):
        self.process = process
        self.status_path = status_path
        self._reaper = threading.Thread(target=process.wait, name="background-training", daemon=True)
        self._reaper.start()

    @classmethod
    def start_if_needed(cls, models_dir: Path, state_dir: Path, quick: bool = False) -> BackgroundTraining | None:
        """Start training the full model unless one exists under models_dir; remove partial models left by
        interrupted runs first. Return the running training, or None when nothing needs training.

        The child inherits this process's environment, so its settings (the models directory among them) are the
        service's."""
        removed = clean_partials(models_dir)
        if removed:
            log.info("removed %d partial model(s) left by an interrupted training: %s", len(removed), removed)
        if full_model_exists(models_dir):
            return None
        state_dir = Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        status_path = state_dir / STATUS_FILE
        command = [sys.executable, "-m", "classifier.cli", "train", "--quiet", "--status-file", str(status_path)]
        if quick:
            command.append("--quick")
        with (state_dir / LOG_FILE).open("a", encoding="utf-8") as output:
            process = subprocess.Popen(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_lower_priority_and_die_with_parent,
            )
        return cls(process, status_path)

    @property
    def running(self) -> bool:
        """Return whether the training process is still running."""
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the training (it removes its partial model); wait for it to end."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_SECONDS)

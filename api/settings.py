"""Service settings: every knob is a DUALUSE_* environment variable with a working default, read once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from classifier.llm import LLMSettings
from classifier.paths import data_dir, state_dir
from classifier.rules.limits import MAX_END_USE_CHARS, MAX_END_USER_CHARS

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_ITEMS = 256
MAX_TEXT_CHARS = 10_000
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
JOB_CHUNK_SIZE = 512
MAX_AUDIT_ROWS = 10_000
RELOAD_INTERVAL_SECONDS = 5
MAX_QUEUED_REQUESTS = 64  # classify and screen requests in progress; beyond it they get 429 and Retry-After
MAX_ACTIVE_JOBS_PER_KEY = 4
MAX_JOB_ROWS = 1_000_000
JOB_RETENTION_SECONDS = 7 * 24 * 3600


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one service instance."""

    state_dir: Path = field(default_factory=state_dir)
    database_url: str = ""
    model_path: Path | None = None
    data_dir: Path = field(default_factory=data_dir)
    max_body_bytes: int = MAX_BODY_BYTES
    max_items: int = MAX_ITEMS
    max_text_chars: int = MAX_TEXT_CHARS
    max_end_user_chars: int = MAX_END_USER_CHARS
    max_end_use_chars: int = MAX_END_USE_CHARS
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    job_chunk_size: int = JOB_CHUNK_SIZE
    max_active_jobs_per_key: int = MAX_ACTIVE_JOBS_PER_KEY
    max_job_rows: int = MAX_JOB_ROWS
    job_retention_seconds: int = JOB_RETENTION_SECONDS
    log_format: str = "text"
    reload_interval: float = RELOAD_INTERVAL_SECONDS
    max_queued_requests: int = MAX_QUEUED_REQUESTS
    bind_host: str = "127.0.0.1"  # `dualuse serve --host`; /metrics needs a key when it is not a loopback address
    llm: LLMSettings = field(default_factory=LLMSettings)

    @property
    def database(self) -> str:
        """Return the database URL, defaulting to a SQLite file in the state directory."""
        return self.database_url or f"sqlite:///{self.state_dir / 'dualuse.db'}"

    @classmethod
    def from_env(cls) -> Settings:
        """Return settings read from DUALUSE_* environment variables."""
        env = os.environ
        log_format = env.get("DUALUSE_LOG_FORMAT", "text")
        if log_format not in ("text", "json"):
            raise ValueError(f"DUALUSE_LOG_FORMAT must be 'text' or 'json', not {log_format!r}")
        return cls(
            state_dir=state_dir(),
            database_url=env.get("DUALUSE_DATABASE_URL", ""),
            model_path=Path(env["DUALUSE_MODEL_PATH"]) if env.get("DUALUSE_MODEL_PATH") else None,
            data_dir=data_dir(),
            max_body_bytes=_int("DUALUSE_MAX_BODY_BYTES", MAX_BODY_BYTES),
            max_items=_int("DUALUSE_MAX_ITEMS", MAX_ITEMS),
            max_text_chars=_int("DUALUSE_MAX_TEXT_CHARS", MAX_TEXT_CHARS),
            max_end_user_chars=_int("DUALUSE_MAX_END_USER_CHARS", MAX_END_USER_CHARS),
            max_end_use_chars=_int("DUALUSE_MAX_END_USE_CHARS", MAX_END_USE_CHARS),
            max_upload_bytes=_int("DUALUSE_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES),
            job_chunk_size=_int("DUALUSE_JOB_CHUNK_SIZE", JOB_CHUNK_SIZE),
            max_active_jobs_per_key=_int("DUALUSE_MAX_ACTIVE_JOBS_PER_KEY", MAX_ACTIVE_JOBS_PER_KEY),
            max_job_rows=_int("DUALUSE_MAX_JOB_ROWS", MAX_JOB_ROWS),
            job_retention_seconds=_int("DUALUSE_JOB_RETENTION_SECONDS", JOB_RETENTION_SECONDS),
            log_format=log_format,
            reload_interval=float(env.get("DUALUSE_RELOAD_INTERVAL", RELOAD_INTERVAL_SECONDS)),
            max_queued_requests=_int("DUALUSE_MAX_QUEUED_REQUESTS", MAX_QUEUED_REQUESTS),
            llm=LLMSettings.from_env(env),
        )

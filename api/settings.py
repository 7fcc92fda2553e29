"""Service settings: the classifier's settings plus the service's knobs, each a DUALUSE_* environment variable with a
working default (DUALUSE_MAX_ITEMS sets max_items), read once by the entry point."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from classifier.rules.limits import MAX_DESCRIPTION_CHARS, MAX_END_USE_CHARS, MAX_END_USER_CHARS
from classifier.settings import Settings as ClassifierSettings

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_ITEMS = 256
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
JOB_CHUNK_SIZE = 512
MAX_AUDIT_ROWS = 10_000
RELOAD_INTERVAL_SECONDS = 5
MAX_QUEUED_REQUESTS = 64  # classify and screen requests in progress; beyond it they get 429 and Retry-After
MAX_ACTIVE_JOBS_PER_KEY = 4
MAX_JOB_ROWS = 1_000_000
JOB_RETENTION_SECONDS = 7 * 24 * 3600


class Settings(ClassifierSettings):
    """Resolved settings of one service instance (and of the commands that use its database)."""

    database_url: str = Field("", repr=False)  # may hold a password; default: SQLite in the state directory
    max_body_bytes: int = MAX_BODY_BYTES
    max_items: int = MAX_ITEMS
    max_text_chars: int = MAX_DESCRIPTION_CHARS  # a description, in /v1/classify, /v1/screen and reviews
    max_end_user_chars: int = MAX_END_USER_CHARS
    max_end_use_chars: int = MAX_END_USE_CHARS
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    job_chunk_size: int = JOB_CHUNK_SIZE
    max_active_jobs_per_key: int = MAX_ACTIVE_JOBS_PER_KEY
    max_job_rows: int = MAX_JOB_ROWS
    job_retention_seconds: int = JOB_RETENTION_SECONDS
    log_format: Literal["text", "json"] = "text"
    reload_interval: float = RELOAD_INTERVAL_SECONDS
    max_queued_requests: int = MAX_QUEUED_REQUESTS
    bind_host: str = "127.0.0.1"  # set from `dualuse serve --host`; /metrics needs a key when not a loopback address

    @property
    def database(self) -> str:
        """Return the database URL, defaulting to a SQLite file in the state directory."""
        return self.database_url or f"sqlite:///{self.state_dir / 'dualuse.db'}"

"""Persistence: API keys, audit records, catalog jobs and reviews (SQLite by default, PostgreSQL by URL).

The schema is owned by the Alembic migrations in api/migrations; api/database.py brings a database to it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from api.database import prepare_schema

KEY_PREFIX = "du_"
ROLES = ("client", "analyst", "admin")
DEFAULT_ROLE = "client"
TRUSTED_REVIEW_ROLES = ("analyst", "admin")
ACTIVE_JOB_STATES = ("queued", "running")
FINISHED_JOB_STATES = ("succeeded", "failed", "cancelled")
# A verified key is remembered this long, so that requests do not each query the database. Revoking a key through
# the same Store forgets it at once; a key revoked by another process (`dualuse keys revoke`) stops working within it.
KEY_CACHE_SECONDS = 2.0
KEY_CACHE_SIZE = 1024


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the service's tables."""


class ApiKey(Base):
    """An API key; only its SHA-256 hash is stored."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    role: Mapped[str] = mapped_column(String(20), default=DEFAULT_ROLE, server_default=DEFAULT_ROLE)


class AuditRecord(Base):
    """One classification or screening decision, as served; rows are only ever inserted."""

    __tablename__ = "audit_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    api_key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    item_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    input_text: Mapped[str] = mapped_column(Text)
    output: Mapped[dict] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    policy_version: Mapped[str | None] = mapped_column(String(100), nullable=True)


_AUDIT_VALUES = tuple(column.name for column in AuditRecord.__table__.columns if column.name != "id")


class Job(Base):
    """A catalog labeling job: its uploaded file, progress and outcome."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    filename: Mapped[str] = mapped_column(String(300))
    input_path: Mapped[str] = mapped_column(Text)
    output_path: Mapped[str] = mapped_column(Text)
    id_column: Mapped[str] = mapped_column(String(200))
    text_column: Mapped[str] = mapped_column(String(200))
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    api_key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    input_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    policy_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Review(Base):
    """An analyst's confirmation or correction of an item's labels or an order's decision."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    item_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    labels: Mapped[list | None] = mapped_column(JSON, nullable=True)
    decision: Mapped[str | None] = mapped_column(String(30), nullable=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewer: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    model_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    predicted_labels: Mapped[list | None] = mapped_column(JSON, nullable=True)
    api_key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


def as_utc(value: datetime) -> datetime:
    """Return value as an aware UTC datetime (SQLite hands back naive ones)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def hash_text(text: str) -> str:
    """Return the SHA-256 hex digest of text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sqlite_write_ahead_log(connection, _record) -> None:
    """Let readers and the writer work at once, and sync the log at checkpoints rather than at every commit."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Store:
    """Database access for the service and the CLI."""

    def __init__(self, url: str):
        sqlite = url.startswith("sqlite")
        connect_args = {"check_same_thread": False} if sqlite else {}
        self.engine = create_engine(url, connect_args=connect_args, pool_pre_ping=not sqlite)
        if sqlite:
            event.listen(self.engine, "connect", _sqlite_write_ahead_log)
        prepare_schema(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._keys: dict[str, tuple[float, ApiKey]] = {}  # key hash -> (expiry on the monotonic clock, record)
        self._keys_lock = threading.Lock()
        self._revocations = 0  # a lookup that a revocation overtook is not cached

    def session(self) -> Session:
        """Return a new session (use as a context manager)."""
        return self.sessions()

    # API keys
    def create_key(self, name: str, role: str = DEFAULT_ROLE) -> tuple[ApiKey, str]:
        """Create a key and return (record, secret); the secret is shown once and stored only as a hash."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        record = ApiKey(id=uuid.uuid4().hex[:12], name=name, key_hash=hash_text(secret), role=role)
        with self.session() as session, session.begin():
            session.add(record)
        return record, secret

    def cached_key(self, secret: str) -> ApiKey | None:
        """Return the key matching secret when it was verified less than KEY_CACHE_SECONDS ago and not revoked since,
        else None (then `verify_key` looks it up): no database access."""
        return self._cached(hash_text(secret))

    def _cached(self, digest: str) -> ApiKey | None:
        with self._keys_lock:
            cached = self._keys.get(digest)
        return cached[1] if cached is not None and cached[0] > time.monotonic() else None

    def verify_key(self, secret: str) -> ApiKey | None:
        """Return the active key matching secret, or None (a verified key is cached for KEY_CACHE_SECONDS)."""
        digest = hash_text(secret)
        now = time.monotonic()
        with self._keys_lock:
            revocations = self._revocations
        cached = self._cached(digest)
        if cached is not None:
            return cached
        with self.session() as session:
            record = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
        active = record is not None and record.revoked_at is None
        with self._keys_lock:
            if active and revocations == self._revocations:
                if len(self._keys) >= KEY_CACHE_SIZE:
                    self._keys = {h: entry for h, entry in self._keys.items() if entry[0] > now}
                if len(self._keys) < KEY_CACHE_SIZE:
                    self._keys[digest] = (now + KEY_CACHE_SECONDS, record)
            else:
                self._keys.pop(digest, None)
        return record if active else None

    def revoke_key(self, key_id_or_name: str) -> int:
        """Revoke active keys with this id or name and return how many were revoked; they stop working at once."""
        with self.session() as session, session.begin():
            result = session.execute(
                update(ApiKey)
                .where((ApiKey.id == key_id_or_name) | (ApiKey.name == key_id_or_name), ApiKey.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        with self._keys_lock:
            self._revocations += 1
            self._keys = {
                digest: entry
                for digest, entry in self._keys.items()
                if key_id_or_name not in (entry[1].id, entry[1].name)
            }
        return result.rowcount

    def list_keys(self) -> list[ApiKey]:
        """Return every key, newest first."""
        with self.session() as session:
            return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))

    # Audit
    def add_audit(self, records: list[AuditRecord]) -> None:
        """Append audit records (one INSERT of their values: the ORM's unit of work costs more than the write)."""
        if not records:
            return
        table = AuditRecord.__table__
        rows = [{column: getattr(record, column) for column in _AUDIT_VALUES} for record in records]
        for row in rows:
            row["created_at"] = row["created_at"] or utcnow()
        with self.engine.begin() as connection:
            connection.execute(insert(table), rows)

    def list_audit(
        self, since: datetime | None, until: datetime | None, kind: str | None, limit: int
    ) -> list[AuditRecord]:
        """Return audit records in [since, until), oldest first, at most limit."""
        query = select(AuditRecord).order_by(AuditRecord.id)
        if since:
            query = query.where(AuditRecord.created_at >= since)
        if until:
            query = query.where(AuditRecord.created_at < until)
        if kind:
            query = query.where(AuditRecord.kind == kind)
        with self.session() as session:
            return list(session.scalars(query.limit(limit)))

    # Jobs
    def add_job(self, job: Job) -> Job:
        """Insert a job and return it."""
        with self.session() as session, session.begin():
            session.add(job)
        return job

    def get_job(self, job_id: str) -> Job | None:
        """Return a job by id, or None."""
        with self.session() as session:
            return session.get(Job, job_id)

    def update_job(self, job_id: str, **values) -> None:
        """Set fields of a job."""
        with self.session() as session, session.begin():
            session.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values))

    def unfinished_jobs(self) -> list[Job]:
        """Return queued and running jobs, oldest first."""
        with self.session() as session:
            query = select(Job).where(Job.status.in_(ACTIVE_JOB_STATES)).order_by(Job.created_at)
            return list(session.scalars(query))

    def list_jobs(self, api_key_id: str | None, limit: int) -> list[Job]:
        """Return jobs, newest first: those of one key, or every job when api_key_id is None."""
        query = select(Job).order_by(Job.created_at.desc()).limit(limit)
        if api_key_id is not None:
            query = query.where(Job.api_key_id == api_key_id)
        with self.session() as session:
            return list(session.scalars(query))

    def count_active_jobs(self, api_key_id: str) -> int:
        """Return how many of a key's jobs are queued or running."""
        query = (
            select(func.count()).select_from(Job).where(Job.api_key_id == api_key_id, Job.status.in_(ACTIVE_JOB_STATES))
        )
        with self.session() as session:
            return session.scalar(query)

    def start_job(self, job_id: str, **values) -> bool:
        """Mark a queued job running with values; False when it is no longer queued (e.g. cancelled)."""
        with self.session() as session, session.begin():
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_(ACTIVE_JOB_STATES))
                .values(status="running", updated_at=utcnow(), **values)
            )
        return bool(result.rowcount)

    def finish_job(self, job_id: str, status: str, audit: AuditRecord | None = None, **values) -> bool:
        """Move an active job to a finished status (with its audit record, in one transaction); False if it had
        already finished, e.g. because it was cancelled meanwhile."""
        now = utcnow()
        with self.session() as session, session.begin():
            result = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_(ACTIVE_JOB_STATES))
                .values(status=status, finished_at=now, updated_at=now, **values)
            )
            if result.rowcount and audit is not None:
                session.add(audit)
        return bool(result.rowcount)

    def expired_jobs(self, retention: timedelta) -> list[Job]:
        """Return finished jobs whose files are still kept and that finished longer than retention ago."""
        query = select(Job).where(
            Job.status.in_(FINISHED_JOB_STATES), Job.purged_at.is_(None), Job.finished_at < utcnow() - retention
        )
        with self.session() as session:
            return list(session.scalars(query))

    def key_name(self, api_key_id: str | None) -> str | None:
        """Return the name of the key with this id, or None."""
        with self.session() as session:
            return session.scalar(select(ApiKey.name).where(ApiKey.id == api_key_id)) if api_key_id else None

    # Reviews
    def add_review(self, review: Review) -> Review:
        """Insert a review and return it with its id."""
        with self.session() as session, session.begin():
            session.add(review)
        return review

    def list_reviews(
        self, since: datetime | None = None, limit: int = 1000, trusted_only: bool = False
    ) -> list[Review]:
        """Return reviews, oldest first; trusted_only keeps those whose key is an active analyst or admin key."""
        query = select(Review).order_by(Review.id)
        if since:
            query = query.where(Review.created_at >= since)
        if trusted_only:
            query = query.join(ApiKey, ApiKey.id == Review.api_key_id).where(
                ApiKey.role.in_(TRUSTED_REVIEW_ROLES), ApiKey.revoked_at.is_(None)
            )
        with self.session() as session:
            return list(session.scalars(query.limit(limit)))


def audit_row(record: AuditRecord) -> dict:
    """Return an audit record as a flat JSON-ready dict."""
    return {
        "id": record.id,
        "created_at": as_utc(record.created_at).isoformat(),
        "kind": record.kind,
        "api_key_id": record.api_key_id,
        "item_id": record.item_id,
        "input_hash": record.input_hash,
        "input_text": record.input_text,
        "output": json.dumps(record.output, ensure_ascii=False),
        "model_version": record.model_version,
        "policy_version": record.policy_version,
    }


def trusted_reviews(database_url: str) -> list:
    """Return the reviews training may trust from the database at database_url: those stored with keys that are
    active analyst or admin keys, never a client's."""
    store = Store(database_url)
    try:
        return store.list_reviews(limit=1_000_000, trusted_only=True)
    finally:
        store.engine.dispose()


FIRST_KEY_NAME = "local"


def ensure_first_key(database_url: str) -> str | None:
    """Create an admin key named "local" when no active key exists and return its secret (shown once); None when a
    key already exists."""
    store = Store(database_url)
    try:
        if any(key.revoked_at is None for key in store.list_keys()):
            return None
        return store.create_key(FIRST_KEY_NAME, role="admin")[1]
    finally:
        store.engine.dispose()

"""Catalog jobs: a worker thread labels uploaded files; unfinished jobs resume after a restart; cancelled jobs stop
at the next chunk; finished jobs leave an audit record, and their files are removed after the retention period."""

from __future__ import annotations

import logging
import queue
import shutil
import threading
from datetime import timedelta
from pathlib import Path

from api.storage import AuditRecord, Job, Store, utcnow

log = logging.getLogger("dualuse.jobs")
_STOP = object()
MAX_SWEEP_INTERVAL_SECONDS = 300


class JobCancelled(Exception):
    """Raised inside a running job once it has been cancelled."""


def job_folder(job: Job) -> Path:
    """Return the folder that holds a job's upload, its partial work and its result."""
    return Path(job.input_path).parent


def job_audit_record(job: Job, status: str, rows: int, rows_with_errors: int | None, error: str | None) -> AuditRecord:
    """Return the audit record of a finished job: who, which input, how many rows, which model and policy, where
    its per-row results are."""
    output = {
        "job_id": job.id,
        "status": status,
        "filename": job.filename,
        "rows": rows,
        "rows_with_errors": rows_with_errors,
        "error": error,
        "result": f"/v1/jobs/{job.id}/result",
        "rows_url": f"/v1/jobs/{job.id}/rows",
    }
    return AuditRecord(
        kind="job",
        api_key_id=job.api_key_id,
        item_id=job.id,
        input_hash=job.input_hash or "",
        input_text=job.filename,
        output=output,
        model_version=job.model_version,
        policy_version=job.policy_version,
    )


class JobRunner:
    """Runs catalog jobs one at a time, in the order they were submitted, and removes expired job files."""

    def __init__(self, store: Store, engine, chunk_size: int, retention_seconds: int):
        self.store = store
        self.engine = engine
        self.chunk_size = chunk_size
        self.retention = timedelta(seconds=retention_seconds)
        self.queue: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="dualuse-jobs", daemon=True)
        self.sweeper = threading.Thread(target=self._sweep_loop, name="dualuse-job-retention", daemon=True)

    def start(self) -> None:
        """Requeue jobs left unfinished by a previous process, then start the worker and the retention sweeper."""
        for job in self.store.unfinished_jobs():
            if Path(job.input_path).exists():
                self.store.update_job(job.id, status="queued")
                self.queue.put(job.id)
                log.info("job %s resumed after restart", job.id)
            else:
                self._finish(job, "failed", error="the uploaded file was lost before the job finished")
        self.thread.start()
        self.sweeper.start()

    def submit(self, job_id: str) -> None:
        """Queue a job that is already stored."""
        self.queue.put(job_id)

    def cancel(self, job: Job) -> bool:
        """Cancel a queued or running job; False when it had already finished. A queued job's files go at once, a
        running job's when the worker reaches its next chunk (the worker is the only writer of those files)."""
        if not self._finish(job, "cancelled", error="cancelled"):
            return False
        if job.status == "queued":
            self._remove_files(job)
        return True

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to stop after the current job and wait for it."""
        self.stopping.set()
        self.queue.put(_STOP)
        self.thread.join(timeout)

    def sweep(self) -> int:
        """Remove the files of jobs that finished longer than the retention period ago; return how many."""
        expired = self.store.expired_jobs(self.retention)
        for job in expired:
            self._remove_files(job)
        return len(expired)

    def _sweep_loop(self) -> None:
        interval = max(1.0, min(MAX_SWEEP_INTERVAL_SECONDS, self.retention.total_seconds() / 4))
        while True:
            try:
                removed = self.sweep()
                if removed:
                    log.info("removed the files of %d job(s) past the retention period", removed)
            except Exception:
                log.exception("job retention sweep failed")
            if self.stopping.wait(interval):
                return

    def _remove_files(self, job: Job) -> None:
        shutil.rmtree(job_folder(job), ignore_errors=True)
        self.store.update_job(job.id, purged_at=utcnow())

    def _finish(
        self, job: Job, status: str, rows: int = 0, rows_with_errors: int | None = None, error: str | None = None
    ) -> bool:
        fresh = self.store.get_job(job.id) or job
        audit = job_audit_record(fresh, status, rows, rows_with_errors, error)
        values = {"error": error} if status != "succeeded" else {"rows_done": rows, "rows_total": rows}
        return self.store.finish_job(job.id, status, audit=audit, **values)

    def _loop(self) -> None:
        while True:
            job_id = self.queue.get()
            if job_id is _STOP:
                return
            self._run(job_id)

    def _progress(self, job_id: str, done: int, total: int | None) -> None:
        if self.store.get_job(job_id).status == "cancelled":
            raise JobCancelled(job_id)
        self.store.update_job(job_id, rows_done=done, rows_total=total)

    def _run(self, job_id: str) -> None:
        from classifier.catalog import CatalogError, label_catalog

        job = self.store.get_job(job_id)
        if job is None or job.status not in ("queued", "running"):
            return
        model, policy = self.engine.model, self.engine.policy
        if model is None:
            self._finish(job, "failed", error=f"no model loaded ({self.engine.model_error})")
            self._remove_files(job)
            return
        if not self.store.start_job(
            job_id, model_version=model.version, policy_version=policy.version if policy is not None else None
        ):
            return
        try:
            summary = label_catalog(
                job.input_path,
                job.output_path,
                model,
                id_column=job.id_column,
                text_column=job.text_column,
                chunk_size=self.chunk_size,
                progress=False,
                on_progress=lambda done, total: self._progress(job_id, done, total),
            )
        except JobCancelled:
            log.info("job %s cancelled while running", job_id)
            self._remove_files(job)
            return
        except Exception as exc:
            if not isinstance(exc, CatalogError):
                log.exception("job %s failed", job_id)
            self._finish(
                job, "failed", error=str(exc) if isinstance(exc, CatalogError) else f"{type(exc).__name__}: {exc}"
            )
            self._remove_files(job)
            return
        if not self._finish(job, "succeeded", rows=summary.rows, rows_with_errors=summary.errors):
            self._remove_files(job)  # cancelled after its last chunk

"""Catalog jobs: a worker thread labels uploaded files; unfinished jobs resume after a restart."""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

from api.storage import Store

log = logging.getLogger("dualuse.jobs")
_STOP = object()


class JobRunner:
    """Runs catalog jobs one at a time, in the order they were submitted."""

    def __init__(self, store: Store, engine, chunk_size: int):
        self.store = store
        self.engine = engine
        self.chunk_size = chunk_size
        self.queue: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="dualuse-jobs", daemon=True)

    def start(self) -> None:
        """Requeue jobs left unfinished by a previous process, then start the worker."""
        for job in self.store.unfinished_jobs():
            if Path(job.input_path).exists():
                self.store.update_job(job.id, status="queued")
                self.queue.put(job.id)
                log.info("job %s resumed after restart", job.id)
            else:
                self.store.update_job(job.id, status="failed", error="the uploaded file was lost before the job finished")
        self.thread.start()

    def submit(self, job_id: str) -> None:
        """Queue a job that is already stored."""
        self.queue.put(job_id)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to stop after the current job and wait for it."""
        self.queue.put(_STOP)
        self.thread.join(timeout)

    def _loop(self) -> None:
        while True:
            job_id = self.queue.get()
            if job_id is _STOP:
                return
            self._run(job_id)

    def _run(self, job_id: str) -> None:
        from classifier.catalog import CatalogError, label_catalog

        job = self.store.get_job(job_id)
        if job is None or job.status not in ("queued", "running"):
            return
        model = self.engine.model
        if model is None:
            self.store.update_job(job_id, status="failed", error=f"no model loaded ({self.engine.model_error})")
            return
        self.store.update_job(job_id, status="running", model_version=model.version)
        try:
            summary = label_catalog(
                job.input_path, job.output_path, model, id_column=job.id_column, text_column=job.text_column,
                chunk_size=self.chunk_size, progress=False,
                on_progress=lambda done, total: self.store.update_job(job_id, rows_done=done, rows_total=total),
            )
        except CatalogError as exc:
            self.store.update_job(job_id, status="failed", error=str(exc))
            return
        except Exception as exc:
            log.exception("job %s failed", job_id)
            self.store.update_job(job_id, status="failed", error=f"{type(exc).__name__}: {exc}")
            return
        self.store.update_job(job_id, status="succeeded", rows_done=summary.rows, rows_total=summary.rows)

"""Catalog jobs: upload a catalog, follow its progress, download the labeled file."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse

from api.auth import require_key
from api.schemas import JobStatus
from api.storage import Job
from classifier.catalog import CatalogError, check_columns
from classifier.tabular import FORMATS, TabularError

router = APIRouter(prefix="/v1", tags=["jobs"])
MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _status(job: Job) -> JobStatus:
    return JobStatus(id=job.id, status=job.status, filename=job.filename, rows_done=job.rows_done,
                     rows_total=job.rows_total, error=job.error, model_version=job.model_version,
                     created_at=job.created_at, updated_at=job.updated_at)


def _job_or_404(request: Request, job_id: str) -> Job:
    job = request.app.state.store.get_job(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return job


@router.post("/jobs", response_model=JobStatus, status_code=202)
def create_job(request: Request, file: UploadFile = File(..., description="catalog: .csv, .jsonl, .parquet or .xlsx"),
               id_column: str = Form("id"), text_column: str = Form("description"),
               key_id: str = Depends(require_key)) -> JobStatus:
    """Upload a catalog to label in the background. Answers 202 with the job; poll `GET /v1/jobs/{id}` and fetch
    `GET /v1/jobs/{id}/result` when it has succeeded. The result has the uploaded format, every input column and
    row, and the columns `labels`, `scores`, `dual_use`, `uncertain`, `evidence`, `model_version`, `error`."""
    state = request.app.state
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in FORMATS:
        raise HTTPException(400, f"unsupported file type {suffix or '(none)'!r}; upload one of {', '.join(sorted(FORMATS))}")
    job_id = uuid.uuid4().hex[:16]
    folder = state.settings.state_dir / "jobs" / job_id
    folder.mkdir(parents=True)
    input_path = folder / f"input{suffix}"
    with input_path.open("wb") as handle:
        shutil.copyfileobj(file.file, handle, length=1 << 20)
    try:
        check_columns(input_path, id_column, text_column)
    except (CatalogError, TabularError) as exc:
        shutil.rmtree(folder)
        raise HTTPException(400, str(exc).replace(str(input_path), file.filename or "upload")) from exc
    job = Job(id=job_id, filename=file.filename or f"catalog{suffix}", input_path=str(input_path),
              output_path=str(folder / f"result{suffix}"), id_column=id_column, text_column=text_column,
              api_key_id=key_id)
    state.store.add_job(job)
    state.jobs.submit(job_id)
    return _status(state.store.get_job(job_id))


@router.get("/jobs/{job_id}", response_model=JobStatus)
def get_job(job_id: str, request: Request, key_id: str = Depends(require_key)) -> JobStatus:
    """Return a job's status (`queued`, `running`, `succeeded`, `failed`), rows done and total, and any error."""
    return _status(_job_or_404(request, job_id))


@router.get("/jobs/{job_id}/result", responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}})
def get_job_result(job_id: str, request: Request, key_id: str = Depends(require_key)):
    """Download the labeled catalog in the uploaded format (409 until the job has succeeded)."""
    job = _job_or_404(request, job_id)
    if job.status != "succeeded":
        raise HTTPException(409, f"job {job_id} is {job.status}" + (f": {job.error}" if job.error else ""))
    suffix = Path(job.output_path).suffix
    name = f"{Path(job.filename).stem}.labeled{suffix}"
    return FileResponse(job.output_path, media_type=MEDIA_TYPES[FORMATS[suffix]], filename=name)

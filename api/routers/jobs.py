"""Catalog jobs: upload a catalog, follow its progress, cancel it, download the labeled file or page its rows.

A client key sees its own jobs only; analyst keys and above see every job; cancelling another key's job needs an
admin key.
"""

from __future__ import annotations

import math
import uuid
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse

from api.auth import Caller, require_caller
from api.schemas import JobList, JobRows, JobStatus
from api.storage import Job
from api.uploads import UploadError, check_upload, discard, save_upload
from classifier.tabular import FORMATS, MAX_COLUMN_NAME_CHARS, iter_chunks

router = APIRouter(prefix="/v1", tags=["jobs"])
MEDIA_TYPES = {
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_FILENAME_CHARS = 300
MAX_ROWS_PAGE = 1000


def _status(job: Job) -> JobStatus:
    return JobStatus.model_validate(job, from_attributes=True)


def _visible_job(request: Request, job_id: str, caller: Caller) -> Job:
    """Return the job if the caller may see it; 404 otherwise (a client cannot learn that other keys' jobs exist)."""
    job = request.app.state.store.get_job(job_id)
    if job is None or (job.api_key_id != caller.key_id and not caller.has_role("analyst")):
        raise HTTPException(404, f"no job {job_id!r}")
    return job


def _finished_result(job: Job) -> Path:
    if job.status != "succeeded":
        raise HTTPException(409, f"job {job.id} is {job.status}" + (f": {job.error}" if job.error else ""))
    if job.purged_at is not None:
        raise HTTPException(410, f"the result of job {job.id} was removed after the retention period")
    return Path(job.output_path)


def _check_form(filename: str, id_column: str, text_column: str) -> str:
    if len(filename) > MAX_FILENAME_CHARS:
        raise HTTPException(400, f"the file name is {len(filename)} characters; the limit is {MAX_FILENAME_CHARS}")
    for field, value in (("id_column", id_column), ("text_column", text_column)):
        if len(value) > MAX_COLUMN_NAME_CHARS:
            raise HTTPException(400, f"{field} is {len(value)} characters; the limit is {MAX_COLUMN_NAME_CHARS}")
    suffix = Path(filename).suffix.lower()
    if suffix not in FORMATS:
        raise HTTPException(
            400, f"unsupported file type {suffix or '(none)'!r}; upload one of {', '.join(sorted(FORMATS))}"
        )
    return suffix


@router.post("/jobs", response_model=JobStatus, status_code=202)
def create_job(
    request: Request,
    file: UploadFile = File(..., description="catalog: .csv, .jsonl, .parquet or .xlsx"),
    id_column: str = Form("id"),
    text_column: str = Form("description"),
    caller: Caller = Depends(require_caller),
) -> JobStatus:
    """Upload a catalog to label in the background. Answers 202 with the job; poll `GET /v1/jobs/{id}` and fetch
    `GET /v1/jobs/{id}/result` when it has succeeded. The result has the uploaded format, every input column and
    row, and the columns `labels`, `scores`, `dual_use`, `uncertain`, `evidence`, `model_version`, `error`.
    A file that is not a readable table is refused (400); one over the row limit is refused (413), and so is a new
    job while the key already has its limit of queued and running jobs (429)."""
    state, settings = request.app.state, request.app.state.settings
    name = file.filename or ""
    suffix = _check_form(name, id_column, text_column)
    active = state.store.count_active_jobs(caller.key_id)
    if active >= settings.max_active_jobs_per_key:
        raise HTTPException(
            429,
            f"this key already has {active} queued or running jobs; the limit is "
            f"{settings.max_active_jobs_per_key}: wait for one to finish or cancel one",
            headers={"Retry-After": "30"},
        )
    job_id = uuid.uuid4().hex[:16]
    folder = settings.state_dir / "jobs" / job_id
    folder.mkdir(parents=True)
    input_path = folder / f"input{suffix}"
    try:
        input_hash = save_upload(file.file, input_path, name)
        rows = check_upload(input_path, name, id_column, text_column, settings.max_job_rows)
    except UploadError as exc:
        discard(folder)
        raise HTTPException(exc.status, str(exc)) from exc
    except BaseException:
        discard(folder)
        raise
    job = Job(
        id=job_id,
        filename=name,
        input_path=str(input_path),
        output_path=str(folder / f"result{suffix}"),
        id_column=id_column,
        text_column=text_column,
        api_key_id=caller.key_id,
        input_hash=input_hash,
        rows_total=rows,
    )
    state.store.add_job(job)
    state.jobs.submit(job_id)
    return _status(state.store.get_job(job_id))


@router.get("/jobs", response_model=JobList)
def list_jobs(
    request: Request, limit: int = Query(100, ge=1, le=1000), caller: Caller = Depends(require_caller)
) -> JobList:
    """List jobs, newest first: the key's own, or every job for analyst keys and above."""
    owner = None if caller.has_role("analyst") else caller.key_id
    return JobList(jobs=[_status(job) for job in request.app.state.store.list_jobs(owner, limit)])


@router.get("/jobs/{job_id}", response_model=JobStatus)
def get_job(job_id: str, request: Request, caller: Caller = Depends(require_caller)) -> JobStatus:
    """Return a job's status (`queued`, `running`, `succeeded`, `failed`, `cancelled`), rows done and total, and
    any error."""
    return _status(_visible_job(request, job_id, caller))


@router.delete("/jobs/{job_id}", response_model=JobStatus)
def cancel_job(job_id: str, request: Request, caller: Caller = Depends(require_caller)) -> JobStatus:
    """Cancel a queued or running job (its own key, or an admin key); its files are removed. 409 when the job has
    already finished."""
    job = _visible_job(request, job_id, caller)
    if job.api_key_id != caller.key_id and not caller.has_role("admin"):
        raise HTTPException(403, f"job {job_id} belongs to another key; cancelling it needs an admin key")
    if not request.app.state.jobs.cancel(job):
        raise HTTPException(
            409, f"job {job_id} has already finished ({request.app.state.store.get_job(job_id).status})"
        )
    return _status(request.app.state.store.get_job(job_id))


@router.get("/jobs/{job_id}/result", responses={200: {"content": {m: {} for m in MEDIA_TYPES.values()}}})
def get_job_result(job_id: str, request: Request, caller: Caller = Depends(require_caller)):
    """Download the labeled catalog in the uploaded format (409 until the job has succeeded, 410 once the
    retention period has removed it)."""
    job = _visible_job(request, job_id, caller)
    path = _finished_result(job)
    name = f"{Path(job.filename).stem}.labeled{path.suffix}"
    return FileResponse(path, media_type=MEDIA_TYPES[FORMATS[path.suffix]], filename=name)


def _json_ready(value):
    return None if isinstance(value, float) and math.isnan(value) else value


@router.get("/jobs/{job_id}/rows", response_model=JobRows)
def get_job_rows(
    job_id: str,
    request: Request,
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=MAX_ROWS_PAGE),
    caller: Caller = Depends(require_caller),
) -> JobRows:
    """Return the per-row results of a succeeded job from row `offset` (0 = the first input row), as JSON; the
    job's audit record points here."""
    path = _finished_result(_visible_job(request, job_id, caller))
    rows: list[dict] = []
    seen = 0
    for chunk in iter_chunks(path, MAX_ROWS_PAGE):
        if seen + len(chunk) > offset:
            part = chunk.iloc[max(offset - seen, 0) :]
            rows.extend({k: _json_ready(v) for k, v in record.items()} for record in part.to_dict(orient="records"))
        seen += len(chunk)
        if len(rows) >= limit:
            break
    return JobRows(job_id=job_id, offset=offset, rows=rows[:limit])

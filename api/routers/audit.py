"""GET /v1/audit: the append-only trail of every classification and screening decision."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.auth import Caller, require_role
from api.settings import MAX_AUDIT_ROWS
from api.storage import audit_row
from classifier.tabular import spreadsheet_safe

router = APIRouter(prefix="/v1", tags=["audit"])
AUDIT_COLUMNS = [
    "id",
    "created_at",
    "kind",
    "api_key_id",
    "item_id",
    "input_hash",
    "input_text",
    "output",
    "model_version",
    "policy_version",
]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.get("/audit")
def audit(
    request: Request,
    since: datetime | None = Query(None, description="inclusive start (ISO 8601)"),
    until: datetime | None = Query(None, description="exclusive end (ISO 8601)"),
    kind: Literal["classify", "screen", "job"] | None = None,
    format: Literal["json", "csv"] = "json",
    limit: int = Query(1000, ge=1, le=MAX_AUDIT_ROWS),
    caller: Caller = Depends(require_role("analyst")),
):
    """Return audit records (time, API key id, input hash and text, output, model and policy versions) in a time
    range, oldest first, as JSON or as CSV for auditors (`format=csv`, where a text cell
    that a spreadsheet would run as a formula starts with a single quote); analyst keys and above. A catalog job's
    record (`kind=job`) is written when it finishes: its `item_id` is the job id, its `input_text` the file name,
    and its `output` the status, row counts and the addresses of the job's per-row results."""
    records = [audit_row(r) for r in request.app.state.store.list_audit(_utc(since), _utc(until), kind, limit)]
    if format == "json":
        return {"records": records}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=AUDIT_COLUMNS)
    writer.writeheader()
    writer.writerows({name: spreadsheet_safe(value) for name, value in record.items()} for record in records)
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="dualuse-audit.csv"'},
    )

"""The job queue through a real server: audit record per job with addressable rows, cancel, per-key limits on
queued jobs and rows, and retention. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import time

import httpx
import pytest

from tests.databases import BACKENDS, keyed_server

ROLES = {"lead": "admin", "auditor": "analyst", "shop": "client"}


def _catalog(rows: int) -> bytes:
    lines = ["id,description"] + [f"{i},Ring laser gyro model {i} bias 0.00{i % 9} deg/h" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, quick_model_dir, tmp_path_factory):
    state = tmp_path_factory.mktemp(f"jobs-{request.param}")
    srv, keys = keyed_server(
        state,
        quick_model_dir,
        request.param,
        ROLES,
        DUALUSE_JOB_CHUNK_SIZE="20",
        DUALUSE_MAX_ACTIVE_JOBS_PER_KEY="2",
        DUALUSE_MAX_JOB_ROWS="5000",
        DUALUSE_JOB_RETENTION_SECONDS="8",
    )
    yield srv, keys, state
    srv.stop()


def _as(served, name):
    srv, keys, _ = served
    return httpx.Client(base_url=srv.url, headers={"X-API-Key": keys[name]}, timeout=60)


def _wait(client, job_id, states=("succeeded", "failed", "cancelled"), timeout=120):
    deadline = time.monotonic() + timeout
    while (status := client.get(f"/v1/jobs/{job_id}").json())["status"] not in states:
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    return status


def test_a_finished_job_is_an_audit_record_that_points_at_its_rows(served):
    data = _catalog(30)
    with _as(served, "shop") as shop:
        job = shop.post("/v1/jobs", files={"file": ("c.csv", data)}).json()
        status = _wait(shop, job["id"])
        assert status["status"] == "succeeded" and status["input_hash"] == hashlib.sha256(data).hexdigest()
        assert status["finished_at"] and status["model_version"] and status["policy_version"]
        assert shop.get("/v1/audit").status_code == 403
    with _as(served, "auditor") as auditor:
        records = auditor.get("/v1/audit", params={"kind": "job"}).json()["records"]
        record = next(r for r in records if r["item_id"] == job["id"])
        output = httpx.Response(200, content=record["output"]).json()
        assert record["api_key_id"] and record["input_hash"] == status["input_hash"]
        assert record["model_version"] == status["model_version"] and record["policy_version"]
        assert output["status"] == "succeeded" and output["rows"] == 30
        rows = auditor.get(output["rows_url"], params={"offset": 25, "limit": 10}).json()["rows"]
    assert [r["id"] for r in rows] == ["25", "26", "27", "28", "29"] and all("labels" in r for r in rows)


def test_queued_and_running_jobs_can_be_cancelled_and_leave_no_files(served):
    _, _, state = served
    with _as(served, "lead") as lead:
        running = lead.post("/v1/jobs", files={"file": ("big.csv", _catalog(4000))}).json()
        queued = lead.post("/v1/jobs", files={"file": ("next.csv", _catalog(50))}).json()
        _wait(lead, running["id"], states=("running",))
        cancelled = lead.delete(f"/v1/jobs/{queued['id']}")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert lead.delete(f"/v1/jobs/{running['id']}").json()["status"] == "cancelled"
        again = lead.delete(f"/v1/jobs/{queued['id']}")
        assert again.status_code == 409 and "already finished" in again.json()["detail"]
        for job in (running, queued):
            status = _wait(lead, job["id"])
            assert status["status"] == "cancelled"
            deadline = time.monotonic() + 30
            while (state / "jobs" / job["id"]).exists():
                assert time.monotonic() < deadline, "cancelled job's files were not removed"
                time.sleep(0.2)
            assert lead.get(f"/v1/jobs/{job['id']}/result").status_code == 409


def test_limits_on_queued_jobs_per_key_and_rows_per_job(served):
    _, _, state = served
    with _as(served, "shop") as shop:
        first = shop.post("/v1/jobs", files={"file": ("a.csv", _catalog(4000))}).json()
        second = shop.post("/v1/jobs", files={"file": ("b.csv", _catalog(10))}).json()
        third = shop.post("/v1/jobs", files={"file": ("c.csv", _catalog(10))})
        assert third.status_code == 429 and "limit is 2" in third.json()["detail"] and third.headers["retry-after"]
        for job in (first, second):
            shop.delete(f"/v1/jobs/{job['id']}")
    with _as(served, "auditor") as auditor:
        too_long = auditor.post("/v1/jobs", files={"file": ("d.csv", _catalog(5001))})
    assert too_long.status_code == 413 and "5001 rows; the limit is 5000" in too_long.json()["detail"]


def test_finished_files_are_removed_after_the_retention_period(served):
    _, _, state = served
    with _as(served, "shop") as shop:
        job = shop.post("/v1/jobs", files={"file": ("r.csv", _catalog(5))}).json()
        assert _wait(shop, job["id"])["status"] == "succeeded"
        assert shop.get(f"/v1/jobs/{job['id']}/result").status_code == 200
        deadline = time.monotonic() + 40
        while shop.get(f"/v1/jobs/{job['id']}").json()["purged_at"] is None:
            assert time.monotonic() < deadline, "the retention sweep did not run"
            time.sleep(0.5)
        gone = shop.get(f"/v1/jobs/{job['id']}/result")
    assert gone.status_code == 410 and "retention" in gone.json()["detail"]
    assert not (state / "jobs" / job["id"]).exists()

"""End-to-end tests of the HTTP API through a real server process on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.storage import KEY_CACHE_SECONDS
from tests.databases import BACKENDS, empty_postgres
from tests.server import Server, cli


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, quick_model_dir, tmp_path_factory):
    """Yield (server, api key) on a fresh database of the given backend."""
    state = tmp_path_factory.mktemp(f"state-{request.param}")
    url = empty_postgres() if request.param == "postgresql" else ""
    srv = Server(
        state,
        quick_model_dir,
        url,
        DUALUSE_MAX_ITEMS="8",
        DUALUSE_MAX_TEXT_CHARS="2000",
        DUALUSE_MAX_BODY_BYTES="65536",
        DUALUSE_MAX_UPLOAD_BYTES="2000000",
        DUALUSE_JOB_CHUNK_SIZE="40",
    )
    if url:
        assert cli(srv.env, "db", "upgrade").returncode == 0
    created = cli(srv.env, "keys", "create", "tests", "--role", "admin")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    srv.start()
    yield srv, key
    srv.stop()


def _client(server, key=None):
    srv, default_key = server
    headers = {"X-API-Key": key if key is not None else default_key}
    return httpx.Client(base_url=srv.url, headers=headers, timeout=60)


def test_health_readiness_metrics_and_docs_need_no_key(server):
    srv, _ = server
    assert httpx.get(f"{srv.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{srv.url}/readyz").json()
    assert ready["status"] == "ready" and ready["model"]["loaded"] and ready["policy"]["loaded"]
    metrics = httpx.get(f"{srv.url}/metrics").text  # counted by route and status, with latency per route
    assert 'dualuse_http_requests_total{route="/healthz",status="200"}' in metrics
    assert 'dualuse_http_request_seconds_count{route="/readyz"}' in metrics
    spec = httpx.get(f"{srv.url}/openapi.json").json()
    assert "What it is not for" in spec["info"]["description"]
    for path in (
        "/v1/classify",
        "/v1/screen",
        "/v1/jobs",
        "/v1/jobs/{job_id}",
        "/v1/jobs/{job_id}/result",
        "/v1/reviews",
        "/v1/audit",
    ):
        assert path in spec["paths"]
    assert httpx.get(f"{srv.url}/docs").status_code == 200
    assert "<title>dualuse" in httpx.get(f"{srv.url}/").text


def test_auth_missing_bad_bearer_and_revoked_keys(server):
    srv, key = server
    body = {"items": [{"id": "1", "text": "Ring laser gyro"}]}
    assert httpx.post(f"{srv.url}/v1/classify", json=body).status_code == 401
    assert httpx.post(f"{srv.url}/v1/classify", json=body, headers={"X-API-Key": "du_wrong"}).status_code == 401
    bearer = httpx.post(f"{srv.url}/v1/classify", json=body, headers={"Authorization": f"Bearer {key}"})
    assert bearer.status_code == 200
    extra = cli(srv.env, "keys", "create", "temporary").stdout.strip().splitlines()[-1]
    assert httpx.post(f"{srv.url}/v1/classify", json=body, headers={"X-API-Key": extra}).status_code == 200
    assert cli(srv.env, "keys", "revoke", "temporary").returncode == 0
    revoked_at = time.monotonic()  # the service remembers a verified key for KEY_CACHE_SECONDS, no longer
    while (revoked := httpx.post(f"{srv.url}/v1/classify", json=body, headers={"X-API-Key": extra})).status_code == 200:
        assert time.monotonic() - revoked_at < KEY_CACHE_SECONDS + 1.0, "a revoked key still works"
        time.sleep(0.1)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    assert "temporary" in cli(srv.env, "keys", "list").stdout


def test_classify_keys_results_by_id_and_marks_bad_items(server):
    with _client(server) as client:
        response = client.post(
            "/v1/classify",
            json={
                "items": [
                    {"id": "b", "text": "Hot isostatic press 2000 bar 1400 C"},
                    {"id": "a", "text": ""},
                    {"id": "c", "text": 17},
                    {"id": "d", "text": "光纤陀螺仪 零偏稳定性0.01°/h"},
                ]
            },
        )
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["results"]] == ["b", "a", "c", "d"]
    assert body["results"][1]["error"] == "description is empty"
    assert body["results"][2]["error"] == "description must be text, not int"
    assert body["results"][0]["error"] is None and len(body["results"][0]["scores"]) == 11
    assert body["model_version"] and "not a legal determination" in body["notice"]


def test_labels_give_each_id_its_name_and_control_list_category(server):
    srv, _ = server
    assert httpx.get(f"{srv.url}/v1/labels").status_code == 401
    with _client(server) as client:
        labels = client.get("/v1/labels").json()["labels"]
    assert len(labels) == 11 and labels[0]["id"] == "nuclear"
    navigation = next(label for label in labels if label["id"] == "navigation_avionics")
    assert navigation["display"] == "Navigation and avionics (Cat. 7)" and navigation["category"] == "Cat. 7"
    assert next(label for label in labels if label["id"] == "telecom")["scope"] == "Category 5 part 1 and part 2"


@pytest.mark.parametrize(
    "payload, status, message",
    [
        ({"items": [{"id": str(i), "text": "x"} for i in range(9)]}, 400, "limit is 8"),
        ({"items": [{"id": "1", "text": "x" * 2001}]}, 400, "2001 characters"),
        ({"items": [{"id": "1", "text": "a"}, {"id": "1", "text": "b"}]}, 400, "repeated id"),
        ({"items": []}, 400, "empty"),
        ({"items": "gyro"}, 422, "list"),
        ({"things": []}, 422, "items"),
        ({"items": [{"text": "no id"}]}, 422, "id"),
    ],
)
def test_classify_limits_and_malformed_requests_are_4xx_with_a_message(server, payload, status, message):
    with _client(server) as client:
        response = client.post("/v1/classify", json=payload)
    assert response.status_code == status
    assert message in json.dumps(response.json())


def test_malformed_json_and_oversized_bodies(server):
    srv, key = server
    with _client(server) as client:
        bad = client.post("/v1/classify", content=b'{"items": [', headers={"Content-Type": "application/json"})
        assert bad.status_code == 422
        big = client.post("/v1/classify", content=b"x" * 70000, headers={"Content-Type": "application/json"})
        assert big.status_code == 413 and "65536" in big.json()["detail"]

    def chunks():
        for _ in range(20):
            yield b" " * 8192

    chunked = httpx.post(
        f"{srv.url}/v1/classify", content=chunks(), headers={"X-API-Key": key, "Content-Type": "application/json"}
    )
    assert chunked.status_code == 413


def test_screen_decisions_reasons_and_per_order_errors(server):
    orders = [
        {
            "id": "p",
            "labels": ["navigation_avionics"],
            "destination_country": "SG",
            "end_user": "JMSDF Sasebo District",
            "end_user_country": "JP",
            "end_use": "patrol aircraft maintenance",
            "intermediate_countries": ["SG"],
            "date": "2026-03-01",
        },
        {
            "id": "n",
            "description": "Cotton tote bag with printed logo",
            "destination_country": "JP",
            "end_user": "Aeon Retail",
            "end_user_country": "JP",
            "end_use": "resale",
        },
        {
            "id": "e",
            "labels": ["aerospace"],
            "destination_country": "JPN",
            "end_user": "x",
            "end_user_country": "JP",
            "end_use": "y",
        },
        {
            "id": "c",
            "control_code": "9A012",
            "destination_country": "JP",
            "end_user": "三菱重工航空エンジン株式会社",
            "end_user_country": "JP",
            "end_use": "civil engine overhaul",
            "date": "2026-06-01",
        },
    ]
    with _client(server) as client:
        response = client.post("/v1/screen", json={"orders": orders})
    assert response.status_code == 200, response.text
    body = response.json()
    results = {r["id"]: r for r in body["results"]}
    assert results["p"]["decision"] == "prohibited" and results["p"]["reasons"]
    assert results["p"]["matched_entity"] is not None
    assert results["e"]["decision"] is None and "JPN" in results["e"]["error"]
    assert results["c"]["decision"] == "prohibited" and results["c"]["labels"] == ["aerospace"]
    assert results["n"]["error"] is None and results["n"]["decision"] in (
        "not_controlled",
        "license_required",
        "review",
    )
    assert len(results["n"]["scores"]) == 11, "the description was classified by the model"
    assert body["policy_version"]


def _catalog_csv(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sku", "title", "price"])
    samples = [
        "Ring laser gyro 0.001 deg/h",
        "",
        "Cotton T-shirt size M",
        "サマリウムコバルト磁石",
        "液体火箭发动机涡轮泵",
    ]
    for i in range(rows):
        writer.writerow([f"S{i}", f"{samples[i % 5]} #{i}" if samples[i % 5] else "", str(i)])
    return buffer.getvalue().encode()


def _wait(client, job_id, until=("succeeded", "failed"), timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/v1/jobs/{job_id}").json()
        if status["status"] in until:
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {status}")


def test_catalog_job_round_trip_and_bad_uploads(server):
    with _client(server) as client:
        created = client.post(
            "/v1/jobs",
            files={"file": ("catalog.csv", _catalog_csv(30), "text/csv")},
            data={"id_column": "sku", "text_column": "title"},
        )
        assert created.status_code == 202
        job = created.json()
        assert job["status"] in ("queued", "running", "succeeded")
        assert client.get(f"/v1/jobs/{job['id']}/result").status_code in (200, 409)
        status = _wait(client, job["id"])
        assert status["status"] == "succeeded" and status["rows_done"] == status["rows_total"] == 30
        result = client.get(f"/v1/jobs/{job['id']}/result")
        assert result.status_code == 200 and "catalog.labeled.csv" in result.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(result.text)))
        assert [r["sku"] for r in rows] == [f"S{i}" for i in range(30)]
        assert all(isinstance(json.loads(r["labels"]), list) for r in rows)
        assert sum(1 for r in rows if r["error"]) == 6
        wrong = client.post("/v1/jobs", files={"file": ("catalog.csv", _catalog_csv(3), "text/csv")})
        assert wrong.status_code == 400 and "columns found: sku, title, price" in wrong.json()["detail"]
        kind = client.post("/v1/jobs", files={"file": ("catalog.txt", b"hello", "text/plain")})
        assert kind.status_code == 400 and "unsupported file type" in kind.json()["detail"]
        huge = client.post("/v1/jobs", files={"file": ("big.csv", b"x" * 2_100_000, "text/csv")})
        assert huge.status_code == 413
        assert client.get("/v1/jobs/nope").status_code == 404


def test_restart_during_a_job_resumes_and_loses_no_row(server):
    srv, _ = server
    with _client(server) as client:
        job = client.post(
            "/v1/jobs",
            files={"file": ("big.csv", _catalog_csv(1500), "text/csv")},
            data={"id_column": "sku", "text_column": "title"},
        ).json()
        deadline = time.monotonic() + 120
        while client.get(f"/v1/jobs/{job['id']}").json()["rows_done"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    srv.kill()
    srv.start()
    with _client(server) as client:
        status = _wait(client, job["id"])
        assert status["status"] == "succeeded" and status["rows_done"] == 1500
        rows = list(csv.DictReader(io.StringIO(client.get(f"/v1/jobs/{job['id']}/result").text)))
    assert [r["sku"] for r in rows] == [f"S{i}" for i in range(1500)]


def test_reviews_are_stored_validated_and_listed(server):
    review = {
        "item_id": "sku-1",
        "text": "Fibre-optic gyro 0.005 deg/h",
        "labels": ["navigation_avionics"],
        "reason": "navigation-grade gyro",
        "predicted_labels": [],
    }
    with _client(server) as client:
        saved = client.post("/v1/reviews", json=review)
        assert saved.status_code == 201 and saved.json()["id"] > 0 and saved.json()["reviewer"] == "tests"
        assert client.post("/v1/reviews", json={**review, "labels": ["drones"]}).status_code == 422
        assert client.post("/v1/reviews", json={"text": "x"}).status_code == 422
        listed = client.get("/v1/reviews").json()["reviews"]
    assert any(r["item_id"] == "sku-1" and r["labels"] == ["navigation_avionics"] for r in listed)


def test_audit_trail_filters_by_time_and_exports_csv(server):
    start = datetime.now(UTC) - timedelta(seconds=1)
    with _client(server) as client:
        client.post("/v1/classify", json={"items": [{"id": "audit-me", "text": "Hydrophone towed array"}]})
        records = client.get("/v1/audit", params={"since": start.isoformat(), "kind": "classify"}).json()["records"]
        assert any(r["item_id"] == "audit-me" and r["model_version"] for r in records)
        mine = next(r for r in records if r["item_id"] == "audit-me")
        assert mine["input_text"] == "Hydrophone towed array" and len(mine["input_hash"]) == 64 and mine["api_key_id"]
        future = client.get("/v1/audit", params={"since": (start + timedelta(days=1)).isoformat()}).json()
        assert future["records"] == []
        exported = client.get("/v1/audit", params={"format": "csv", "since": start.isoformat()})
        assert exported.headers["content-type"].startswith("text/csv")
        assert "audit-me" in exported.text and exported.text.startswith("id,created_at,kind")
        screened = client.get("/v1/audit", params={"kind": "screen"}).json()["records"]
    assert all(r["policy_version"] for r in screened)

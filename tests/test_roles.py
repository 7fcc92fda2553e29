"""Per-key isolation through a real server: roles gate the audit trail, reviews and other keys' jobs; the reviewer
is the key's name; training trusts only analysts' reviews. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.databases import BACKENDS, keyed_server
from tests.server import cli

ROLES = {"boss": "admin", "checker": "analyst", "alice": "client", "bob": "client"}
CATALOG = b"id,description\n1,Ring laser gyro 0.001 deg/h\n2,Electric kettle 1.2 L\n"


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, quick_model_dir, tmp_path_factory):
    srv, keys = keyed_server(tmp_path_factory.mktemp(f"roles-{request.param}"), quick_model_dir, request.param, ROLES)
    yield srv, keys
    srv.stop()


def _as(served, name: str) -> httpx.Client:
    srv, keys = served
    return httpx.Client(base_url=srv.url, headers={"X-API-Key": keys[name]}, timeout=60)


def test_keys_are_created_with_a_role_and_listed_with_it(served):
    srv, _ = served
    listed = cli(srv.env, "keys", "list").stdout
    assert all(
        f" {role} " in line for line in listed.splitlines() for name, role in ROLES.items() if f" {name} " in line
    )
    refused = cli(srv.env, "keys", "create", "x", "--role", "root")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr


@pytest.mark.parametrize("path", ["/v1/audit", "/v1/reviews"])
def test_audit_and_reviews_need_an_analyst_key(served, path):
    with _as(served, "alice") as client:
        refused = client.get(path)
    assert refused.status_code == 403 and "analyst" in refused.json()["detail"]
    for name in ("checker", "boss"):
        with _as(served, name) as client:
            assert client.get(path).status_code == 200


def test_a_client_sees_only_its_own_jobs(served):
    with _as(served, "alice") as alice:
        job = alice.post("/v1/jobs", files={"file": ("c.csv", CATALOG)}).json()
        assert job["id"] in [j["id"] for j in alice.get("/v1/jobs").json()["jobs"]]
    with _as(served, "bob") as bob:
        for path in (f"/v1/jobs/{job['id']}", f"/v1/jobs/{job['id']}/result", f"/v1/jobs/{job['id']}/rows"):
            assert bob.get(path).status_code == 404
        assert bob.delete(f"/v1/jobs/{job['id']}").status_code == 404
        assert job["id"] not in [j["id"] for j in bob.get("/v1/jobs").json()["jobs"]]
    with _as(served, "checker") as checker:
        assert checker.get(f"/v1/jobs/{job['id']}").status_code == 200
        assert job["id"] in [j["id"] for j in checker.get("/v1/jobs").json()["jobs"]]


def test_the_reviewer_is_the_key_name_and_bad_texts_are_refused(served):
    review = {"text": "Fibre-optic gyro 0.005 deg/h", "labels": ["navigation_avionics"], "reason": "checked"}
    with _as(served, "alice") as alice:
        saved = alice.post("/v1/reviews", json=review)
        assert saved.status_code == 201 and saved.json()["reviewer"] == "alice"
        assert alice.post("/v1/reviews", json={**review, "reviewer": "someone.else"}).status_code == 422
        blank = alice.post("/v1/reviews", json={**review, "text": " \n\t "})
        assert blank.status_code == 422 and "empty" in blank.json()["detail"]
        huge = alice.post("/v1/reviews", json={**review, "text": "gyro " * 3000})
        assert huge.status_code == 422 and "limit is 10000" in huge.json()["detail"]
    with _as(served, "checker") as checker:
        stored = checker.get("/v1/reviews").json()["reviews"]
    assert [r["reviewer"] for r in stored if r["text"] == review["text"]] == ["alice"]


def test_training_trusts_only_reviews_from_analyst_keys(served):
    from api.settings import Settings
    from api.storage import trusted_reviews

    srv, _ = served
    texts = {
        "alice": "Marine sonar transducer 30 kHz (client)",
        "checker": "Hot isostatic press 2000 bar (analyst)",
        "boss": "Ring laser gyro unit (admin)",
    }
    for name, text in texts.items():
        with _as(served, name) as client:
            assert client.post("/v1/reviews", json={"text": text, "labels": [], "reason": "r"}).status_code == 201
    database = srv.env.get("DUALUSE_DATABASE_URL") or Settings(state_dir=Path(srv.env["DUALUSE_STATE_DIR"])).database
    trusted = {review.text for review in trusted_reviews(database)}
    assert texts["checker"] in trusted and texts["boss"] in trusted and texts["alice"] not in trusted

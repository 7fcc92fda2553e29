"""Hostile and careless clients against a real `dualuse serve` on loopback: ill-formed Unicode, spreadsheet
formulas, overload, security headers, offline docs, readiness without paths, metrics beyond loopback."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.databases import BACKENDS, keyed_server
from tests.server import Server, cli

SURROGATE_CLASSIFY = b'{"items": [{"id": "ok", "text": "Ring laser gyro"}, {"id": "bad", "text": "gyro \\ud800"}]}'
SURROGATE_ID = b'{"items": [{"id": "\\udfff", "text": "Ring laser gyro"}]}'
SURROGATE_END_USER = (
    b'{"orders": [{"id": "o", "labels": ["navigation_avionics"], "destination_country": "JP", '
    b'"end_user": "JMSDF \\ud800", "end_user_country": "JP"}]}'
)
SURROGATE_DESCRIPTION = (
    b'{"orders": [{"id": "o", "description": "\\ud800 gyro", "destination_country": "JP", '
    b'"end_user": "JMSDF", "end_user_country": "JP"}]}'
)


def _start(tmp_path_factory, model_dir, backend: str = "sqlite", host: str = "127.0.0.1", **env: str):
    """Return a started server and an admin key on a fresh database."""
    state = tmp_path_factory.mktemp(f"hardening-{backend}")
    server, keys = keyed_server(state, model_dir, backend, {"hardening": "admin"}, host=host, **env)
    return server, keys["hardening"]


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, quick_model_dir, tmp_path_factory):
    srv, key = _start(tmp_path_factory, quick_model_dir, request.param)
    yield srv, key
    srv.stop()


def _post_raw(client: httpx.Client, path: str, body: bytes) -> httpx.Response:
    return client.post(path, content=body, headers={"Content-Type": "application/json"})


def test_ill_formed_unicode_is_a_clear_error_and_never_fails_other_clients(server):
    srv, key = server
    stop = threading.Event()
    hostile: list[int] = []

    def send_surrogates() -> None:
        with httpx.Client(base_url=srv.url, headers={"X-API-Key": key}, timeout=60) as client:
            while not stop.is_set():
                for path, body in (
                    ("/v1/classify", SURROGATE_CLASSIFY),
                    ("/v1/classify", SURROGATE_ID),
                    ("/v1/screen", SURROGATE_END_USER),
                    ("/v1/screen", SURROGATE_DESCRIPTION),
                ):
                    hostile.append(_post_raw(client, path, body).status_code)
                time.sleep(0.02)

    def send_normal(n: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=srv.url, headers={"X-API-Key": key}, timeout=60) as client:
            for i in range(12):
                items = [
                    {"id": f"{n}-{i}-{j}", "text": text}
                    for j, text in enumerate(["Ring laser gyro 0.001 deg/h", "Cotton T-shirt", "Maraging steel tube"])
                ]
                statuses.append(client.post("/v1/classify", json={"items": items}).status_code)
        return statuses

    attacker = threading.Thread(target=send_surrogates)
    attacker.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            normal = [status for statuses in pool.map(send_normal, range(4)) for status in statuses]
    finally:
        stop.set()
        attacker.join(60)
    assert normal == [200] * 48
    assert hostile and set(hostile) <= {200, 422}, sorted(set(hostile))

    with httpx.Client(base_url=srv.url, headers={"X-API-Key": key}, timeout=60) as client:
        mixed = _post_raw(client, "/v1/classify", SURROGATE_CLASSIFY)
        results = {r["id"]: r for r in mixed.json()["results"]}
        assert mixed.status_code == 200 and results["ok"]["error"] is None and results["ok"]["scores"]
        assert "not well-formed Unicode" in results["bad"]["error"] and results["bad"]["labels"] == []
        bad_id = _post_raw(client, "/v1/classify", SURROGATE_ID)
        assert bad_id.status_code == 422 and bad_id.json()["detail"][0]["loc"][-1] == "id"
        screened = _post_raw(client, "/v1/screen", SURROGATE_DESCRIPTION).json()["results"][0]
        assert screened["decision"] is None and "not well-formed Unicode" in screened["error"]
        review = _post_raw(client, "/v1/reviews", b'{"text": "\\ud800", "labels": [], "reviewer": "x"}')
        assert review.status_code == 422
        audit = client.get("/v1/audit", params={"kind": "classify", "limit": 10_000}).json()["records"]
        assert any(record["input_text"] == "gyro \\ud800" for record in audit)  # stored, escaped


def test_audit_csv_neutralises_spreadsheet_formulas(server):
    srv, key = server
    texts = ['=HYPERLINK("http://example.invalid","x")', "+1+2", "-3", "@SUM(A1)", "\tgyro", "plain gyro"]
    with httpx.Client(base_url=srv.url, headers={"X-API-Key": key}, timeout=60) as client:
        body = {"items": [{"id": f"=formula-{n}", "text": text} for n, text in enumerate(texts)]}
        assert client.post("/v1/classify", json=body).status_code == 200
        exported = client.get("/v1/audit", params={"kind": "classify", "format": "csv", "limit": 10_000}).text
    rows = [row for row in csv.DictReader(io.StringIO(exported)) if row["item_id"].startswith("'=formula-")]
    cells = {row["input_text"] for row in rows}
    assert cells == {"'" + text for text in texts[:-1]} | {"plain gyro"}


async def _timed_get(host: str, port: int, path: str) -> float:
    """Return the seconds a GET on a new connection takes to be answered."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    await reader.read()
    writer.close()
    return time.perf_counter() - started


async def _classify_loop(
    host: str, port: int, key: str, stop_at: float, statuses: list[int], retry_after: list[str]
) -> None:
    """One keep-alive client sending single-item classify requests back to back until stop_at."""
    reader, writer = await asyncio.open_connection(host, port)
    body = json.dumps({"items": [{"id": "1", "text": "Ring laser gyro, bias stability 0.001 deg/h"}]}).encode()
    head = (
        f"POST /v1/classify HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    try:
        while time.monotonic() < stop_at:
            writer.write(head + body)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                if name.lower() == "retry-after":
                    retry_after.append(value.strip())
            await reader.readexactly(length)
            statuses.append(status)
            if status == 429:  # as a well-behaved client does
                await asyncio.sleep(int(retry_after[-1]))
    finally:
        writer.close()


def test_overload_health_stays_fast_and_excess_requests_get_429(quick_model_dir, tmp_path_factory):
    srv, key = _start(tmp_path_factory, quick_model_dir, DUALUSE_MAX_QUEUED_REQUESTS="16")
    try:
        statuses: list[int] = []
        retry_after: list[str] = []

        async def run() -> list[float]:
            stop_at = time.monotonic() + 12
            clients = [
                asyncio.create_task(_classify_loop("127.0.0.1", srv.port, key, stop_at, statuses, retry_after))
                for _ in range(128)
            ]
            await asyncio.sleep(3)  # let the queue fill
            probes = []
            for n in range(30):
                probes.append(await _timed_get("127.0.0.1", srv.port, "/healthz" if n % 2 else "/readyz"))
                await asyncio.sleep(0.1)
            await asyncio.gather(*clients)
            return probes

        probes = asyncio.run(run())
    finally:
        srv.stop()
    # most probes under 50 ms; a few may wait on the other processes of a busy 2-core test machine
    assert statistics.median(probes) < 0.05 and sum(p < 0.05 for p in probes) >= 0.8 * len(probes), probes
    assert statuses.count(200) > 0 and statuses.count(429) > 0
    assert set(statuses) == {200, 429} and retry_after and all(value.isdigit() for value in retry_after)


def test_a_large_request_does_not_hold_a_single_item_request(server):
    srv, key = server
    large = {
        "items": [{"id": str(n), "text": f"Maraging steel tube, outer diameter {n} mm, for rotors"} for n in range(256)]
    }
    finished: dict[str, float] = {}
    with httpx.Client(base_url=srv.url, headers={"X-API-Key": key}, timeout=120) as client:

        def send(name: str, body: dict) -> None:
            assert client.post("/v1/classify", json=body).status_code == 200
            finished[name] = time.monotonic()

        started = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            big = pool.submit(send, "large", large)
            time.sleep(0.3)
            small = pool.submit(send, "single", {"items": [{"id": "s", "text": "Ring laser gyro"}]})
            big.result(), small.result()
    large_seconds = finished["large"] - started
    assert finished["single"] < finished["large"] and finished["single"] - started < 0.3 + large_seconds / 2


def test_security_headers_and_docs_from_bundled_assets(server):
    srv, _ = server
    page = httpx.get(f"{srv.url}/")
    policy = page.headers["content-security-policy"]
    script_policy = next(part for part in policy.split(";") if part.strip().startswith("script-src")).split()
    assert script_policy[1] == "'self'" and all(source.startswith("'sha256-") for source in script_policy[2:])
    assert "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    for response in (page, httpx.get(f"{srv.url}/healthz"), httpx.get(f"{srv.url}/v1/audit")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    docs = httpx.get(f"{srv.url}/docs")
    assert docs.status_code == 200 and "script-src 'self'" in docs.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(source.startswith("/") for source in sources)
    for source in sources:
        assert httpx.get(f"{srv.url}{source}").status_code == 200, source
    assert "SwaggerUIBundle" in httpx.get(f"{srv.url}/docs/assets/swagger-ui-bundle.js").text


def test_readiness_names_no_file_system_paths(tmp_path):
    missing = tmp_path / "models" / "no-such-model"
    server = Server(tmp_path / "state", missing)
    try:
        with pytest.raises(RuntimeError, match="server not ready"):
            server.start(timeout=15)
        ready = httpx.get(f"{server.url}/readyz", timeout=5)
    finally:
        server.stop()
    assert ready.status_code == 503 and not ready.json()["model"]["loaded"]
    assert str(tmp_path) not in ready.text and "/" not in ready.json()["model"]["error"]
    assert str(missing) in server.log.read_text()  # the details go to the service log


def test_metrics_need_a_key_when_listening_beyond_loopback(quick_model_dir, tmp_path_factory):
    srv, key = _start(tmp_path_factory, quick_model_dir, host="0.0.0.0")
    try:
        assert httpx.get(f"{srv.url}/metrics").status_code == 401
        assert "dualuse_http_requests_total" in httpx.get(f"{srv.url}/metrics", headers={"X-API-Key": key}).text
        assert httpx.get(f"{srv.url}/healthz").status_code == 200
    finally:
        srv.stop()


def test_promote_refuses_a_version_that_does_not_load(quick_model_dir, tmp_path):
    models = tmp_path / "models"
    (models / "broken").mkdir(parents=True)
    (models / "broken" / "dualuse.json").write_text('{"version": "broken"}')
    (models / "good").symlink_to(quick_model_dir, target_is_directory=True)
    env = {**os.environ, "DUALUSE_MODELS_DIR": str(models), "DUALUSE_STATE_DIR": str(tmp_path / "state")}
    env.pop("DUALUSE_MODEL_PATH", None)
    refused = cli(env, "models", "promote", "broken")
    assert refused.returncode != 0 and "does not load" in refused.stderr and "not promoted" in refused.stderr
    assert not (models / "CURRENT").exists()
    promoted = cli(env, "models", "promote", "good")
    assert promoted.returncode == 0, promoted.stderr
    assert (models / "CURRENT").read_text().strip() == "good"


def test_page_and_docs_run_under_their_policies_in_a_browser(server):
    import shutil
    from pathlib import Path

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Debian's chromium package is not installed")
    from playwright.sync_api import sync_playwright

    srv, _ = server
    violations: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.goto(srv.url + "/docs")
        page.wait_for_selector(".opblock-summary-path[data-path='/v1/classify']", timeout=30_000)
        page.goto(srv.url + "/")
        page.wait_for_selector("#classify-button")
        page.evaluate(
            "document.body.appendChild(Object.assign(document.createElement('script'), "
            "{textContent: 'window.injected = 1'}))"
        )
        injected = page.evaluate("window.injected")
        browser.close()
    assert injected is None  # a script the page did not ship does not run
    assert any("script-src" in text for text in violations) and all("script-src" in text for text in violations)

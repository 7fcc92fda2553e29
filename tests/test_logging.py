"""Service logs from a real `dualuse serve`: valid JSON lines (quotes included), each request's line carrying the
request id that the response echoes."""

from __future__ import annotations

import json

import httpx

from tests.server import Server


def test_json_logs_carry_the_request_id_the_response_echoes(quick_model_dir, tmp_path):
    server = Server(tmp_path / "state", quick_model_dir, DUALUSE_LOG_FORMAT="json").start()
    try:
        given = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": "order-42.a"})
        assert given.headers["X-Request-ID"] == "order-42.a"
        fresh = httpx.get(f'{server.url}/no/such/"page"')
        assert fresh.status_code == 404 and len(fresh.headers["X-Request-ID"]) == 32
        unsafe = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": "x" * 500})
        assert unsafe.headers["X-Request-ID"] != "x" * 500
    finally:
        server.stop()
    records = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
    by_id = {record["request_id"]: record for record in records if record["logger"] == "dualuse.api"}
    assert "GET /healthz 200" in by_id["order-42.a"]["message"]
    assert '"page"' in by_id[fresh.headers["X-Request-ID"]]["message"]  # a quote in the path stays valid JSON
    assert {"time", "level", "logger", "request_id", "message"} <= set(records[0])

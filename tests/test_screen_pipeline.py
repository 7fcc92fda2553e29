"""`dualuse screen` and POST /v1/screen run one pipeline: the same orders get the same decisions and reasons."""

from __future__ import annotations

import json

import httpx
import pandas as pd
import pytest

from tests.server import Server, cli

ORDERS = [
    {
        "id": "listed",
        "labels": ["navigation_avionics"],
        "destination_country": "SG",
        "end_user": "JMSDF Sasebo District",
        "end_user_country": "JP",
        "end_use": "patrol aircraft maintenance",
        "intermediate_countries": ["SG", "MY"],
        "date": "2026-03-01",
    },
    {
        "id": "described",
        "description": "Fibre-optic gyro, bias stability 0.005 deg/h",
        "destination_country": "JP",
        "end_user": "Omron Corporation",
        "end_user_country": "JP",
        "end_use": "factory automation",
        "date": "2026-03-01",
    },
    {
        "id": "household",
        "description": "家庭用 電気ケトル 1.2L",
        "destination_country": "JP",
        "end_user": "Aeon Retail",
        "end_user_country": "JP",
        "end_use": "resale",
        "date": "2026-03-01",
    },
    {
        "id": "coded",
        "control_code": "9A012",
        "destination_country": "JP",
        "end_user": "三菱重工航空エンジン株式会社",
        "end_user_country": "JP",
        "end_use": "civil engine overhaul",
        "date": "2026-06-01",
    },
    {
        "id": "disguised",
        "labels": ["aerospace"],
        "destination_country": "JP",
        "end_user": "J\u200bМSDF",
        "end_user_country": "JP",
        "end_use": "spares",
        "date": "2026-03-01",
    },
    {
        "id": "typo",
        "labels": ["aerospace"],
        "destination_country": "JP",
        "end_user": "Kawasaki Heavy Industires",
        "end_user_country": "JP",
        "end_use": "",
        "date": "2026-03-01",
    },
    {
        "id": "bad-country",
        "labels": ["aerospace"],
        "destination_country": "JPN",
        "end_user": "x",
        "end_user_country": "JP",
        "end_use": "y",
    },
    {"id": "bad-label", "labels": ["gyro"], "destination_country": "JP", "end_user": "JMSDF", "end_user_country": "JP"},
]


@pytest.fixture(scope="module")
def server(quick_model_dir, tmp_path_factory):
    """Yield (server, api key) with a small end_user limit."""
    srv = Server(tmp_path_factory.mktemp("state-pipeline"), quick_model_dir, DUALUSE_MAX_END_USER_CHARS="300")
    created = cli(srv.env, "keys", "create", "pipeline")
    assert created.returncode == 0, created.stderr
    srv.start()
    yield srv, created.stdout.strip().splitlines()[-1]
    srv.stop()


def _post(server, orders) -> httpx.Response:
    srv, key = server
    return httpx.post(f"{srv.url}/v1/screen", json={"orders": orders}, headers={"X-API-Key": key}, timeout=120)


def _as_csv_cell(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value


def test_cli_and_api_give_identical_decisions_and_reasons(server, quick_model_dir, tmp_path):
    source, output = tmp_path / "orders.csv", tmp_path / "decisions.jsonl"
    pd.DataFrame([{key: _as_csv_cell(value) for key, value in order.items()} for order in ORDERS]).to_csv(
        source, index=False
    )
    ran = cli(server[0].env, "screen", str(source), "-o", str(output), "--model", str(quick_model_dir))
    assert ran.returncode == 0, ran.stderr
    from_cli = {row["id"]: row for row in map(json.loads, output.read_text(encoding="utf-8").splitlines())}
    response = _post(server, ORDERS)
    assert response.status_code == 200, response.text
    from_api = {result["id"]: result for result in response.json()["results"]}
    assert list(from_api) == [order["id"] for order in ORDERS]
    for order_id, result in from_api.items():
        row = from_cli[order_id]
        assert (row["decision"] or None) == result["decision"], order_id
        assert json.loads(row["reasons"]) == result["reasons"], order_id
        assert (json.loads(row["matched_entity"]) if row["matched_entity"] else None) == result["matched_entity"]
        assert row["error"] == (
            f"row {list(from_api).index(order_id) + 1}: {result['error']}" if result["error"] else ""
        ), order_id
    assert from_api["listed"]["decision"] == from_api["disguised"]["decision"] == "prohibited"
    assert "U+200B" in from_api["disguised"]["reasons"][0]["text_normalised"]["end_user"]
    described = from_api["described"]["reasons"][0]
    assert described["item_source"].startswith("model ") and len(described["scores"]) == 11
    assert "JPN" in from_api["bad-country"]["error"] and "gyro" in from_api["bad-label"]["error"]


def test_over_long_end_user_is_a_422_naming_field_and_limit(server):
    at_limit = {**ORDERS[0], "end_user": "JMSDF".ljust(300, " ") + ""}
    assert _post(server, [at_limit]).status_code == 200
    too_long = {**ORDERS[0], "id": "long", "end_user": "JMSDF " * 51}
    response = _post(server, [ORDERS[1], too_long])
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "'long'" in detail and "end_user is 306 characters long; the limit is 300" in detail
    assert "DUALUSE_MAX_END_USER_CHARS" in detail
    long_end_use = {**ORDERS[0], "end_use": "x" * 2001}
    assert "end_use is 2001 characters long; the limit is 2000" in _post(server, [long_end_use]).json()["detail"]

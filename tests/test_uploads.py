"""Hostile and careless uploads through a real server: refused at upload with a clear 4xx and nothing left on
disk, or labeled with a per-row error; ids come back exactly as sent."""

from __future__ import annotations

import io
import json
import time

import httpx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.databases import keyed_server


@pytest.fixture(scope="module")
def served(quick_model_dir, tmp_path_factory):
    state = tmp_path_factory.mktemp("uploads")
    srv, keys = keyed_server(state, quick_model_dir, "sqlite", {"shop": "client"})
    with httpx.Client(base_url=srv.url, headers={"X-API-Key": keys["shop"]}, timeout=60) as client:
        yield client, state
    srv.stop()


def _finished(client, name: str, data: bytes) -> httpx.Response:
    job = client.post("/v1/jobs", files={"file": (name, data)})
    assert job.status_code == 202, job.text
    while (status := client.get(f"/v1/jobs/{job.json()['id']}").json())["status"] in ("queued", "running"):
        time.sleep(0.2)
    assert status["status"] == "succeeded", status
    return client.get(f"/v1/jobs/{status['id']}/result")


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("bin.csv", bytes(range(256)) * 4, "NUL bytes"),
        ("latin1.csv", "id,description\n1,Stahlrohr für Öl\n".encode("latin-1"), "not UTF-8 text"),
        ("utf16.csv", "id,description\n1,gyro\n".encode("utf-16"), "not UTF-8"),
        ("fake.parquet", b"id,description\n1,gyro\n", "not a readable PARQUET file"),
        ("fake.xlsx", b"PK\x03\x04 this is no workbook", "not a readable XLSX file"),
        ("wide.csv", ("id,description," + "h" * 5000 + "\n1,gyro,x\n").encode(), "5000 characters; the limit is 200"),
        ("dup.csv", b"id,description,id\n1,gyro,2\n", "'id' appears more than once (columns 1 and 3)"),
        ("huge-cell.csv", ("id,description," + "h" * 200_000 + "\n").encode(), "header is not valid CSV"),
    ],
)
def test_unreadable_uploads_are_refused_at_once_and_leave_nothing(served, name, data, message):
    client, state = served
    before = set((state / "jobs").iterdir()) if (state / "jobs").exists() else set()
    response = client.post("/v1/jobs", files={"file": (name, data)})
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"] and name in response.json()["detail"]
    after = set((state / "jobs").iterdir()) if (state / "jobs").exists() else set()
    assert after == before


def test_a_malformed_line_fails_its_row_and_a_stray_quote_never_merges_rows(served):
    client, _ = served
    data = (
        b'id,description\n1,Ring laser gyro\n2,"bad"quote\n3,too,many,fields\n'
        b'4,"Gyro unit, 0.01 deg/h\n5,Electric kettle\n6,Hot isostatic press\n'
    )
    rows = pd.read_csv(io.StringIO(_finished(client, "broken.csv", data).text), dtype=str, keep_default_na=False)
    assert rows["id"].tolist() == ["1", "2", "3", "4", "5", "6"]
    errors = dict(zip(rows["id"], rows["error"]))
    assert errors["1"] == "" and "line 3: malformed CSV" in errors["2"] and "line 4: 4 fields" in errors["3"]
    assert "swallows lines 5-7" in errors["4"]
    assert all("unclosed quote opened on line 5" in errors[i] for i in ("5", "6"))


def test_ids_come_back_exactly_as_sent(served):
    client, _ = served
    big = 12345678901234567890123
    lines = [
        {"id": 1, "description": "Ring laser gyro"},
        {"id": big, "description": "Kettle"},
        {"id": "007", "description": "Sonar"},
        {"description": "no id"},
    ]
    jsonl = "".join(json.dumps(line) + "\n" for line in lines).encode()
    returned = [json.loads(line).get("id") for line in _finished(client, "ids.jsonl", jsonl).text.splitlines()]
    assert returned == [1, big, "007", None]
    assert f'"id": {big}' in _finished(client, "ids.jsonl", jsonl).text

    table = pa.table({"id": pa.array([1, None, 9007199254740993], pa.int64()), "description": ["a", "b", "c"]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    result = pq.read_table(io.BytesIO(_finished(client, "ids.parquet", buffer.getvalue()).content))
    assert result.column("id").to_pylist() == [1, None, 9007199254740993]

    csv_text = b"id,description\n007,gyro\n1.50,kettle\n12345678901234567890,press\n"
    rows = _finished(client, "ids.csv", csv_text).text.splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["007", "1.50", "12345678901234567890"]

"""The LLM client against real chat-completions servers on loopback: a scripted one for every answer and failure
path, and the embedded Gemma model started as its own process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from classifier.llm import LLMClient, LLMSettings, parse_answer
from classifier.local_llm import MODEL_ID, first_json_object_end, gemma_prompt
from classifier.taxonomy import TaxonomyError, default_taxonomy
from tests.server import Server, cli, free_port
from training.llm_label import evaluate_llm, llm_label

SLOW_REPLY_SECONDS = 3.0
CLIENT_TIMEOUT_SECONDS = 1.0

# Scripted answers, chosen by the product text of the last user message.
ANSWERS = {
    "valid": '{"labels": ["navigation_avionics"], "rationale": "Navigation-grade gyro."}',
    "fenced": 'Here is my answer:\n```json\n{"labels": ["sensors_lasers"], "rationale": "Cooled thermal camera."}\n```',
    "prose": 'I think {"labels": ["aerospace"], "rationale": "UAV engine."} fits best.',
    "unknown": '{"labels": ["telecom", "weapons", "Sensors Lasers"], "rationale": "Radio and optics."}',
    "truncated": '{"labels": ["marine"], "rationale": "Deep-sea manip',
    "nolabel": '{"labels": [], "rationale": "Consumer item."}',
    "refusal": "I'm sorry, but I can't help with classifying that item.",
    "malformed": "labels = telecom, probably",
    "wrongtype": '{"labels": 7, "rationale": "?"}',
    "empty": "",
}


class ScriptedHandler(BaseHTTPRequestHandler):
    """Answers POST /v1/chat/completions from ANSWERS; a few product texts trigger protocol failures instead."""

    requests: list[dict] = []

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: str, content_type: str = "application/json") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path != "/v1/chat/completions":
            return self._send(404, '{"error": {"message": "not found"}}')
        product = body["messages"][-1]["content"].removeprefix("Product: ")
        if product == "http500":
            return self._send(500, '{"error": {"message": "model crashed"}}')
        if product == "notjson":
            return self._send(200, "<html>gateway page</html>", "text/html")
        if product == "nochoices":
            return self._send(200, '{"object": "chat.completion", "choices": []}')
        if product == "slow":
            time.sleep(SLOW_REPLY_SECONDS)
        content = ANSWERS["valid"] if product == "slow" else ANSWERS.get(product, ANSWERS["nolabel"])
        self._send(
            200,
            json.dumps(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model"),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                    ],
                }
            ),
        )


@pytest.fixture(scope="module")
def scripted_url():
    """Return the /v1 base URL of a scripted chat-completions server running on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(scripted_url):
    """Return a client of the scripted server with a short timeout and an API key."""
    ScriptedHandler.requests.clear()
    settings = LLMSettings(
        base_url=scripted_url, model="scripted-model", api_key="secret-key", timeout=CLIENT_TIMEOUT_SECONDS
    )
    with LLMClient(settings) as llm_client:
        yield llm_client


def test_valid_answer_and_the_request_sent(client):
    opinion = client.propose_labels("valid")
    assert (opinion.labels, opinion.rationale) == (["navigation_avionics"], "Navigation-grade gyro.")
    assert opinion.error is None
    assert opinion.raw == ANSWERS["valid"]
    [request] = ScriptedHandler.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer secret-key"
    assert request["body"]["model"] == "scripted-model"
    system = request["body"]["messages"][0]
    assert system["role"] == "system"
    assert all(
        label.id in system["content"] and label.scope in system["content"] for label in default_taxonomy().labels
    )


@pytest.mark.parametrize(
    ("product", "labels", "unknown"),
    [
        ("fenced", ["sensors_lasers"], []),
        ("prose", ["aerospace"], []),
        ("unknown", ["telecom", "sensors_lasers"], ["weapons"]),
        ("truncated", ["marine"], []),
        ("nolabel", [], []),
    ],
)
def test_answers_are_parsed_and_unknown_ids_reported(client, product, labels, unknown):
    opinion = client.propose_labels(product)
    assert opinion.error is None
    assert opinion.labels == labels
    assert opinion.unknown_labels == unknown


@pytest.mark.parametrize(
    ("product", "error"),
    [
        ("refusal", "refused: I'm sorry"),
        ("malformed", "no JSON object with 'labels'"),
        ("wrongtype", "'labels' must be a list"),
        ("empty", "empty answer"),
        ("http500", "HTTP 500"),
        ("notjson", "not a chat-completions response"),
        ("nochoices", "not a chat-completions response"),
    ],
)
def test_failures_come_back_as_errors(client, product, error):
    opinion = client.propose_labels(product)
    assert opinion.labels == []
    assert error in opinion.error


def test_a_slow_server_times_out_as_an_error(client):
    started = time.monotonic()
    opinion = client.propose_labels("slow")
    assert time.monotonic() - started < SLOW_REPLY_SECONDS
    assert opinion.labels == []
    assert f"within {CLIENT_TIMEOUT_SECONDS:g} s" in opinion.error


def test_unreachable_server_and_disabled_settings_are_errors():
    with LLMClient(LLMSettings(base_url=f"http://127.0.0.1:{free_port()}/v1", timeout=2)) as unreachable:
        assert "cannot reach" in unreachable.propose_labels("valid").error
    with LLMClient(LLMSettings()) as disabled:
        assert "DUALUSE_LLM_BASE_URL" in disabled.propose_labels("valid").error
        assert "empty description" in disabled.propose_labels("  ").error


def test_second_opinion_raises_a_concern_only_for_a_label_the_model_missed(client):
    assert client.second_opinion("valid", []).concern
    agreeing = client.second_opinion("valid", ["navigation_avionics"])
    assert not agreeing.concern
    fewer = client.second_opinion("nolabel", ["aerospace"])
    assert not fewer.concern and fewer.labels == []
    failed = client.second_opinion("http500", [])
    assert not failed.concern and "HTTP 500" in failed.error
    with pytest.raises(TaxonomyError, match="model_labels"):
        client.second_opinion("valid", ["weapons"])


def test_parse_answer_keeps_taxonomy_order_and_drops_duplicates():
    opinion = parse_answer('{"labels": ["aerospace", "materials", "aerospace"], "rationale": "r"}')
    assert opinion.labels == ["materials", "aerospace"]


def test_llm_label_writes_every_row_with_errors_beside_them(client, tmp_path):
    source = tmp_path / "catalog.csv"
    rows = [("1", "valid", "a"), ("2", "http500", "b"), ("3", "", "c"), ("4", "refusal", "d"), ("5", "unknown", "e")]
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "description", "sku"])
        writer.writerows(rows)
    summary = llm_label(source, tmp_path / "review.csv", client)
    assert (summary.rows, summary.proposed, summary.errors) == (5, 2, 3)
    with (tmp_path / "review.csv").open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [(r["id"], r["description"], r["sku"]) for r in written] == rows
    assert json.loads(written[0]["llm_labels"]) == ["navigation_avionics"]
    assert written[0]["llm_rationale"] == "Navigation-grade gyro." and written[0]["llm_error"] == ""
    assert "HTTP 500" in written[1]["llm_error"]
    assert "empty description" in written[2]["llm_error"]
    assert "refused" in written[3]["llm_error"] and json.loads(written[3]["llm_labels"]) == []
    assert json.loads(written[4]["llm_unknown_labels"]) == ["weapons"]


def test_llm_label_jsonl_and_a_missing_column(client, tmp_path):
    source = tmp_path / "catalog.jsonl"
    source.write_text('{"id": 1, "description": "fenced"}\nnot json\n', encoding="utf-8")
    summary = llm_label(source, tmp_path / "review.jsonl", client)
    written = [json.loads(line) for line in (tmp_path / "review.jsonl").read_text().splitlines()]
    assert summary.rows == 2 and written[0]["llm_labels"] == ["sensors_lasers"]
    assert "malformed JSON" in written[1]["llm_error"]
    with pytest.raises(ValueError, match="no column 'text'"):
        llm_label(source, tmp_path / "out.csv", client, text_column="text")


def test_evaluate_llm_on_a_seeded_sample(client):
    report = evaluate_llm(client, limit=4, seed=1)
    assert report["items"] == 4 and report["errors"] == 0 and report["sample_seed"] == 1
    assert {"micro_f1", "macro_f1", "dual_use", "per_label"} <= report.keys()
    assert report["dual_use"]["recall"] == (0.0 if report["dual_use"]["positives"] else 1.0)


def test_gemma_turn_format_and_json_object_end():
    prompt = gemma_prompt(
        [
            {"role": "system", "content": "Rules."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "{}"},
            {"role": "user", "content": "Next"},
        ]
    )
    assert prompt == (
        "<start_of_turn>user\nRules.\n\nHi<end_of_turn>\n<start_of_turn>model\n{}<end_of_turn>\n"
        "<start_of_turn>user\nNext<end_of_turn>\n<start_of_turn>model\n"
    )
    text = 'ok {"a": "}\\"{", "b": {"c": 1}} trailing {'
    assert text[: first_json_object_end(text)] == 'ok {"a": "}\\"{", "b": {"c": 1}}'
    assert first_json_object_end('{"labels": [') is None


def test_embedded_gemma_server_answers_through_the_client(tmp_path):
    port = free_port()
    log = (tmp_path / "gemma.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "classifier.cli", "llm", "serve", "--port", str(port)],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, (tmp_path / "gemma.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "embedded model not ready in 300 s"
            try:
                models = httpx.get(f"{base_url}/models", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(1)
        assert [model["id"] for model in models["data"]] == [MODEL_ID]
        streamed = httpx.post(
            f"{base_url}/chat/completions",
            timeout=10,
            json={"messages": [{"role": "user", "content": "hi"}], "stream": True},
        )
        assert streamed.status_code == 400 and "streaming" in streamed.text
        with LLMClient(LLMSettings(base_url=base_url, model=MODEL_ID, timeout=180)) as gemma:
            opinion = gemma.second_opinion("Fibre-optic gyroscope, bias stability 0.005 deg/h, navigation grade", [])
        assert opinion.error is None or opinion.error.startswith(("no JSON", "refused", "empty answer")), opinion.error
        assert opinion.raw or opinion.error
        assert set(opinion.labels) <= set(default_taxonomy().ids)
        assert opinion.concern == bool(opinion.labels)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def api_with_llm(scripted_url, quick_model_dir, tmp_path_factory):
    """Yield (server, api key) of a real service whose second opinions come from the scripted LLM server."""
    srv = Server(
        tmp_path_factory.mktemp("state-llm"),
        quick_model_dir,
        DUALUSE_LLM_BASE_URL=scripted_url,
        DUALUSE_LLM_MODEL="scripted-model",
        DUALUSE_LLM_TIMEOUT=str(CLIENT_TIMEOUT_SECONDS),
    )
    key = cli(srv.env, "keys", "create", "tests", "--role", "analyst").stdout.strip().splitlines()[-1]
    yield srv.start(), key
    srv.stop()


def _post(server, path: str, body: dict) -> dict:
    srv, key = server
    response = httpx.post(f"{srv.url}{path}", json=body, headers={"X-API-Key": key}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_api_second_opinion_only_for_uncertain_items_and_labels_unchanged(api_with_llm):
    texts = [
        "valid",
        "Ring laser gyro 0.001 deg/h",
        "Cotton T-shirt",
        "Maraging steel tube 2 GPa",
        "Toy drone",
        "Thermal camera 640x512 uncooled",
        "Centrifuge 10 L",
        "http500",
    ]
    items = [{"id": str(i), "text": text} for i, text in enumerate(texts)] + [{"id": "empty", "text": ""}]
    plain = _post(api_with_llm, "/v1/classify", {"items": items})["results"]
    assisted = _post(api_with_llm, "/v1/classify", {"items": items, "second_opinion": True})["results"]
    assert any(result["uncertain"] for result in plain), "the quick model marks some of these uncertain"
    for before, after in zip(plain, assisted):
        assert (after["labels"], after["dual_use"], after["uncertain"]) == (
            before["labels"],
            before["dual_use"],
            before["uncertain"],
        )
        assert before["second_opinion"] is None
        asked = bool(after["uncertain"]) and after["error"] is None
        assert (after["second_opinion"] is not None) == asked, after
        if asked and after["id"] == "7":
            assert "HTTP 500" in after["second_opinion"]["error"] and not after["second_opinion"]["concern"]


def test_api_second_opinion_on_review_decisions_never_changes_them(api_with_llm):
    orders = [
        {
            "id": "old",
            "description": "valid",
            "destination_country": "JP",
            "end_user": "Aeon Retail",
            "end_user_country": "JP",
            "end_use": "resale",
            "date": "2020-01-01",
        },
        {
            "id": "fail",
            "description": "http500",
            "destination_country": "JP",
            "end_user": "Aeon Retail",
            "end_user_country": "JP",
            "end_use": "resale",
            "date": "2020-01-01",
        },
        {
            "id": "p",
            "labels": ["navigation_avionics"],
            "destination_country": "JP",
            "end_user": "JMSDF Sasebo District",
            "end_user_country": "JP",
            "end_use": "patrol aircraft",
            "date": "2026-03-01",
        },
    ]
    plain = {r["id"]: r for r in _post(api_with_llm, "/v1/screen", {"orders": orders})["results"]}
    assisted = {
        r["id"]: r for r in _post(api_with_llm, "/v1/screen", {"orders": orders, "second_opinion": True})["results"]
    }
    assert plain["old"]["decision"] == assisted["old"]["decision"] == "review"
    opinion = assisted["old"]["second_opinion"]
    assert opinion["labels"] == ["navigation_avionics"] and opinion["model"] == "scripted-model"
    assert opinion["concern"] == ("navigation_avionics" not in assisted["old"]["labels"])
    assert "HTTP 500" in assisted["fail"]["second_opinion"]["error"] and assisted["fail"]["decision"] == "review"
    assert assisted["p"]["decision"] == "prohibited" and assisted["p"]["second_opinion"] is None
    audit = httpx.get(f"{api_with_llm[0].url}/v1/audit", headers={"X-API-Key": api_with_llm[1]}, timeout=30).json()
    assert any(
        (json.loads(record["output"]).get("second_opinion") or {}).get("model") == "scripted-model"
        for record in audit["records"]
    )


def test_api_second_opinion_when_no_llm_is_configured(quick_model_dir, tmp_path):
    srv = Server(tmp_path / "state", quick_model_dir)
    srv.env.pop("DUALUSE_LLM_BASE_URL", None)
    key = cli(srv.env, "keys", "create", "tests", "--role", "analyst").stdout.strip().splitlines()[-1]
    srv.start()
    try:
        order = {
            "id": "old",
            "description": "Ring laser gyro",
            "destination_country": "JP",
            "end_user": "Aeon Retail",
            "end_user_country": "JP",
            "end_use": "resale",
            "date": "2020-01-01",
        }
        [result] = _post((srv, key), "/v1/screen", {"orders": [order], "second_opinion": True})["results"]
        assert result["decision"] == "review" and "DUALUSE_LLM_BASE_URL" in result["second_opinion"]["error"]
        assert httpx.get(f"{srv.url}/readyz").json()["llm"]["enabled"] is False
    finally:
        srv.stop()


def test_llm_label_command_against_a_configured_server(scripted_url, tmp_path):
    source = tmp_path / "catalog.csv"
    source.write_text("id,description\n1,valid\n2,refusal\n", encoding="utf-8")
    env = {**os.environ, "DUALUSE_LLM_BASE_URL": scripted_url, "DUALUSE_LLM_MODEL": "scripted-model"}
    done = cli(env, "llm-label", str(source), "-o", str(tmp_path / "review.jsonl"), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "2 rows written" in done.stdout and "1 with proposed labels, 1 with errors" in done.stdout
    written = [json.loads(line) for line in (tmp_path / "review.jsonl").read_text().splitlines()]
    assert written[0]["llm_labels"] == ["navigation_avionics"] and "refused" in written[1]["llm_error"]
    missing = cli(env, "llm-label", str(source), "-o", str(tmp_path / "x.csv"), "--text-column", "title")
    assert missing.returncode == 2 and "no column 'title'" in missing.stderr and "id, description" in missing.stderr


def test_llm_label_falls_back_to_the_embedded_model(tmp_path):
    source = tmp_path / "catalog.jsonl"
    source.write_text(
        '{"id": "a", "description": "Maraging steel rotor tube for gas centrifuges"}\n{"id": "b", "description": ""}\n',
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUALUSE_LLM_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "classifier.cli",
            "llm-label",
            str(source),
            "-o",
            str(tmp_path / "review.csv"),
            "--quiet",
        ],
        env={**env, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 rows written" in done.stdout and MODEL_ID in done.stdout
    with (tmp_path / "review.csv").open(encoding="utf-8") as handle:
        first, second = csv.DictReader(handle)
    assert set(json.loads(first["llm_labels"])) <= set(default_taxonomy().ids)
    assert first["llm_error"] == "" or first["llm_error"].startswith("column 'description': ")
    assert "empty description" in second["llm_error"]

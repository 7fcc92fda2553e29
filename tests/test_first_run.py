"""First run in minutes: the n-gram model serves while the full model trains in the background, the service switches
to the full model once it is promoted, and a training stopped part-way leaves nothing that is listed or loaded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

from classifier.background import (
    OWNER_SUFFIX,
    PARTIAL_PREFIX,
    STATUS_FILE,
    BackgroundTraining,
    clean_partials,
    full_model_exists,
    pid_alive,
    training_status,
)
from classifier.registry import current_version, list_versions
from tests.server import Server, cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
GYRO = {"items": [{"id": "1", "text": "Ring laser gyro, bias stability 0.001 deg/h"}]}


@pytest.fixture(scope="module")
def ngram_models(tmp_path_factory) -> Path:
    """A models directory holding one promoted n-gram-only model, trained by `dualuse train --members ngram`."""
    root = tmp_path_factory.mktemp("ngram-models")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "DUALUSE_MODELS_DIR": str(root)}
    env.pop("DUALUSE_MODEL_PATH", None)
    trained = cli(env, "train", "--members", "ngram", "--quick", "--quiet")
    assert trained.returncode == 0, trained.stdout + trained.stderr
    version = current_version(root)
    assert version and version.endswith("-ngram") and f"promoted {version}" in trained.stdout
    config = json.loads((root / version / "dualuse.json").read_text())
    assert list(config["members"]) == ["ngram"]
    return root


def _server(tmp_path: Path, ngram_models: Path) -> Server:
    models = tmp_path / "models"
    shutil.copytree(ngram_models, models)
    server = Server(
        tmp_path / "state",
        models,
        serve_args=("--train-in-background", "--quick-training"),
        DUALUSE_RELOAD_INTERVAL="1",
        DUALUSE_MODELS_DIR=str(models),
    )
    server.env.pop("DUALUSE_MODEL_PATH")
    return server


def _wait(condition, timeout: float, message: str, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, message
        time.sleep(every)


def _page_text(url: str) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(url + "/")
        page.wait_for_selector("#model-version:has-text('model')")
        text = page.inner_text("#model-status")
        browser.close()
    return text


def test_the_ngram_model_serves_while_the_full_model_trains_then_the_service_switches(tmp_path, ngram_models):
    server = _server(tmp_path, ngram_models)
    models = Path(server.env["DUALUSE_MODELS_DIR"])
    first = current_version(models)
    key = cli(server.env, "keys", "create", "tester").stdout.strip().splitlines()[-1]
    server.start()
    try:
        ready = httpx.get(f"{server.url}/readyz").json()
        assert ready["model"]["version"] == first and ready["model"]["members"] == ["ngram"]
        answer = httpx.post(f"{server.url}/v1/classify", headers={"X-API-Key": key}, json=GYRO).json()
        assert answer["model_version"] == first and answer["results"][0]["members"] == ["ngram"]

        def training():
            return httpx.get(f"{server.url}/readyz").json()["training"]

        running = _wait(lambda: (t := training()) and t["running"] and t["fraction"] > 0 and t, 300, "no progress")
        assert running["state"] == "running" and running["members"] == ["transformer", "ngram"]
        assert "pid" not in running
        if Path(CHROMIUM).exists():
            page = _page_text(server.url)
            if training()["running"]:  # still training after the page was read: the page showed it
                assert first in page and "n-gram model only" in page and "a better model is training" in page
        done = _wait(lambda: (t := training()) and not t["running"] and t, 900, "the training did not end", every=2)
        second = done["version"]
        assert done["state"] in ("promoted", "not promoted"), done
        if done["state"] == "not promoted":  # the usual comparison kept the n-gram model; promote it by hand
            assert done["regressions"] and current_version(models) == first
            assert cli(server.env, "models", "promote", second).returncode == 0
        assert current_version(models) == second
        _wait(lambda: httpx.get(f"{server.url}/readyz").json()["model"]["version"] == second, 60, "no switch")
        ready = httpx.get(f"{server.url}/readyz").json()
        assert ready["model"]["members"] == ["transformer", "ngram"] and ready["training"]["version"] == second
        answer = httpx.post(f"{server.url}/v1/classify", headers={"X-API-Key": key}, json=GYRO).json()
        assert answer["model_version"] == second and "ngram" in answer["results"][0]["members"]
        if Path(CHROMIUM).exists():
            page = _page_text(server.url)
            assert second in page and "n-gram model only" not in page and "training" not in page
    finally:
        server.stop()
    # a second start finds the full model and trains nothing
    assert full_model_exists(models)
    assert BackgroundTraining.start_if_needed(models, tmp_path / "state", quick=True) is None


def test_a_training_stopped_part_way_leaves_no_model_and_the_next_start_trains_again(tmp_path, ngram_models):
    server = _server(tmp_path, ngram_models)
    models, state = Path(server.env["DUALUSE_MODELS_DIR"]), tmp_path / "state"
    first = current_version(models)

    def partials() -> list[Path]:
        return [p for p in models.iterdir() if p.name.startswith(PARTIAL_PREFIX) and p.is_dir()]

    server.start()
    status = _wait(lambda: partials() and training_status(state), 120, "no partial model appeared")
    child = status["pid"]
    # the training process and then the service die without a chance to clean up (power loss)
    os.kill(child, signal.SIGKILL)
    server.kill()
    _wait(lambda: not pid_alive(child), 30, "the training process is still running")
    left = partials()
    assert left and [v.name for v in list_versions(models)] == [first] and current_version(models) == first
    assert training_status(state)["state"] == "interrupted" and not training_status(state)["running"]

    server.start()  # the next start removes the stale partial and trains again
    restarted = _wait(lambda: (s := training_status(state)) and s["running"] and s["pid"] != child and s, 60, "idle")
    assert not any(p.exists() for p in left)
    assert httpx.get(f"{server.url}/readyz").json()["training"]["state"] == "running"
    # the service alone is killed: its training stops with it and removes its partial model
    _wait(lambda: partials(), 120, "no partial model appeared")
    server.kill()
    _wait(lambda: not pid_alive(restarted["pid"]), 60, "the training outlived the service")
    assert partials() == [] and not list(models.glob(f"{PARTIAL_PREFIX}*{OWNER_SUFFIX}"))
    assert [v.name for v in list_versions(models)] == [first]
    assert training_status(state)["state"] == "interrupted"


def test_clean_partials_keeps_the_one_being_written(tmp_path):
    stale, live = tmp_path / f"{PARTIAL_PREFIX}old", tmp_path / f"{PARTIAL_PREFIX}new"
    for directory, pid in ((stale, 2**22 + 1), (live, os.getpid())):
        directory.mkdir()
        (directory / "dualuse.json").write_text("{}")
        directory.with_name(directory.name + OWNER_SUFFIX).write_text(f"{pid}\n")
    (tmp_path / f"{PARTIAL_PREFIX}orphan").mkdir()  # no pid file: its writer is unknown, so gone
    assert clean_partials(tmp_path) == [f"{PARTIAL_PREFIX}old", f"{PARTIAL_PREFIX}orphan"]
    assert live.exists() and not stale.exists() and list_versions(tmp_path) == []
    assert (tmp_path / f"{PARTIAL_PREFIX}new{OWNER_SUFFIX}").exists()
    assert not (tmp_path / f"{PARTIAL_PREFIX}old{OWNER_SUFFIX}").exists()


def test_training_status_without_a_live_process_reads_as_interrupted(tmp_path):
    assert training_status(tmp_path) is None
    (tmp_path / STATUS_FILE).write_text(json.dumps({"state": "running", "pid": 2**22 + 1, "fraction": 0.4}))
    assert training_status(tmp_path)["state"] == "interrupted"
    (tmp_path / STATUS_FILE).write_text(json.dumps({"state": "running", "pid": os.getpid(), "fraction": 0.4}))
    assert training_status(tmp_path)["running"] is True

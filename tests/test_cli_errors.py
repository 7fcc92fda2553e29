"""The command line's one error boundary: a user's mistake is a message and exit status 2, never a traceback; inputs
are checked before a model is loaded; --debug shows the traceback."""

from __future__ import annotations

import os

import pytest

from tests.server import cli


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "DUALUSE_MODELS_DIR": str(tmp_path / "no-models"), "DUALUSE_STATE_DIR": str(tmp_path)}


def _catalogs(tmp_path):
    (tmp_path / "cols.csv").write_text("sku,desc\n1,gyro\n", encoding="utf-8")
    (tmp_path / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    return tmp_path


CASES = [
    pytest.param(
        ["classify", "--model", "{tmp}/nowhere", "gyro"], "is not a dualuse model directory", id="missing-model"
    ),
    pytest.param(["classify", "gyro"], "no trained model under", id="nothing-promoted"),
    pytest.param(["label", "{tmp}/absent.csv", "-o", "{tmp}/out.csv"], "absent.csv: file not found", id="missing-file"),
    pytest.param(
        ["label", "{tmp}/cols.csv", "-o", "{tmp}/out.csv"],
        "no column 'description'; columns found: sku, desc",
        id="bad-column",
    ),
    pytest.param(["label", "{tmp}/binary.csv", "-o", "{tmp}/out.csv"], "binary.csv", id="malformed-catalog"),
    pytest.param(["label", "{tmp}/cols.csv", "-o", "{tmp}/out.txt"], "unsupported file type '.txt'", id="bad-output"),
    pytest.param(
        ["screen", "{tmp}/absent.csv", "-o", "{tmp}/out.csv"], "absent.csv: file not found", id="screen-missing-file"
    ),
    pytest.param(["suggest-review", "{tmp}/cols.csv", "-n", "3"], "no column 'description'", id="review-bad-column"),
    pytest.param(["models", "promote", "v9"], "no model version 'v9'", id="unknown-version"),
]


@pytest.mark.parametrize(("args", "message"), CASES)
def test_a_users_mistake_is_a_message_and_exit_status_2(env, tmp_path, args, message):
    _catalogs(tmp_path)
    result = cli(env, *[arg.format(tmp=tmp_path) for arg in args])
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_inputs_are_checked_before_a_model_is_loaded(env, tmp_path):
    result = cli(env, "label", str(tmp_path / "absent.csv"), "-o", str(tmp_path / "out.csv"))
    assert "file not found" in result.stderr and "no trained model" not in result.stderr


def test_debug_shows_the_traceback(env, tmp_path):
    result = cli(env, "--debug", "classify", "--model", str(tmp_path / "nowhere"), "gyro")
    assert result.returncode == 1 and "Traceback" in result.stderr and "ModelNotFoundError" in result.stderr

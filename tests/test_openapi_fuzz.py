"""Schemathesis fuzzes every endpoint from /openapi.json against a real server: no input may produce a 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.server import Server, cli


def test_schemathesis_finds_no_server_error(quick_model_dir, tmp_path):
    srv = Server(tmp_path / "state", quick_model_dir, DUALUSE_MAX_ITEMS="16")
    key = cli(srv.env, "keys", "create", "fuzz").stdout.strip().splitlines()[-1]
    srv.start()
    try:
        executable = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
        result = subprocess.run(
            [
                executable,
                "run",
                f"{srv.url}/openapi.json",
                "--checks",
                "not_a_server_error",
                "-H",
                f"X-API-Key: {key}",
                "--max-examples",
                "25",
                "--seed",
                "7",
                "--request-timeout",
                "60",
                "--phases",
                "examples,fuzzing",
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        srv.stop()
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]

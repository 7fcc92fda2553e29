"""A real `dualuse serve` process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    """Run `dualuse ARGS` with env and return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "classifier.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


class Server:
    """Starts, stops and restarts one service process with a fixed state directory and database."""

    def __init__(
        self,
        state_dir: Path,
        model_dir: Path,
        database_url: str = "",
        host: str = "127.0.0.1",
        serve_args: tuple[str, ...] = (),
        **extra_env: str,
    ):
        self.host = host  # the address it listens on; tests connect through loopback either way
        self.serve_args = serve_args  # more `dualuse serve` options
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DUALUSE_STATE_DIR": str(state_dir),
            "DUALUSE_MODEL_PATH": str(model_dir),
            "HF_HUB_OFFLINE": "1",
            **extra_env,
        }
        if database_url:
            self.env["DUALUSE_DATABASE_URL"] = database_url
        self.process: subprocess.Popen | None = None
        self.log = state_dir / "server.log"

    def start(self, timeout: float = 90.0) -> Server:
        """Start the process and wait until /readyz answers 200."""
        state_dir = Path(self.env["DUALUSE_STATE_DIR"])
        state_dir.mkdir(parents=True, exist_ok=True)
        log = self.log.open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "classifier.cli", "serve", "--host", self.host, "--port", str(self.port)),
                *self.serve_args,
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server not ready: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """Kill the process abruptly (like a crash or power loss)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        """Stop the process gracefully."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

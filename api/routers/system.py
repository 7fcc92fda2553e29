"""Health, readiness and metrics: health and readiness need no key and answer on the event loop, outside the
worker threads that classification requests may fill; metrics need a key unless the service listens on loopback."""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.auth import api_key_header, bearer, require_caller
from classifier.background import training_status

router = APIRouter(tags=["system"])


@router.get("/healthz")
async def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request):
    """The model and the screening policy are loaded (503 with the reason otherwise; no file-system paths); the
    model's members, and the full model's training when one runs or ran in the background (`dualuse serve
    --train-in-background`)."""
    engine = request.app.state.engine
    model = engine.model
    body = {
        "model": {
            "loaded": model is not None,
            "version": engine.model_version,
            "members": list(model.members) if model is not None else [],
            "error": engine.model_error,
        },
        "policy": {
            "loaded": engine.policy is not None,
            "error": engine.policy_error,
            "version": getattr(engine.policy, "version", None),
        },
        "llm": {"enabled": request.app.state.settings.llm.enabled, "model": request.app.state.settings.llm.model},
        "training": _training(request.app.state.settings.state_dir),
    }
    ready = engine.model is not None and engine.policy is not None
    return JSONResponse({"status": "ready" if ready else "not ready", **body}, status_code=200 if ready else 503)


def _training(state_dir) -> dict | None:
    """Return the background training's state, stage, progress and estimate (no pid, no file-system paths)."""
    status = training_status(state_dir)
    if status is None:
        return None
    keys = ("state", "running", "members", "stage", "fraction", "eta_seconds", "started", "finished", "version")
    out = {key: status.get(key) for key in keys}
    if status.get("regressions"):
        out["regressions"] = status["regressions"]
    if status.get("state") == "failed":
        out["error"] = "the training failed; its log is training.log in the state directory"
    return out


def is_loopback(host: str) -> bool:
    """Return True when host is a loopback address or `localhost` (only local processes can connect)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics_access(
    request: Request,
    header_key: str | None = Depends(api_key_header),
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> None:
    """Raise 401 for a request without a valid key when the service listens beyond loopback."""
    if not is_loopback(request.app.state.settings.bind_host):
        await require_caller(request, header_key, credentials)


@router.get("/metrics", dependencies=[Depends(metrics_access)])
def metrics(request: Request) -> Response:
    """Prometheus metrics in the text exposition format (a key is needed unless the service listens on loopback)."""
    state = request.app.state
    state.metrics.model_loaded.set(1 if state.engine.model is not None else 0)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

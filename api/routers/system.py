"""Health, readiness and metrics (no API key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["system"])


@router.get("/healthz")
def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request):
    """The model and the screening policy are loaded (503 with the reason otherwise)."""
    engine = request.app.state.engine
    body = {
        "model": {"loaded": engine.model is not None, "version": engine.model_version, "error": engine.model_error},
        "policy": {"loaded": engine.policy is not None, "error": engine.policy_error,
                   "version": getattr(engine.policy, "version", None)},
        "llm": {"enabled": request.app.state.settings.llm.enabled, "model": request.app.state.settings.llm.model},
    }
    ready = engine.model is not None and engine.policy is not None
    return JSONResponse({"status": "ready" if ready else "not ready", **body}, status_code=200 if ready else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus metrics in the text exposition format."""
    state = request.app.state
    state.metrics.model_loaded.set(1 if state.engine.model is not None else 0)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

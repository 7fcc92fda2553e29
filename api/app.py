"""The FastAPI application: routers, limits, metrics, storage, the job worker and the web page."""

from __future__ import annotations

import logging
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.engine import Engine
from api.headers import SecurityHeaders, page_policy
from api.jobs import JobRunner
from api.limits import BodySizeLimit, QueueDepthLimit
from api.logs import configure_logging
from api.metrics import Metrics, RequestMetrics
from api.responses import SafeJSONResponse, validation_error
from api.routers import audit, classify, jobs, reviews, screen, system
from api.settings import Settings
from api.storage import Store
from classifier.llm import LLMClient
from classifier.settings import load_settings, use_settings

STATIC_DIR = Path(__file__).parent / "static"
QUEUED_PATHS = ("/v1/classify", "/v1/screen")
GIL_SWITCH_SECONDS = 0.001
DESCRIPTION = """
Flags product descriptions that are **likely dual-use export-control items** (categories 0-9 of the
dual-use lists: nuclear, materials, biotech, materials processing, electronics, computers, telecom and
information security, sensors and lasers, navigation and avionics, marine, aerospace), and screens order lines
against China's prohibition of dual-use exports to Japanese military end-users (MOFCOM Announcement No. 1 of
2026 and the entity lists No. 11, No. 12 and No. 27 of 2026).

**What it is not for.** It does not make legal determinations, classify items under a control list, grant or
refuse licences, or replace an export-compliance officer: every label and decision is a flag for human review,
with the scores, evidence, rules and entity matches behind it so the reviewer can check it. It does not screen
against sanctions lists other than the ones loaded in its policy files.

Authenticate with an API key (`dualuse keys create NAME`) sent as `X-API-Key` or `Authorization: Bearer`.
`/healthz`, `/readyz` and these docs need no key; `/metrics` needs one unless the service listens on loopback only.
"""


log = logging.getLogger("dualuse.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the application for settings (default: read from DUALUSE_* environment variables), which become
    this process's settings."""
    settings = use_settings(settings or load_settings(Settings))
    configure_logging(settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # the event loop gets the GIL back within 1 ms (not 5) of the scoring thread taking it, so health checks and
        # 429s stay fast while the model runs
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        app.state.store = Store(settings.database)
        app.state.engine.load()
        app.state.jobs = JobRunner(
            app.state.store, app.state.engine, settings.job_chunk_size, settings.job_retention_seconds
        )
        app.state.jobs.start()
        app.state.llm = LLMClient(settings.llm) if settings.llm.enabled else None
        stop_watching = app.state.engine.watch_promotions(settings.reload_interval)
        yield
        stop_watching.set()
        app.state.jobs.stop()
        app.state.store.engine.dispose()
        if app.state.llm is not None:
            app.state.llm.close()

    app = FastAPI(
        title="dualuse",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        default_response_class=SafeJSONResponse,
    )
    app.add_exception_handler(RequestValidationError, validation_error)
    app.state.settings = settings
    app.state.engine = Engine(settings)
    app.state.metrics = Metrics()
    for module in (classify, screen, jobs, reviews, audit, system):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    _add_docs(app)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        upload_paths=("/v1/jobs",),
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(
        QueueDepthLimit,
        paths=QUEUED_PATHS,
        max_queued=settings.max_queued_requests,
        on_reject=lambda path: app.state.metrics.rejected.labels(route=path).inc(),
    )
    app.add_middleware(
        SecurityHeaders,
        page_policies={
            "/": page_policy((STATIC_DIR / "index.html").read_text(encoding="utf-8")),
            "/docs": page_policy((STATIC_DIR / "docs.html").read_text(encoding="utf-8")),
        },
    )
    return app


def _add_docs(app: FastAPI) -> None:
    """Serve /docs (Swagger UI) from the assets bundled with the installed `fastapi-offline` package, so the page
    works offline and loads no third-party script on the origin that holds the API key."""
    import fastapi_offline

    app.mount(
        "/docs/assets", StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static"), name="docs-assets"
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse((STATIC_DIR / "docs.html").read_text(encoding="utf-8"))

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_init() -> FileResponse:
        return FileResponse(STATIC_DIR / "docs.js", media_type="text/javascript")

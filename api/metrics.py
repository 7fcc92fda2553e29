"""Prometheus metrics of one service instance (own registry, so several apps can live in one process)."""

from __future__ import annotations

import logging
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from api.logs import REQUEST_ID_HEADER, new_request_id, request_id

log = logging.getLogger("dualuse.api")
_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode()


class Metrics:
    """The service's counters, histograms and gauges."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dualuse_http_requests_total", "HTTP requests", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "dualuse_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
        )
        self.items = Counter(
            "dualuse_classified_items_total", "Descriptions classified", ["dual_use"], registry=self.registry
        )
        self.rejected = Counter(
            "dualuse_overload_rejections_total",
            "Requests answered 429 at the queue-depth limit",
            ["route"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "dualuse_screening_decisions_total", "Screening decisions", ["decision"], registry=self.registry
        )
        self.jobs = Gauge("dualuse_jobs", "Catalog jobs by status", ["status"], registry=self.registry)
        self.model_loaded = Gauge("dualuse_model_loaded", "1 when a model is loaded", registry=self.registry)


class RequestMetrics:
    """ASGI middleware: gives each HTTP request its id (the client's X-Request-ID when it is a short token, else a
    fresh one) for the log and the response header, then counts the request by route and status, observes its
    latency and logs one line. A plain ASGI wrapper: no task or stream per request."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent_id = dict(scope.get("headers") or []).get(_REQUEST_ID_KEY)
        token = request_id.set(new_request_id(sent_id.decode("latin-1") if sent_id else None))
        status = 500  # what the client gets when the app fails before answering

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (_REQUEST_ID_KEY, request_id.get().encode())],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(route=path, status=str(status)).inc()
            self.metrics.latency.labels(route=path).observe(elapsed)
            log.info("%s %s %d %.1f ms", scope["method"], scope["path"], status, elapsed * 1000)
            request_id.reset(token)

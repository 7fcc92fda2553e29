"""Prometheus metrics of one service instance (own registry, so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


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

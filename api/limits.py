"""Request limits: body size counted on the bytes received, queue depth counted on the event loop."""

from __future__ import annotations

import json


class BodySizeLimit:
    """ASGI middleware: 413 when a request body exceeds its limit (larger limit for upload paths).

    Past the limit the middleware answers 413 itself and tells the app the client went away, so the app stops
    reading; whatever the app then tries to send is dropped.
    """

    def __init__(self, app, max_bytes: int, upload_paths: tuple[str, ...] = (), max_upload_bytes: int = 0):
        self.app = app
        self.max_bytes = max_bytes
        self.upload_paths = upload_paths
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"] in self.upload_paths
        limit = self.max_upload_bytes if upload else self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        received = 0
        started = rejected = False

        async def counting_receive():
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    rejected = True
                    if not started:
                        await self._reject(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)

    @staticmethod
    async def _reject(send, limit: int) -> None:
        body = json.dumps({"detail": f"request body larger than the limit of {limit} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class QueueDepthLimit:
    """ASGI middleware: 429 with Retry-After for a limited path once `max_queued` requests on those paths are in
    progress, so that a client is told to come back instead of waiting seconds behind the queue.

    It counts on the event loop, before a request takes a worker thread; health checks and other paths pass.
    """

    def __init__(
        self, app, paths: tuple[str, ...], max_queued: int, on_reject=lambda path: None, retry_after_seconds: int = 1
    ):
        self.app = app
        self.paths = paths
        self.max_queued = max_queued
        self.on_reject = on_reject
        self.retry_after = retry_after_seconds
        self.in_progress = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.max_queued:
            self.on_reject(scope["path"])
            body = json.dumps(
                {
                    "detail": f"{self.in_progress} requests are queued, the limit is {self.max_queued} "
                    f"(MAX_QUEUED_REQUESTS); retry after {self.retry_after} s"
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", str(self.retry_after).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        self.in_progress += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_progress -= 1

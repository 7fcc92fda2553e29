"""Security headers on every response; each page gets a content security policy that runs its own scripts only."""

from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
API_POLICY = "default-src 'none'; frame-ancestors 'none'"  # JSON, CSV and files: nothing to run or embed


def page_policy(html: str) -> str:
    """Return the CSP for an HTML page: scripts from this origin and the page's own inline scripts (by hash), styles
    from the page, requests to this origin only, and no framing."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {hashes}".rstrip(),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware: nosniff, referrer policy and no framing on every response; the CSP for the response's path
    (`page_policies`, path -> policy), else one that allows nothing to run."""

    def __init__(self, app, page_policies: dict[str, str]):
        self.app = app
        self.page_policies = page_policies

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.page_policies.get(scope["path"], API_POLICY)
        extra = [
            (name.encode(), value.encode())
            for name, value in {**COMMON_HEADERS, "content-security-policy": policy}.items()
        ]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

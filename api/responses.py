"""JSON responses that can always be sent, and the 422 answer built on them."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class SafeJSONResponse(JSONResponse):
    """JSON whose strings may hold lone surrogates (valid in JSON text, not in UTF-8): they go out as \\uXXXX escapes
    instead of failing the response with a 500."""

    def render(self, content) -> bytes:
        """Return content as UTF-8 JSON, escaping what UTF-8 cannot encode."""
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


async def validation_error(request: Request, exc: RequestValidationError) -> SafeJSONResponse:
    """Return the 422 for a request that does not fit its schema, with the offending input echoed safely."""
    return SafeJSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)

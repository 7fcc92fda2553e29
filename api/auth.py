"""API-key authentication: `X-API-Key: KEY` or `Authorization: Bearer KEY`."""

from __future__ import annotations

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key from `dualuse keys create`")
bearer = HTTPBearer(auto_error=False, description="the same API key as a bearer token")


def require_key(request: Request, header_key: str | None = Security(api_key_header),
                credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> str:
    """Return the id of the caller's valid API key, or raise 401."""
    secret = header_key or (credentials.credentials if credentials else None)
    if not secret:
        raise HTTPException(401, "missing API key: send it as X-API-Key or Authorization: Bearer",
                            headers={"WWW-Authenticate": "Bearer"})
    record = request.app.state.store.verify_key(secret)
    if record is None:
        raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return record.id

"""API-key authentication (`X-API-Key: KEY` or `Authorization: Bearer KEY`) and role checks.

Roles are ordered: a `client` submits work and sees its own jobs; an `analyst` also reads the audit trail, every
job and the reviews; an `admin` also cancels other keys' jobs.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.storage import ROLES

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key from `dualuse keys create`")
bearer = HTTPBearer(auto_error=False, description="the same API key as a bearer token")


@dataclass(frozen=True)
class Caller:
    """The key a request was made with."""

    key_id: str
    name: str
    role: str

    def has_role(self, role: str) -> bool:
        """Return whether this key's role is role or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


async def require_caller(
    request: Request,
    header_key: str | None = Security(api_key_header),
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),
) -> Caller:
    """Return the caller's valid API key, or raise 401.

    A key verified within the cache's lifetime is answered on the event loop; only a lookup in the database goes to
    a worker thread.
    """
    secret = header_key or (credentials.credentials if credentials else None)
    if not secret:
        raise HTTPException(
            401,
            "missing API key: send it as X-API-Key or Authorization: Bearer",
            headers={"WWW-Authenticate": "Bearer"},
        )
    store = request.app.state.store
    record = store.cached_key(secret) or await run_in_threadpool(store.verify_key, secret)
    if record is None:
        raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return Caller(key_id=record.id, name=record.name, role=record.role)


async def require_key(caller: Caller = Depends(require_caller)) -> str:
    """Return the id of the caller's valid API key, or raise 401 (for routes open to every role)."""
    return caller.key_id


def require_role(role: str):
    """Return a dependency that admits keys with role or above it and answers 403 to the others."""

    async def check(caller: Caller = Depends(require_caller)) -> Caller:
        if not caller.has_role(role):
            raise HTTPException(403, f"this needs an {role} key; key {caller.name!r} is a {caller.role} key")
        return caller

    return check

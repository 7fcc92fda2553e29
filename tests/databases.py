"""Database backends for end-to-end tests: a fresh SQLite file, or an emptied PostgreSQL test database."""

from __future__ import annotations

import os

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("DUALUSE_TEST_POSTGRES_URL") else [])


def empty_postgres() -> str:
    """Drop everything in the PostgreSQL test database (tables and the schema version) and return its URL."""
    from sqlalchemy import create_engine, text

    url = os.environ["DUALUSE_TEST_POSTGRES_URL"]
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def keyed_server(state, model_dir, backend: str, roles: dict[str, str], **env: str):
    """Return (a started Server on a fresh database of backend, {key name: secret}) with one key per name/role."""
    from tests.server import Server, cli

    url = empty_postgres() if backend == "postgresql" else ""
    srv = Server(state, model_dir, url, **env)
    if url:
        assert cli(srv.env, "db", "upgrade").returncode == 0
    keys = {}
    for name, role in roles.items():
        created = cli(srv.env, "keys", "create", name, "--role", role)
        assert created.returncode == 0, created.stderr
        keys[name] = created.stdout.strip().splitlines()[-1]
    return srv.start(), keys

"""Schema migrations: a database made by the previous release (tables from create_all, no schema version) is
upgraded by `dualuse db upgrade` or, for SQLite, by the service on start; rows survive and the new columns work.
On SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, text

from tests.databases import BACKENDS, empty_postgres
from tests.server import Server, cli


def _previous_release_tables() -> MetaData:
    """The tables exactly as the release before migrations created them."""
    meta = MetaData()
    time = DateTime(timezone=True)
    Table(
        "api_keys",
        meta,
        Column("id", String(32), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("key_hash", String(64), nullable=False, unique=True, index=True),
        Column("created_at", time, nullable=False),
        Column("revoked_at", time),
    )
    Table(
        "audit_records",
        meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("created_at", time, nullable=False, index=True),
        Column("kind", String(20), nullable=False),
        Column("api_key_id", String(32)),
        Column("item_id", String(200)),
        Column("input_hash", String(64), nullable=False),
        Column("input_text", Text, nullable=False),
        Column("output", JSON, nullable=False),
        Column("model_version", String(100)),
        Column("policy_version", String(100)),
    )
    Table(
        "jobs",
        meta,
        Column("id", String(32), primary_key=True),
        Column("status", String(20), nullable=False, index=True),
        Column("filename", String(300), nullable=False),
        Column("input_path", Text, nullable=False),
        Column("output_path", Text, nullable=False),
        Column("id_column", String(200), nullable=False),
        Column("text_column", String(200), nullable=False),
        Column("rows_done", Integer, nullable=False),
        Column("rows_total", Integer),
        Column("error", Text),
        Column("api_key_id", String(32)),
        Column("model_version", String(100)),
        Column("created_at", time, nullable=False),
        Column("updated_at", time, nullable=False),
    )
    Table(
        "reviews",
        meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("created_at", time, nullable=False, index=True),
        Column("item_id", String(200)),
        Column("text", Text, nullable=False),
        Column("labels", JSON),
        Column("decision", String(30)),
        Column("confirmed", Boolean, nullable=False),
        Column("reviewer", String(200), nullable=False),
        Column("reason", Text, nullable=False),
        Column("model_version", String(100)),
        Column("predicted_labels", JSON),
        Column("api_key_id", String(32)),
    )
    return meta


def _previous_release_database(url: str) -> str:
    """Create the old tables at url with a key pair, a finished job, an audit record and a review; return the
    first key's secret."""
    from api.storage import hash_text

    secret = "du_previous-release-key"
    engine = create_engine(url)
    _previous_release_tables().create_all(engine)
    stamp = "2026-01-05 10:00:00+00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_keys VALUES ('k1', 'local', :h, :t, NULL), "
                "('k2', 'shop', :h2, '2026-01-06 10:00:00+00:00', NULL)"
            ),
            {"h": hash_text(secret), "h2": hash_text("du_other"), "t": stamp},
        )
        connection.execute(
            text(
                "INSERT INTO jobs VALUES ('j1', 'succeeded', 'c.csv', '/x/input.csv', "
                "'/x/result.csv', 'id', 'description', 3, 3, NULL, 'k2', 'v1', :t, :t)"
            ),
            {"t": stamp},
        )
        connection.execute(
            text(
                "INSERT INTO audit_records (created_at, kind, api_key_id, item_id, input_hash, "
                "input_text, output, model_version, policy_version) VALUES (:t, 'classify', 'k2', "
                "'a1', 'h', 'gyro', '{\"labels\": []}', 'v1', 'p1')"
            ),
            {"t": stamp},
        )
        connection.execute(
            text(
                "INSERT INTO reviews (created_at, text, confirmed, reviewer, reason, api_key_id) "
                "VALUES (:t, 'gyro', true, 'someone', '', 'k1')"
            ),
            {"t": stamp},
        )
    engine.dispose()
    return secret


@pytest.fixture(params=BACKENDS)
def old_database(request, tmp_path):
    url = empty_postgres() if request.param == "postgresql" else f"sqlite:///{tmp_path / 'state' / 'dualuse.db'}"
    (tmp_path / "state").mkdir()
    return url, _previous_release_database(url), tmp_path


def test_db_upgrade_keeps_the_rows_and_adds_roles_and_job_audit_fields(old_database):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from api.storage import Base, Store

    url, _, tmp_path = old_database
    env_server = Server(tmp_path / "state", tmp_path / "no-model", url)
    upgraded = cli(env_server.env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "upgraded from 0001" in upgraded.stdout
    assert "already up to date" in cli(env_server.env, "db", "upgrade").stdout
    store = Store(url)
    keys = {key.name: key.role for key in store.list_keys()}
    assert keys == {"local": "admin", "shop": "client"}
    job = store.get_job("j1")
    assert job.rows_done == 3 and job.finished_at is not None and job.purged_at is None
    assert store.list_audit(None, None, None, 10)[0].output == {"labels": []}
    assert store.list_reviews()[0].reviewer == "someone"
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    store.engine.dispose()


def test_postgresql_at_an_old_schema_is_refused_until_upgraded(old_database):
    url, _, tmp_path = old_database
    if not url.startswith("postgresql"):
        pytest.skip("SQLite is upgraded on open")
    env = Server(tmp_path / "state", tmp_path / "no-model", url).env
    refused = cli(env, "keys", "list")
    assert refused.returncode != 0 and "run `dualuse db upgrade`" in refused.stderr


def test_the_service_upgrades_an_embedded_sqlite_database_on_start(old_database, quick_model_dir):
    url, secret, tmp_path = old_database
    if not url.startswith("sqlite"):
        pytest.skip("only an embedded SQLite database is upgraded on start")
    srv = Server(tmp_path / "state", quick_model_dir).start()
    try:
        audit = httpx.get(f"{srv.url}/v1/audit", headers={"X-API-Key": secret})
        assert audit.status_code == 200 and audit.json()["records"][0]["item_id"] == "a1"
        job = httpx.get(f"{srv.url}/v1/jobs/j1", headers={"X-API-Key": secret}).json()
        assert job["status"] == "succeeded" and job["finished_at"]
    finally:
        srv.stop()

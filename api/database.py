"""Schema versions of the service's database: Alembic migrations shipped in api/migrations.

An embedded SQLite database is upgraded whenever it is opened; any other database (PostgreSQL) is upgraded only by
`dualuse db upgrade`, and opening one at an older version is refused, so a shared database never changes under its
other users without its operator asking.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect

from classifier.errors import DualUseError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BASELINE_REVISION = "0001"
BASELINE_TABLES = ("api_keys", "audit_records", "jobs", "reviews")


class SchemaError(DualUseError, RuntimeError):
    """A database whose schema this release cannot use as it is."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """Return the newest migration's revision id."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """Return the database's revision; BASELINE_REVISION for tables made before migrations existed; None if empty."""
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision is None and set(BASELINE_TABLES) <= set(inspect(connection).get_table_names()):
            return BASELINE_REVISION
    return revision


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest schema and return (revision before, revision after)."""
    before = current_revision(engine)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if before == BASELINE_REVISION and MigrationContext.configure(connection).get_current_revision() is None:
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, "head")
    return before, head_revision()


def prepare_schema(engine: Engine) -> None:
    """Upgrade an embedded SQLite database; raise SchemaError if another database is not at the newest schema."""
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    revision, head = current_revision(engine), head_revision()
    if revision != head:
        found = "no tables" if revision is None else f"schema version {revision}"
        raise SchemaError(
            f"the database has {found}; this release needs version {head}: run `dualuse db upgrade` "
            "(with the same DUALUSE_DATABASE_URL) first"
        )


def upgrade_database(url: str) -> tuple[str | None, str]:
    """Upgrade the database at url to the newest schema and return (revision before, revision after)."""
    engine = create_engine(url)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()

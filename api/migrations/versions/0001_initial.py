"""The schema of the first release: API keys, audit records, catalog jobs and reviews."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        _time("created_at"),
        _time("revoked_at", nullable=True),
    )
    op.create_index("ix_api_keys_key_hash", "api_keys", ["key_hash"], unique=True)
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _time("created_at"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("api_key_id", sa.String(32), nullable=True),
        sa.Column("item_id", sa.String(200), nullable=True),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("input_text", sa.Text, nullable=False),
        sa.Column("output", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(100), nullable=True),
        sa.Column("policy_version", sa.String(100), nullable=True),
    )
    op.create_index("ix_audit_records_created_at", "audit_records", ["created_at"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("input_path", sa.Text, nullable=False),
        sa.Column("output_path", sa.Text, nullable=False),
        sa.Column("id_column", sa.String(200), nullable=False),
        sa.Column("text_column", sa.String(200), nullable=False),
        sa.Column("rows_done", sa.Integer, nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("api_key_id", sa.String(32), nullable=True),
        sa.Column("model_version", sa.String(100), nullable=True),
        _time("created_at"),
        _time("updated_at"),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _time("created_at"),
        sa.Column("item_id", sa.String(200), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("labels", sa.JSON, nullable=True),
        sa.Column("decision", sa.String(30), nullable=True),
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("model_version", sa.String(100), nullable=True),
        sa.Column("predicted_labels", sa.JSON, nullable=True),
        sa.Column("api_key_id", sa.String(32), nullable=True),
    )
    op.create_index("ix_reviews_created_at", "reviews", ["created_at"])


def downgrade() -> None:
    for table in ("reviews", "jobs", "audit_records", "api_keys"):
        op.drop_table(table)

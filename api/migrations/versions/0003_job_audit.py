"""Jobs record their input's hash, the policy version, when they finished and when their files were removed."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
COLUMNS = (
    ("input_hash", sa.String(64)),
    ("policy_version", sa.String(100)),
    ("finished_at", sa.DateTime(timezone=True)),
    ("purged_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.execute("UPDATE jobs SET finished_at = updated_at WHERE status IN ('succeeded', 'failed')")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for name, _ in COLUMNS:
            batch.drop_column(name)

"""Keys get a role (client, analyst, admin): existing keys become clients, the oldest active key admin."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("role", sa.String(20), nullable=False, server_default="client"))
    op.execute(
        "UPDATE api_keys SET role = 'admin' WHERE id = (SELECT id FROM api_keys WHERE revoked_at IS NULL "
        "ORDER BY created_at LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("role")

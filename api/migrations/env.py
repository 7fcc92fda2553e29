"""Alembic environment: migrations run on the connection that api/database.py hands over."""

from alembic import context

from api.storage import Base

context.configure(
    connection=context.config.attributes["connection"], target_metadata=Base.metadata, render_as_batch=True
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: always run with a connection handed in by db/migrate.py."""

from __future__ import annotations

from alembic import context

from opsmanager_desktop.db import models  # noqa: F401 - registers every table
from opsmanager_desktop.db.base import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite can only ALTER through table copies
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

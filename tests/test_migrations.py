"""The one schema: Alembic migrations produce exactly what the models describe, on both
databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.migrate import head_revision, is_up_to_date


def test_migrations_match_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_schema_is_at_head(engine: Engine) -> None:
    assert head_revision() is not None
    assert is_up_to_date(engine)


def test_mysql_tables_are_innodb_utf8mb4(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        return
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        options = inspector.get_table_options(table.name)
        assert options.get("mysql_engine", "").lower() == "innodb", table.name
        assert "utf8mb4" in (options.get("mysql_default charset") or
                             options.get("mysql_charset") or ""), table.name

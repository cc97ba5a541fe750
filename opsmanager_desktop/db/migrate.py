"""Schema creation and upgrade through Alembic, on SQLite and MySQL alike."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from opsmanager_desktop.domain.errors import PermissionDenied

# MySQL/MariaDB: access denied to a database, a table or a column, or a command refused
_NOT_OWNER = {1044, 1142, 1143, 1370}

_HERE = Path(__file__).resolve().parent


def alembic_config() -> Config:
    config = Config(str(_HERE / "alembic.ini"))
    config.set_main_option("script_location", str(_HERE / "migrations"))
    return config


def upgrade(engine: Engine) -> None:
    """Run every pending migration. An account that may not change the schema (an
    officer's own database login, the day-to-day app account) gets a PermissionDenied that
    says which account to use, not a driver error."""
    config = alembic_config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except DBAPIError as exc:
        code = getattr(exc.orig, "args", (None,))[0]
        if code in _NOT_OWNER:
            raise PermissionDenied(
                f"the database account {engine.url.username!r} may not change the schema; "
                "run `opsmanager db upgrade` with the schema owner's account "
                "(README, 'Setting up MySQL/MariaDB')") from None
        raise


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()

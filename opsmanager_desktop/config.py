"""Where the database is: --db, else OPSMANAGER_DB, else the SQLite file in the user's data
folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "OpsManager"
ENV_DB = "OPSMANAGER_DB"
ENV_USER = "OPSMANAGER_USER"
ENV_PASSWORD = "OPSMANAGER_PASSWORD"
ENV_NEW_PASSWORD = "OPSMANAGER_NEW_PASSWORD"


def data_dir() -> Path:
    path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_sqlite_url() -> str:
    return f"sqlite:///{data_dir() / 'opsmanager.sqlite3'}"


def resolve_db_url(cli_value: str | None = None, saved_value: str | None = None) -> str:
    return cli_value or os.environ.get(ENV_DB) or saved_value or default_sqlite_url()

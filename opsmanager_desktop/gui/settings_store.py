"""What the desktop remembers between runs (QSettings), and what it must not.

Remembered: the database URL WITHOUT its password, the idle-lock minutes, window geometry,
and per page the table header (column widths, order, sort) and the last filter.
Never remembered: passwords. A password typed for the database lives in `SessionSecrets`
(process memory) for this run only (docs/design.md section 6: no password on disk).

Tests build `AppSettings.in_file(tmp_path / "settings.ini")` so they never touch the
user's real settings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from opsmanager_desktop.config import APP_NAME

DEFAULT_IDLE_MINUTES = 15


def strip_password(url: str) -> str:
    """The URL as it may be written to disk: same server and database, no password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.password is None:
        return url
    # URL.set(password=None) means "leave it as it is"; the named tuple's _replace clears it
    return parsed._replace(password=None).render_as_string(hide_password=False)


def password_of(url: str) -> str | None:
    try:
        password = make_url(url).password
    except ArgumentError:
        return None
    return None if password is None else str(password)


def with_password(url: str, password: str | None) -> str:
    if not password:
        return url
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite":
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)


def safe_url(url: str) -> str:
    """For messages and the status bar."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


class SessionSecrets:
    """Passwords typed during this run, keyed by the password-less URL; memory only."""

    def __init__(self) -> None:
        self._passwords: dict[str, str] = {}

    def remember(self, url: str) -> None:
        password = password_of(url)
        if password:
            self._passwords[strip_password(url)] = password

    def complete(self, url: str) -> str:
        """`url` with the password typed for it earlier in this run, if any."""
        if password_of(url):
            return url
        return with_password(url, self._passwords.get(strip_password(url)))


class AppSettings:
    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings(APP_NAME, "Ops Manager Desktop")

    @classmethod
    def in_file(cls, path: Path) -> AppSettings:
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    # --- database ----------------------------------------------------------------------
    @property
    def db_url(self) -> str | None:
        value = self.store.value("database/url", None)
        return str(value) if value else None

    def set_db_url(self, url: str) -> None:
        self.store.setValue("database/url", strip_password(url))
        self.store.sync()

    # --- idle lock -----------------------------------------------------------------------
    @property
    def idle_minutes(self) -> int:
        value = self.store.value("security/idle_minutes", DEFAULT_IDLE_MINUTES)
        try:
            minutes = int(str(value))
        except ValueError:
            return DEFAULT_IDLE_MINUTES
        return max(1, min(minutes, 240))

    def set_idle_minutes(self, minutes: int) -> None:
        self.store.setValue("security/idle_minutes", int(minutes))

    # --- windows and pages ------------------------------------------------------------
    def geometry(self, key: str) -> QByteArray | None:
        value = self.store.value(f"windows/{key}")
        return value if isinstance(value, QByteArray) else None

    def set_geometry(self, key: str, data: QByteArray) -> None:
        self.store.setValue(f"windows/{key}", data)

    def header_state(self, page: str) -> QByteArray | None:
        value = self.store.value(f"pages/{page}/header")
        return value if isinstance(value, QByteArray) else None

    def set_header_state(self, page: str, data: QByteArray) -> None:
        self.store.setValue(f"pages/{page}/header", data)

    def filter_state(self, page: str) -> dict[str, Any]:
        raw = self.store.value(f"pages/{page}/filters", "")
        try:
            value = json.loads(str(raw)) if raw else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def set_filter_state(self, page: str, state: dict[str, Any]) -> None:
        self.store.setValue(f"pages/{page}/filters", json.dumps(state))

    def last_page(self) -> str:
        return str(self.store.value("windows/last_page", "") or "")

    def set_last_page(self, key: str) -> None:
        self.store.setValue("windows/last_page", key)

    def sync(self) -> None:
        self.store.sync()

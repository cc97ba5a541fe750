"""Settings: the database to use (with "Test connection") and the idle-lock minutes.

The URL is remembered in QSettings without its password; a password typed here is kept in
memory for this run only (SessionSecrets) and the dialog says so. "Test connection" opens
a connection in the background and runs SELECT 1; the result is shown under the button.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from opsmanager_desktop.config import default_sqlite_url
from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.gui.forms import FormDialog, password_edit
from opsmanager_desktop.gui.settings_store import (
    AppSettings,
    SessionSecrets,
    password_of,
    strip_password,
    with_password,
)
from opsmanager_desktop.gui.tasks import Job, run_task


def connection_problem(exc: BaseException, url: str) -> str:
    """One line a person can act on, without the password."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        line = str(exc.orig).splitlines()[0] if str(exc.orig) else type(exc.orig).__name__
    else:
        line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    password = password_of(url)
    if password:
        line = line.replace(password, "***")
    return line


def check_connection(url: str) -> str:
    """Connect and SELECT 1 (worker thread). Returns what answered; raises on failure."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("this is not a database URL; write it like "
                         "mysql://user@server/database or sqlite:///path/file.sqlite3") \
            from None
    if parsed.get_backend_name() == "sqlite":
        from pathlib import Path

        path = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("give the path of the database file")
        if not path.parent.is_dir():
            raise ValueError(f"the folder {path.parent} does not exist")
        if not path.exists():
            return f"The folder exists; the file {path.name} will be created on first use."
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            version = ".".join(str(p) for p in (conn.dialect.server_version_info or ()))
        name = "MySQL/MariaDB" if engine.dialect.name in ("mysql", "mariadb") else "SQLite"
        return f"Connected to {name} {version}".strip() + "."
    finally:
        engine.dispose()


class SettingsDialog(FormDialog):
    def __init__(self, settings: AppSettings, secrets: SessionSecrets, current_url: str,
                 parent: QWidget | None = None, problem: str = "") -> None:
        super().__init__(parent, "Settings", ok_text="Save")
        self.setObjectName("settingsDialog")
        self.settings = settings
        self.secrets = secrets
        complete = secrets.complete(current_url)
        self.url = self.add_field("Database URL", QLineEdit(strip_password(complete)),
                                  "url", "database")
        self.url.setPlaceholderText("mysql://user@server/opsmanager  or  sqlite:///path/file")
        self.password = self.add_field("Database password", password_edit(),
                                       "database password")
        self.password.setText(password_of(complete) or "")
        note = QLabel("The password is kept in memory for this session only; it is never "
                      "saved to disk. Leave it empty for SQLite.")
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.form.addRow("", note)
        buttons = QHBoxLayout()
        self.test_button = QPushButton("Test connection")
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test_connection)
        buttons.addWidget(self.test_button)
        local = QPushButton("Use the local file")
        local.setAutoDefault(False)
        local.setToolTip(default_sqlite_url())
        local.clicked.connect(self._use_local_file)
        buttons.addWidget(local)
        buttons.addStretch(1)
        self.form.addRow("", buttons)
        self.test_result = QLabel("")
        self.test_result.setObjectName("hint")
        self.test_result.setWordWrap(True)
        self.test_result.setVisible(False)
        self.form.addRow("", self.test_result)
        self.idle = self.add_field("Lock after idle", QSpinBox(), "idle minutes")
        self.idle.setRange(1, 240)
        self.idle.setSuffix(" minutes")
        self.idle.setValue(settings.idle_minutes)
        if problem:
            self.errors.set_general(problem)
        self.setMinimumWidth(560)

    def _use_local_file(self) -> None:
        self.url.setText(default_sqlite_url())
        self.password.clear()

    def full_url(self) -> str:
        return with_password(self.url.text().strip(), self.password.text())

    def test_connection(self) -> None:
        url = self.full_url()
        self.test_button.setEnabled(False)
        self._show_result("Testing...", ok=None)
        run_task(self, lambda _job: check_connection(url),
                 on_result=lambda message: self._show_result(str(message), ok=True),
                 on_error=lambda exc: self._show_result(
                     "Could not connect: " + connection_problem(exc, url), ok=False),
                 on_finished=lambda: self.test_button.setEnabled(True))

    def _show_result(self, message: str, ok: bool | None) -> None:
        self.test_result.setObjectName(
            "formInfo" if ok else "formMessage" if ok is False else "hint")
        self.test_result.style().unpolish(self.test_result)
        self.test_result.style().polish(self.test_result)
        self.test_result.setText(message)
        self.test_result.setVisible(True)

    @property
    def test_message(self) -> str:
        return self.test_result.text()

    def collect(self) -> dict[str, Any]:
        url = self.url.text().strip()
        if not url:
            raise invalid("url", "give a database URL, or press \"Use the local file\"")
        try:
            make_url(url)
        except ArgumentError:
            raise invalid("url", "this is not a database URL") from None
        return {"url": self.full_url(), "idle": self.idle.value()}

    def submit(self, values: dict[str, Any], job: Job) -> dict[str, Any]:
        return values  # nothing to ask the database; saving happens on the GUI thread

    def succeeded(self, value: Any) -> None:
        self.settings.set_db_url(value["url"])
        self.settings.set_idle_minutes(value["idle"])
        self.settings.sync()
        self.secrets.remember(value["url"])
        super().succeeded(value)

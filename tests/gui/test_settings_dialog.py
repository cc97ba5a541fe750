"""Settings: test connection on a good and a bad URL; no password written to disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.gui.dialogs.settings_dialog import SettingsDialog
from opsmanager_desktop.gui.settings_store import (
    AppSettings,
    SessionSecrets,
    strip_password,
    with_password,
)
from opsmanager_desktop.services.backend import Backend
from tests.conftest import MYSQL_SERVER
from tests.gui.conftest import wait_tasks


def _dialog(qtbot: QtBot, settings: AppSettings, url: str,
            secrets: SessionSecrets | None = None) -> SettingsDialog:
    dialog = SettingsDialog(settings, secrets or SessionSecrets(), url)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _test(qtbot: QtBot, dialog: SettingsDialog) -> str:
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot, timeout=30000)
    return dialog.test_message


def test_connection_to_the_test_databases(qtbot: QtBot, backend: Backend,
                                          gui_settings: AppSettings) -> None:
    url = backend.engine.url.render_as_string(hide_password=False)
    dialog = _dialog(qtbot, gui_settings, url)
    message = _test(qtbot, dialog)
    expected = "MySQL/MariaDB" if backend.is_mysql else "SQLite"
    assert message.startswith(f"Connected to {expected}")


@pytest.mark.parametrize("url,problem", [
    ("mysql://nobody@127.0.0.1:1/none", "Can't connect"),
    ("sqlite:////no/such/folder/ops.sqlite3", "does not exist"),
    ("postgres://x@y/z", "unsupported database"),
    ("not a url", "not a database URL"),
])
def test_connection_to_a_bad_url(qtbot: QtBot, gui_settings: AppSettings, url: str,
                                 problem: str) -> None:
    dialog = _dialog(qtbot, gui_settings, url)
    message = _test(qtbot, dialog)
    assert message.startswith("Could not connect: ") and problem in message


def test_wrong_mysql_password_is_reported_without_the_password(
        qtbot: QtBot, gui_settings: AppSettings, mysql_engine: object) -> None:
    dialog = _dialog(qtbot, gui_settings, f"{MYSQL_SERVER.replace('root@', 'nosuchuser@')}/x")
    dialog.password.setText("Very-Secret-1")
    message = _test(qtbot, dialog)
    assert "Access denied" in message and "Very-Secret-1" not in message


def test_saving_keeps_the_password_in_memory_only(qtbot: QtBot, tmp_path: Path,
                                                  gui_settings: AppSettings) -> None:
    secrets = SessionSecrets()
    dialog = _dialog(qtbot, gui_settings, "sqlite:///x.sqlite3", secrets)
    dialog.url.setText("mysql://officer@db.example:3306/ops")
    dialog.password.setText("Very-Secret-1")
    dialog.idle.setValue(7)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert gui_settings.db_url == "mysql://officer@db.example:3306/ops"
    assert gui_settings.idle_minutes == 7
    assert "Very-Secret-1" not in (tmp_path / "settings.ini").read_text()
    assert secrets.complete("mysql://officer@db.example:3306/ops") == \
        "mysql://officer:Very-Secret-1@db.example:3306/ops"
    # opening the dialog again in the same run shows the password it remembers
    again = _dialog(qtbot, gui_settings, gui_settings.db_url or "", secrets)
    assert again.password.text() == "Very-Secret-1"
    assert again.url.text() == "mysql://officer@db.example:3306/ops"


def test_a_url_typed_with_its_password_is_split(gui_settings: AppSettings) -> None:
    gui_settings.set_db_url("mysql://u:pw@h/db")
    assert gui_settings.db_url == "mysql://u@h/db"
    assert strip_password("sqlite:///a/b.sqlite3") == "sqlite:///a/b.sqlite3"
    assert with_password("sqlite:///a.sqlite3", "pw") == "sqlite:///a.sqlite3"


def test_an_empty_url_is_refused(qtbot: QtBot, gui_settings: AppSettings) -> None:
    dialog = _dialog(qtbot, gui_settings, "sqlite:///x.sqlite3")
    dialog.url.clear()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert dialog.isVisible() and "Use the local file" in dialog.errors.field_text("url")

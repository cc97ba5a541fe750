"""`opsmanager` without a command: launch_gui runs the event loop and returns an exit code;
the first start can load demo data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from opsmanager_desktop.gui.app_controller import AppController, demo_available
from opsmanager_desktop.gui.dialogs.settings_dialog import SettingsDialog
from opsmanager_desktop.gui.dialogs.sign_in import FirstRunDialog
from opsmanager_desktop.gui.launch import launch_gui
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.services import auth
from tests.gui.conftest import wait_tasks
from tests.helpers import PASSWORD


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's data and settings folders in tmp; the hook launch_gui installs undone."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("OPSMANAGER_DB", raising=False)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    return tmp_path


def _when_visible(kind: type[QDialog], action: str) -> None:
    """Once a dialog of `kind` shows, call its `action` (the user closing it)."""
    def look() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, kind) and widget.isVisible():
                getattr(widget, action)()
                return
        QTimer.singleShot(30, look)
    QTimer.singleShot(30, look)


def test_launch_opens_first_run_and_returns_0(qapp: QApplication,
                                              isolated_home: Path) -> None:
    _when_visible(FirstRunDialog, "reject")
    assert launch_gui(f"sqlite:///{isolated_home / 'new.sqlite3'}") == 0
    assert (isolated_home / "new.sqlite3").exists()  # the schema was created


def test_launch_on_an_unreachable_database_ends_in_settings(qapp: QApplication,
                                                            isolated_home: Path) -> None:
    _when_visible(SettingsDialog, "reject")
    assert launch_gui("mysql://nobody@127.0.0.1:1/ops") == 1


@pytest.mark.skipif(not demo_available(), reason="services/demo.py is not installed")
def test_first_run_with_demo_data(qtbot: QtBot, fresh_sqlite_url: str,
                                  gui_settings: AppSettings) -> None:
    controller = AppController(gui_settings, cli_url=fresh_sqlite_url)
    controller.demo_customers = 20
    controller.start()
    qtbot.waitUntil(lambda: controller.stage == "first_run", timeout=30000)
    dialog = controller.dialog
    assert isinstance(dialog, FirstRunDialog) and dialog.demo.isVisible()
    dialog.password.setText(PASSWORD)
    dialog.repeat.setText(PASSWORD)
    dialog.demo.setChecked(True)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: controller.stage == "main", timeout=60000)
    wait_tasks(qtbot)
    window = controller.window
    assert window is not None
    page = window.show_page("cycles")
    wait_tasks(qtbot)
    assert page is not None and page.model.rowCount() == 12  # type: ignore[attr-defined]
    assert auth.has_users(window.ctx.backend)
    window.close()

"""The whole start-up flow, driven like a user would: database, first admin, sign-in,
forced password change, sign-out, session end, unreachable database."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.app_controller import AppController
from opsmanager_desktop.gui.dialogs.settings_dialog import SettingsDialog
from opsmanager_desktop.gui.dialogs.sign_in import (
    ChangePasswordDialog,
    FirstRunDialog,
    SignInDialog,
)
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.services import auth, users
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.helpers import PASSWORD, admin_token


def _controller(qtbot: QtBot, settings: AppSettings, url: str) -> AppController:
    controller = AppController(settings, cli_url=url)
    controller.start()
    qtbot.waitUntil(lambda: controller.stage not in ("", "opening"), timeout=30000)
    return controller


def _ok(qtbot: QtBot, dialog: object) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    wait_tasks(qtbot)


def _sign_in(qtbot: QtBot, controller: AppController, username: str, password: str) -> None:
    dialog = controller.dialog
    assert isinstance(dialog, SignInDialog) and dialog.isVisible()
    dialog.username.setText(username)
    dialog.password.setText(password)
    _ok(qtbot, dialog)


def test_fresh_database_first_admin_then_main_window(qtbot: QtBot, fresh_sqlite_url: str,
                                                     gui_settings: AppSettings) -> None:
    controller = _controller(qtbot, gui_settings, fresh_sqlite_url)
    dialog = controller.dialog
    assert controller.stage == "first_run" and isinstance(dialog, FirstRunDialog)
    qtbot.keyClicks(dialog.full_name, "First Admin")
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.repeat, PASSWORD)
    _ok(qtbot, dialog)
    assert controller.stage == "main"
    window = controller.window
    assert window is not None and window.isVisible()
    assert window.user_label.text() == "Signed in as admin (Admin)"
    assert window.current_page() is window.pages["users"]
    assert controller.backend is not None and auth.has_users(controller.backend)
    window.close()
    assert controller.stage == "quit"


def test_sign_in_sign_out_and_sign_in_again(qtbot: QtBot, backend: Backend,
                                            gui_settings: AppSettings) -> None:
    admin = admin_token(backend)
    users.add_user(backend, admin, "bo", Role.BILLING_OFFICER, PASSWORD)
    url = backend.engine.url.render_as_string(hide_password=False)
    controller = _controller(qtbot, gui_settings, url)
    assert controller.stage == "sign_in"
    _sign_in(qtbot, controller, "bo", "wrong-password-1")
    assert controller.stage == "sign_in"
    _sign_in(qtbot, controller, "bo", PASSWORD)
    assert controller.stage == "main"
    window = controller.window
    assert window is not None and "Users" not in [
        window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    token = window.ctx.token
    window.sign_out_action.trigger()
    wait_tasks(qtbot)
    assert controller.stage == "sign_in" and not shiboken6.isValid(window)  # closed, deleted
    dialog = controller.dialog
    assert isinstance(dialog, SignInDialog) and dialog.username.text() == "bo"
    assert not auth.sign_in(backend, "bo", PASSWORD).must_change_password
    try:
        auth.whoami(backend, token)
        raise AssertionError("the signed-out token still works")
    except auth.NotSignedIn:
        pass
    _sign_in(qtbot, controller, "bo", PASSWORD)
    assert controller.stage == "main"
    controller.window.close()  # type: ignore[union-attr]


def test_forced_password_change_before_the_window(qtbot: QtBot, sqlite_backend: Backend,
                                                  gui_settings: AppSettings) -> None:
    admin = admin_token(sqlite_backend)
    users.add_user(sqlite_backend, admin, "sv", Role.SUPERVISOR, PASSWORD)
    users.reset_password(sqlite_backend, admin, "sv", "temporary-pass-1")
    controller = _controller(qtbot, gui_settings,
                             sqlite_backend.engine.url.render_as_string(hide_password=False))
    _sign_in(qtbot, controller, "sv", "temporary-pass-1")
    dialog = controller.dialog
    assert controller.stage == "change_password" and isinstance(dialog, ChangePasswordDialog)
    dialog.current.setText("temporary-pass-1")
    dialog.new.setText("supervisor-own-1")
    dialog.repeat.setText("supervisor-own-1")
    _ok(qtbot, dialog)
    assert controller.stage == "main"
    controller.window.close()  # type: ignore[union-attr]


def test_session_ended_elsewhere_returns_to_sign_in(qtbot: QtBot, sqlite_backend: Backend,
                                                    gui_settings: AppSettings) -> None:
    admin_token(sqlite_backend)
    controller = _controller(qtbot, gui_settings,
                             sqlite_backend.engine.url.render_as_string(hide_password=False))
    _sign_in(qtbot, controller, "admin", PASSWORD)
    window = controller.window
    assert window is not None
    auth.sign_out(window.ctx.backend, window.ctx.token)  # as if ended on another machine
    window.current_page().refresh()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: controller.stage == "sign_in", timeout=10000)
    dialog = controller.dialog
    assert isinstance(dialog, SignInDialog)
    assert "Your session has ended (you have signed out" in dialog.message.text()


def test_unreachable_database_opens_settings_then_recovers(
        qtbot: QtBot, gui_settings: AppSettings, tmp_path: Path) -> None:
    controller = _controller(qtbot, gui_settings, "mysql://nobody@127.0.0.1:1/ops")
    dialog = controller.dialog
    assert controller.stage == "settings" and isinstance(dialog, SettingsDialog)
    assert "cannot be opened" in dialog.message.text()
    assert "127.0.0.1:1" in dialog.message.text()
    dialog.url.setText(f"sqlite:///{tmp_path / 'recovered.sqlite3'}")
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: controller.stage == "first_run", timeout=30000)
    assert gui_settings.db_url == f"sqlite:///{tmp_path / 'recovered.sqlite3'}"
    controller.dialog.reject()  # type: ignore[union-attr]
    assert controller.stage == "quit"


def test_cancelling_settings_without_a_database_quits(qtbot: QtBot,
                                                      gui_settings: AppSettings) -> None:
    controller = _controller(qtbot, gui_settings, "sqlite:////no/such/folder/x.sqlite3")
    assert controller.stage == "settings"
    with qtbot.waitSignal(controller.finished, timeout=5000) as blocker:
        controller.dialog.reject()  # type: ignore[union-attr]
    assert blocker.args == [1]


def test_changing_the_database_from_the_main_window(qtbot: QtBot, sqlite_backend: Backend,
                                                    gui_settings: AppSettings,
                                                    tmp_path: Path) -> None:
    admin_token(sqlite_backend)
    controller = _controller(qtbot, gui_settings,
                             sqlite_backend.engine.url.render_as_string(hide_password=False))
    _sign_in(qtbot, controller, "admin", PASSWORD)
    window = controller.window
    assert window is not None
    window.settings_action.trigger()
    dialog = next(w for w in window.findChildren(SettingsDialog) if w.isVisible())
    dialog.idle.setValue(5)
    dialog.url.setText(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: controller.stage == "first_run", timeout=30000)
    assert not shiboken6.isValid(window)  # signed out of the old database
    assert gui_settings.idle_minutes == 5
    controller.dialog.reject()  # type: ignore[union-attr]

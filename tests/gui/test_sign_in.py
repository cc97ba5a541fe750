"""First start, sign-in messages from the auth service, forced password change."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.dialogs.sign_in import (
    ChangePasswordDialog,
    FirstRunDialog,
    SignInDialog,
)
from opsmanager_desktop.services import auth, users
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.helpers import PASSWORD, admin_token


def _press_ok(qtbot: QtBot, dialog: object) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    wait_tasks(qtbot)


def test_first_run_creates_the_admin_and_signs_in(qtbot: QtBot, backend: Backend) -> None:
    dialog = FirstRunDialog(backend, demo_available=False)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.demo.isVisible()  # no demo module: the option is hidden
    dialog.username.setText("")
    qtbot.keyClicks(dialog.username, "chief")
    qtbot.keyClicks(dialog.full_name, "Chief Administrator")
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.repeat, "short")
    _press_ok(qtbot, dialog)
    assert "at least 10 characters" in dialog.errors.field_text("password")
    assert not auth.has_users(backend)

    dialog.password.clear()
    dialog.repeat.clear()
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.repeat, PASSWORD + "x")
    _press_ok(qtbot, dialog)
    assert "Does not match" in dialog.errors.field_text("repeat password")

    dialog.repeat.clear()
    qtbot.keyClicks(dialog.repeat, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    signed = dialog.result_value
    assert signed.username == "chief" and signed.role is Role.ADMIN
    assert auth.whoami(backend, signed.token).full_name == "Chief Administrator"


def test_wrong_password_shows_the_service_message(qtbot: QtBot, backend: Backend) -> None:
    admin_token(backend)
    dialog = SignInDialog(backend)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, "not-the-password")
    _press_ok(qtbot, dialog)
    assert dialog.isVisible() and dialog.result_value is None
    assert "The username or password is wrong" in dialog.message.text()
    assert dialog.password.text() == "not-the-password"  # kept, selected for retyping
    assert dialog.password.hasSelectedText()


def test_lockout_message_after_five_failures(qtbot: QtBot, backend: Backend) -> None:
    admin_token(backend)
    now = backend.now()
    backend.clock = lambda: now
    dialog = SignInDialog(backend, username="admin")
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(5):
        dialog.password.setText("wrong-password-1")
        _press_ok(qtbot, dialog)
    assert "locked for 15 minutes" in dialog.message.text()
    dialog.password.setText(PASSWORD)  # even the right password is refused while locked
    _press_ok(qtbot, dialog)
    assert "locked" in dialog.message.text() and dialog.result_value is None
    backend.clock = lambda: now + timedelta(minutes=16)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_disabled_account_message(qtbot: QtBot, backend: Backend) -> None:
    admin = admin_token(backend)
    users.add_user(backend, admin, "gone", Role.SUPERVISOR, PASSWORD)
    users.update_user(backend, admin, "gone", is_active=False)
    dialog = SignInDialog(backend, username="gone")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText(PASSWORD)
    _press_ok(qtbot, dialog)
    assert "disabled" in dialog.message.text()


def test_forced_password_change(qtbot: QtBot, backend: Backend) -> None:
    admin = admin_token(backend)
    users.add_user(backend, admin, "bo", Role.BILLING_OFFICER, PASSWORD)
    users.reset_password(backend, admin, "bo", "temporary-pass-1")
    signed = auth.sign_in(backend, "bo", "temporary-pass-1")
    assert signed.must_change_password
    dialog = ChangePasswordDialog(backend, signed.token, forced=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.current, "temporary-pass-1")
    qtbot.keyClicks(dialog.new, "temporary-pass-1")
    qtbot.keyClicks(dialog.repeat, "temporary-pass-1")
    _press_ok(qtbot, dialog)
    assert "Must differ" in dialog.errors.field_text("new password")
    dialog.new.setText("my-own-password-2")
    dialog.repeat.setText("my-own-password-2")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not auth.sign_in(backend, "bo", "my-own-password-2").must_change_password

"""Idle lock: after N minutes without keyboard or mouse input the windows are covered and
the password is asked again (services.auth.verify_password_of_caller).

Nothing is closed or hidden: each open window (the main window and any dialog a user was
typing in) gets an opaque curtain child over its content, and an application-modal unlock
dialog comes on top. Unlocking removes the curtains, so every typed character is still
there. "Sign out" from the lock dialog ends the session instead (the window's unsaved
input is then given up, as the user chose).
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog, password_edit
from opsmanager_desktop.gui.icons import icon
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import auth

_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


class IdleWatcher(QObject):
    """Fires `idle` after `timeout_ms` without user input anywhere in the application."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(timeout_ms)
        self.timer.timeout.connect(self.idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def set_timeout(self, timeout_ms: int) -> None:
        self.timer.setInterval(timeout_ms)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.timer.isActive():
            self.timer.start()  # restart the countdown
        return False

    def pause(self) -> None:
        self.timer.stop()

    def resume(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockCurtain(QWidget):
    """Covers a window's content while it is locked; it takes the clicks, not the data."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lockCurtain")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        picture = QLabel()
        picture.setPixmap(icon("lock").pixmap(48, 48))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(picture)
        text = QLabel("Locked. Enter your password to continue.")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(text)
        layout.addStretch(1)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False


class UnlockDialog(FormDialog):
    sign_out_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Locked - Ops Manager Desktop", ok_text="Unlock")
        self.setObjectName("unlockDialog")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.ctx = ctx
        header = QWidget()
        row = QHBoxLayout(header)
        row.setContentsMargins(0, 0, 0, 6)
        picture = QLabel()
        picture.setPixmap(icon("lock").pixmap(36, 36))
        row.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        text = QLabel(f"<b>Locked</b><br>The window was locked after a while without use. "
                      f"Enter the password of <b>{ctx.username}</b> to continue; nothing "
                      "on screen was lost.")
        text.setWordWrap(True)
        row.addWidget(text, 1)
        self.body.insertWidget(0, header)
        self.password = self.add_field("Password", password_edit(), "password")
        sign_out = QPushButton("Sign out")
        sign_out.setAutoDefault(False)
        sign_out.clicked.connect(self.sign_out_requested)
        self.buttons.addButton(sign_out, self.buttons.ButtonRole.DestructiveRole)
        self.buttons.button(self.buttons.StandardButton.Cancel).setVisible(False)
        self.setMinimumWidth(460)

    def collect(self) -> str:
        return self.password.text()

    def submit(self, values: str, job: Job) -> bool:
        if not auth.verify_password_of_caller(self.ctx.backend, self.ctx.token, values):
            raise invalid("password", "is wrong")
        return True

    def _on_failed(self, exc: BaseException) -> None:
        super()._on_failed(exc)
        self.password.selectAll()
        self.password.setFocus()

    def reject(self) -> None:
        """Escape must not unlock."""


class Locker(QObject):
    """Locks the application's windows and unlocks them after the password."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, ctx: AppContext, on_sign_out: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._on_sign_out = on_sign_out
        self._curtains: list[LockCurtain] = []
        self.dialog: UnlockDialog | None = None

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def lock(self) -> None:
        if self.is_locked:
            return
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and not isinstance(window, LockCurtain):
                self._curtains.append(LockCurtain(window))
        parent = next((w for w in QApplication.topLevelWidgets()
                       if w.isVisible() and not isinstance(w, QDialog)), None)
        self.dialog = UnlockDialog(self.ctx, parent)
        self.dialog.accepted.connect(self.unlock)
        self.dialog.sign_out_requested.connect(self._sign_out)
        self.dialog.on_session_ended = self.ctx.check_session
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.locked.emit()

    def unlock(self) -> None:
        for curtain in self._curtains:
            if shiboken6.isValid(curtain):
                curtain.hide()
                curtain.deleteLater()
        self._curtains.clear()
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.hide()
            self.dialog.deleteLater()
        self.dialog = None
        self.unlocked.emit()

    def _sign_out(self) -> None:
        self.unlock()
        self._on_sign_out()

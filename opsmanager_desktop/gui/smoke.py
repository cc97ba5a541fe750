"""A hidden start-up check for the built program, on when OPSMANAGER_SMOKE_EXIT_MS=N is set.

installer/smoke_test.py starts the frozen executable with it to prove the shipped folder
holds what the window needs (Qt plugins, SVG icons, style sheet, ui/ forms, every page).
The run goes through the real flow: the sign-in dialog is filled with OPSMANAGER_USER and
OPSMANAGER_PASSWORD and its OK button pressed, every page the user may use is opened in
turn, the About dialog is opened, and N ms later the main window is closed, which ends the
program through the controller as a person's close would. The exit code is 0 only if all of
that happened and nothing was logged at ERROR level or escaped a slot; otherwise it is 1,
with a line on stderr naming the step ("smoke: FAILED at ..."). Without the variable
nothing here runs.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImageReader
from PySide6.QtWidgets import QApplication, QLabel

from opsmanager_desktop import __version__
from opsmanager_desktop.config import ENV_PASSWORD, ENV_USER
from opsmanager_desktop.gui import tasks
from opsmanager_desktop.gui.app_controller import AppController
from opsmanager_desktop.gui.dialogs.sign_in import SignInDialog
from opsmanager_desktop.gui.icons import app_icon, style_sheet

ENV_SMOKE = "OPSMANAGER_SMOKE_EXIT_MS"
LIMIT_MS = 120_000  # the whole run; a build that needs longer than this is broken anyway


def say(text: str) -> None:
    if sys.stderr is not None:  # a windowed Windows executable has no stderr
        sys.stderr.write(f"smoke: {text}\n")
        sys.stderr.flush()


class _ErrorRecords(logging.Handler):
    def __init__(self, run: SmokeRun) -> None:
        super().__init__(logging.ERROR)
        self.run = run

    def emit(self, record: logging.LogRecord) -> None:
        self.run.fail(f"error logged: {self.format(record)}")


class SmokeRun(QObject):
    def __init__(self, app: QApplication, controller: AppController, delay_ms: int) -> None:
        super().__init__(controller)
        self.app = app
        self.controller = controller
        self.delay_ms = delay_ms
        self.step = "start"
        self.failure = ""
        self._pages: list[str] = []
        logging.getLogger().addHandler(_ErrorRecords(self))
        sys.excepthook = self._excepthook
        controller.stage_changed.connect(self._on_stage)
        QTimer.singleShot(LIMIT_MS, lambda: self.fail(f"no result after {LIMIT_MS} ms"))
        self._check_assets()

    def fail(self, reason: str) -> None:
        if self.failure:
            return
        self.failure = f"{self.step}: {reason}"
        say(f"FAILED at {self.failure}")
        # exit() before exec() would be lost: the asset check runs before the loop starts
        QTimer.singleShot(0, lambda: self.app.exit(1))

    def result(self, code: int) -> int:
        if self.failure:
            return 1
        if code == 0:
            say("passed")
        return code

    def _excepthook(self, kind: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        detail = "".join(traceback.format_exception(kind, exc, tb))
        self.fail(f"exception escaped a slot:\n{detail}")

    def _check_assets(self) -> None:
        self.step = "assets"
        if b"svg" not in [bytes(f.data()) for f in QImageReader.supportedImageFormats()]:
            self.fail("the svg image format plugin is missing")
        elif app_icon().pixmap(32, 32).isNull():
            self.fail("the SVG logo does not load (iconengines plugin or resources/ missing)")
        elif not style_sheet():
            self.fail("resources/style.qss is missing")

    def _on_stage(self, stage: str) -> None:
        say(f"stage {stage}")
        self.step = stage
        if stage == "sign_in":
            QTimer.singleShot(0, self._sign_in)
        elif stage == "main":
            QTimer.singleShot(0, self._start_pages)
        elif stage not in ("opening", "quit"):
            self.fail(f"stage {stage!r} was not expected (database not opened, no user, "
                      "or a password change asked for)")

    def _sign_in(self) -> None:
        dialog = self.controller.dialog
        user, password = os.environ.get(ENV_USER, ""), os.environ.get(ENV_PASSWORD, "")
        if not isinstance(dialog, SignInDialog):
            self.fail("no sign-in dialog")
        elif not user or not password:
            self.fail(f"{ENV_USER} and {ENV_PASSWORD} must be set")
        else:
            dialog.username.setText(user)
            dialog.password.setText(password)
            dialog.ok_button.click()
            QTimer.singleShot(10_000, lambda: self._still_signing_in(dialog))

    def _still_signing_in(self, dialog: SignInDialog) -> None:
        if self.step == "sign_in":
            self.fail(f"not signed in: {dialog.message.text() or 'no answer'}")

    def _start_pages(self) -> None:
        window = self.controller.window
        if window is None:
            self.fail("no main window")
            return
        self._pages = [spec.key for spec in window.specs]
        say(f"main window shown; pages: {', '.join(self._pages) or '(none)'}")
        self._next_page()

    def _next_page(self) -> None:
        window = self.controller.window
        if self.failure or window is None:
            return
        if tasks.pending():  # the page before is still loading its rows
            QTimer.singleShot(50, self._next_page)
            return
        if self._pages:
            key = self._pages.pop(0)
            self.step = f"page {key}"
            if window.show_page(key) is None:
                self.fail("the page did not open")
                return
            QTimer.singleShot(50, self._next_page)
            return
        self.step = "about"
        about = window.show_about()
        shown = about.version_label.text() if about.version_label is not None else ""
        about.close()
        status = window.findChild(QLabel, "statusVersion")
        if __version__ not in shown:
            self.fail(f"the About dialog does not show version {__version__}")
            return
        if status is None or __version__ not in status.text():
            self.fail(f"the status bar does not show version {__version__}")
            return
        self.step = "close"
        QTimer.singleShot(self.delay_ms, window.close)


def smoke_delay_ms() -> int | None:
    value = os.environ.get(ENV_SMOKE, "").strip()
    return max(0, int(value)) if value.isdigit() else None


def start_smoke_run(app: QApplication, controller: AppController) -> SmokeRun | None:
    """Called by launch_gui before controller.start(); None (and nothing done) normally."""
    delay = smoke_delay_ms()
    if delay is None:
        return None
    say(f"version {__version__}, platform {app.platformName()}")
    return SmokeRun(app, controller, delay)

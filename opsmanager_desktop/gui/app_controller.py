"""The start-up flow and the life of a session, as a small state machine of dialogs.

    open database (create/upgrade schema) --fails--> Settings dialog (fix the URL) --> retry
        | no user yet                        | users exist
        v                                    v
    first administrator --> [demo data]   sign-in --> [forced password change]
        \\_______________________________________/
                            v
                       main window --sign out / session ended--> sign-in
                            | closed
                            v
                          quit (finished(0))

Every step is a dialog shown with open()/show() and wired by signals (no nested exec()
loops), so tests can drive the whole flow with qtbot. `finished(code)` asks launch_gui to
leave the event loop.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from dataclasses import replace
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from opsmanager_desktop.bootstrap import make_backend
from opsmanager_desktop.config import resolve_db_url
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.dialogs.settings_dialog import SettingsDialog, connection_problem
from opsmanager_desktop.gui.dialogs.sign_in import (
    ChangePasswordDialog,
    FirstRunDialog,
    SignInDialog,
)
from opsmanager_desktop.gui.errors import log, show_error
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.progress import run_with_progress
from opsmanager_desktop.gui.settings_store import AppSettings, SessionSecrets, safe_url
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import auth
from opsmanager_desktop.services.auth import SignedIn
from opsmanager_desktop.services.backend import Backend

DEMO_MODULE = "opsmanager_desktop.services.demo"
DEMO_CUSTOMERS = 1000  # a year of readings, bills and payments for each: a few seconds


def demo_available() -> bool:
    """Demo data is offered only when services/demo.py (with generate_demo) is installed."""
    try:
        if importlib.util.find_spec(DEMO_MODULE) is None:
            return False
        return hasattr(importlib.import_module(DEMO_MODULE), "generate_demo")
    except ImportError:
        return False


def demo_cancellable() -> bool:
    generate = importlib.import_module(DEMO_MODULE).generate_demo
    return "cancelled" in inspect.signature(generate).parameters


def run_demo(backend: Backend, token: str, job: Job, customers: int = DEMO_CUSTOMERS) -> Any:
    """Call generate_demo with the hooks it accepts (progress(done, total), cancelled())."""
    generate = importlib.import_module(DEMO_MODULE).generate_demo
    params = inspect.signature(generate).parameters
    kwargs: dict[str, Any] = {}
    if "customers" in params:
        kwargs["customers"] = customers
    if "progress" in params:
        kwargs["progress"] = lambda done, total, *_: job.progress(
            done, total, f"Loading demo data: {done:,} of {total:,}")
    if "cancelled" in params:
        kwargs["cancelled"] = lambda: job.cancelled
    return generate(backend, token, **kwargs)


def _open(url: str, job: Job) -> tuple[Backend, bool]:
    backend = make_backend(url, migrate=True)
    try:
        return backend, auth.has_users(backend)
    except BaseException:
        backend.dispose()
        raise


class AppController(QObject):
    finished = Signal(int)
    stage_changed = Signal(str)  # "opening", "settings", "first_run", "sign_in", "main"

    def __init__(self, settings: AppSettings, cli_url: str | None = None,
                 idle_ms: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.secrets = SessionSecrets()
        self.cli_url = cli_url
        self.idle_ms = idle_ms
        self.url = ""
        self.backend: Backend | None = None
        self.window: MainWindow | None = None
        self.ctx: AppContext | None = None
        self.dialog: QDialog | None = None
        self.stage = ""
        self.demo_customers = DEMO_CUSTOMERS
        self._leaving = False

    def _set_stage(self, stage: str, dialog: QDialog | None = None) -> None:
        self.stage = stage
        self.dialog = dialog
        self.stage_changed.emit(stage)

    # --- database ------------------------------------------------------------------------
    def start(self) -> None:
        url = resolve_db_url(self.cli_url, self.settings.db_url)
        self.secrets.remember(url)
        self.open_database(url)

    def open_database(self, url: str) -> None:
        self.url = url
        self._set_stage("opening")
        run_with_progress(None, "Opening the database", f"Opening {safe_url(url)} ...",
                          lambda job: _open(url, job), on_result=self._on_opened,
                          on_error=lambda exc: self._on_open_failed(url, exc),
                          cancellable=False)

    def _on_open_failed(self, url: str, exc: BaseException) -> None:
        log.warning("cannot open database %s: %s", safe_url(url), connection_problem(exc, url))
        problem = (f"The database {safe_url(url)} cannot be opened: "
                   f"{connection_problem(exc, url)}\nCorrect the URL or the password (or "
                   "start the database server), then press Save to try again.")
        self.open_settings(problem=problem)

    def _on_opened(self, value: tuple[Backend, bool]) -> None:
        backend, has_users = value
        if self.backend is not None and self.backend is not backend:
            self.backend.dispose()
        self.backend = backend
        if has_users:
            self.show_sign_in()
        else:
            self.show_first_run()

    def open_settings(self, problem: str = "") -> SettingsDialog:
        """Before sign-in (a problem to fix) or from the main window."""
        dialog = SettingsDialog(self.settings, self.secrets, self.url, self.window,
                                problem=problem)
        if self.window is not None:
            dialog.test_result.setText("")
        before = self.url
        dialog.accepted.connect(lambda: self._on_settings_saved(dialog, before, problem))
        dialog.rejected.connect(lambda: self._on_settings_cancelled(problem))
        if self.window is None:
            self._set_stage("settings", dialog)
        dialog.open()
        return dialog

    def _on_settings_saved(self, dialog: SettingsDialog, before: str, problem: str) -> None:
        url = dialog.full_url()
        if self.window is not None:
            self.window.set_idle_minutes(self.settings.idle_minutes)
            if url != before:
                self.sign_out(then_open=url)
            return
        if problem or url != before or self.backend is None:
            self.open_database(url)
        else:
            self.show_sign_in()

    def _on_settings_cancelled(self, problem: str) -> None:
        if self.window is not None:
            return
        if problem or self.backend is None:
            self.quit(1)  # no database to work with
        else:
            self.show_sign_in()

    # --- before the main window ------------------------------------------------------
    def show_first_run(self) -> FirstRunDialog:
        assert self.backend is not None
        dialog = FirstRunDialog(self.backend, demo_available())
        dialog.accepted.connect(lambda: self._on_first_admin(dialog))
        dialog.rejected.connect(lambda: self.quit(0))
        self._set_stage("first_run", dialog)
        dialog.open()
        return dialog

    def _on_first_admin(self, dialog: FirstRunDialog) -> None:
        signed: SignedIn = dialog.result_value
        if dialog.wants_demo:
            self.load_demo(signed)
        else:
            self.open_main(signed)

    def load_demo(self, signed: SignedIn) -> None:
        backend, customers = self.backend, self.demo_customers
        assert backend is not None
        self._set_stage("demo")
        run_with_progress(None, "Demo data", "Loading demo data...",
                          lambda job: run_demo(backend, signed.token, job, customers),
                          on_result=lambda _r: self.open_main(signed),
                          on_error=lambda exc: self._demo_failed(exc, signed),
                          on_cancelled=lambda: self.open_main(signed),
                          cancellable=demo_cancellable())

    def _demo_failed(self, exc: BaseException, signed: SignedIn) -> None:
        show_error(None, exc)
        self.open_main(signed)

    def show_sign_in(self, message: str = "", username: str = "") -> SignInDialog:
        assert self.backend is not None
        dialog = SignInDialog(self.backend, username=username)
        if message:
            dialog.errors.set_general(message)
        dialog.accepted.connect(lambda: self._on_signed_in(dialog.result_value))
        dialog.rejected.connect(lambda: self.quit(0))
        dialog.settings_requested.connect(lambda: self._settings_from_sign_in(dialog))
        self._set_stage("sign_in", dialog)
        dialog.open()
        return dialog

    def _settings_from_sign_in(self, dialog: SignInDialog) -> None:
        dialog.hide()  # done() not called: rejected is not emitted
        dialog.deleteLater()
        self.open_settings()

    def _on_signed_in(self, signed: SignedIn) -> None:
        if not signed.must_change_password:
            self.open_main(signed)
            return
        assert self.backend is not None
        dialog = ChangePasswordDialog(self.backend, signed.token, forced=True)
        dialog.accepted.connect(
            lambda: self.open_main(replace(signed, must_change_password=False)))
        dialog.rejected.connect(lambda: self._end_session(signed.token))
        self._set_stage("change_password", dialog)
        dialog.open()

    def _end_session(self, token: str) -> None:
        backend = self.backend
        if backend is not None:
            run_task(self, lambda _job: auth.sign_out(backend, token),
                     on_error=lambda exc: log.info("sign-out: %s", exc))
        self.show_sign_in()

    # --- the main window -------------------------------------------------------------
    def open_main(self, signed: SignedIn) -> MainWindow:
        assert self.backend is not None
        self.ctx = AppContext(self.backend, signed, self.settings, self)
        self.ctx.session_ended.connect(self._on_session_ended)
        window = MainWindow(self.ctx, self.idle_ms)
        window.sign_out_requested.connect(lambda: self.sign_out())
        window.settings_requested.connect(lambda: self.open_settings())
        window.change_password_requested.connect(self._change_password)
        window.closed.connect(self._on_window_closed)
        self.window = window
        self._set_stage("main")
        window.show()
        return window

    def _change_password(self) -> None:
        assert self.backend is not None and self.ctx is not None
        dialog = ChangePasswordDialog(self.backend, self.ctx.token, forced=False,
                                      parent=self.window)
        dialog.on_session_ended = self.ctx.check_session
        dialog.open()

    def sign_out(self, then_open: str | None = None, message: str = "") -> None:
        window, ctx = self.window, self.ctx
        username = ctx.username if ctx is not None else ""
        self.window = None
        self.ctx = None
        if window is not None and shiboken6.isValid(window):
            window.shut_down()
            self._leaving = True
            window.close()
            self._leaving = False
            window.deleteLater()
        backend = self.backend
        if ctx is not None and backend is not None:
            token = ctx.token
            run_task(self, lambda _job: auth.sign_out(backend, token),
                     on_error=lambda exc: log.info("sign-out: %s", exc))
        if then_open is not None:
            self.open_database(then_open)
        else:
            self.show_sign_in(message, username)

    def _on_session_ended(self, reason: str) -> None:
        if self.window is None:
            return
        self.sign_out(message=f"Your session has ended ({reason}). Please sign in again.")

    def _on_window_closed(self) -> None:
        if self._leaving:
            return
        ctx, backend = self.ctx, self.backend
        self.window = None
        self.ctx = None
        if ctx is not None and backend is not None:
            try:  # best effort: end the session row before leaving
                auth.sign_out(backend, ctx.token)
            except Exception as exc:
                log.info("sign-out at quit: %s", exc)
        self.quit(0)

    def quit(self, code: int) -> None:
        self._set_stage("quit")
        if self.backend is not None:
            self.backend.dispose()
        self.finished.emit(code)

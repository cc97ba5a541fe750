"""Shared GUI fixtures: an isolated settings file, signed-in contexts, waiting for the
background tasks, and no window left behind between tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui import tasks
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.icons import apply_style
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.services import auth
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD, admin_token, token_for


@pytest.fixture(autouse=True)
def _gui_cleanup(qapp: QApplication) -> Iterator[None]:
    apply_style(qapp)
    yield
    # a task still running would write into the next test's emptied database
    tasks.wait_all(20000)
    QApplication.processEvents()
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()
    QApplication.processEvents()


@pytest.fixture
def gui_settings(tmp_path: Path) -> AppSettings:
    return AppSettings.in_file(tmp_path / "settings.ini")


def wait_tasks(qtbot: QtBot, timeout: int = 15000) -> None:
    """Until every background task has run its callbacks on the GUI thread."""
    qtbot.waitUntil(lambda: tasks.pending() == 0, timeout=timeout)


def context_for(backend: Backend, settings: AppSettings, role: Role,
                username: str | None = None) -> AppContext:
    if role is Role.ADMIN:
        admin_token(backend)
        signed = auth.sign_in(backend, "admin", PASSWORD)
    elif role is Role.CONSUMER:  # a consumer is linked to a customer account
        from opsmanager_desktop.services import customers

        officer = token_for(backend, Role.BILLING_OFFICER)
        customers.create_customer(backend, officer, "C0001", "Asha Consumer")
        token_for(backend, role, username, account_no="C0001")
        signed = auth.sign_in(backend, username or f"u_{role.value}", PASSWORD)
    else:
        token_for(backend, role, username)
        signed = auth.sign_in(backend, username or f"u_{role.value}", PASSWORD)
    return AppContext(backend, signed, settings)


@pytest.fixture
def make_ctx(gui_settings: AppSettings) -> Callable[[Backend, Role], AppContext]:
    def make(backend: Backend, role: Role) -> AppContext:
        return context_for(backend, gui_settings, role)
    return make


def message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()]


def visible(kind: type[QWidget]) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]

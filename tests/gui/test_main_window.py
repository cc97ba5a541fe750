"""The main window: pages by permission, status bar, shortcuts, idle lock."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.permissions import Permission, permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.lock import LockCurtain, UnlockDialog
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.registry import all_pages
from opsmanager_desktop.gui.pages.users import UsersPage
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import visible, wait_tasks
from tests.helpers import PASSWORD

MakeCtx = Callable[[Backend, Role], AppContext]


def _window(qtbot: QtBot, ctx: AppContext, idle_ms: int | None = None) -> MainWindow:
    window = MainWindow(ctx, idle_ms)
    qtbot.addWidget(window)
    window.show()
    wait_tasks(qtbot)
    return window


def _sidebar(window: MainWindow) -> list[str]:
    return [window.sidebar.item(i).text() for i in range(window.sidebar.count())]


@pytest.mark.parametrize("role", list(Role))
def test_sidebar_lists_the_pages_the_role_may_use(qtbot: QtBot, sqlite_backend: Backend,
                                                  make_ctx: MakeCtx, role: Role) -> None:
    window = _window(qtbot, make_ctx(sqlite_backend, role))
    granted = permissions_of(role)
    expected = [spec.title for spec in all_pages() if spec.permission in granted]
    assert _sidebar(window) == expected
    assert ("Users" in expected) == (role is Role.ADMIN)


def test_billing_officer_has_no_users_page(qtbot: QtBot, sqlite_backend: Backend,
                                           make_ctx: MakeCtx) -> None:
    window = _window(qtbot, make_ctx(sqlite_backend, Role.BILLING_OFFICER))
    assert "Users" not in _sidebar(window)
    assert window.show_page("users") is None


def test_status_bar_and_page_shortcuts(qtbot: QtBot, sqlite_backend: Backend,
                                       make_ctx: MakeCtx) -> None:
    window = _window(qtbot, make_ctx(sqlite_backend, Role.ADMIN))
    assert window.user_label.text() == "Signed in as admin (Admin)"
    assert window.db_label.text() == f"Database: {sqlite_backend.describe()}"
    keys = [spec.key for spec in window.specs]
    for number, key in enumerate(keys[:9], start=1):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.current_page() is window.pages[key]
    assert isinstance(window.pages["users"], UsersPage)


def test_status_bar_never_shows_the_database_password(qtbot: QtBot, make_ctx: MakeCtx,
                                                       sqlite_backend: Backend) -> None:
    from sqlalchemy import create_engine

    ctx = make_ctx(sqlite_backend, Role.ADMIN)
    secret = create_engine("mysql+pymysql://officer:s3cret-pw@db.example/ops")
    ctx.backend = type(sqlite_backend)(secret)
    window = _window(qtbot, ctx)
    assert "s3cret-pw" not in window.db_label.text()
    assert "officer:***@db.example" in window.db_label.text()
    secret.dispose()


def test_idle_lock_keeps_what_was_typed(qtbot: QtBot, sqlite_backend: Backend,
                                        make_ctx: MakeCtx) -> None:
    window = _window(qtbot, make_ctx(sqlite_backend, Role.ADMIN), idle_ms=60_000)
    page = window.show_page("users")
    assert isinstance(page, UsersPage)
    qtbot.keyClicks(page.filter_bar.search, "half-typed search")
    dialog = page.add_user()
    qtbot.keyClicks(dialog.username, "new.officer")
    qtbot.keyClicks(dialog.full_name, "Nadia Officer")
    window.idle.set_timeout(200)  # short only now: a slow machine must not lock too early
    qtbot.waitUntil(lambda: window.locker.is_locked, timeout=5000)
    unlock = window.locker.dialog
    assert isinstance(unlock, UnlockDialog) and unlock.isVisible()
    covered = {w.parentWidget(): w for w in window.findChildren(LockCurtain) if w.isVisible()}
    assert covered[window].geometry() == window.rect()
    assert covered[dialog].geometry() == dialog.rect()  # the open dialog is covered too

    qtbot.keyClicks(unlock.password, "wrong-password-x")
    qtbot.mouseClick(unlock.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert window.locker.is_locked and "wrong" in unlock.errors.field_text("password")
    unlock.password.setText(PASSWORD)
    qtbot.mouseClick(unlock.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.locker.is_locked, timeout=5000)
    QApplication.processEvents()
    assert not [w for w in window.findChildren(LockCurtain) if w.isVisible()]
    assert page.filter_bar.search.text() == "half-typed search"
    assert dialog.isVisible()
    assert (dialog.username.text(), dialog.full_name.text()) == ("new.officer", "Nadia Officer")


def test_escape_does_not_unlock(qtbot: QtBot, sqlite_backend: Backend,
                                make_ctx: MakeCtx) -> None:
    window = _window(qtbot, make_ctx(sqlite_backend, Role.ADMIN))
    window.lock()
    unlock = window.locker.dialog
    assert unlock is not None
    qtbot.keyClick(unlock, Qt.Key.Key_Escape)
    assert window.locker.is_locked and unlock.isVisible()


def test_about_shows_the_version(qtbot: QtBot, sqlite_backend: Backend,
                                 make_ctx: MakeCtx) -> None:
    from opsmanager_desktop import __version__

    window = _window(qtbot, make_ctx(sqlite_backend, Role.SUPPORT_AGENT))
    about = window.show_about()
    assert about.version_label is not None
    assert about.version_label.text() == f"Version {__version__}"
    assert visible(type(about))


def test_every_registered_page_needs_a_real_permission() -> None:
    for spec in all_pages():
        assert isinstance(spec.permission, Permission)
        assert spec.key and spec.title

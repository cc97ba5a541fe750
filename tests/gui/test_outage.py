"""A database outage: a banner with Retry, nothing typed is lost, no crash."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.users import PAGE, UsersPage
from opsmanager_desktop.services import users
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.helpers import PASSWORD

MakeCtx = Callable[[Backend, Role], AppContext]


@pytest.fixture
def unreachable(sqlite_backend: Backend) -> Iterator[Backend]:
    """The same signing key, a server that does not answer."""
    down = Backend(make_engine("mysql://nobody@127.0.0.1:1/ops"),
                   signing_key=sqlite_backend.signing_key)
    yield down
    down.dispose()


def test_outage_banner_keeps_rows_and_search(qtbot: QtBot, sqlite_backend: Backend,
                                             unreachable: Backend, make_ctx: MakeCtx) -> None:
    ctx = make_ctx(sqlite_backend, Role.ADMIN)
    users.add_user(sqlite_backend, ctx.token, "zed", Role.SUPERVISOR, PASSWORD)
    page = UsersPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    assert page.model.rowCount() == 2
    ctx.backend = unreachable
    qtbot.keyClicks(page.filter_bar.search, "ze")
    page.filter_bar.flush()
    wait_tasks(qtbot)
    assert page.banner.isVisible() and "Database unreachable" in page.banner.text.text()
    assert page.model.rowCount() == 2  # what was shown stays
    assert page.filter_bar.search.text() == "ze"
    ctx.backend = sqlite_backend  # the server is back
    qtbot.mouseClick(page.banner.retry_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert not page.banner.isVisible()
    assert [r.username for r in page.model.rows()] == ["zed"]


def test_outage_in_a_dialog_keeps_the_input(qtbot: QtBot, sqlite_backend: Backend,
                                            unreachable: Backend, make_ctx: MakeCtx) -> None:
    ctx = make_ctx(sqlite_backend, Role.ADMIN)
    page = UsersPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.show()
    dialog = page.add_user()
    qtbot.keyClicks(dialog.username, "kept.input")
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.repeat, PASSWORD)
    ctx.backend = unreachable
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert dialog.isVisible() and "cannot be reached; nothing was changed" in \
        dialog.message.text()
    assert (dialog.username.text(), dialog.password.text()) == ("kept.input", PASSWORD)
    ctx.backend = sqlite_backend
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert users.get_user(sqlite_backend, ctx.token, "kept.input").role is Role.ADMIN

"""Dashboard page: the role's figures as cards, each opening the list behind it with the
filter set (mouse and keyboard); absent for consumers; follows changes elsewhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.permissions import permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.dashboard import DashboardPage
from opsmanager_desktop.gui.pages.registry import pages_for
from opsmanager_desktop.services import customers
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.helpers import token_for
from tests.test_dashboard_figures import _scene

MakeCtx = Callable[[Backend, Role], AppContext]


@pytest.mark.parametrize("role", list(Role))
def test_every_officer_has_a_dashboard_consumers_do_not(role: Role) -> None:
    keys = [spec.key for spec in pages_for(permissions_of(role))]
    assert ("dashboard" in keys) == (role is not Role.CONSUMER)
    if role not in (Role.CONSUMER, Role.ADMIN):
        assert keys[0] == "dashboard"  # the page an officer's day starts on
    if role is Role.ADMIN:
        assert keys[:2] == ["users", "dashboard"]  # administrators start on their users


def _window(qtbot: QtBot, ctx: AppContext) -> tuple[MainWindow, DashboardPage]:
    window = MainWindow(ctx, idle_ms=3_600_000)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    page = window.show_page("dashboard")
    assert isinstance(page, DashboardPage)
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: page.figures is not None, timeout=5000)
    return window, page


def test_supervisor_cards_open_the_lists_behind_them(qtbot: QtBot, backend: Backend,
                                                     make_ctx: MakeCtx) -> None:
    _scene(backend)
    window, page = _window(qtbot, make_ctx(backend, Role.SUPERVISOR))
    assert page.waiting.figure.text() == "2" and page.waiting.isVisible()
    assert page.flagged.figure.text() == "1"
    assert page.overdue.figure.text() == "2"
    assert page.collected.figure.text() == "100.30"
    assert "2026-02: 40.30 from 1 payments" in page.collected.note.text()
    assert page.cycle.bars["billed"][2].text() == "2 of 7"

    qtbot.mouseClick(page.flagged, Qt.MouseButton.LeftButton)
    readings = window.current_page()
    assert readings is not None and readings.spec.key == "readings"
    wait_tasks(qtbot)
    bar = readings.filter_bar  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bar.filters().get("flag") == "ANY", timeout=5000)
    assert bar.filters().get("status") == "SUBMITTED"
    wait_tasks(qtbot)
    model = readings.model  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert model.row_at(0).flags

    window.show_page("dashboard")
    wait_tasks(qtbot)
    page.cycle.setFocus()
    qtbot.keyClick(page.cycle, Qt.Key.Key_Return)  # the keyboard opens a card too
    assert window.current_page() is readings
    qtbot.waitUntil(lambda: bar.filters().get("cycle") == "2026-03", timeout=5000)
    assert "flag" not in bar.filters()  # the other filters are reset to "all"


def test_field_officer_sees_no_figures(qtbot: QtBot, backend: Backend,
                                       make_ctx: MakeCtx) -> None:
    _scene(backend)
    _win, page = _window(qtbot, make_ctx(backend, Role.FIELD_OFFICER))
    assert page.empty.isVisible()
    assert not page.waiting.isVisible() and not page.collected.isVisible()


def test_figures_follow_changes_made_elsewhere(qtbot: QtBot, backend: Backend,
                                               make_ctx: MakeCtx) -> None:
    _scene(backend)
    _win, page = _window(qtbot, make_ctx(backend, Role.ACCOUNTS_OFFICER))
    assert not page.waiting.isVisible()  # no readings for an accounts officer
    before = page.seen
    page._poll()  # nothing changed: nothing read again
    wait_tasks(qtbot)
    assert page.seen == before
    from datetime import date

    from opsmanager_desktop.services import payments

    first = customers.list_customers(backend, token_for(backend, Role.BILLING_OFFICER)
                                     ).rows[0].account_no
    payments.record_payment(backend, token_for(backend, Role.ACCOUNTS_OFFICER), first,
                            "9.70", "CASH", "R-9", date(2026, 3, 19))
    page._poll()
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: page.collected.figure.text() == "110.00", timeout=5000)
    assert page.seen is not None and before is not None and page.seen > before

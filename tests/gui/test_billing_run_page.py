"""Billing run page: only billing officers; the run in the background with its progress
seen in the dialog, the result and the connections not billed; a refused run's message."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressBar, QPushButton
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.billing_run import PAGE, BillingRunPage
from opsmanager_desktop.gui.progress import JobProgressDialog
from opsmanager_desktop.services import bills, cycles
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.billing_data import World, add_connections, make_world, open_cycle
from tests.gui.conftest import message_boxes, wait_tasks

MakeCtx = Callable[[Backend, Role], AppContext]
JAN = "2026-01"


@pytest.fixture
def world(backend: Backend) -> World:
    w = make_world(backend)
    open_cycle(w, JAN)
    add_connections(w, [("DOM", "150", "0"), ("DOM", None, "0"), ("WAT", "12", "0")], JAN)
    add_connections(w, [("DOM", "90", "0")], JAN, reading_status="SUBMITTED")
    return w


def _page(qtbot: QtBot, ctx: AppContext) -> BillingRunPage:
    page = BillingRunPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


@pytest.mark.parametrize("role", [r for r in Role])
def test_only_billing_officers_run_billing(qtbot: QtBot, world: World, make_ctx: MakeCtx,
                                           role: Role) -> None:
    window = MainWindow(make_ctx(world.backend, role))
    qtbot.addWidget(window)
    page = window.show_page("billing_run")
    wait_tasks(qtbot)
    assert (page is not None) == (role is Role.BILLING_OFFICER)


def test_run_with_progress_then_result_and_exceptions(qtbot: QtBot, world: World,
                                                      make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    assert page.chosen() == JAN
    assert [page.before.value(k) for k in ("Approved readings", "Waiting for approval",
                                           "Bills already made")] == ["2", "1", "0"]
    box = page.run_billing()
    assert isinstance(box, QMessageBox) and "1 readings of 2026-01 still wait" in box.text()
    go = next(b for b in box.buttons() if b.text() == "Run billing")
    qtbot.mouseClick(go, Qt.MouseButton.LeftButton)
    dialog = page.findChild(JobProgressDialog)
    assert dialog is not None and dialog.windowTitle() == "Billing run"
    seen: list[tuple[int, int]] = []
    bar = dialog.findChild(QProgressBar)
    assert bar is not None
    # connected before the queued progress reaches the GUI thread
    bar.valueChanged.connect(lambda value: seen.append((value, bar.maximum())))
    wait_tasks(qtbot)
    assert seen and seen[-1][0] == seen[-1][1] > 0  # all of the connections gone through
    assert page.result is not None and page.result.bills_created == 2
    assert page.after.value("Bills created") == "2"
    reasons = sorted(m.reason for m in page.missing_model.rows())
    assert reasons == ["no reading for 2026-01", "reading submitted but not approved yet"]
    assert page.missing_count.text() == "2 connections not billed"
    assert "2 bills created" in page.notice.text()
    assert page.before.value("Bills already made") == "2"  # the summary was reloaded
    assert bills.list_bills(world.backend, world.admin,
                            ListQuery(filters={"cycle": JAN})).total == 2


def test_cancel_stops_the_run(qtbot: QtBot, world: World, make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    dialog = page.start_run(JAN)
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # the run stops after a chunk
    wait_tasks(qtbot)
    assert page.result is not None
    # the flag is read after each chunk; a run of one chunk may end before it is seen
    if page.result.cancelled:
        assert "cancelled; 2 bills were made" in page.notice.text()
        assert "run billing again to finish the cycle" in page.after_hint.text()
        assert page.missing_model.rowCount() == 0 and page.missing_count.text() == ""
    else:
        assert "finished: 2 bills created" in page.notice.text()


def test_refused_run_shows_the_service_message(qtbot: QtBot, world: World,
                                               make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    cycles.close_cycle(world.backend, world.admin, JAN)  # from another workstation
    page.start_run(JAN)
    wait_tasks(qtbot)
    (box,) = message_boxes()
    assert box.text() == "Billing cycle 2026-01 is closed; it takes no more billing runs"
    box.done(QMessageBox.StandardButton.Ok)
    assert page.result is None
    assert page.run_action is not None and page.run_action.isEnabled()

"""Dues page: by role, an account's dues, open bills and history, the ageing table, the
top defaulters for financial roles only, an unknown account said in the page, and a
payment recorded from it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.dues import PAGE, DuesPage
from opsmanager_desktop.services import billing, bills, payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.bills import BillRow
from opsmanager_desktop.services.listing import ListQuery
from tests.billing_data import World, add_connections, make_world, open_cycle
from tests.gui.conftest import wait_tasks
from tests.helpers import token_for

MakeCtx = Callable[[Backend, Role], AppContext]
JAN = "2026-01"


@pytest.fixture
def world(backend: Backend) -> World:
    w = make_world(backend)
    open_cycle(w, JAN)
    add_connections(w, [("DOM", "150", "0"), ("WAT", "12", "0")], JAN)
    billing.run_billing(backend, w.officer, JAN)
    bills.issue_bills(backend, w.officer, JAN, date(2026, 2, 1))
    return w


def _bills(world: World) -> list[BillRow]:
    return sorted(bills.list_bills(world.backend, world.admin, ListQuery()).rows,
                  key=lambda b: b.total, reverse=True)


def _page(qtbot: QtBot, ctx: AppContext) -> DuesPage:
    page = DuesPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1300, 720)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


@pytest.mark.parametrize("role,shown", [
    (Role.ACCOUNTS_OFFICER, True), (Role.BILLING_OFFICER, True), (Role.SUPERVISOR, True),
    (Role.SUPPORT_AGENT, True), (Role.ADMIN, False), (Role.FIELD_OFFICER, False),
    (Role.CONSUMER, False)])
def test_page_by_role(qtbot: QtBot, world: World, make_ctx: MakeCtx, role: Role,
                      shown: bool) -> None:
    window = MainWindow(make_ctx(world.backend, role))
    qtbot.addWidget(window)
    page = window.show_page("dues")
    wait_tasks(qtbot)
    assert (page is not None) == shown
    if isinstance(page, DuesPage):
        # the defaulters list is a financial report: accounts officers only of these
        assert page.financial == (role is Role.ACCOUNTS_OFFICER)
        assert ("Record payment..." in [a.text() for a in page.actions()]) == (
            role is Role.ACCOUNTS_OFFICER)


def test_account_dues_history_and_ageing(qtbot: QtBot, world: World,
                                         make_ctx: MakeCtx) -> None:
    big, small = _bills(world)
    officer = token_for(world.backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(world.backend, officer, big.account_no, Decimal("155.00"), "CASH",
                            "R-1", date(2026, 2, 10))
    page = _page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    # every open balance is more than 90 days past its due date (2026-02-15) by now
    buckets = {b.bucket: (b.bills, b.amount) for b in page.ageing_model.rows()}
    assert buckets["90+"] == (2, Decimal("1000.00") + small.total)
    assert page.ageing_total.text() == f"Total open: {1000 + small.total:,.2f}"
    assert [d.account_no for d in page.defaulters_model.rows()] == [big.account_no,
                                                                    small.account_no]
    page.defaulters_view.doubleClicked.emit(page.defaulters_model.index(0, 0))
    wait_tasks(qtbot)
    assert page.account_title.text().startswith(big.account_no)
    assert page.facts.value("Outstanding") == "1,000.00"
    assert [b.bill_no for b in page.open_model.rows()] == [big.bill_no]
    kinds = [h.kind for h in page.history_model.rows()]
    assert kinds == ["PAYMENT", "BILL"]  # newest first
    page.account.setText("NOPE-1")
    page.show_typed()
    wait_tasks(qtbot)
    assert page.account_title.text() == "No customer has account number 'NOPE-1'"
    assert page.open_model.rowCount() == 0


def test_payment_from_the_dues_page(qtbot: QtBot, world: World, make_ctx: MakeCtx) -> None:
    _big, small = _bills(world)
    page = _page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    page.account.setText(small.account_no)
    page.show_typed()
    wait_tasks(qtbot)
    dialog = page.record_payment()
    wait_tasks(qtbot)
    # oldest first, the account's statement, its open bill
    assert dialog.account_no.text() == small.account_no and dialog.bill.count() == 3
    assert dialog.bill.itemData(1) == small.statement_no
    dialog.amount.setText(str(small.balance))
    dialog.reference.setText("POS-77")
    dialog.channel.setCurrentIndex(dialog.channel.findData("POS"))
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert page.facts.value("Outstanding") == "0.00"
    assert page.open_model.rowCount() == 0
    assert "Payment of" in page.notice.text()

"""My account: the one page a consumer gets; their own statements, bills, payments and
profile, read-only."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.permissions import permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.customer_detail import HistoryTab
from opsmanager_desktop.gui.pages.my_account import MyAccountPage
from opsmanager_desktop.gui.pages.registry import pages_for
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.services import payments, statements
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.gui.conftest import context_for, wait_tasks
from tests.helpers import token_for
from tests.ledger_data import add_bill
from tests.statement_data import CONSUMER, FEB, JAN, make_statements


@pytest.mark.parametrize("role", list(Role))
def test_only_consumers_have_my_account(role: Role) -> None:
    keys = [spec.key for spec in pages_for(permissions_of(role))]
    if role is Role.CONSUMER:
        assert keys == ["my_account"]  # and nothing else
    else:
        assert "my_account" not in keys


def _rows(tab: HistoryTab) -> list[object]:
    return [tab.model.row_at(i) for i in range(tab.model.rowCount())]


def test_consumer_sees_only_their_own_bills_and_payments(
        qtbot: QtBot, backend: Backend, gui_settings: AppSettings) -> None:
    # context_for links the consumer to C0001 (created there)
    ctx = context_for(backend, gui_settings, Role.CONSUMER)
    mine = add_bill(backend, "C0001", "150.00", due=date(2026, 1, 20), cycle="2026-01")
    add_bill(backend, "C0001", "90.00", due=date(2026, 2, 20), cycle="2026-02")
    theirs = add_bill(backend, "X0002", "75.00", due=date(2026, 1, 20))
    accounts = token_for(backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(backend, accounts, "C0001", "40.00", "CASH", "MINE-1",
                            date(2026, 1, 10), bill_no=mine)
    payments.record_payment(backend, accounts, "X0002", "75.00", "CASH", "THEIRS-1",
                            date(2026, 1, 10))
    window = MainWindow(ctx, idle_ms=3_600_000)
    qtbot.addWidget(window)
    window.show()
    assert [spec.key for spec in window.specs] == ["my_account"]
    page = window.current_page()
    assert isinstance(page, MyAccountPage)
    wait_tasks(qtbot)
    assert page.name.text() == "Asha Consumer"
    assert page.profile.value("Account") == "C0001"
    assert page.money.value("Outstanding") == "200.00"
    assert page.owed.text() == "To pay: 200.00"
    assert page.tabs.currentWidget() is page.history["statements"]  # the paper, first
    bills_tab = page.history["bills"]
    page.tabs.setCurrentWidget(bills_tab)
    wait_tasks(qtbot)
    bill_numbers = sorted(r.bill_no for r in _rows(bills_tab))  # type: ignore[attr-defined]
    assert theirs not in bill_numbers and mine in bill_numbers and len(bill_numbers) == 2
    page.tabs.setCurrentWidget(page.history["payments"])
    wait_tasks(qtbot)
    assert [r.reference for r in _rows(page.history["payments"])] == [  # type: ignore[attr-defined]
        "MINE-1"]
    # read-only: the only action refreshes
    assert [a.text() for a in page.actions()] == ["Refresh"]
    assert window.show_page("customers") is None


def test_consumer_sees_their_own_statements_newest_first(
        qtbot: QtBot, backend: Backend, gui_settings: AppSettings) -> None:
    ctx = context_for(backend, gui_settings, Role.CONSUMER)  # linked to C0001
    data = make_statements(backend, consumer=True)
    mine = statements.list_statements(backend, data.world.admin, ListQuery(
        filters={"account": CONSUMER}, sort="cycle", descending=True)).rows
    assert [s.cycle for s in mine] == [FEB, JAN] and all(s.bills == 2 for s in mine)
    window = MainWindow(ctx, idle_ms=3_600_000)
    qtbot.addWidget(window)
    window.show()
    page = window.current_page()
    assert isinstance(page, MyAccountPage)
    wait_tasks(qtbot)
    tab = page.history["statements"]
    assert _rows(tab) == list(mine)  # other accounts' statements are not there
    model = tab.model
    assert [model.headerData(c, Qt.Orientation.Horizontal)
            for c in range(model.columnCount())] == [
        "Statement", "Cycle", "Due", "Total due", "Balance now", "Status"]
    total = model.index(0, model.column_index("total_due"))
    assert model.data(total) == format_money(mine[0].total_due)
    assert Qt.AlignmentFlag(model.data(total, Qt.ItemDataRole.TextAlignmentRole)) \
        & Qt.AlignmentFlag.AlignRight
    assert model.data(model.index(0, model.column_index("balance"))) == \
        format_money(mine[0].balance)

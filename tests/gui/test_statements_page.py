"""Statements page: by role, the rows and their filters, the pane's figures are the
statement's, a credit, printing the chosen statements, and the way between a bill and its
statement (the Bills page's Statement column and link, the pane's bills)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.permissions import permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.bills import BillsPage
from opsmanager_desktop.gui.pages.registry import pages_for
from opsmanager_desktop.gui.pages.statements import PAGE, StatementsPage
from opsmanager_desktop.gui.pages.statements_detail import bill_columns, summary_facts
from opsmanager_desktop.gui.table_model import SortRole
from opsmanager_desktop.services import statements
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.statements import StatementRow
from tests.gui.conftest import wait_tasks
from tests.statement_data import AHEAD, FEB, JAN, TWO, StatementWorld, make_statements

MakeCtx = Callable[[Backend, Role], AppContext]


@pytest.fixture
def data(backend: Backend) -> StatementWorld:
    return make_statements(backend)


def _statement(data: StatementWorld, account: str, cycle: str = FEB) -> StatementRow:
    rows = statements.list_statements(data.backend, data.world.admin, ListQuery(
        filters={"account": account, "cycle": cycle})).rows
    assert len(rows) == 1
    return rows[0]


def _page(qtbot: QtBot, ctx: AppContext) -> StatementsPage:
    page = StatementsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1400, 760)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _select(qtbot: QtBot, page: StatementsPage, statement_no: str) -> None:
    rows = [r.statement_no for r in page.model.rows()]
    page.table.selectRow(rows.index(statement_no))
    wait_tasks(qtbot)


@pytest.mark.parametrize("role", list(Role))
def test_the_page_is_there_for_those_who_see_bills(role: Role) -> None:
    keys = [spec.key for spec in pages_for(permissions_of(role))]
    assert ("statements" in keys) == ("bills" in keys)
    if "statements" in keys:  # right after Bills in the sidebar
        assert keys.index("statements") == keys.index("bills") + 1


def test_rows_money_and_filters(qtbot: QtBot, data: StatementWorld,
                                make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(data.backend, Role.SUPPORT_AGENT))
    assert page.cycle_filter.currentData() == FEB  # the newest cycle first
    assert sorted(r.account_no for r in page.model.rows()) == [TWO, AHEAD]
    assert page.count_label.text() == "2 statements"
    two = _statement(data, TWO)
    assert two.bills == 2
    row = [r.statement_no for r in page.model.rows()].index(two.statement_no)
    total = page.model.index(row, page.model.column_index("total_due"))
    assert page.model.data(total) == format_money(two.total_due)
    assert page.model.data(total, SortRole) == two.total_due
    align = Qt.AlignmentFlag(page.model.data(total, Qt.ItemDataRole.TextAlignmentRole))
    assert align & Qt.AlignmentFlag.AlignRight
    status = page.model.index(row, page.model.column_index("status"))
    assert page.model.data(status) == "Open"
    page.cycle_filter.setCurrentIndex(page.cycle_filter.findData(None))
    wait_tasks(qtbot)
    assert page.model.rowCount() == 4
    page.account.setText(TWO)
    page.account.editingFinished.emit()
    wait_tasks(qtbot)
    assert {r.account_no for r in page.model.rows()} == {TWO}
    assert {r.cycle for r in page.model.rows()} == {JAN, FEB}
    assert page.model.query.filters == {"account": TWO}


def test_the_pane_shows_the_statement_as_issued(qtbot: QtBot, data: StatementWorld,
                                                make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(data.backend, Role.ACCOUNTS_OFFICER))
    two = _statement(data, TWO)
    _select(qtbot, page, two.statement_no)
    expected = statements.get_statement(data.backend, data.accounts, two.statement_no)
    pane = page.detail
    assert pane.detail == expected
    assert pane.title.text() == f"Statement {two.statement_no}"
    s = expected.statement
    assert s.previous_balance > 0 and s.payments == Decimal("500.00")
    assert s.previous_balance - s.payments + s.reversals + s.adjustments \
        + s.current_charges == s.total_due
    assert [(label, pane.summary.value(label)) for label, _v in summary_facts(s)] == [
        ("Previous balance", format_money(s.previous_balance)),
        ("Payments received", format_money(-s.payments)),
        ("Adjustments", format_money(s.adjustments)),
        ("Current charges", format_money(s.current_charges)),
        ("Total due", format_money(s.total_due))]
    assert pane.facts.value("Owed on its bills now") == format_money(s.balance)
    assert pane.facts.value("Bills") == "2 bills"
    shown = [pane.bills.row_at(i) for i in range(pane.bills.rowCount())]
    assert shown == list(expected.bills)
    assert {b.utility for b in shown} == {"electricity", "water"}
    assert [c.key for c in bill_columns()] == [
        "bill_no", "utility", "total", "balance", "status", "units", "meter"]


def test_a_statement_in_credit(qtbot: QtBot, data: StatementWorld,
                               make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(data.backend, Role.BILLING_OFFICER))
    ahead = _statement(data, AHEAD)
    assert ahead.total_due < 0
    _select(qtbot, page, ahead.statement_no)
    assert page.detail.summary.value("In credit") == format_money(-ahead.total_due)
    assert page.detail.summary.value("Total due") == ""
    assert ahead.status == "SETTLED"  # the credit paid its new bill on issue


def test_print_the_chosen_statements(qtbot: QtBot, data: StatementWorld,
                                     make_ctx: MakeCtx, tmp_path: Path) -> None:
    assert "Print..." not in [a.text() for a in _page(
        qtbot, make_ctx(data.backend, Role.ACCOUNTS_OFFICER)).actions()]
    page = _page(qtbot, make_ctx(data.backend, Role.BILLING_OFFICER))
    assert page.table_actions.table == "statements"  # exports like the other tables
    two = _statement(data, TWO)
    _select(qtbot, page, two.statement_no)
    assert page.selected_statement_nos() == (two.statement_no,)
    page.print_selected(tmp_path / "chosen.pdf")
    wait_tasks(qtbot, 60000)
    text = "".join(p.extract_text() for p in PdfReader(str(tmp_path / "chosen.pdf")).pages)
    detail = statements.get_statement(data.backend, data.world.admin, two.statement_no)
    assert all(b.bill_no in text for b in detail.bills)
    assert "printed to chosen.pdf" in page.notice.text()


def test_from_a_bill_to_its_statement_and_back(qtbot: QtBot, data: StatementWorld,
                                               make_ctx: MakeCtx) -> None:
    window = MainWindow(make_ctx(data.backend, Role.SUPERVISOR), idle_ms=3_600_000)
    qtbot.addWidget(window)
    window.show()
    bills_page = window.show_page("bills")
    wait_tasks(qtbot)
    assert isinstance(bills_page, BillsPage)
    two = _statement(data, TWO)
    bills_page.account.setText(TWO)
    bills_page.account.editingFinished.emit()
    wait_tasks(qtbot)
    column = bills_page.model.column_index("statement")
    assert {bills_page.model.data(bills_page.model.index(i, column))
            for i in range(bills_page.model.rowCount())} == {two.statement_no}
    bills_page.table.selectRow(0)
    wait_tasks(qtbot)
    pane = bills_page.detail
    assert pane.statement.value("Statement") == two.statement_no
    assert pane.statement.value("Account total due") == format_money(two.total_due)
    assert pane.statement.value("Total due") == ""  # no total due of the bill's own
    bills_page.show_statement(two.statement_no, TWO)
    wait_tasks(qtbot)
    page = window.current_page()
    assert isinstance(page, StatementsPage)
    assert page.cycle_filter.currentData() is None  # whatever cycle it is of
    assert page.selected() == two
    wait_tasks(qtbot)
    water = next(b for b in page.detail.bills.rows() if b.utility == "water")
    page.show_bill(water)
    wait_tasks(qtbot)
    assert window.current_page() is bills_page
    assert bills_page.selected().bill_no == water.bill_no

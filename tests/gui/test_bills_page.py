"""Bills page: by role, money shown and filtered in the database, a bill's lines (its
statement: tests/gui/test_statements_page.py), issue a cycle, adjust, mark overdue, a
refused adjustment's message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.bills import PAGE, BillsPage
from opsmanager_desktop.gui.pages.bills_widgets import date_range
from opsmanager_desktop.gui.table_model import SortRole
from opsmanager_desktop.services import billing, bills, payments
from opsmanager_desktop.services.backend import Backend
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
    add_connections(w, [("DOM", "150", "0"), ("DOM", "40", "0"), ("WAT", "12", "0")], JAN)
    billing.run_billing(backend, w.officer, JAN)
    return w


def _page(qtbot: QtBot, ctx: AppContext) -> BillsPage:
    page = BillsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1400, 760)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _bill(world: World, **filters: object) -> list[bills.BillRow]:
    return bills.list_bills(world.backend, world.admin, ListQuery(filters=filters)).rows


def _select(qtbot: QtBot, page: BillsPage, bill_no: str) -> None:
    rows = [r.bill_no for r in page.model.rows()]
    page.table.selectRow(rows.index(bill_no))
    wait_tasks(qtbot)


def _issue(world: World) -> None:
    bills.issue_bills(world.backend, world.officer, JAN, date(2026, 2, 1))


@pytest.mark.parametrize("role,shown", [
    (Role.ADMIN, True), (Role.BILLING_OFFICER, True), (Role.ACCOUNTS_OFFICER, True),
    (Role.SUPERVISOR, True), (Role.SUPPORT_AGENT, True), (Role.FIELD_OFFICER, False),
    (Role.CONSUMER, False)])
def test_page_by_role(qtbot: QtBot, world: World, make_ctx: MakeCtx, role: Role,
                      shown: bool) -> None:
    window = MainWindow(make_ctx(world.backend, role))
    qtbot.addWidget(window)
    page = window.show_page("bills")
    wait_tasks(qtbot)
    assert (page is not None) == shown
    if isinstance(page, BillsPage):
        texts = [a.text() for a in page.actions()]
        assert ("Issue bills..." in texts) == (role is Role.BILLING_OFFICER)
        assert ("Adjust..." in texts) == (role in (Role.BILLING_OFFICER,
                                                   Role.ACCOUNTS_OFFICER))
        assert page.model.rowCount() == 3


def test_money_right_aligned_sorted_as_numbers_and_filters(qtbot: QtBot, world: World,
                                                           make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    assert page.cycle_filter.currentData() == JAN  # the newest cycle first
    total = page.model.column_index("total")
    page.table.sortByColumn(total, Qt.SortOrder.DescendingOrder)  # the database sorts
    wait_tasks(qtbot)
    values = [page.model.data(page.model.index(i, total), SortRole) for i in range(3)]
    assert values == sorted(values, reverse=True) and isinstance(values[0], Decimal)
    first = page.model.index(0, total)
    assert page.model.data(first) == "1,155.00"  # 150 units: 1,000 + 50 fixed + 10 % VAT
    align = Qt.AlignmentFlag(page.model.data(first, Qt.ItemDataRole.TextAlignmentRole))
    assert align & Qt.AlignmentFlag.AlignRight
    page.filter_bar.combo("utility").setCurrentIndex(
        page.filter_bar.combo("utility").findData("water"))
    wait_tasks(qtbot)
    assert [r.utility for r in page.model.rows()] == ["water"]
    assert page.model.query.filters == {"cycle": JAN, "utility": "water"}
    page.filter_bar.combo("utility").setCurrentIndex(0)
    account = _bill(world)[0].account_no
    page.account.setText(account)
    page.account.editingFinished.emit()
    wait_tasks(qtbot)
    assert [r.account_no for r in page.model.rows()] == [account]


def test_detail_shows_lines_and_statement(qtbot: QtBot, world: World,
                                          make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.SUPERVISOR))
    big = next(r for r in _bill(world) if r.total == Decimal("1155.00"))
    _select(qtbot, page, big.bill_no)
    detail = page.detail
    assert detail.detail is not None and detail.title.text() == f"Bill {big.bill_no}"
    cells = [[detail.lines.item(r, c).text() for c in range(4)]
             for r in range(detail.lines.rowCount())]
    assert [row[3] for row in cells] == ["500.00", "500.00", "50.00", "105.00"]
    assert detail.facts.value("Bill total") == "1,155.00"
    assert detail.facts.value("Balance") == "1,155.00"
    # a draft is on no statement yet, and the pane has no total due of the bill's own
    assert detail.statement.value("Statement") == "made when the cycle's bills are issued"
    assert detail.statement.value("Total due") == ""
    column = page.model.column_index("statement")
    assert page.model.data(page.model.index(0, column)) == ""


def test_issue_a_cycle_through_the_dialog(qtbot: QtBot, world: World,
                                          make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    dialog = page.issue_cycle()
    wait_tasks(qtbot)
    assert "3 bills of 2026-01 will be issued" in dialog.waiting.text()
    dialog.issue_date.setDate(dialog.issue_date.date().fromString("2026-02-01", "yyyy-MM-dd"))
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert {r.status for r in _bill(world)} == {BillStatus.DUE}
    assert {r.due_date for r in _bill(world)} == {date(2026, 2, 15)}
    assert "3 bills of 2026-01 issued on 2026-02-01, due 2026-02-15" in page.notice.text()
    assert {r.status for r in page.model.rows()} == {BillStatus.DUE}


def test_adjust_and_mark_overdue(qtbot: QtBot, world: World, make_ctx: MakeCtx) -> None:
    _issue(world)
    page = _page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    big = next(r for r in _bill(world) if r.total == Decimal("1155.00"))
    _select(qtbot, page, big.bill_no)
    dialog = page.adjust_selected()
    assert dialog is not None
    dialog.amount.setText("2000")  # a credit above the balance
    dialog.reason.setText("meter misread")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "is more than the balance 1,155.00" in dialog.errors.field_text("amount")
    dialog.amount.setText("55.00")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    after = next(r for r in _bill(world) if r.bill_no == big.bill_no)
    assert (after.adjustments, after.balance) == (Decimal("-55.00"), Decimal("1100.00"))
    assert f"Bill {big.bill_no}: credit of 55.00 recorded; balance now 1,100.00" in \
        page.notice.text()
    assert page.detail.adjustments.rowCount() == 1
    page.mark_overdue()  # due 2026-02-15, today is later
    wait_tasks(qtbot)
    assert {r.status for r in _bill(world)} == {BillStatus.OVERDUE}
    assert "3 bills due before" in page.notice.text()


def test_refused_adjustment_shows_the_service_message(qtbot: QtBot, world: World,
                                                      make_ctx: MakeCtx) -> None:
    _issue(world)
    ctx = make_ctx(world.backend, Role.ACCOUNTS_OFFICER)
    page = _page(qtbot, ctx)
    small = next(r for r in _bill(world) if r.utility == "water")
    _select(qtbot, page, small.bill_no)
    dialog = page.adjust_selected()
    assert dialog is not None
    # meanwhile the customer pays the bill in full at another desk
    payments.record_payment(world.backend, token_for(world.backend, Role.ACCOUNTS_OFFICER),
                            small.account_no, small.balance, "CASH", "R-1")
    dialog.kind.setCurrentIndex(dialog.kind.findData("debit"))
    dialog.amount.setText("5")
    dialog.reason.setText("late fee")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert dialog.isVisible()
    assert f"Bill {small.bill_no} is paid and cannot be adjusted" in dialog.message.text()


def test_date_ranges() -> None:
    today = date(2026, 3, 10)
    assert date_range("last_month", today) == (date(2026, 2, 1), date(2026, 2, 28))
    assert date_range("this_year", today) == (date(2026, 1, 1), today)
    assert date_range("last_90", today) == (date(2025, 12, 10), today)
    assert date_range("", today) is None


def test_a_dashboard_link_shows_every_cycle(qtbot: QtBot, world: World,
                                            make_ctx: MakeCtx) -> None:
    from opsmanager_desktop.gui.navigation import open_filtered

    _issue(world)
    bills.mark_overdue(world.backend, world.officer)
    open_cycle(world, "2026-02")  # the newest cycle, with no bills yet
    window = MainWindow(make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    qtbot.addWidget(window)
    window.show_page("payments")
    wait_tasks(qtbot)
    page = open_filtered(window, "bills", {"status": BillStatus.OVERDUE.value})
    wait_tasks(qtbot)
    assert isinstance(page, BillsPage)
    assert page.cycle_filter.currentData() is None  # not the newest cycle by default
    assert page.model.rowCount() == 3
    assert {r.status for r in page.model.rows()} == {BillStatus.OVERDUE}


def test_print_the_selected_bills(qtbot: QtBot, world: World, make_ctx: MakeCtx,
                                  tmp_path: Path) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    chosen = sorted(r.bill_no for r in page.model.rows())[:2]
    rows = [r.bill_no for r in page.model.rows()]
    page.table.selectRow(rows.index(chosen[0]))
    page.table.selectionModel().select(
        page.model.index(rows.index(chosen[1]), 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    assert sorted(page.selected_bill_nos()) == chosen
    page.print_selected(tmp_path / "chosen.pdf")
    wait_tasks(qtbot, 60000)
    pdf = PdfReader(str(tmp_path / "chosen.pdf"))
    assert len(pdf.pages) == 2
    text = "".join(p.extract_text() for p in pdf.pages)
    assert all(number in text for number in chosen)


def test_print_action_only_for_roles_that_print(qtbot: QtBot, world: World,
                                                make_ctx: MakeCtx) -> None:
    texts = lambda page: [a.text() for a in page.actions()]  # noqa: E731
    assert "Print..." in texts(_page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER)))
    assert "Print..." not in texts(_page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER)))

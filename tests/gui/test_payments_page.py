"""Payments page: by role, record a payment through the dialog (the bill picked from the
customer's open bills, the amount checked by the service), a refused payment's message,
reverse with a reason, a settlement file previewed before anything is posted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.payments import PAGE, PaymentsPage
from opsmanager_desktop.gui.pages.payments_dialogs import RecordPaymentDialog
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


def _page(qtbot: QtBot, ctx: AppContext) -> PaymentsPage:
    page = PaymentsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _fill(qtbot: QtBot, dialog: RecordPaymentDialog, account: str) -> None:
    dialog.account_no.setText(account)
    dialog.account_no.editingFinished.emit()
    wait_tasks(qtbot)


@pytest.mark.parametrize("role,shown", [
    (Role.ACCOUNTS_OFFICER, True), (Role.ADMIN, True), (Role.SUPERVISOR, True),
    (Role.BILLING_OFFICER, False), (Role.FIELD_OFFICER, False), (Role.SUPPORT_AGENT, False),
    (Role.CONSUMER, False)])
def test_page_by_role(qtbot: QtBot, world: World, make_ctx: MakeCtx, role: Role,
                      shown: bool) -> None:
    window = MainWindow(make_ctx(world.backend, role))
    qtbot.addWidget(window)
    page = window.show_page("payments")
    wait_tasks(qtbot)
    assert (page is not None) == shown
    if isinstance(page, PaymentsPage):
        texts = [a.text() for a in page.actions()]
        assert ("Record payment..." in texts) == (role is Role.ACCOUNTS_OFFICER)
        assert ("Reverse..." in texts) == (role is Role.ACCOUNTS_OFFICER)


def test_record_a_payment_through_the_dialog(qtbot: QtBot, world: World,
                                             make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    big, small = _bills(world)
    dialog = page.record_payment()
    _fill(qtbot, dialog, big.account_no)
    assert "outstanding 1,155.00, credit 0.00, 1 open bill" in dialog.customer.text()
    assert dialog.bill.count() == 3  # oldest first, the account's statement, its open bill
    dialog.bill.setCurrentIndex(1)  # the statement on the payer's slip: its total due
    assert dialog.bill.currentData() == big.statement_no and dialog.amount.text() == "1155.00"
    assert dialog.bill.currentText().startswith(f"Statement {big.statement_no}: 1,155.00 due")
    dialog.bill.setCurrentIndex(2)  # the bill, which offers its balance as the amount
    assert dialog.bill.currentData() == big.bill_no and dialog.amount.text() == "1155.00"
    dialog.amount.setText("12.345")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "more than 2 decimals" in dialog.errors.field_text("amount")
    assert "A reference is required" in dialog.errors.field_text("reference")
    dialog.amount.setText("1,200.00")
    dialog.channel.setCurrentIndex(dialog.channel.findData("CASH"))
    dialog.reference.setText("RCPT-1")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert next(b for b in _bills(world) if b.bill_no == big.bill_no).status is \
        BillStatus.PAID
    assert f"1,155.00 to {big.bill_no}, 45.00 kept as credit" in page.notice.text()
    assert [r.reference for r in page.model.rows()] == ["RCPT-1"]
    page.table.selectRow(0)
    wait_tasks(qtbot)
    assert page.detail.parts.rowCount() == 2
    assert page.detail.facts.value("Account credit now") == "45.00"
    assert small.status is BillStatus.DUE


def test_refused_payment_shows_the_service_message(qtbot: QtBot, world: World,
                                                   make_ctx: MakeCtx) -> None:
    big, small = _bills(world)
    officer = token_for(world.backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(world.backend, officer, small.account_no, Decimal("5.00"),
                            "BANK", "TX-9")
    page = _page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    dialog = page.record_payment()
    _fill(qtbot, dialog, big.account_no)
    dialog.amount.setText("100")
    dialog.channel.setCurrentIndex(dialog.channel.findData("BANK"))
    dialog.reference.setText("TX-9")  # used already, by another account
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert dialog.isVisible()
    assert "Reference 'TX-9' of channel BANK was already used for a different payment" in \
        dialog.message.text()
    assert payments.list_payments(world.backend, officer, ListQuery()).total == 1


def test_unknown_account_is_said_in_the_form(qtbot: QtBot, world: World,
                                             make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    dialog = page.record_payment()
    _fill(qtbot, dialog, "NOPE-1")
    assert "No customer has account number 'NOPE-1'" in dialog.customer.text()
    assert dialog.bill.count() == 1


def test_reverse_with_a_reason(qtbot: QtBot, world: World, make_ctx: MakeCtx) -> None:
    big, _small = _bills(world)
    officer = token_for(world.backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(world.backend, officer, big.account_no, big.balance, "CHEQUE",
                            "CHQ-100")
    page = _page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    page.table.selectRow(0)
    wait_tasks(qtbot)
    dialog = page.reverse_selected()
    assert dialog is not None
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "say why the payment is reversed" in dialog.errors.field_text("reason").lower()
    dialog.reason.setText("cheque returned unpaid")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert page.model.rows()[0].reversed
    assert page.model.data(page.model.index(0, page.model.column_index("state"))) == \
        "Reversed"
    assert next(b for b in _bills(world) if b.bill_no == big.bill_no).status in (
        BillStatus.DUE, BillStatus.OVERDUE)
    assert f"1,155.00 from {big.bill_no} taken back" in page.notice.text()
    page.table.selectRow(0)
    wait_tasks(qtbot)
    assert page.reverse_action is not None and not page.reverse_action.isEnabled()


def test_settlement_file_previewed_before_posting(qtbot: QtBot, world: World,
                                                  make_ctx: MakeCtx, tmp_path: Path) -> None:
    big, small = _bills(world)
    officer = token_for(world.backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(world.backend, officer, small.account_no, Decimal("5.00"),
                            "BANK", "TX-1", date(2026, 2, 3))
    path = tmp_path / "bank.csv"
    path.write_text("reference,channel,account_no,amount,paid_at,bill_no\n"
                    f"TX-1,bank,{small.account_no},5.00,2026-02-03,\n"
                    f"TX-2,bank,{big.account_no},1000.00,2026-02-04,{big.bill_no}\n"
                    f"TX-3,bank,{small.account_no},2.50,2026-02-04,\n", encoding="utf-8")
    page = _page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    dialog = page.import_file(path)
    wait_tasks(qtbot)
    preview = dialog.preview
    assert preview is not None and (preview.valid, preview.skipped) == (2, 1)
    assert "3 payments checked: 2 can be imported, 1 already posted" in dialog.summary.text()
    states = [dialog.sample_model.data(dialog.sample_model.index(r, 1)) for r in range(3)]
    assert states == ["Skipped", "OK", "OK"]
    assert payments.list_payments(world.backend, officer, ListQuery()).total == 1
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == \
        "Import 2 payments"
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert payments.list_payments(world.backend, officer, ListQuery()).total == 3
    assert "2 payments posted (1,002.50) from bank.csv; 1 already posted" in \
        page.notice.text()
    assert page.model.rowCount() == 3


def test_a_dashboard_link_filters_this_month(qtbot: QtBot, world: World,
                                             make_ctx: MakeCtx) -> None:
    from opsmanager_desktop.gui.navigation import open_filtered

    big, small = _bills(world)
    officer = token_for(world.backend, Role.ACCOUNTS_OFFICER)
    today = world.backend.now().date()
    payments.record_payment(world.backend, officer, big.account_no, Decimal("10.00"), "CASH",
                            "OLD-1", date(2026, 2, 10))
    payments.record_payment(world.backend, officer, small.account_no, Decimal("5.00"),
                            "CASH", "NEW-1", today)
    window = MainWindow(make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    qtbot.addWidget(window)
    first = today.replace(day=1)
    page = open_filtered(window, "payments", {"date_from": first.isoformat(),
                                              "date_to": today.isoformat()})
    wait_tasks(qtbot)
    assert isinstance(page, PaymentsPage)
    assert page.model.query.filters == {"date_from": first, "date_to": today}
    assert [r.reference for r in page.model.rows()] == ["NEW-1"]


def test_a_payment_may_name_the_statement_on_the_slip(qtbot: QtBot, world: World,
                                                      make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.ACCOUNTS_OFFICER))
    big, _small = _bills(world)
    dialog = page.record_payment()
    _fill(qtbot, dialog, big.account_no)
    dialog.bill.setCurrentIndex(dialog.bill.findData(big.statement_no))
    dialog.channel.setCurrentIndex(dialog.channel.findData("BANK"))
    dialog.reference.setText("SLIP-1")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert next(b for b in _bills(world) if b.bill_no == big.bill_no).status is \
        BillStatus.PAID
    posted = payments.get_payment(world.backend, page.ctx.token, "BANK", "SLIP-1").payment
    assert (posted.amount, posted.statement_no, posted.bill_no) == \
        (Decimal("1155.00"), big.statement_no, None)

"""Notifications queued by the services that cause them: issuing a cycle's bills (one
message per account statement, one INSERT ... SELECT) and recording a payment; the overdue
bulk reminder; on both databases."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from sqlalchemy import select, update

from opsmanager_desktop.db.models import Bill, Customer, NotificationOutbox, Statement
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, notifications, payment_import, payments
from opsmanager_desktop.services.backend import Backend
from tests.helpers import token_for
from tests.ledger_data import add_bill


def _outbox(backend: Backend) -> list[NotificationOutbox]:
    with backend.sessions() as s:
        return list(s.scalars(select(NotificationOutbox).order_by(NotificationOutbox.id)))


def _contacts(backend: Backend) -> None:
    with backend.sessions.begin() as s:
        s.execute(update(Customer).values(email=Customer.account_no + "@example.com"))


def test_issuing_bills_queues_bill_issued_and_opted_out_skipped(backend: Backend) -> None:
    numbers = [add_bill(backend, f"H{n}", "100.00", due=None, status="GENERATED",
                        cycle="2026-11") for n in range(4)]
    _contacts(backend)
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    notifications.set_preferences(backend, ao, "H3", opted_out=True)
    officer = token_for(backend, Role.BILLING_OFFICER)
    result = bills.issue_bills(backend, officer, "2026-11", date(2026, 11, 20))
    assert result.issued == 4
    rows = _outbox(backend)
    assert len(rows) == 3 and {r.template for r in rows} == {"bill_issued"}
    assert "H3@example.com" not in {r.recipient for r in rows}
    detail = notifications.get_outbox_entry(backend, officer, rows[0].id)
    with backend.sessions() as s:
        paper = s.scalar(select(Statement.statement_no).join(
            Bill, Bill.statement_id == Statement.id).where(Bill.bill_no == numbers[0]))
    assert detail.rendered_now and f"Your statement {paper}" in detail.message
    assert detail.row.statement_no == paper and detail.row.bill_no == numbers[0]
    assert "2026-12-04" in detail.message  # due date of the issued bill (14 days)


def _statements(backend: Backend) -> dict[str, Statement]:
    with backend.sessions() as s:
        return {st.statement_no: st for st in s.scalars(select(Statement))}


def test_one_bill_issued_message_per_statement(backend: Backend) -> None:
    """An account with an electricity and a water bill gets one message, about its
    statement's total; a late bill's second statement one more; opted-out accounts none."""
    first = add_bill(backend, "TWO", "100.00", due=None, status="GENERATED",
                     cycle="2026-11")
    second = add_bill(backend, "TWO", "50.25", due=None, status="GENERATED",
                      cycle="2026-11", utility="water")
    add_bill(backend, "ONE", "30.00", due=None, status="GENERATED", cycle="2026-11")
    for utility in ("electricity", "water"):
        add_bill(backend, "OUT", "70.00", due=None, status="GENERATED", cycle="2026-11",
                 utility=utility)
    _contacts(backend)
    notifications.set_preferences(backend, token_for(backend, Role.ACCOUNTS_OFFICER),
                                  "OUT", opted_out=True)
    officer = token_for(backend, Role.BILLING_OFFICER)
    result = bills.issue_bills(backend, officer, "2026-11", date(2026, 11, 20))
    assert (result.issued, result.statements) == (5, 3)
    rows = _outbox(backend)
    assert sorted(r.recipient for r in rows) == ["ONE@example.com", "TWO@example.com"]
    assert {(r.template, r.queued_by) for r in rows} == {("bill_issued", "u_billing_officer")}
    two = next(r for r in rows if r.recipient == "TWO@example.com")
    with backend.sessions() as s:
        assert s.scalar(select(Bill.bill_no).where(Bill.id == two.bill_id)) == first
    [paper] = [st for st in _statements(backend).values()
               if st.bills == 2 and st.customer_id == two.customer_id]
    assert paper.total_due == D("150.25")
    text = notifications.get_outbox_entry(backend, officer, two.id).message
    assert paper.statement_no in text and format_money(paper.total_due) in text
    assert "2 bill(s)" in text and second not in text
    # a late reading's bill: a second statement of the cycle, one more message
    late = add_bill(backend, "TWO", "20.00", due=None, status="GENERATED", cycle="2026-11",
                    utility="water")
    again = bills.issue_bills(backend, officer, "2026-11", date(2026, 11, 25))
    assert (again.issued, again.statements) == (1, 1)
    newer = _outbox(backend)[len(rows):]
    assert [r.recipient for r in newer] == ["TWO@example.com"]
    later = _statements(backend)[paper.statement_no + "-2"]
    assert (later.bills, later.total_due) == (1, D("170.25"))
    text = notifications.get_outbox_entry(backend, officer, newer[0].id).message
    assert later.statement_no in text and "170.25" in text and "1 bill(s)" in text
    with backend.sessions() as s:
        assert s.scalar(select(Bill.bill_no).where(Bill.id == newer[0].bill_id)) == late


def test_payment_queues_payment_received(backend: Backend) -> None:
    add_bill(backend, "P1", "80.00", due=date(2026, 12, 1))
    _contacts(backend)
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(backend, ao, "P1", "30.00", "CASH", "RC-7",
                            paid_at=date(2026, 11, 25))
    [row] = _outbox(backend)
    assert (row.template, row.channel, row.recipient) == (
        "payment_received", "EMAIL", "P1@example.com")
    assert json.loads(row.values_json) == {"amount": "30.00", "reference": "RC-7",
                                           "paid_at": "2026-11-25"}
    # the same payment sent again (a retry) posts nothing and queues nothing more
    payments.record_payment(backend, ao, "P1", "30.00", "CASH", "RC-7",
                            paid_at=date(2026, 11, 25))
    assert len(_outbox(backend)) == 1


def test_overdue_reminders_once_per_week(backend: Backend) -> None:
    for n in range(3):
        add_bill(backend, f"O{n}", "40.00", due=date(2026, 10, 1), status="OVERDUE")
    add_bill(backend, "O9", "40.00", due=date(2026, 12, 30))  # DUE: not reminded
    _contacts(backend)
    sender = token_for(backend, Role.SUPERVISOR)
    assert notifications.remind_overdue(backend, sender) == 3
    assert notifications.remind_overdue(backend, sender) == 0  # already reminded
    rows = _outbox(backend)
    assert {r.template for r in rows} == {"overdue_reminder"} and len(rows) == 3
    text = notifications.get_outbox_entry(backend, sender, rows[0].id).message
    assert "40.00 is still unpaid" in text and "2026-10-01" in text


def test_imported_payments_queue_payment_received(backend: Backend, tmp_path: Path) -> None:
    for n in range(3):
        add_bill(backend, f"I{n}", "20.00", due=date(2026, 12, 1))
    _contacts(backend)
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    notifications.set_preferences(backend, ao, "I2", channel="NONE")
    path = tmp_path / "payments.csv"
    path.write_text("reference,channel,account_no,amount,paid_at\n"
                    + "".join(f"S-{n},BANK,I{n},20.00,2026-11-02\n" for n in range(3)))
    assert payment_import.import_payments(backend, ao, path).posted == 3
    rows = _outbox(backend)
    assert sorted(r.recipient for r in rows) == ["I0@example.com", "I1@example.com"]
    assert {json.loads(r.values_json)["amount"] for r in rows} == {"20.00"}

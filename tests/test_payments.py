"""Recording and reversing payments, on SQLite and MariaDB."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from opsmanager_desktop.db.models import AuditEntry, Bill, Customer, Payment, PaymentAllocation
from opsmanager_desktop.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import token_for
from tests.ledger_data import (
    add_bill,
    add_customer,
    assert_ledger_consistent,
    bill,
    credit_of,
)

JAN = date(2026, 1, 15)
FEB = date(2026, 2, 15)
MAR = date(2026, 3, 15)


@pytest.fixture
def ao(backend: Backend) -> str:
    return token_for(backend, Role.ACCOUNTS_OFFICER)


def test_design_example_cents_reach_exactly_zero(backend: Backend, ao: str) -> None:
    """docs/design.md 3: a bill of 0.30 paid with 0.10 + 0.20 reaches exactly zero and PAID."""
    no = add_bill(backend, "A001", "0.30", due=JAN)
    payments.record_payment(backend, ao, "A001", "0.10", "CASH", "R-1", bill_no=no)
    assert bill(backend, no).balance == Decimal("0.20")
    assert bill(backend, no).status == "DUE"
    result = payments.record_payment(backend, ao, "A001", Decimal("0.20"), "cash", "R-2")
    b = bill(backend, no)
    assert b.balance == Decimal("0.00") and b.amount_paid == Decimal("0.30")
    assert b.status == "PAID"
    assert b.paid_at == backend.now().date()
    assert result.outstanding == Decimal("0.00") and result.account_credit == Decimal("0.00")
    assert_ledger_consistent(backend)


def test_named_bill_first_then_oldest(backend: Backend, ao: str) -> None:
    old = add_bill(backend, "A001", "100.00", due=JAN)
    mid = add_bill(backend, "A001", "100.00", due=FEB)
    new = add_bill(backend, "A001", "100.00", due=MAR)
    result = payments.record_payment(backend, ao, "A001", "150.00", "BANK", "T-9",
                                     bill_no=new)
    assert [(p.bill_no, p.amount) for p in result.applied] == [
        (new, Decimal("100.00")), (old, Decimal("50.00"))]
    assert bill(backend, new).status == "PAID"
    assert bill(backend, old).balance == Decimal("50.00")
    assert bill(backend, mid).balance == Decimal("100.00")
    assert result.outstanding == Decimal("150.00")
    assert_ledger_consistent(backend)


def test_overpayment_kept_as_credit(backend: Backend, ao: str) -> None:
    no = add_bill(backend, "A001", "80.00", due=JAN)
    result = payments.record_payment(backend, ao, "A001", "100.00", "POS", "P-1")
    assert bill(backend, no).status == "PAID"
    assert result.kept_as_credit == Decimal("20.00")
    assert credit_of(backend, "A001") == Decimal("20.00")
    assert result.outstanding == Decimal("0.00")
    assert_ledger_consistent(backend)


def test_payment_without_bills_is_all_credit(backend: Backend, ao: str) -> None:
    add_customer(backend, "A002")
    version = _version(backend, "A002")
    payments.record_payment(backend, ao, "A002", "12.34", "ONLINE", "O-1")
    assert credit_of(backend, "A002") == Decimal("12.34")
    # credit is money, not master data: the customer's edit version is untouched
    assert _version(backend, "A002") == version


def _version(backend: Backend, account_no: str) -> int:
    with backend.sessions() as session:
        return session.scalars(select(Customer.version).where(
            Customer.account_no == account_no)).one()


def test_unissued_bill_refused(backend: Backend, ao: str) -> None:
    no = add_bill(backend, "A001", "50.00", due=None, status="GENERATED")
    with pytest.raises(ValidationError, match="has not been issued"):
        payments.record_payment(backend, ao, "A001", "50.00", "CASH", "R-1", bill_no=no)
    with backend.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 0


def test_other_customers_bill_refused(backend: Backend, ao: str) -> None:
    no = add_bill(backend, "A001", "50.00", due=JAN)
    add_customer(backend, "A002")
    with pytest.raises(ValidationError, match="belongs to another account"):
        payments.record_payment(backend, ao, "A002", "50.00", "CASH", "R-1", bill_no=no)
    with pytest.raises(NotFound, match="no bill"):
        payments.record_payment(backend, ao, "A002", "50.00", "CASH", "R-1", bill_no="NOPE")
    with pytest.raises(NotFound, match="account number"):
        payments.record_payment(backend, ao, "ZZZ", "50.00", "CASH", "R-1")


@pytest.mark.parametrize("amount,channel,reference,field", [
    ("0", "CASH", "R", "amount"),
    ("-5", "CASH", "R", "amount"),
    ("1.005", "CASH", "R", "amount"),
    ("abc", "CASH", "R", "amount"),
    ("5", "BITCOIN", "R", "channel"),
    ("5", "CASH", "  ", "reference"),
])
def test_bad_input_refused(backend: Backend, ao: str, amount: str, channel: str,
                           reference: str, field: str) -> None:
    add_customer(backend, "A001")
    with pytest.raises(ValidationError) as info:
        payments.record_payment(backend, ao, "A001", amount, channel, reference)
    assert info.value.problems[0].field == field


def test_future_date_refused(backend: Backend, ao: str) -> None:
    add_customer(backend, "A001")
    with pytest.raises(ValidationError, match="future"):
        payments.record_payment(backend, ao, "A001", "5", "CASH", "R",
                                paid_at=backend.now().date() + timedelta(days=2))


def test_same_key_twice_posts_once(backend: Backend, ao: str) -> None:
    no = add_bill(backend, "A001", "100.00", due=JAN)
    first = payments.record_payment(backend, ao, "A001", "40.00", "CHEQUE", "CHQ-1")
    again = payments.record_payment(backend, ao, "A001", "40.00", "CHEQUE", "CHQ-1")
    assert not first.already_recorded and again.already_recorded
    assert again.payment.id == first.payment.id
    assert bill(backend, no).balance == Decimal("60.00")
    with backend.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 1
    with pytest.raises(Conflict, match="already used for a different payment"):
        payments.record_payment(backend, ao, "A001", "41.00", "CHEQUE", "CHQ-1")
    # the same reference on another channel is another payment
    payments.record_payment(backend, ao, "A001", "1.00", "BANK", "CHQ-1")
    assert bill(backend, no).balance == Decimal("59.00")


def test_only_accounts_officers_record(backend: Backend) -> None:
    add_customer(backend, "A001")
    token = token_for(backend, Role.BILLING_OFFICER)
    with pytest.raises(PermissionDenied):
        payments.record_payment(backend, token, "A001", "5", "CASH", "R")


def test_recording_is_audited(backend: Backend, ao: str) -> None:
    add_bill(backend, "A001", "10.00", due=JAN)
    result = payments.record_payment(backend, ao, "A001", "10.00", "CASH", "R-1")
    with backend.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "payment", AuditEntry.action == "record")).one()
    assert entry.entity_id == str(result.payment.id)
    assert entry.username == "u_accounts_officer"
    assert '"reference": "R-1"' in (entry.after or "")


def test_reversal_restores_balances_and_status(backend: Backend, ao: str) -> None:
    a = add_bill(backend, "A001", "100.00", due=JAN)
    b = add_bill(backend, "A001", "100.00", due=date(2099, 1, 1))
    payments.record_payment(backend, ao, "A001", "50.00", "CASH", "R-0")
    payments.record_payment(backend, ao, "A001", "180.00", "CHEQUE", "CHQ-7")
    assert bill(backend, a).status == "PAID" and bill(backend, b).status == "PAID"
    assert credit_of(backend, "A001") == Decimal("30.00")
    result = payments.reverse_payment(backend, ao, "CHEQUE", "CHQ-7", "cheque returned")
    # the first payment's 50 stays on the oldest bill; the cheque's 180 comes off both
    # bills and the credit; a past-due bill reopens OVERDUE, the other DUE
    assert bill(backend, a).balance == Decimal("50.00")
    assert bill(backend, a).status == "OVERDUE" and bill(backend, a).paid_at is None
    assert bill(backend, b).balance == Decimal("100.00") and bill(backend, b).status == "DUE"
    assert credit_of(backend, "A001") == Decimal("0.00")
    assert result.outstanding == Decimal("150.00")
    assert sorted((p.bill_no or "", p.amount) for p in result.taken_back) == sorted(
        [(a, Decimal("50.00")), (b, Decimal("100.00")), ("", Decimal("30.00"))])
    assert result.payment.reversed and result.payment.reversal_reason == "cheque returned"
    assert_ledger_consistent(backend)
    with pytest.raises(Conflict, match="already reversed"):
        payments.reverse_payment(backend, ao, "CHEQUE", "CHQ-7", "again")
    with pytest.raises(NotFound):
        payments.reverse_payment(backend, ao, "CHEQUE", "NOPE", "x")
    with pytest.raises(ValidationError, match="reason"):
        payments.reverse_payment(backend, ao, "CASH", "R-0", " ")


def test_reversal_takes_back_credit_used_on_a_later_bill(backend: Backend, ao: str) -> None:
    """Credit of a reversed payment that was applied to a bill issued later comes back off
    that bill; other payments' credit then covers what it can."""
    add_customer(backend, "A001")
    payments.record_payment(backend, ao, "A001", "70.00", "CHEQUE", "CHQ-1",
                            paid_at=date(2026, 1, 2))
    payments.record_payment(backend, ao, "A001", "50.00", "CASH", "R-2",
                            paid_at=date(2026, 1, 3))
    later = add_bill(backend, "A001", "100.00", due=date(2099, 1, 1))
    with backend.sessions.begin() as session:
        customer = session.scalars(select(Customer).where(Customer.account_no == "A001")).one()
        b = session.scalars(select(Bill).where(Bill.bill_no == later)).one()
        used = payments.apply_credit_to_bill(session, customer, b, backend.now(), "bo")
        assert customer.credit == Decimal("20.00")
    assert used == Decimal("100.00")
    assert bill(backend, later).status == "PAID"
    assert credit_of(backend, "A001") == Decimal("20.00")
    assert_ledger_consistent(backend)
    # the cheque (oldest) paid 70 of the bill, the cash 30 (its other 20 is the credit)
    payments.reverse_payment(backend, ao, "CHEQUE", "CHQ-1", "bounced")
    assert credit_of(backend, "A001") == Decimal("0.00")
    assert bill(backend, later).balance == Decimal("50.00")
    assert bill(backend, later).status == "DUE"
    assert_ledger_consistent(backend)


def test_apply_credit_to_bill_partial_and_none(backend: Backend, ao: str) -> None:
    add_customer(backend, "A001")
    payments.record_payment(backend, ao, "A001", "30.00", "CASH", "R-1")
    no = add_bill(backend, "A001", "100.00", due=date(2099, 1, 1))
    with backend.sessions.begin() as session:
        customer = session.scalars(select(Customer).where(Customer.account_no == "A001")).one()
        b = session.scalars(select(Bill).where(Bill.bill_no == no)).one()
        assert payments.apply_credit_to_bill(session, customer, b, backend.now(), "bo") \
            == Decimal("30.00")
        assert payments.apply_credit_to_bill(session, customer, b, backend.now(), "bo") \
            == Decimal("0.00")
    assert bill(backend, no).balance == Decimal("70.00")
    with backend.sessions() as session:
        kinds = session.scalars(select(PaymentAllocation.kind).order_by(PaymentAllocation.id)
                                ).all()
    assert kinds == ["PAYMENT", "CREDIT", "CREDIT"]
    assert_ledger_consistent(backend)


def test_list_payments_filters_and_consumer_scope(backend: Backend, ao: str) -> None:
    add_customer(backend, "A001")
    add_customer(backend, "A002")
    payments.record_payment(backend, ao, "A001", "1.00", "CASH", "R-1", paid_at=JAN)
    payments.record_payment(backend, ao, "A001", "2.00", "BANK", "R-2", paid_at=FEB)
    payments.record_payment(backend, ao, "A002", "3.00", "CASH", "R-3", paid_at=FEB)
    payments.reverse_payment(backend, ao, "CASH", "R-3", "error")
    page = payments.list_payments(backend, ao, ListQuery(sort="amount"))
    assert [r.reference for r in page.rows] == ["R-1", "R-2", "R-3"] and page.total == 3
    page = payments.list_payments(backend, ao, ListQuery(filters={"channel": "cash"}))
    assert {r.reference for r in page.rows} == {"R-1", "R-3"}
    page = payments.list_payments(backend, ao, ListQuery(filters={
        "date_from": "2026-02-01", "date_to": date(2026, 2, 28)}))
    assert {r.reference for r in page.rows} == {"R-2", "R-3"}
    page = payments.list_payments(backend, ao, ListQuery(filters={"reversed": True}))
    assert [r.reference for r in page.rows] == ["R-3"]
    page = payments.list_payments(backend, ao, ListQuery(filters={"account": "A001"},
                                                         sort="paid_at", descending=True))
    assert [r.reference for r in page.rows] == ["R-2", "R-1"]
    consumer = token_for(backend, Role.CONSUMER, username="cons2", account_no="A002")
    page = payments.list_payments(backend, consumer, ListQuery())
    assert [r.reference for r in page.rows] == ["R-3"]
    with pytest.raises(ValidationError, match="sort"):
        payments.list_payments(backend, ao, ListQuery(sort="amount; DROP TABLE payments"))


def test_two_officers_paying_at_once_lose_nothing(backend: Backend, ao: str) -> None:
    """Many concurrent payments on one account: every cent lands exactly once."""
    for i in range(3):
        add_bill(backend, "A001", "10.00", due=date(2026, 1, 1 + i))
    errors: list[Exception] = []

    def pay(i: int) -> None:
        try:
            payments.record_payment(backend, ao, "A001", "1.50", "POS", f"POS-{i}")
        except Exception as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with backend.sessions() as session:
        paid = session.scalar(select(func.sum(Bill.amount_paid)))
    assert paid == Decimal("30.00")
    assert credit_of(backend, "A001") == Decimal("6.00")
    assert_ledger_consistent(backend)


def test_credit_applied_when_bills_are_issued(backend: Backend, ao: str) -> None:
    """Through the billing side's issue_bills: the account's credit settles the new bill
    first; reversing the payment that made the credit takes it back from that bill."""
    from opsmanager_desktop.services import bills

    bo = token_for(backend, Role.BILLING_OFFICER)
    add_customer(backend, "A001")
    payments.record_payment(backend, ao, "A001", "150.00", "CHEQUE", "CHQ-1",
                            paid_at=date(2026, 1, 20))
    first = add_bill(backend, "A001", "100.00", due=None, status="GENERATED", cycle="2026-01")
    other = add_bill(backend, "A002", "40.00", due=None, status="GENERATED", cycle="2026-01")
    result = bills.issue_bills(backend, bo, "2026-01", date(2026, 2, 1))
    assert result.credit_applied == Decimal("100.00")
    assert bill(backend, first).status == "PAID" and bill(backend, first).balance == 0
    assert bill(backend, other).status == "DUE"
    assert credit_of(backend, "A001") == Decimal("50.00")
    second = add_bill(backend, "A001", "80.00", due=None, status="GENERATED", cycle="2026-02")
    bills.issue_bills(backend, bo, "2026-02", date(2026, 3, 1))
    assert bill(backend, second).balance == Decimal("30.00")
    assert bill(backend, second).status == "DUE"
    assert credit_of(backend, "A001") == Decimal("0.00")
    assert_ledger_consistent(backend)
    payments.reverse_payment(backend, ao, "CHEQUE", "CHQ-1", "bounced")
    assert bill(backend, first).balance == Decimal("100.00")
    assert bill(backend, first).status in ("DUE", "OVERDUE")
    assert bill(backend, second).balance == Decimal("80.00")
    assert_ledger_consistent(backend)

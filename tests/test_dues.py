"""Dues, history and ageing; the ledger invariants under random sequences of operations."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import Bill, Customer
from opsmanager_desktop.domain.errors import NotFound, PermissionDenied
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import dues, payments
from opsmanager_desktop.services.backend import Backend
from tests.helpers import token_for
from tests.ledger_data import add_bill, add_customer, assert_ledger_consistent


@pytest.fixture
def ao(backend: Backend) -> str:
    return token_for(backend, Role.ACCOUNTS_OFFICER)


def test_dues_of_an_account(backend: Backend, ao: str) -> None:
    b1 = add_bill(backend, "A001", "100.00", due=date(2026, 1, 15))
    b2 = add_bill(backend, "A001", "50.00", due=date(2026, 2, 15))
    add_bill(backend, "A001", "70.00", due=None, status="GENERATED")
    payments.record_payment(backend, ao, "A001", "30.00", "CASH", "R-1")
    result = dues.dues(backend, ao, "A001")
    assert result.account_no == "A001"
    assert result.outstanding == Decimal("120.00") and result.credit == Decimal("0.00")
    assert [(b.bill_no, b.balance, b.status, b.due_date) for b in result.open_bills] == [
        (b1, Decimal("70.00"), "DUE", date(2026, 1, 15)),
        (b2, Decimal("50.00"), "DUE", date(2026, 2, 15))]


def test_dues_empty_account_prints_cents(backend: Backend, ao: str) -> None:
    add_customer(backend, "A009")
    result = dues.dues(backend, ao, "A009")
    assert str(result.outstanding) == "0.00" and str(result.credit) == "0.00"
    assert result.open_bills == []
    with pytest.raises(NotFound):
        dues.dues(backend, ao, "NOPE")


def test_consumer_sees_only_own_account(backend: Backend, ao: str) -> None:
    add_bill(backend, "A001", "10.00", due=date(2026, 1, 15))
    add_customer(backend, "A002")
    consumer = token_for(backend, Role.CONSUMER, username="c1", account_no="A001")
    assert dues.dues(backend, consumer, "A001").outstanding == Decimal("10.00")
    for other in ("A002", "NOPE"):
        with pytest.raises(PermissionDenied, match="your own account"):
            dues.dues(backend, consumer, other)
        with pytest.raises(PermissionDenied, match="your own account"):
            dues.history(backend, consumer, other)
    field = token_for(backend, Role.FIELD_OFFICER)
    with pytest.raises(PermissionDenied):
        dues.dues(backend, field, "A001")


def test_history_in_date_order(backend: Backend, ao: str) -> None:
    now = datetime(2026, 3, 20, 9, 0)
    backend.clock = lambda: now
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    b1 = add_bill(backend, "A001", "100.00", due=date(2026, 1, 31), issue=date(2026, 1, 10))
    b2 = add_bill(backend, "A001", "40.00", due=date(2026, 2, 28), issue=date(2026, 2, 10))
    hidden = add_bill(backend, "A001", "5.00", due=None, status="GENERATED")
    payments.record_payment(backend, ao, "A001", "100.00", "CHEQUE", "C-1",
                            paid_at=date(2026, 1, 20))
    payments.record_payment(backend, ao, "A001", "10.00", "CASH", "R-2",
                            paid_at=date(2026, 2, 20))
    payments.reverse_payment(backend, ao, "CHEQUE", "C-1", "bounced")
    officer = [(e.kind, e.reference) for e in dues.history(backend, ao, "A001")]
    assert officer[:5] == [("BILL", b1), ("PAYMENT", "CHEQUE C-1"), ("BILL", b2),
                           ("PAYMENT", "CASH R-2"), ("REVERSAL", "CHEQUE C-1")]
    assert ("BILL", hidden) in officer
    consumer = token_for(backend, Role.CONSUMER, username="c1", account_no="A001")
    mine = dues.history(backend, consumer, "A001")
    assert ("BILL", hidden) not in [(e.kind, e.reference) for e in mine]
    # the bounced cheque had paid the first bill; it is open again, and past due
    first = mine[0]
    assert (first.amount, first.balance, first.status) == (Decimal("100.00"),
                                                           Decimal("100.00"), "OVERDUE")


def test_ageing_buckets(backend: Backend, ao: str) -> None:
    as_of = date(2026, 6, 30)
    add_bill(backend, "A001", "10.00", due=date(2026, 6, 20))   # 10 days
    add_bill(backend, "A001", "5.00", due=date(2026, 7, 10))    # not due yet
    add_bill(backend, "A002", "1.00", due=date(2026, 5, 31))    # 30 days
    add_bill(backend, "A002", "2.00", due=date(2026, 5, 30))    # 31 days
    add_bill(backend, "A003", "3.00", due=date(2026, 4, 1))     # 90 days
    add_bill(backend, "A003", "4.00", due=date(2026, 3, 31), status="OVERDUE")  # 91 days
    add_bill(backend, "A004", "9.00", due=date(2026, 1, 1), status="PAID")
    add_bill(backend, "A004", "9.00", due=None, status="GENERATED")
    result = dues.ageing(backend, ao, as_of)
    assert [(b.bucket, b.bills, b.amount) for b in result.buckets] == [
        ("0-30", 3, Decimal("16.00")), ("31-60", 1, Decimal("2.00")),
        ("61-90", 1, Decimal("3.00")), ("90+", 1, Decimal("4.00"))]
    assert result.total == Decimal("25.00")


@pytest.mark.parametrize("seed", range(3))
def test_random_operations_keep_the_ledger(backend: Backend, ao: str, seed: int) -> None:
    """Payments, bills issued with credit, reversals in random order: after every step no
    cent is lost, and outstanding and credit are never both above zero."""
    rng = random.Random(seed)
    accounts = ["R1", "R2"]
    for acc in accounts:
        add_customer(backend, acc)
    posted: list[tuple[str, str]] = []
    for step in range(25):
        acc = rng.choice(accounts)
        action = rng.random()
        if action < 0.35:
            _issue_with_credit(backend, acc, f"{rng.randint(1, 9000) / 100:.2f}", step)
        elif action < 0.85 or not posted:
            channel = rng.choice(["CASH", "BANK", "CHEQUE"])
            ref = f"S{seed}-{step}"
            payments.record_payment(backend, ao, acc, f"{rng.randint(1, 6000) / 100:.2f}",
                                    channel, ref)
            posted.append((channel, ref))
        else:
            channel, ref = posted.pop(rng.randrange(len(posted)))
            payments.reverse_payment(backend, ao, channel, ref, "random test")
        assert_ledger_consistent(backend)
        d = dues.dues(backend, ao, acc)
        assert not (d.outstanding > 0 and d.credit > 0)


def _issue_with_credit(backend: Backend, account_no: str, total: str, step: int) -> None:
    """What issuing does for money: a new DUE bill, then the account's credit applied."""
    no = add_bill(backend, account_no, total, due=date(2026, 1, 1 + step % 28))
    with backend.sessions.begin() as session:
        customer = session.scalars(select(Customer).where(
            Customer.account_no == account_no)).one()
        bill = session.scalars(select(Bill).where(Bill.bill_no == no)).one()
        payments.apply_credit_to_bill(session, customer, bill, backend.now(), "bo")

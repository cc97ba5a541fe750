"""Outstanding dues, account history and the ageing of open balances (docs/design.md 3).

Outstanding = sum of the balances of the account's open (DUE or OVERDUE) bills; credit =
money received and not yet applied (customers.credit, kept by the payment ledger). A consumer
may look at their own account only; any other account is refused as if it did not concern
them (the refusal does not say whether the account exists).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Bill, BillingCycle, Customer, Payment, PaymentReversal
from opsmanager_desktop.domain.ageing import BUCKETS, UPPER_DAYS
from opsmanager_desktop.domain.bill_lifecycle import OPEN, BillStatus
from opsmanager_desktop.domain.errors import NotFound, PermissionDenied
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.statement_ledger import last_statements

_OPEN_VALUES = sorted(s.value for s in OPEN)
NO_MONEY = Decimal("0.00")  # zero with cents, so "0.00" is what a report prints


@dataclass(frozen=True)
class OpenBillDue:
    bill_no: str
    balance: Decimal
    status: str
    due_date: date | None


@dataclass(frozen=True)
class LatestStatement:
    """The last paper the account received (its total due as issued)."""

    statement_no: str
    cycle: str
    issue_date: date
    due_date: date
    total_due: Decimal


@dataclass(frozen=True)
class Dues:
    account_no: str
    outstanding: Decimal
    credit: Decimal
    open_bills: list[OpenBillDue]
    latest_statement: LatestStatement | None = None  # None: no statement issued yet


@dataclass(frozen=True)
class HistoryEntry:
    on: date
    kind: str  # BILL | PAYMENT | REVERSAL
    reference: str  # bill number, or "CHANNEL reference" of a payment
    description: str
    amount: Decimal  # charged (bill), received (payment) or taken back (reversal)
    status: str
    balance: Decimal | None  # a bill's balance today


def account_for_view(ctx: Ctx, account_no: str) -> tuple[int, str, Decimal]:
    """(id, account_no, credit) of an account the caller may see."""
    row = ctx.session.execute(select(Customer.id, Customer.account_no, Customer.credit).where(
        Customer.account_no == account_no.strip())).first()
    if ctx.role is Role.CONSUMER:
        if row is None or row.id != ctx.user.customer_id:
            raise PermissionDenied("you can only see your own account")
    elif row is None:
        raise NotFound(f"no customer has account number {account_no!r}")
    return row.id, row.account_no, row.credit


@service(Permission.DUES_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def dues(ctx: Ctx, account_no: str) -> Dues:
    customer_id, number, credit = account_for_view(ctx, account_no)
    rows = ctx.session.execute(
        select(Bill.bill_no, Bill.balance, Bill.status, Bill.due_date)
        .where(Bill.customer_id == customer_id, Bill.status.in_(_OPEN_VALUES))
        .order_by(Bill.due_date, Bill.id)).all()
    bills = [OpenBillDue(r.bill_no, r.balance, r.status, r.due_date) for r in rows]
    return Dues(number, sum((b.balance for b in bills), NO_MONEY), credit, bills,
                _latest_statement(ctx.session, customer_id))


def _latest_statement(session: Session, customer_id: int) -> LatestStatement | None:
    s = last_statements(session, [customer_id]).get(customer_id)
    if s is None:
        return None
    period = session.scalar(select(BillingCycle.period).where(BillingCycle.id == s.cycle_id))
    return LatestStatement(s.statement_no, str(period), s.issue_date, s.due_date, s.total_due)


@service(Permission.DUES_VIEW, Permission.PAYMENTS_VIEW, Permission.OWN_ACCOUNT_VIEW,
         readonly=True)
def history(ctx: Ctx, account_no: str) -> list[HistoryEntry]:
    """Every bill and payment (and reversal) of the account, oldest first. A consumer does
    not see bills that have not been issued yet."""
    customer_id, _, _ = account_for_view(ctx, account_no)
    session = ctx.session
    entries: list[tuple[date, int, int, HistoryEntry]] = []
    bill_stmt = select(Bill).where(Bill.customer_id == customer_id)
    if ctx.role is Role.CONSUMER:
        bill_stmt = bill_stmt.where(Bill.status != BillStatus.GENERATED.value)
    for b in session.scalars(bill_stmt):
        on = b.issue_date or b.generated_at.date()
        entries.append((on, 0, b.id, HistoryEntry(
            on, "BILL", b.bill_no, f"bill, due {b.due_date.isoformat()}" if b.due_date
            else "bill, not issued yet", b.total + b.adjustments, b.status, b.balance)))
    rows = session.execute(
        select(Payment, PaymentReversal).outerjoin(
            PaymentReversal, PaymentReversal.payment_id == Payment.id)
        .where(Payment.customer_id == customer_id)).all()
    for p, r in rows:
        key = f"{p.channel} {p.reference}"
        entries.append((p.paid_at, 1, p.id, HistoryEntry(
            p.paid_at, "PAYMENT", key, f"payment by {p.channel.lower()}", p.amount,
            "REVERSED" if r is not None else "POSTED", None)))
        if r is not None:
            on = r.reversed_at.date()
            entries.append((on, 2, p.id, HistoryEntry(
                on, "REVERSAL", key, f"reversed: {r.reason}", p.amount, "REVERSED", None)))
    entries.sort(key=lambda e: e[:3])
    return [e[3] for e in entries]


@dataclass(frozen=True)
class AgeingBucket:
    bucket: str
    bills: int
    amount: Decimal


@dataclass(frozen=True)
class Ageing:
    as_of: date
    buckets: list[AgeingBucket]
    total: Decimal


def ageing_bucket(due_date: Any, as_of: date) -> Any:
    """SQL for the index into BUCKETS of a bill due on `due_date` (a column), seen on
    `as_of`: domain/ageing's rule, as days past due <= upper <=> due_date >= as_of - upper,
    which compares dates on both databases. A NULL due date falls in the last bucket (open
    bills always have one: issuing sets it)."""
    return case(*((due_date >= as_of - timedelta(days=upper), i)
                  for i, upper in enumerate(UPPER_DAYS)), else_=len(UPPER_DAYS))


def open_balance_buckets(session: Session, as_of: date,
                         scope: Callable[[Any], Any] = lambda stmt: stmt
                         ) -> list[tuple[str, int, Decimal]]:
    """(bucket, bills, amount) of the open balances in each of BUCKETS on `as_of`, summed
    in the database in one grouped query; `scope` may join and narrow the bills."""
    bucket = ageing_bucket(Bill.due_date, as_of)
    stmt = scope(select(bucket.label("bucket"), func.count(Bill.id).label("n"),
                        func.sum(Bill.balance).label("amount")).select_from(Bill))
    stmt = stmt.where(Bill.status.in_(_OPEN_VALUES), Bill.balance > ZERO).group_by(bucket)
    found = {int(r.bucket): (int(r.n), r.amount or NO_MONEY) for r in session.execute(stmt)}
    return [(label, *found.get(i, (0, NO_MONEY))) for i, label in enumerate(BUCKETS)]


def ageing_of(session: Session, as_of: date) -> Ageing:
    """Open balances by days past due on `as_of`: 0-30 (which includes bills not due yet),
    31-60, 61-90 and over 90."""
    buckets = [AgeingBucket(*row) for row in open_balance_buckets(session, as_of)]
    return Ageing(as_of, buckets, sum((b.amount for b in buckets), NO_MONEY))


@service(Permission.DUES_VIEW, Permission.REPORTS_FINANCIAL, readonly=True)
def ageing(ctx: Ctx, as_of: date | None = None) -> Ageing:
    return ageing_of(ctx.session, as_of or ctx.now.date())

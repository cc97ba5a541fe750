"""Money mechanics shared by recording, importing and reversing payments and by issuing
bills: lock the rows, split the money (domain/allocation.py), write the allocation rows and
keep bills and account credit in step. No permission checks here: the services do that.

The ledger's invariants, among others (services/ledger_check.py states and checks every
one, read-only: `opsmanager db check`; the tests run it on both databases):
- the allocation rows of a payment sum to its amount (to zero once it is reversed);
- a customer's `credit` equals the sum of its payments' allocation rows without a bill;
- a bill's `amount_paid` equals the sum of the allocation rows on it, and
  balance = total + adjustments - amount_paid.
Code here that finds the stored figures out of step with the rows raises LedgerOutOfStep
(a Conflict naming the account), never an assertion a user would see as a traceback.

Locking: the customer row first, then its bill rows, ids ascending, with SELECT ... FOR
UPDATE (a no-op on SQLite, where a write transaction holds the database write lock from
BEGIN IMMEDIATE). Two officers posting to one account therefore queue instead of both
reading the same balance. Rows are read and written with Core statements in batches so a
10,000-row settlement file costs a handful of round trips per chunk, not one per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Bill, Customer, Payment, PaymentAllocation, Statement
from opsmanager_desktop.db.types import Money
from opsmanager_desktop.domain.allocation import (
    AllocationPlan,
    CreditSource,
    OpenBill,
    draw_credit,
    oldest_first,
)
from opsmanager_desktop.domain.bill_lifecycle import (
    OPEN,
    BillStatus,
    check_transition,
    status_after_money,
)
from opsmanager_desktop.domain.errors import LedgerOutOfStep
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.domain.statement import is_statement_no
from opsmanager_desktop.services.imports import batched

KIND_PAYMENT = "PAYMENT"
KIND_CREDIT = "CREDIT"
KIND_REVERSAL = "REVERSAL"

_OPEN_VALUES = sorted(s.value for s in OPEN)


@dataclass
class CustomerState:
    id: int
    account_no: str
    name: str
    credit: Decimal
    dirty: bool = False


@dataclass
class BillState:
    """A locked bill's money fields, changed in Python and written back in one batch."""

    id: int
    bill_no: str
    customer_id: int
    status: BillStatus
    due_date: date | None
    amount_paid: Decimal
    balance: Decimal
    paid_at: date | None
    dirty: bool = False

    def receive(self, amount: Decimal, on: date, today: date, *, reversal: bool = False
                ) -> None:
        """Add `amount` (negative for a reversal) to what was paid on this bill."""
        self.amount_paid += amount
        self.balance -= amount
        new = status_after_money(self.status, self.balance, self.due_date, today)
        check_transition(self.status, new, reversal=reversal)
        self.status = new
        self.paid_at = on if new is BillStatus.PAID else None
        self.dirty = True

    def as_open_bill(self) -> OpenBill:
        return OpenBill(self.id, self.balance, self.due_date)


@dataclass(frozen=True)
class AllocationRow:
    payment_id: int
    bill_id: int | None
    amount: Decimal
    kind: str


def _bill_columns() -> tuple[Any, ...]:
    return (Bill.id, Bill.bill_no, Bill.customer_id, Bill.status, Bill.due_date,
            Bill.amount_paid, Bill.balance, Bill.paid_at)


def _bill_state(row: Any) -> BillState:
    return BillState(row.id, row.bill_no, row.customer_id, BillStatus(row.status),
                     row.due_date, row.amount_paid, row.balance, row.paid_at)


def lock_customers(session: Session, *, account_nos: Iterable[str] = (),
                   ids: Iterable[int] = ()) -> list[CustomerState]:
    """Lock and read customers by account number or id, ids ascending."""
    stmt = select(Customer.id, Customer.account_no, Customer.name, Customer.credit)
    accounts, id_list = sorted(set(account_nos)), sorted(set(ids))
    if accounts:
        stmt = stmt.where(Customer.account_no.in_(accounts))
    elif id_list:
        stmt = stmt.where(Customer.id.in_(id_list))
    else:
        return []
    rows = session.execute(stmt.order_by(Customer.id).with_for_update()).all()
    return [CustomerState(r.id, r.account_no, r.name, r.credit) for r in rows]


def lock_open_bills(session: Session, customer_ids: Iterable[int]
                    ) -> dict[int, list[BillState]]:
    """Lock the open (DUE/OVERDUE) bills of these customers; per customer oldest first."""
    ids = sorted(set(customer_ids))
    result: dict[int, list[BillState]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = session.execute(
        select(*_bill_columns())
        .where(Bill.customer_id.in_(ids), Bill.status.in_(_OPEN_VALUES))
        .order_by(Bill.id).with_for_update()).all()
    for row in rows:
        result[row.customer_id].append(_bill_state(row))
    by_id = {b.id: b for bills in result.values() for b in bills}
    for cid, bills in result.items():
        result[cid] = [by_id[o.bill_id] for o in oldest_first(b.as_open_bill() for b in bills)]
    return result


def lock_bills(session: Session, bill_ids: Iterable[int]) -> dict[int, BillState]:
    ids = sorted(set(bill_ids))
    if not ids:
        return {}
    rows = session.execute(select(*_bill_columns()).where(Bill.id.in_(ids))
                           .order_by(Bill.id).with_for_update()).all()
    return {r.id: _bill_state(r) for r in rows}


@dataclass(frozen=True)
class NamedRef:
    """What a payment names, with its account, unlocked: a bill, or an account statement
    whose bills then take the money first (domain/allocation.py)."""

    number: str
    customer_id: int
    account_no: str
    bill_id: int | None  # the bill named (None: a statement)
    statement_id: int | None  # the statement named (None: a bill)
    bill_ids: tuple[int, ...]  # the bills paid first: the bill, or the statement's bills
    status: BillStatus | None  # a named bill's


def find_named(session: Session, references: Iterable[str]) -> dict[str, NamedRef]:
    """Bills and statements by the number a payer quoted (a statement number starts with
    S, any case), keyed by that number as given."""
    given = set(references)
    statements: dict[str, list[str]] = {}
    for reference in given:
        if is_statement_no(reference):
            statements.setdefault(reference.strip().upper(), []).append(reference)
    bills = sorted(r for r in given if not is_statement_no(r))
    found: dict[str, NamedRef] = {}
    for part in batched(bills):
        for b in session.execute(
                select(Bill.id, Bill.bill_no, Bill.customer_id, Customer.account_no,
                       Bill.status)
                .join(Customer, Customer.id == Bill.customer_id)
                .where(Bill.bill_no.in_(part))):
            found[b.bill_no] = NamedRef(b.bill_no, b.customer_id, b.account_no, b.id, None,
                                        (b.id,), BillStatus(b.status))
    for part in batched(sorted(statements)):
        rows = session.execute(
            select(Statement.id, Statement.statement_no, Statement.customer_id,
                   Customer.account_no)
            .join(Customer, Customer.id == Statement.customer_id)
            .where(Statement.statement_no.in_(part))).all()
        carried: dict[int, list[int]] = {r.id: [] for r in rows}
        for c in session.execute(select(Bill.statement_id, Bill.id)
                                 .where(Bill.statement_id.in_(list(carried)))
                                 .order_by(Bill.id)):
            carried[c.statement_id].append(c.id)
        for r in rows:
            for quoted in statements[r.statement_no]:
                found[quoted] = NamedRef(r.statement_no, r.customer_id, r.account_no, None,
                                         r.id, tuple(carried[r.id]), None)
    return found


def named_problem(ref: NamedRef | None, reference: str, account_no: str) -> str | None:
    """Why a payment may not name this bill or statement, or None when it may. A statement
    whose bills are all paid may be named: its money goes to the other open bills."""
    what = "statement" if is_statement_no(reference) else "bill"
    if ref is None:
        return f"there is no {what} {reference!r}"
    if ref.account_no != account_no:
        return f"{what} {ref.number} belongs to another account, not {account_no}"
    if ref.status is BillStatus.GENERATED:
        return (f"bill {ref.number} has not been issued yet; a payment can name it once it "
                "is issued (pay without naming a bill to keep the money as credit)")
    return None


def apply_plan(plan: AllocationPlan, payment_id: int, bills: dict[int, BillState],
               customer: CustomerState, on: date, today: date) -> list[AllocationRow]:
    rows: list[AllocationRow] = []
    for part in plan.allocations:
        bills[part.bill_id].receive(part.amount, on, today)
        rows.append(AllocationRow(payment_id, part.bill_id, part.amount, KIND_PAYMENT))
    if plan.credit > ZERO:
        customer.credit += plan.credit
        customer.dirty = True
        rows.append(AllocationRow(payment_id, None, plan.credit, KIND_PAYMENT))
    return rows


def credit_sources(session: Session, customer_id: int) -> list[CreditSource]:
    """Each payment's unapplied credit, oldest payment first."""
    remaining = func.sum(PaymentAllocation.amount)
    rows = session.execute(
        select(Payment.id, Payment.paid_at, remaining.label("remaining"))
        .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
        .where(Payment.customer_id == customer_id, PaymentAllocation.bill_id.is_(None))
        .group_by(Payment.id, Payment.paid_at)
        .having(remaining > ZERO)
        .order_by(Payment.paid_at, Payment.id)).all()
    return [CreditSource(r.id, r.remaining) for r in rows]


def spread_credit(session: Session, customer: CustomerState, bills: Sequence[BillState],
                  on: date, today: date) -> list[AllocationRow]:
    """Move the account's credit onto these open bills, in the order given, each part as a
    -x row without bill and a +x row on the bill for the payment the credit came from."""
    if customer.credit <= ZERO:
        return []
    wanted = [b for b in bills if b.balance > ZERO and b.status in OPEN]
    if not wanted:
        return []
    sources = credit_sources(session, customer.id)
    available = sum((s.remaining for s in sources), ZERO)
    if available != customer.credit:
        # raised before anything of the account is written, so a caller may skip the
        # account (bills.issue_bills does) and leave nothing half-done
        raise LedgerOutOfStep(customer.account_no, f"its credit is {customer.credit} but "
                              f"its payments left {available} unapplied")
    rows: list[AllocationRow] = []
    for bill in wanted:
        need = min(bill.balance, customer.credit)
        if need <= ZERO:
            break
        draws = draw_credit(sources, need)
        for draw in draws:
            rows.append(AllocationRow(draw.payment_id, None, -draw.amount, KIND_CREDIT))
            rows.append(AllocationRow(draw.payment_id, bill.id, draw.amount, KIND_CREDIT))
        used = {d.payment_id: d.amount for d in draws}
        sources = [CreditSource(s.payment_id, s.remaining - used.get(s.payment_id, ZERO))
                   for s in sources]
        bill.receive(need, on, today)
        customer.credit -= need
        customer.dirty = True
    return rows


def insert_allocations(session: Session, rows: Sequence[AllocationRow], now: datetime
                       ) -> None:
    if rows:
        session.execute(insert(PaymentAllocation), [
            {"payment_id": r.payment_id, "bill_id": r.bill_id, "amount": r.amount,
             "kind": r.kind, "created_at": now} for r in rows])


_BILLS = cast(Table, Bill.__table__)
_CUSTOMERS = cast(Table, Customer.__table__)


def save_bills(session: Session, bills: Iterable[BillState]) -> None:
    changed = [b for b in bills if b.dirty]
    if not changed:
        return
    stmt = (update(_BILLS).where(_BILLS.c.id == bindparam("b_id"))
            .values(amount_paid=bindparam("b_paid", type_=Money()),
                    balance=bindparam("b_balance", type_=Money()),
                    status=bindparam("b_status"), paid_at=bindparam("b_paid_at")))
    session.execute(stmt, [{"b_id": b.id, "b_paid": b.amount_paid, "b_balance": b.balance,
                            "b_status": b.status.value, "b_paid_at": b.paid_at}
                           for b in changed])
    for b in changed:
        b.dirty = False


def save_credits(session: Session, customers: Iterable[CustomerState]) -> None:
    """Credit is money, not master data: changing it does not bump the customer's version
    (an officer editing the address is not told to reload because a payment came in)."""
    changed = [c for c in customers if c.dirty]
    if not changed:
        return
    for c in changed:
        if c.credit < ZERO:
            # only a stored credit lower than its payments' rows gets here (a reversal
            # takes back what the rows say the payment left)
            raise LedgerOutOfStep(c.account_no, f"its credit would go below zero "
                                  f"({c.credit})")
    stmt = (update(_CUSTOMERS).where(_CUSTOMERS.c.id == bindparam("c_id"))
            .values(credit=bindparam("c_credit", type_=Money())))
    session.execute(stmt, [{"c_id": c.id, "c_credit": c.credit} for c in changed])
    for c in changed:
        c.dirty = False

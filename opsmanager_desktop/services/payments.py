"""Payments: record one, reverse one, list them; and the credit hook used when a bill is
issued. Settlement-file imports live in payment_import.py (re-exported here).

The money mechanics (locks, allocation rows, bills and credit kept in step) are in
payment_ledger.py; this module checks who may do what and what the input means.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from opsmanager_desktop.db.models import (
    Bill,
    Customer,
    Payment,
    PaymentAllocation,
    PaymentReversal,
    Statement,
)
from opsmanager_desktop.domain.allocation import allocate
from opsmanager_desktop.domain.bill_lifecycle import OPEN, BillStatus
from opsmanager_desktop.domain.errors import Conflict, NotFound, ValidationError, invalid
from opsmanager_desktop.domain.money import ZERO, format_money
from opsmanager_desktop.domain.payment_rules import (
    MAX_REASON,
    Channel,
    check_payment,
    parse_channel,
)
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import payment_ledger as ledger
from opsmanager_desktop.services.audit import write_audit
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import ListQuery, Page, prefix_pattern, run_page
from opsmanager_desktop.services.notify import queue_notification
from opsmanager_desktop.services.payment_import import ImportResult, import_payments

__all__ = ["AppliedPart", "ImportResult", "PaymentResult", "PaymentRow", "ReversalResult",
           "apply_credit_to_bill", "get_payment", "import_payments", "list_payments",
           "record_payment", "reverse_payment"]


@dataclass(frozen=True)
class PaymentRow:
    id: int
    account_no: str
    customer_name: str
    channel: str
    reference: str
    amount: Decimal
    paid_at: date
    bill_no: str | None
    recorded_by: str
    recorded_at: datetime
    reversed: bool
    reversed_at: datetime | None
    reversal_reason: str | None
    statement_no: str | None = None  # the account statement the payer named


@dataclass(frozen=True)
class AppliedPart:
    bill_no: str | None  # None: kept as account credit
    amount: Decimal


@dataclass(frozen=True)
class PaymentResult:
    payment: PaymentRow
    applied: tuple[AppliedPart, ...]
    kept_as_credit: Decimal
    account_credit: Decimal
    outstanding: Decimal
    already_recorded: bool  # a retry of a payment that was posted before


@dataclass(frozen=True)
class ReversalResult:
    payment: PaymentRow
    taken_back: tuple[AppliedPart, ...]
    account_credit: Decimal
    outstanding: Decimal


_NamedBill = aliased(Bill)


def _payment_select() -> Select[Payment, str, str, str, datetime, str, str]:
    return (select(Payment, Customer.account_no, Customer.name, _NamedBill.bill_no,
                   PaymentReversal.reversed_at, PaymentReversal.reason,
                   Statement.statement_no)
            .join(Customer, Customer.id == Payment.customer_id)
            .outerjoin(_NamedBill, _NamedBill.id == Payment.bill_id)
            .outerjoin(Statement, Statement.id == Payment.statement_id)
            .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id))


def _to_row(r: Any) -> PaymentRow:
    p: Payment = r[0]
    return PaymentRow(p.id, r[1], r[2], p.channel, p.reference, p.amount, p.paid_at, r[3],
                      p.recorded_by, p.recorded_at, r[4] is not None, r[4], r[5], r[6])


def _payment_row(session: Session, payment_id: int) -> PaymentRow:
    return _to_row(session.execute(_payment_select().where(Payment.id == payment_id)).one())


def _outstanding(session: Session, customer_id: int) -> Decimal:
    total = session.scalar(select(func.sum(Bill.balance)).where(
        Bill.customer_id == customer_id, Bill.status.in_([s.value for s in OPEN])))
    return total if total is not None else ZERO


def _parts(session: Session, payment_id: int, kind: str) -> tuple[AppliedPart, ...]:
    rows = session.execute(
        select(Bill.bill_no, PaymentAllocation.amount)
        .select_from(PaymentAllocation).outerjoin(Bill, Bill.id == PaymentAllocation.bill_id)
        .where(PaymentAllocation.payment_id == payment_id, PaymentAllocation.kind == kind)
        .order_by(PaymentAllocation.id)).all()
    return tuple(AppliedPart(r.bill_no, r.amount) for r in rows)


def _result(session: Session, payment_id: int, customer_id: int, credit: Decimal,
            already: bool) -> PaymentResult:
    parts = _parts(session, payment_id, ledger.KIND_PAYMENT)
    kept = sum((p.amount for p in parts if p.bill_no is None), ZERO)
    return PaymentResult(_payment_row(session, payment_id),
                         tuple(p for p in parts if p.bill_no is not None), kept, credit,
                         _outstanding(session, customer_id), already)


@service(Permission.PAYMENTS_RECORD)
def record_payment(ctx: Ctx, account_no: str, amount: Decimal | str, channel: str,
                   reference: str, paid_at: date | None = None,
                   bill_no: str | None = None) -> PaymentResult:
    """Post one payment. `bill_no` names a bill or an account statement (`S...`), whose
    open bills are paid first (domain/allocation.py). The same (channel, reference) sent
    again for the same account and amount returns the payment already posted (a retry after
    a lost connection)."""
    today = ctx.now.date()
    clean, problems = check_payment(account_no, amount, channel, reference, paid_at, bill_no,
                                    today)
    if clean is None:
        raise ValidationError(problems)
    session = ctx.session
    locked = ledger.lock_customers(session, account_nos=[clean.account_no])
    if not locked:
        raise NotFound(f"no customer has account number {clean.account_no!r}")
    customer = locked[0]
    # checked after the customer lock: a retry racing its original waits, then sees it
    existing = session.execute(select(Payment.id, Payment.customer_id, Payment.amount).where(
        Payment.channel == clean.channel.value, Payment.reference == clean.reference)).first()
    if existing is not None:
        if existing.customer_id == customer.id and existing.amount == clean.amount:
            return _result(session, existing.id, customer.id, customer.credit, True)
        raise Conflict(f"reference {clean.reference!r} of channel {clean.channel.value} was "
                       "already used for a different payment; check the reference")
    named: ledger.NamedRef | None = None
    if clean.bill_no is not None:
        named = ledger.find_named(session, [clean.bill_no]).get(clean.bill_no)
        problem = ledger.named_problem(named, clean.bill_no, customer.account_no)
        if problem:
            raise NotFound(problem) if named is None else invalid("bill", problem)
    open_bills = ledger.lock_open_bills(session, [customer.id])[customer.id]
    plan = allocate(clean.amount, [b.as_open_bill() for b in open_bills],
                    named.bill_ids if named else ())
    payment = Payment(customer_id=customer.id, bill_id=named.bill_id if named else None,
                      statement_id=named.statement_id if named else None, amount=clean.amount,
                      channel=clean.channel.value, reference=clean.reference,
                      paid_at=clean.paid_at, recorded_by=ctx.username, recorded_at=ctx.now)
    session.add(payment)
    session.flush()
    bills = {b.id: b for b in open_bills}
    rows = ledger.apply_plan(plan, payment.id, bills, customer, clean.paid_at, today)
    ledger.insert_allocations(session, rows, ctx.now)
    # an account that somehow has credit and an open bill (a bill issued before this
    # module existed, say) is put right on the next payment
    rows = ledger.spread_credit(session, customer, open_bills, today, today)
    ledger.insert_allocations(session, rows, ctx.now)
    ledger.save_bills(session, open_bills)
    ledger.save_credits(session, [customer])
    ctx.audit("payment", payment.id, "record", after={
        "account_no": customer.account_no, "amount": clean.amount,
        "channel": clean.channel.value, "reference": clean.reference,
        "paid_at": clean.paid_at, "bill_no": clean.bill_no,
        "applied": {bills[a.bill_id].bill_no: a.amount for a in plan.allocations},
        "credit": plan.credit})
    queue_notification(session, "payment_received", customer.id, {
        "amount": format_money(clean.amount), "reference": clean.reference,
        "paid_at": clean.paid_at.isoformat()}, now=ctx.now, queued_by=ctx.username)
    return _result(session, payment.id, customer.id, customer.credit, False)


@service(Permission.PAYMENTS_REVERSE)
def reverse_payment(ctx: Ctx, channel: str, reference: str, reason: str) -> ReversalResult:
    """Undo a payment (a bounced cheque): every bill it paid gets its balance back (PAID
    bills reopen as DUE or OVERDUE) and the credit it left is taken back.

    Credit the payment left that was later moved onto a bill (at issue) is recorded as this
    payment's allocation on that bill, so it is taken back from that bill: the account's
    credit never goes below zero and no other payment's money is touched. Afterwards any
    credit of other payments is spread over the reopened bills, so outstanding and credit
    are never both above zero.
    """
    try:
        clean_channel = parse_channel(channel)
    except ValueError as exc:
        raise invalid("channel", str(exc)) from None
    why = (reason or "").strip()
    if not why:
        raise invalid("reason", "say why the payment is reversed (e.g. cheque returned)")
    if len(why) > MAX_REASON:
        raise invalid("reason", f"at most {MAX_REASON} characters")
    session = ctx.session
    found = session.execute(select(Payment.id, Payment.customer_id).where(
        Payment.channel == clean_channel.value, Payment.reference == reference.strip())).first()
    if found is None:
        raise NotFound(f"no {clean_channel.value} payment with reference {reference!r}")
    customer = ledger.lock_customers(session, ids=[found.customer_id])[0]
    done = session.scalar(select(PaymentReversal).where(PaymentReversal.payment_id == found.id))
    if done is not None:
        raise Conflict(f"this payment was already reversed on {done.reversed_at:%Y-%m-%d} by "
                       f"{done.reversed_by}")
    today = ctx.now.date()
    net: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for row in session.execute(select(PaymentAllocation.bill_id, PaymentAllocation.amount)
                               .where(PaymentAllocation.payment_id == found.id)):
        net[row.bill_id] += row.amount
    bills = ledger.lock_bills(session, [b for b, v in net.items() if b is not None and v])
    rows: list[ledger.AllocationRow] = []
    for bill_id, state in bills.items():
        state.receive(-net[bill_id], today, today, reversal=True)
        rows.append(ledger.AllocationRow(found.id, bill_id, -net[bill_id],
                                         ledger.KIND_REVERSAL))
    if net[None] > ZERO:
        customer.credit -= net[None]
        customer.dirty = True
        rows.append(ledger.AllocationRow(found.id, None, -net[None], ledger.KIND_REVERSAL))
    ledger.insert_allocations(session, rows, ctx.now)
    ledger.save_bills(session, bills.values())
    ledger.save_credits(session, [customer])
    open_bills = ledger.lock_open_bills(session, [customer.id])[customer.id]
    respread = ledger.spread_credit(session, customer, open_bills, today, today)
    ledger.insert_allocations(session, respread, ctx.now)
    ledger.save_bills(session, open_bills)
    ledger.save_credits(session, [customer])
    session.add(PaymentReversal(payment_id=found.id, reason=why, reversed_by=ctx.username,
                                reversed_at=ctx.now))
    session.flush()
    taken = tuple(_part(bills, r) for r in rows)
    ctx.audit("payment", found.id, "reverse", after={
        "reason": why, "taken_back": {p.bill_no or "credit": p.amount for p in taken},
        "reopened": [b.bill_no for b in bills.values() if b.status is not BillStatus.PAID]})
    return ReversalResult(_payment_row(session, found.id), taken, customer.credit,
                          _outstanding(session, customer.id))


def _part(bills: dict[int, ledger.BillState], row: ledger.AllocationRow) -> AppliedPart:
    """A reversal row as the (positive) amount taken back."""
    return AppliedPart(bills[row.bill_id].bill_no if row.bill_id is not None else None,
                       -row.amount)


def apply_credit_to_bill(session: Session, customer: Customer, bill: Bill, now: datetime,
                         username: str) -> Decimal:
    """Apply the account's credit to a bill that has just been issued (DUE), inside the
    caller's transaction; returns the amount applied.

    The credit is moved as allocations of the payments that made it, oldest first, so a
    later reversal of one of them takes its money back from this bill. Call it after the
    bill is DUE; lock the customer before the bill to keep the payment lock order.
    """
    session.flush()  # the caller's changes (the bill now DUE) reach the database first
    state = ledger.lock_customers(session, ids=[customer.id])[0]
    if state.credit <= ZERO or bill.balance <= ZERO:
        return ZERO
    if BillStatus(bill.status) not in OPEN:
        raise Conflict(f"bill {bill.bill_no} is {bill.status}; credit is applied once the "
                       "bill is issued")
    target = ledger.BillState(bill.id, bill.bill_no, bill.customer_id, BillStatus(bill.status),
                              bill.due_date, bill.amount_paid, bill.balance, bill.paid_at)
    before = state.credit
    rows = ledger.spread_credit(session, state, [target], now.date(), now.date())
    ledger.insert_allocations(session, rows, now)
    ledger.save_credits(session, [state])
    bill.amount_paid = target.amount_paid
    bill.balance = target.balance
    bill.status = target.status.value
    bill.paid_at = target.paid_at
    set_committed_value(customer, "credit", state.credit)
    used = before - state.credit
    write_audit(session, at=now, username=username, entity="bill", entity_id=bill.id,
                action="apply_credit", after={"bill_no": bill.bill_no, "applied": used,
                                              "credit_left": state.credit})
    return used


_SORT = {"paid_at": Payment.paid_at, "amount": Payment.amount, "channel": Payment.channel,
         "reference": Payment.reference, "account_no": Customer.account_no,
         "customer_name": Customer.name, "recorded_at": Payment.recorded_at,
         "recorded_by": Payment.recorded_by}


def _filter_date(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise invalid(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


@service(Permission.PAYMENTS_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def list_payments(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[PaymentRow]:
    """Filters: account (or account_no), channel, date_from, date_to (paid_at, inclusive),
    reversed (bool).
    A consumer sees only the payments of their own account."""
    stmt = _payment_select()
    if ctx.role is Role.CONSUMER:
        stmt = stmt.where(Payment.customer_id == (ctx.user.customer_id or -1))
    if query.search:
        pattern = prefix_pattern(query.search.strip())
        stmt = stmt.where(or_(Payment.reference.like(pattern, escape="\\"),
                              Customer.account_no.like(pattern, escape="\\")))
    filters = query.filters or {}
    account = filters.get("account") or filters.get("account_no")
    if account:
        stmt = stmt.where(Customer.account_no == str(account).strip())
    if filters.get("channel"):
        try:
            stmt = stmt.where(Payment.channel == parse_channel(filters["channel"]).value)
        except ValueError as exc:
            raise invalid("channel", str(exc)) from None
    if filters.get("date_from"):
        stmt = stmt.where(Payment.paid_at >= _filter_date(filters["date_from"], "date_from"))
    if filters.get("date_to"):
        stmt = stmt.where(Payment.paid_at <= _filter_date(filters["date_to"], "date_to"))
    if filters.get("reversed") is not None:
        stmt = stmt.where(PaymentReversal.id.isnot(None) if filters["reversed"]
                          else PaymentReversal.id.is_(None))
    return run_page(ctx.session, stmt, query, _SORT, Payment.id, _to_row)


@service(Permission.PAYMENTS_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def get_payment(ctx: Ctx, channel: str, reference: str) -> PaymentResult:
    try:
        clean_channel = parse_channel(channel)
    except ValueError as exc:
        raise invalid("channel", str(exc)) from None
    stmt = select(Payment.id, Payment.customer_id).where(
        Payment.channel == clean_channel.value, Payment.reference == reference.strip())
    if ctx.role is Role.CONSUMER:
        stmt = stmt.where(Payment.customer_id == (ctx.user.customer_id or -1))
    found = ctx.session.execute(stmt).first()
    if found is None:
        raise NotFound(f"no {clean_channel.value} payment with reference {reference!r}")
    credit = ctx.session.scalar(select(Customer.credit).where(Customer.id == found.customer_id))
    return _result(ctx.session, found.id, found.customer_id, credit or ZERO, True)


CHANNELS = tuple(c.value for c in Channel)

"""Bills after the run: issue, mark overdue, adjust, list and show (docs/design.md 3 and 4).

Statuses move only as domain/bill_lifecycle.py allows. Issuing and marking overdue are
set-based UPDATEs (a cycle of a million bills is one statement, one audit entry); money
is copied or compared in SQL, never computed there, so SQLite's scaled integers stay exact.

Adjustments (decided here, docs/design.md leaves it open): a debit (+) or credit (-) with a
reason on a GENERATED, DUE or OVERDUE bill. A credit larger than the bill's balance is
refused, and a PAID bill is not adjusted: the correction goes on the customer's next bill
(or a wrong payment is reversed first). So a bill's balance never goes below zero and
account credit stays what docs/design.md says it is: money received and not yet applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Bill, BillAdjustment, BillingRun, Customer, Statement
from opsmanager_desktop.domain.bill_lifecycle import (
    BillStatus,
    bill_balance,
    check_adjustment,
    check_transition,
    status_after_money,
)
from opsmanager_desktop.domain.errors import Conflict, LedgerOutOfStep, NotFound, invalid
from opsmanager_desktop.domain.money import ZERO, D, has_at_most_places
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.tariff import MONEY_ZERO
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.bill_queries import (
    BillDetail,
    BillRow,
    bill_detail,
    bill_page,
    own_customer,
    row_of,
)
from opsmanager_desktop.services.billing import STALE_AFTER
from opsmanager_desktop.services.billing_engine import table_of
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.cycles import cycle_by_period
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.notify import queue_for_statements
from opsmanager_desktop.services.payments import apply_credit_to_bill
from opsmanager_desktop.services.statement_ledger import create_statements

__all__ = ["BillDetail", "BillRow", "adjust_bill", "get_bill", "issue_bills", "list_bills",
           "mark_overdue", "skipped_text"]

_B = table_of(Bill)
REASON_MAX = 255
AMOUNT_MAX = Decimal("999999999999.99")


@dataclass(frozen=True)
class IssueResult:
    cycle: str
    issued: int
    issue_date: date
    due_date: date
    # zero bills (nothing to pay) and bills the account's credit settled become PAID at once
    paid_on_issue: int
    credit_applied: Decimal
    # one per account with bills issued now (docs/decisions.md 41)
    statements: int = 0
    # accounts whose ledger was out of step: issued, their credit left unapplied
    # (docs/decisions.md 46; `db check` says what is wrong)
    credit_skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class OverdueResult:
    as_of: date
    marked: int


@dataclass(frozen=True)
class AdjustmentResult:
    bill: BillRow
    amount: Decimal
    reason: str


def _as_date(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise invalid(field, f"{value!r} is not a date; write it as YYYY-MM-DD")


@service(Permission.BILLS_ISSUE)
def issue_bills(ctx: Ctx, period: str, issue_date: date | str | None = None) -> IssueResult:
    """GENERATED -> DUE for the whole cycle: issue date (default today) and due date = issue
    date + the cycle's due days. The account's credit is applied to each bill at once."""
    cycle = cycle_by_period(ctx.session, period)
    issued_on = ctx.now.date() if issue_date is None else _as_date(issue_date, "issue_date")
    if issued_on < cycle.start_date:
        raise invalid("issue_date", f"{issued_on.isoformat()} is before cycle {cycle.period} "
                      "begins; bills are issued once the cycle has started")
    due = issued_on + timedelta(days=cycle.due_days)
    running = ctx.session.scalars(select(BillingRun).where(
        BillingRun.lock_cycle_id == cycle.id)).first()
    if running is not None and ctx.now - running.heartbeat_at < STALE_AFTER:
        raise Conflict(f"cycle {cycle.period} is still being billed by {running.started_by}; "
                       "issue its bills when the run has ended")
    check_transition(BillStatus.GENERATED, BillStatus.DUE)
    check_transition(BillStatus.DUE, BillStatus.PAID)
    session = ctx.session
    with_credit = list(session.scalars(
        select(Customer.id).where(Customer.credit > ZERO, Customer.id.in_(
            select(_B.c.customer_id).where(_B.c.cycle_id == cycle.id,
                                           _B.c.status == BillStatus.GENERATED.value)))
        .order_by(Customer.id)))
    from opsmanager_desktop.services.account_charges import apply_pending_charges

    apply_pending_charges(ctx, cycle.id)  # penalties and fees waiting for a bill
    count, paid = issue_cycle_bills(session, cycle.id, issued_on, due)
    credit = _apply_credit(session, ctx, cycle.id, issued_on, with_credit)
    paid += credit.settled
    statements = issue_statements(session, cycle.id, cycle.period, issued_on, due, ctx.now,
                                  ctx.username)
    ctx.audit("billing_cycle", cycle.id, "issue_bills", after={
        "cycle": cycle.period, "issued": count, "issue_date": issued_on, "due_date": due,
        "paid_on_issue": paid, "credit_applied": credit.applied,
        "accounts_with_credit": len(with_credit), "statements": statements,
        "credit_skipped": list(credit.skipped)})
    return IssueResult(cycle.period, count, issued_on, due, paid, credit.applied, statements,
                       credit.skipped)


def issue_cycle_bills(session: Session, cycle_id: int, issued_on: date, due: date
                      ) -> tuple[int, int]:
    """One UPDATE: the cycle's GENERATED bills become DUE (PAID when there is nothing to
    pay). Returns (bills issued, of which paid). No credit applied here, no statement made
    and no message queued (issue_statements, once the credit is applied)."""
    in_cycle = (_B.c.cycle_id == cycle_id) & (_B.c.status == BillStatus.GENERATED.value)
    nothing_to_pay = _B.c.balance <= ZERO
    paid = int(session.scalar(select(func.count()).where(in_cycle, nothing_to_pay)) or 0)
    issued = session.execute(update(_B).where(in_cycle).values(
        status=case((nothing_to_pay, BillStatus.PAID.value), else_=BillStatus.DUE.value),
        paid_at=case((nothing_to_pay, issued_on), else_=None),
        issue_date=issued_on, due_date=due))
    return int(getattr(issued, "rowcount", 0) or 0), paid


def issue_statements(session: Session, cycle_id: int, period: str, issued_on: date,
                     due: date, now: datetime, username: str,
                     paid_until: date | None = None) -> int:
    """The statements of the bills just issued and one bill_issued message per statement
    (one paper, one message per account: docs/decisions.md 45), by one INSERT ... SELECT.
    Returns the number of statements made."""
    # statements made now are this cycle's with ids above today's highest: a concurrent
    # issue of the same cycle waits on the bills' row locks, so none interleaves here
    before = session.scalar(select(func.max(Statement.id))) or 0
    made = create_statements(session, cycle_id, period, issued_on, due, now, username,
                             paid_until)
    if made:
        queue_for_statements(session, "bill_issued", select(Statement.id).where(
            Statement.cycle_id == cycle_id, Statement.id > before), now=now,
            queued_by=username)
    return made


@dataclass(frozen=True)
class _CreditApplied:
    applied: Decimal
    settled: int  # bills the credit paid in full
    skipped: tuple[str, ...]  # accounts whose ledger was out of step


def _apply_credit(session: Session, ctx: Ctx, cycle_id: int, issued_on: date,
                  customer_ids: list[int]) -> _CreditApplied:
    """Credit first (docs/design.md 3), through the payments ledger so every cent stays
    traceable to the payment it came from. Only accounts with credit are touched.

    An account whose stored credit disagrees with its payments' rows keeps its credit
    and its bills as issued; the cycle goes on and the result names it (decision 46): one
    account's bad data must not stop a whole cycle's bills going out, and applying a
    credit the rows do not back would move money that is not there."""
    total, settled, skipped = MONEY_ZERO, 0, []
    for customer_id in customer_ids:
        customer = session.get_one(Customer, customer_id)
        bills = session.scalars(select(Bill).where(
            Bill.customer_id == customer_id, Bill.cycle_id == cycle_id,
            Bill.issue_date == issued_on, Bill.status == BillStatus.DUE.value)
            .order_by(Bill.id)).all()
        try:
            for bill in bills:
                total += apply_credit_to_bill(session, customer, bill, ctx.now, ctx.username)
                settled += bill.status == BillStatus.PAID.value
        except LedgerOutOfStep as exc:
            # payment_ledger.spread_credit checks before it writes, and an account out of
            # step is found at its first bill: nothing of it is half-applied
            skipped.append(exc.account_no)
    return _CreditApplied(total, settled, tuple(skipped))


def skipped_text(accounts: tuple[str, ...], shown: int = 20) -> str:
    """What `bills issue` and the issue dialog say of accounts whose credit was skipped."""
    named = ", ".join(accounts[:shown])
    if len(accounts) > shown:
        named += f" and {len(accounts) - shown:,} more"
    return (f"Credit not applied to {len(accounts):,} account(s) whose ledger is out of "
            f"step ({named}): their bills went out without it. Run `opsmanager db check` "
            "to see what is wrong.")


@service(Permission.BILLS_MARK_OVERDUE)
def mark_overdue(ctx: Ctx, as_of: date | str | None = None) -> OverdueResult:
    """DUE bills whose due date is before `as_of` (default today) with a balance left become
    OVERDUE (domain/bill_lifecycle.is_overdue, as one UPDATE). The GUI calls it for today;
    running it twice marks nothing twice."""
    day = ctx.now.date() if as_of is None else _as_date(as_of, "as_of")
    check_transition(BillStatus.DUE, BillStatus.OVERDUE)
    marked = ctx.session.execute(update(_B).where(
        _B.c.status == BillStatus.DUE.value, _B.c.due_date < day, _B.c.balance > ZERO)
        .values(status=BillStatus.OVERDUE.value))
    count = int(getattr(marked, "rowcount", 0) or 0)
    if count:
        ctx.audit("bills", "overdue", "mark_overdue", after={"as_of": day, "marked": count})
    return OverdueResult(day, count)


def _amount(value: object) -> Decimal:
    try:
        amount = D(value)
    except ValueError as exc:
        raise invalid("amount", str(exc)) from None
    if not has_at_most_places(amount, 2):
        raise invalid("amount", f"{value} has more than 2 decimal places")
    if abs(amount) > AMOUNT_MAX:
        raise invalid("amount", "is too large")
    return amount


@service(Permission.BILLS_ADJUST)
def adjust_bill(ctx: Ctx, bill_no: str, amount: Decimal | str | int, reason: str
                ) -> AdjustmentResult:
    """A debit (+) or credit (-) with its reason (rules in the module docstring)."""
    value = _amount(amount)
    why = (reason or "").strip()
    if not why:
        raise invalid("reason", "is required: say why the bill is adjusted")
    if len(why) > REASON_MAX:
        raise invalid("reason", f"must be at most {REASON_MAX} characters")
    found = ctx.session.execute(select(Bill.id, Bill.customer_id)
                                .where(Bill.bill_no == bill_no.strip())).first()
    if found is None:
        raise NotFound(f"no bill {bill_no.strip()!r}")
    bill = apply_adjustment(ctx, found.id, found.customer_id, value, why)
    return AdjustmentResult(row_of(ctx.session, bill.id), value, why)


def apply_adjustment(ctx: Ctx, bill_id: int, customer_id: int, value: Decimal, why: str
                     ) -> Bill:
    """Put a checked debit (+) or credit (-) on a bill under the payments' locks; audited.
    Also used for charges raised elsewhere (penalties, fees: services/account_charges.py)."""
    session = ctx.session
    # the payments' lock order: the customer, then the bill
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    bill = session.scalars(select(Bill).where(Bill.id == bill_id).with_for_update()).one()
    status = BillStatus(bill.status)
    check_adjustment(bill.bill_no, status, bill.balance, value)
    before = snapshot(bill)
    bill.adjustments += value
    bill.balance = bill_balance(bill.total, bill.adjustments, bill.amount_paid)
    new = status_after_money(status, bill.balance, bill.due_date, ctx.now.date())
    check_transition(status, new)
    bill.status = new.value
    if new is BillStatus.PAID:
        bill.paid_at = ctx.now.date()
    session.add(BillAdjustment(bill_id=bill.id, amount=value, reason=why,
                               created_by=ctx.username, created_at=ctx.now))
    session.flush()
    ctx.audit("bill", bill.id, "adjust", before=before,
              after={**snapshot(bill), "adjustment": value, "reason": why})
    return bill


@service(Permission.BILLS_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def list_bills(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[BillRow]:
    """Bills for tables and `bills list`. Filters: cycle (YYYY-MM), account (account no),
    status, utility (code), issued_from / issued_to (issue date), open_only. A consumer
    sees only their own account's bills."""
    return bill_page(ctx.session, query, own_customer(ctx))


@service(Permission.BILLS_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def get_bill(ctx: Ctx, bill_no: str) -> BillDetail:
    """One bill for the screen or the printer: lines, reading, tariff version, customer,
    adjustments and the statement figures (previous balance, payments since the last bill,
    total due)."""
    return bill_detail(ctx.session, bill_no, own_customer(ctx), ctx.now.date())

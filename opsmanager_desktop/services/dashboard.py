"""The figures an officer looks at first thing: one aggregate read per role.

Each section is there only when the caller's role may see the list behind it (the same
permission the list needs), so a figure on the dashboard never tells more than the pages:
- readings waiting for approval in the open cycles (and how many carry a plausibility flag):
  READINGS_VIEW;
- the current cycle's progress: active connections, readings entered, approved, bills
  generated and issued: READINGS_VIEW or BILLS_VIEW;
- bills due and overdue (count and balance; a DUE bill past its due date counts as overdue
  even before the daily mark-overdue has run): BILLS_VIEW or DUES_VIEW;
- money collected this month against last month (net of reversals): PAYMENTS_VIEW or
  REPORTS_FINANCIAL.
Every figure is a COUNT or SUM in the database (grouped, index-backed where the schema has
the index); no row is carried to the workstation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Connection,
    MeterReading,
    Payment,
    PaymentReversal,
)
from opsmanager_desktop.domain.bill_lifecycle import OPEN, BillStatus
from opsmanager_desktop.domain.customers import ConnectionStatus
from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.permissions import Permission, allowed
from opsmanager_desktop.domain.readings import ReadingStatus
from opsmanager_desktop.services.core import Ctx, service

NO_MONEY = Decimal("0.00")


@dataclass(frozen=True)
class CycleProgress:
    period: str
    start_date: date
    end_date: date
    connections: int  # active connections: what the run should bill
    readings: int  # entered for the cycle (any status)
    approved: int
    billed: int  # bills generated for the cycle
    issued: int  # of those, issued (DUE, OVERDUE or PAID)


@dataclass(frozen=True)
class BillFigure:
    count: int
    amount: Decimal  # the open balance


@dataclass(frozen=True)
class Collections:
    this_month: str  # YYYY-MM
    this_amount: Decimal
    this_count: int
    last_month: str
    last_amount: Decimal
    last_count: int


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    readings_waiting: int | None  # None: not for this role
    readings_flagged: int | None
    waiting_cycles: tuple[str, ...]  # the open cycles the waiting readings belong to
    cycle: CycleProgress | None  # None: not for this role, or no open cycle
    due: BillFigure | None
    overdue: BillFigure | None
    collections: Collections | None


def _may(ctx: Ctx, *permissions: Permission) -> bool:
    return any(allowed(ctx.role, p) for p in permissions)


def _open_cycles(ctx: Ctx) -> list[tuple[int, str, date, date]]:
    return [(r.id, r.period, r.start_date, r.end_date) for r in ctx.session.execute(
        select(BillingCycle.id, BillingCycle.period, BillingCycle.start_date,
               BillingCycle.end_date).where(BillingCycle.status == CycleStatus.OPEN.value)
        .order_by(BillingCycle.period))]


def current_cycle(cycles: list[tuple[int, str, date, date]], today: date
                  ) -> tuple[int, str, date, date] | None:
    """The open cycle being worked on: the newest that has begun, else the oldest open."""
    started = [c for c in cycles if c[2] <= today]
    if started:
        return started[-1]
    return cycles[0] if cycles else None


def _progress(ctx: Ctx, cycle: tuple[int, str, date, date]) -> CycleProgress:
    session = ctx.session
    cycle_id, period, start, end = cycle
    connections = session.scalar(select(func.count()).select_from(Connection).where(
        Connection.status == ConnectionStatus.ACTIVE.value)) or 0
    readings: dict[str, int] = dict(session.execute(
        select(MeterReading.status, func.count()).where(MeterReading.cycle_id == cycle_id)
        .group_by(MeterReading.status)).all())
    bills: dict[str, int] = dict(session.execute(
        select(Bill.status, func.count()).where(Bill.cycle_id == cycle_id)
        .group_by(Bill.status)).all())
    billed = sum(bills.values())
    return CycleProgress(period, start, end, connections, sum(readings.values()),
                         readings.get(ReadingStatus.APPROVED.value, 0), billed,
                         billed - bills.get(BillStatus.GENERATED.value, 0))


def _waiting(ctx: Ctx, cycle_ids: list[int]) -> tuple[int, int]:
    if not cycle_ids:
        return 0, 0
    row = ctx.session.execute(
        select(func.count(), func.count(case((MeterReading.flags != "", 1))))
        .where(MeterReading.cycle_id.in_(cycle_ids),
               MeterReading.status == ReadingStatus.SUBMITTED.value)).one()
    return int(row[0] or 0), int(row[1] or 0)


def _bills(ctx: Ctx, today: date) -> tuple[BillFigure, BillFigure]:
    late = ((Bill.status == BillStatus.OVERDUE.value) | (Bill.due_date < today)).label("late")
    figures = {bool(r[0]): BillFigure(int(r[1]), r[2] if r[2] is not None else NO_MONEY)
               for r in ctx.session.execute(
                   select(late, func.count(), func.sum(Bill.balance))
                   .where(Bill.status.in_(sorted(s.value for s in OPEN)))
                   .group_by(late))}
    empty = BillFigure(0, NO_MONEY)
    return figures.get(False, empty), figures.get(True, empty)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _collected(ctx: Ctx, start: date, end: date) -> tuple[Decimal, int]:
    row = ctx.session.execute(
        select(func.sum(Payment.amount), func.count())
        .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
        .where(Payment.paid_at >= start, Payment.paid_at < end,
               PaymentReversal.id.is_(None))).one()
    return (row[0] if row[0] is not None else NO_MONEY), int(row[1] or 0)


def _collections(ctx: Ctx, today: date) -> Collections:
    this_start = _month_start(today)
    last_start = _month_start(this_start - timedelta(days=1))
    next_start = _month_start(this_start + timedelta(days=32))
    this_amount, this_count = _collected(ctx, this_start, next_start)
    last_amount, last_count = _collected(ctx, last_start, this_start)
    return Collections(f"{this_start:%Y-%m}", this_amount, this_count, f"{last_start:%Y-%m}",
                       last_amount, last_count)


@service(Permission.REFERENCE_VIEW, readonly=True)
def dashboard(ctx: Ctx, as_of: date | None = None) -> Dashboard:
    """The caller's figures for `as_of` (default today); see the module docstring."""
    today = as_of or ctx.now.date()
    cycles = _open_cycles(ctx)
    waiting = flagged = None
    waiting_cycles: tuple[str, ...] = ()
    if _may(ctx, Permission.READINGS_VIEW):
        waiting, flagged = _waiting(ctx, [c[0] for c in cycles])
        waiting_cycles = tuple(c[1] for c in cycles)
    cycle = None
    if _may(ctx, Permission.READINGS_VIEW, Permission.BILLS_VIEW):
        chosen = current_cycle(cycles, today)
        cycle = _progress(ctx, chosen) if chosen is not None else None
    due = overdue = None
    if _may(ctx, Permission.BILLS_VIEW, Permission.DUES_VIEW):
        due, overdue = _bills(ctx, today)
    collections = None
    if _may(ctx, Permission.PAYMENTS_VIEW, Permission.REPORTS_FINANCIAL):
        collections = _collections(ctx, today)
    return Dashboard(today, waiting, flagged, waiting_cycles, cycle, due, overdue, collections)

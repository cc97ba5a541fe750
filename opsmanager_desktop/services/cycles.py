"""Monthly billing cycles: admins open and close them; readings, billing and bills hang on
them (other areas find a cycle with `cycle_by_period`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import BillingCycle
from opsmanager_desktop.domain.cycle import CycleStatus, Period
from opsmanager_desktop.domain.errors import Conflict, NotFound, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import ListQuery, Page, run_page

DEFAULT_DUE_DAYS = 14
MAX_DUE_DAYS = 365


@dataclass(frozen=True)
class CycleRow:
    id: int
    period: str
    start_date: date
    end_date: date
    due_days: int
    status: CycleStatus
    estimation_enabled: bool
    created_at: datetime


def _row(cycle: BillingCycle) -> CycleRow:
    return CycleRow(cycle.id, cycle.period, cycle.start_date, cycle.end_date, cycle.due_days,
                    CycleStatus(cycle.status), cycle.estimation_enabled, cycle.created_at)


def cycle_by_period(session: Session, period: str) -> BillingCycle:
    """The cycle of `period` (YYYY-MM). ValidationError for a malformed period, NotFound
    (saying how to open it) for one not opened yet."""
    text = str(Period.parse(period, "cycle"))
    cycle = session.scalars(select(BillingCycle).where(BillingCycle.period == text)).first()
    if cycle is None:
        raise NotFound(f"billing cycle {text} is not open yet; an administrator opens it with "
                       f"`cycles open {text}`")
    return cycle


def _check_due_days(due_days: object) -> int:
    if isinstance(due_days, bool) or not isinstance(due_days, int) \
            or not 0 <= due_days <= MAX_DUE_DAYS:
        raise invalid("due_days", f"must be a whole number of days from 0 to {MAX_DUE_DAYS}")
    return due_days


@service(Permission.CYCLES_MANAGE)
def open_cycle(ctx: Ctx, period: str, due_days: int = DEFAULT_DUE_DAYS,
               estimation: bool = False) -> CycleRow:
    month = Period.parse(period)
    due_days = _check_due_days(due_days)
    if ctx.session.scalar(select(BillingCycle.id).where(
            BillingCycle.period == str(month))) is not None:
        raise Conflict(f"billing cycle {month} is already open")
    cycle = BillingCycle(period=str(month), start_date=month.first_day, end_date=month.last_day,
                         due_days=due_days, status=CycleStatus.OPEN.value,
                         estimation_enabled=bool(estimation), created_at=ctx.now)
    ctx.session.add(cycle)
    ctx.session.flush()
    ctx.audit("billing_cycle", cycle.id, "open", after=snapshot(cycle))
    return _row(cycle)


_SORT = {"period": BillingCycle.period, "status": BillingCycle.status,
         "due_days": BillingCycle.due_days, "created_at": BillingCycle.created_at}


@service(Permission.REFERENCE_VIEW, readonly=True)
def list_cycles(ctx: Ctx, query: ListQuery = ListQuery(sort="period", descending=True)
                ) -> Page[CycleRow]:
    """Cycles, newest first by default; filters: status (OPEN/CLOSED), year (int)."""
    stmt = select(BillingCycle)
    filters = query.filters or {}
    if filters.get("status"):
        status = str(filters["status"]).upper()
        if status not in CycleStatus.__members__:
            raise invalid("status", f"{filters['status']!r} is not a cycle status; use "
                          + " or ".join(CycleStatus))
        stmt = stmt.where(BillingCycle.status == status)
    if filters.get("year"):
        year = str(filters["year"]).strip()
        if not year.isdigit() or len(year) != 4:
            raise invalid("year", f"{filters['year']!r} is not a year such as 2026")
        stmt = stmt.where(BillingCycle.period.like(f"{year}-%"))
    if query.search:
        stmt = stmt.where(BillingCycle.period.like(f"{query.search.strip()[:7]}%"))
    return run_page(ctx.session, stmt, query, _SORT, BillingCycle.id, lambda r: _row(r[0]))


@service(Permission.REFERENCE_VIEW, readonly=True)
def get_cycle(ctx: Ctx, period: str) -> CycleRow:
    return _row(cycle_by_period(ctx.session, period))


def _open(ctx: Ctx, period: str) -> BillingCycle:
    cycle = cycle_by_period(ctx.session, period)
    if cycle.status != CycleStatus.OPEN:
        raise Conflict(f"billing cycle {cycle.period} is closed")
    return cycle


@service(Permission.CYCLES_MANAGE)
def set_estimation(ctx: Ctx, period: str, enabled: bool) -> CycleRow:
    """Whether the billing run estimates connections that have no reading (else it lists
    them as exceptions)."""
    cycle = _open(ctx, period)
    before = snapshot(cycle)
    cycle.estimation_enabled = bool(enabled)
    ctx.session.flush()
    ctx.audit("billing_cycle", cycle.id, "set_estimation", before=before,
              after=snapshot(cycle))
    return _row(cycle)


@service(Permission.CYCLES_MANAGE)
def close_cycle(ctx: Ctx, period: str) -> CycleRow:
    """A closed cycle takes no more readings or billing runs; its bills live on as usual."""
    cycle = _open(ctx, period)
    before = snapshot(cycle)
    cycle.status = CycleStatus.CLOSED.value
    ctx.session.flush()
    ctx.audit("billing_cycle", cycle.id, "close", before=before, after=snapshot(cycle))
    return _row(cycle)

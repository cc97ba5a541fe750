"""Financial and consumption reports (docs/design.md 3, Reports), aggregated in the database.

Every figure is a SUM or COUNT done by the database (so it grows with the server, not the
workstation) over exact columns: SUM of a money or units column is exact on both
databases; averages and ratios are divided in Python from those exact sums, never SQL AVG
(which would come back as REAL from SQLite's scaled integers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import extract, func, select

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Connection,
    Payment,
    PaymentReversal,
    UtilityType,
)
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.errors import NotFound, invalid
from opsmanager_desktop.domain.money import ZERO, round_units
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.dues import NO_MONEY, Ageing, ageing_of

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
RATIO_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True)
class RevenueMonth:
    month: str  # YYYY-MM
    collected: Decimal


@dataclass(frozen=True)
class ConsumptionRow:
    utility: str
    connections: int
    total_units: Decimal
    average_units: Decimal


@dataclass(frozen=True)
class EfficiencyRow:
    cycle: str
    billed: Decimal
    collected: Decimal
    ratio: Decimal | None  # collected / billed, 4 decimals; None when nothing was billed


def check_period(period: str, field: str = "cycle") -> str:
    text = (period or "").strip()
    if not _PERIOD.match(text):
        raise invalid(field, f"{period!r} is not a month; write it as YYYY-MM")
    return text


@service(Permission.REPORTS_FINANCIAL, readonly=True)
def revenue(ctx: Ctx, year: int) -> list[RevenueMonth]:
    """Money collected per month of `year`, all 12 months, by payment date.

    Net of reversals: a reversed payment (a bounced cheque) was never collected, so it
    counts in no month; a month's figure can therefore go down when a payment of that month
    is reversed later.
    """
    if not 2000 <= int(year) <= 2999:
        raise invalid("year", f"{year!r} is not a year")
    year = int(year)
    month = extract("month", Payment.paid_at)
    rows = ctx.session.execute(
        select(month.label("m"), func.sum(Payment.amount).label("collected"))
        .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
        .where(Payment.paid_at >= date(year, 1, 1), Payment.paid_at < date(year + 1, 1, 1),
               PaymentReversal.id.is_(None))
        .group_by(month)).all()
    by_month = {int(r.m): r.collected for r in rows}
    return [RevenueMonth(f"{year:04d}-{m:02d}", by_month.get(m) or NO_MONEY)
            for m in range(1, 13)]


@service(Permission.REPORTS_CONSUMPTION, readonly=True)
def consumption(ctx: Ctx, cycle: str) -> list[ConsumptionRow]:
    """Billed consumption per utility type in a cycle: connections billed, total units and
    the average per connection (rounded half-up to 0.001 unit)."""
    period = check_period(cycle)
    cycle_id = ctx.session.scalar(select(BillingCycle.id).where(BillingCycle.period == period))
    if cycle_id is None:
        raise NotFound(f"there is no billing cycle {period}")
    rows = ctx.session.execute(
        select(UtilityType.code, func.count(func.distinct(Bill.connection_id)).label("n"),
               func.sum(Bill.units).label("units"))
        .select_from(Bill)
        .join(Connection, Connection.id == Bill.connection_id)
        .join(UtilityType, UtilityType.id == Connection.utility_type_id)
        .where(Bill.cycle_id == cycle_id)
        .group_by(UtilityType.code).order_by(UtilityType.code)).all()
    return [ConsumptionRow(r.code, int(r.n), r.units,
                           round_units(r.units / int(r.n)) if r.n else ZERO)
            for r in rows]


@service(Permission.REPORTS_FINANCIAL, readonly=True)
def collection_efficiency(ctx: Ctx, from_cycle: str | None = None,
                          to_cycle: str | None = None) -> list[EfficiencyRow]:
    """Per cycle: billed (issued bills' totals with adjustments), collected (what has been
    paid on those bills, net of reversals) and their ratio."""
    stmt = (select(BillingCycle.period, func.sum(Bill.total).label("total"),
                   func.sum(Bill.adjustments).label("adj"),
                   func.sum(Bill.amount_paid).label("paid"))
            .join(Bill, Bill.cycle_id == BillingCycle.id)
            .where(Bill.status != BillStatus.GENERATED.value)
            .group_by(BillingCycle.period).order_by(BillingCycle.period))
    if from_cycle:
        stmt = stmt.where(BillingCycle.period >= check_period(from_cycle, "from_cycle"))
    if to_cycle:
        stmt = stmt.where(BillingCycle.period <= check_period(to_cycle, "to_cycle"))
    result = []
    for r in ctx.session.execute(stmt):
        billed = (r.total or NO_MONEY) + (r.adj or NO_MONEY)
        paid = r.paid or NO_MONEY
        ratio = (paid / billed).quantize(RATIO_QUANTUM, rounding=ROUND_HALF_UP) \
            if billed > ZERO else None
        result.append(EfficiencyRow(r.period, billed, paid, ratio))
    return result


@service(Permission.REPORTS_FINANCIAL, readonly=True)
def ageing(ctx: Ctx, as_of: date | None = None) -> Ageing:
    """Ageing of dues: open balances by days past due (see dues.ageing_of)."""
    return ageing_of(ctx.session, as_of or ctx.now.date())

"""Analytics for management: revenue per month, billed vs collected per cycle (collection
efficiency), consumption per utility over cycles and per tariff, ageing of dues and the top
defaulters, filtered by period, utility type and tariff plan.

Every figure is aggregated by the database (SUM, COUNT, GROUP BY), so the work grows with
the server, not the workstation; a result is at most a row per month, cycle, bucket, tariff
or defaulter. Sums of money and units are exact on both databases (scaled integers on
SQLite); averages and ratios are divided here from those exact sums, never SQL AVG.

Definitions (kept consistent with services/reports.py):
- revenue: money received per month of payment, net of reversals (a reversed payment
  counts in no month). With a utility or tariff filter it is the money applied to that
  utility's or tariff's bills (payment allocations, by the payment's month): money kept as
  credit belongs to no utility yet.
- billed vs collected: issued bills (not GENERATED) of each cycle: totals with adjustments,
  paid on them, and what is still open; efficiency = collected / billed.
- consumption: units billed per cycle and utility; the average is per connection billed.
- ageing and defaulters: open balances today, by days past due (the buckets of
  domain/ageing.py: 0-30 includes bills not due yet); a defaulter has bills past their due
  date with a balance. The period filter does not apply to them (a debt is a debt whatever
  month it was billed).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Customer,
    Payment,
    PaymentAllocation,
    PaymentReversal,
    TariffPlan,
    TariffVersion,
    UtilityType,
)
from opsmanager_desktop.domain.bill_lifecycle import OPEN, BillStatus
from opsmanager_desktop.domain.codes import plan_code, utility_code
from opsmanager_desktop.domain.cycle import Period
from opsmanager_desktop.domain.errors import NotFound, invalid
from opsmanager_desktop.domain.money import ZERO, round_units
from opsmanager_desktop.domain.permissions import MATRIX, Permission
from opsmanager_desktop.reports.figures import (
    AgeingRow,
    AnalyticsFilter,
    CollectionPoint,
    ConsumptionPoint,
    Dashboard,
    Defaulter,
    RevenuePoint,
    TariffConsumption,
)
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.dues import open_balance_buckets

NO_MONEY = Decimal("0.00")
RATIO = Decimal("0.0001")
TOP = 20
MAX_MONTHS = 120
_OPEN = sorted(s.value for s in OPEN)


def check_filter(session: Session, flt: object, today: date) -> AnalyticsFilter:
    """The filter with its codes normalised and its period defaulted (the 12 months up to
    this one); ValidationError or NotFound naming the field otherwise."""
    if flt is None:
        flt = AnalyticsFilter()
    if not isinstance(flt, AnalyticsFilter):
        raise invalid("filter", "expected a period, utility and tariff filter")
    to = Period.parse(flt.to_period, "to_period") if flt.to_period else \
        Period(today.year, today.month)
    months = to.year * 12 + to.month - 1
    start = Period.parse(flt.from_period, "from_period") if flt.from_period else \
        Period((months - 11) // 12, (months - 11) % 12 + 1)
    if start > to:
        raise invalid("from_period", f"{start} is after {to}; the period runs from the "
                      "earlier month to the later one")
    if months - (start.year * 12 + start.month - 1) >= MAX_MONTHS:
        raise invalid("from_period", f"at most {MAX_MONTHS} months at a time")
    utility = utility_code(flt.utility) if flt.utility and flt.utility.strip() else None
    tariff = plan_code(flt.tariff) if flt.tariff and flt.tariff.strip() else None
    if utility and session.scalar(select(UtilityType.id).where(UtilityType.code == utility)) \
            is None:
        raise NotFound(f"there is no utility type {utility!r}")
    if tariff and session.scalar(select(TariffPlan.id).where(TariffPlan.code == tariff)) is None:
        raise NotFound(f"there is no tariff plan {tariff!r}")
    return AnalyticsFilter(str(start), str(to), utility, tariff)


def _months(flt: AnalyticsFilter) -> list[str]:
    start, end = Period.parse(flt.from_period or ""), Period.parse(flt.to_period or "")
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]


def _scoped(stmt: Any, flt: AnalyticsFilter, *, periods: bool = True) -> Any:
    """Bills joined to their cycle, tariff plan and utility, narrowed by the filter."""
    stmt = (stmt.join(BillingCycle, BillingCycle.id == Bill.cycle_id)
            .join(TariffVersion, TariffVersion.id == Bill.tariff_version_id)
            .join(TariffPlan, TariffPlan.id == TariffVersion.plan_id)
            .join(UtilityType, UtilityType.id == TariffPlan.utility_type_id))
    if periods:
        stmt = stmt.where(BillingCycle.period >= flt.from_period,
                          BillingCycle.period <= flt.to_period)
    if flt.utility:
        stmt = stmt.where(UtilityType.code == flt.utility)
    if flt.tariff:
        stmt = stmt.where(TariffPlan.code == flt.tariff)
    return stmt


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(RATIO, rounding=ROUND_HALF_UP) if whole > ZERO else None


def revenue_of(session: Session, flt: AnalyticsFilter) -> list[RevenuePoint]:
    months = _months(flt)
    first = Period.parse(months[0]).first_day
    after = Period.parse(months[-1]).last_day
    year, month = extract("year", Payment.paid_at), extract("month", Payment.paid_at)
    window = (Payment.paid_at >= first, Payment.paid_at <= after, PaymentReversal.id.is_(None))
    if flt.utility or flt.tariff:
        stmt = _scoped(select(year.label("y"), month.label("m"),
                              func.sum(PaymentAllocation.amount).label("amount"))
                       .select_from(PaymentAllocation)
                       .join(Payment, Payment.id == PaymentAllocation.payment_id)
                       .join(Bill, Bill.id == PaymentAllocation.bill_id), flt, periods=False)
    else:
        stmt = select(year.label("y"), month.label("m"),
                      func.sum(Payment.amount).label("amount")).select_from(Payment)
    stmt = (stmt.outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
            .where(*window).group_by(year, month))
    found = {f"{int(r.y):04d}-{int(r.m):02d}": r.amount for r in session.execute(stmt)}
    return [RevenuePoint(m, found.get(m) or NO_MONEY) for m in months]


def collection_of(session: Session, flt: AnalyticsFilter) -> list[CollectionPoint]:
    stmt = _scoped(select(BillingCycle.period, func.count(Bill.id).label("n"),
                          func.sum(Bill.total).label("total"),
                          func.sum(Bill.adjustments).label("adj"),
                          func.sum(Bill.amount_paid).label("paid"),
                          func.sum(Bill.balance).label("open")).select_from(Bill), flt)
    stmt = (stmt.where(Bill.status != BillStatus.GENERATED.value)
            .group_by(BillingCycle.period).order_by(BillingCycle.period))
    out = []
    for r in session.execute(stmt):
        billed = (r.total or NO_MONEY) + (r.adj or NO_MONEY)
        paid = r.paid or NO_MONEY
        out.append(CollectionPoint(r.period, int(r.n), billed, paid, r.open or NO_MONEY,
                                   _ratio(paid, billed)))
    return out


def consumption_of(session: Session, flt: AnalyticsFilter) -> list[ConsumptionPoint]:
    stmt = _scoped(select(BillingCycle.period, UtilityType.code, UtilityType.unit,
                          func.count(func.distinct(Bill.connection_id)).label("n"),
                          func.sum(Bill.units).label("units")).select_from(Bill), flt)
    stmt = (stmt.group_by(BillingCycle.period, UtilityType.code, UtilityType.unit)
            .order_by(BillingCycle.period, UtilityType.code))
    return [ConsumptionPoint(r.period, r.code, r.unit, int(r.n), r.units,
                             round_units(r.units / int(r.n)) if r.n else ZERO)
            for r in session.execute(stmt)]


def by_tariff_of(session: Session, flt: AnalyticsFilter) -> list[TariffConsumption]:
    stmt = _scoped(select(UtilityType.code.label("utility"), UtilityType.unit,
                          TariffPlan.code, TariffPlan.name, func.count(Bill.id).label("n"),
                          func.sum(Bill.units).label("units"),
                          func.sum(Bill.total).label("total"),
                          func.sum(Bill.adjustments).label("adj")).select_from(Bill), flt)
    stmt = (stmt.group_by(UtilityType.code, UtilityType.unit, TariffPlan.code, TariffPlan.name)
            .order_by(UtilityType.code, TariffPlan.code))
    return [TariffConsumption(r.utility, r.unit, r.code, r.name, int(r.n), r.units,
                              round_units(r.units / int(r.n)) if r.n else ZERO,
                              (r.total or NO_MONEY) + (r.adj or NO_MONEY))
            for r in session.execute(stmt)]


def ageing_rows(session: Session, flt: AnalyticsFilter, as_of: date) -> list[AgeingRow]:
    return [AgeingRow(*row) for row in open_balance_buckets(
        session, as_of, lambda stmt: _scoped(stmt, flt, periods=False))]


def defaulters_of(session: Session, flt: AnalyticsFilter, as_of: date,
                  limit: int = TOP) -> list[Defaulter]:
    owed = func.sum(Bill.balance)
    stmt = _scoped(select(Customer.account_no, Customer.name, func.count(Bill.id).label("n"),
                          owed.label("owed"), func.min(Bill.due_date).label("oldest"))
                   .select_from(Bill).join(Customer, Customer.id == Bill.customer_id),
                   flt, periods=False)
    stmt = (stmt.where(Bill.status.in_(_OPEN), Bill.balance > ZERO, Bill.due_date < as_of)
            .group_by(Customer.id, Customer.account_no, Customer.name)
            .order_by(owed.desc(), Customer.account_no).limit(limit))
    return [Defaulter(r.account_no, r.name, int(r.n), r.owed, r.oldest,
                      (as_of - r.oldest).days) for r in session.execute(stmt)]


def _money_visible(ctx: Ctx) -> bool:
    return ctx.role in MATRIX[Permission.REPORTS_FINANCIAL]


@service(Permission.REPORTS_FINANCIAL, readonly=True)
def revenue_by_month(ctx: Ctx, flt: AnalyticsFilter | None = None) -> list[RevenuePoint]:
    return revenue_of(ctx.session, check_filter(ctx.session, flt, ctx.now.date()))


@service(Permission.REPORTS_FINANCIAL, readonly=True)
def billed_vs_collected(ctx: Ctx, flt: AnalyticsFilter | None = None) -> list[CollectionPoint]:
    return collection_of(ctx.session, check_filter(ctx.session, flt, ctx.now.date()))


@service(Permission.REPORTS_CONSUMPTION, readonly=True)
def consumption_over_cycles(ctx: Ctx, flt: AnalyticsFilter | None = None
                            ) -> list[ConsumptionPoint]:
    return consumption_of(ctx.session, check_filter(ctx.session, flt, ctx.now.date()))


@service(Permission.REPORTS_CONSUMPTION, readonly=True)
def consumption_by_tariff(ctx: Ctx, flt: AnalyticsFilter | None = None
                          ) -> list[TariffConsumption]:
    return by_tariff_of(ctx.session, check_filter(ctx.session, flt, ctx.now.date()))


@service(Permission.REPORTS_FINANCIAL, readonly=True)
def ageing_of_dues(ctx: Ctx, flt: AnalyticsFilter | None = None,
                   as_of: date | None = None) -> list[AgeingRow]:
    return ageing_rows(ctx.session, check_filter(ctx.session, flt, ctx.now.date()),
                       as_of or ctx.now.date())


@service(Permission.REPORTS_FINANCIAL, readonly=True)
def top_defaulters(ctx: Ctx, flt: AnalyticsFilter | None = None, as_of: date | None = None,
                   limit: int = TOP) -> list[Defaulter]:
    if not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise invalid("limit", "must be between 1 and 1000")
    return defaulters_of(ctx.session, check_filter(ctx.session, flt, ctx.now.date()),
                         as_of or ctx.now.date(), limit)


@service(Permission.REPORTS_CONSUMPTION, Permission.REPORTS_FINANCIAL, readonly=True)
def dashboard(ctx: Ctx, flt: AnalyticsFilter | None = None,
              as_of: date | None = None) -> Dashboard:
    """Every analytics figure in one read (the Analytics page and the report pack); the
    money figures only for a role with the financial reports."""
    checked = check_filter(ctx.session, flt, ctx.now.date())
    day = as_of or ctx.now.date()
    session = ctx.session
    money = _money_visible(ctx)
    return Dashboard(
        checked, day,
        revenue_of(session, checked) if money else None,
        collection_of(session, checked) if money else None,
        consumption_of(session, checked), by_tariff_of(session, checked),
        ageing_rows(session, checked, day) if money else None,
        defaulters_of(session, checked, day) if money else None)


def year_filter(year: object, flt: AnalyticsFilter | None = None) -> AnalyticsFilter:
    """The filter for one calendar year (January to December)."""
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2999:
        raise invalid("year", f"{year!r} is not a year")
    return replace(flt or AnalyticsFilter(), from_period=f"{year:04d}-01",
                   to_period=f"{year:04d}-12")

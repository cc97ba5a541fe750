"""DT energy balance for a cycle (domain/energy_balance.py has the arithmetic): each
registered transformer's own meter reading against the units billed to the electricity
connections carrying its code in that cycle, worst first.

Two grouped reads whatever the number of DTs: the billed units per transformer code (bills
of the cycle joined to their connections, by the bills' cycle index) and the cycle's DT
readings. Decommissioned DTs with nothing read and nothing billed are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Connection,
    DtReading,
    Substation,
    Transformer,
    UtilityType,
)
from opsmanager_desktop.domain.assets import AssetStatus
from opsmanager_desktop.domain.energy_balance import balance, worst_first
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.assets import transformer_by_code
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.cycles import cycle_by_period

ELECTRICITY = "electricity"


@dataclass(frozen=True)
class BalanceRow:
    transformer: str
    name: str
    substation: str
    status: AssetStatus
    cycle: str
    input_kwh: Decimal | None
    billed_kwh: Decimal
    bills: int  # bills counted in billed_kwh
    loss_kwh: Decimal | None
    loss_percent: Decimal | None
    reason: str


def _balances(ctx: Ctx, cycle: str, only: int | None = None) -> list[BalanceRow]:
    the_cycle = cycle_by_period(ctx.session, cycle)
    session = ctx.session
    dts = select(Transformer.id, Transformer.code, Transformer.name, Transformer.status,
                 Substation.code.label("dss")).join(
        Substation, Substation.id == Transformer.substation_id)
    if only is not None:
        dts = dts.where(Transformer.id == only)
    registered = list(session.execute(dts))
    billed_stmt = (select(Connection.transformer_code, func.sum(Bill.units), func.count())
                   .join(Connection, Connection.id == Bill.connection_id)
                   .join(UtilityType, UtilityType.id == Connection.utility_type_id)
                   .where(Bill.cycle_id == the_cycle.id, UtilityType.code == ELECTRICITY,
                          Connection.transformer_code.is_not(None))
                   .group_by(Connection.transformer_code))
    if only is not None:
        billed_stmt = billed_stmt.where(Connection.transformer_code == registered[0].code)
    billed = {code: (units or ZERO, int(n)) for code, units, n in session.execute(billed_stmt)}
    read_stmt = select(DtReading.transformer_id, DtReading.units).where(
        DtReading.cycle_id == the_cycle.id)
    if only is not None:
        read_stmt = read_stmt.where(DtReading.transformer_id == only)
    readings = dict(session.execute(read_stmt).all())
    items = []
    info = {}
    for r in registered:
        units, count = billed.get(r.code, (ZERO, 0))
        read = readings.get(r.id)
        if r.status == AssetStatus.DECOMMISSIONED.value and read is None and not count:
            continue
        items.append((r.code, balance(read, units)))
        info[r.code] = (r, count)
    rows = []
    for code, b in worst_first(items):
        r, count = info[code]
        rows.append(BalanceRow(code, r.name, r.dss, AssetStatus(r.status), the_cycle.period,
                               b.input_kwh, b.billed_kwh, count, b.loss_kwh, b.loss_percent,
                               b.reason))
    return rows


@service(Permission.ASSETS_VIEW, readonly=True)
def energy_balance(ctx: Ctx, cycle: str) -> list[BalanceRow]:
    """Every DT's balance for the cycle, worst loss first (see the module docstring)."""
    return _balances(ctx, cycle)


@service(Permission.ASSETS_VIEW, readonly=True)
def latest_balance(ctx: Ctx, transformer: str) -> BalanceRow | None:
    """The DT's balance in the latest cycle it has a reading for (None: never read)."""
    dt = transformer_by_code(ctx.session, transformer)
    period = ctx.session.scalar(
        select(func.max(BillingCycle.period)).join(DtReading, DtReading.cycle_id ==
                                                   BillingCycle.id)
        .where(DtReading.transformer_id == dt.id))
    if period is None:
        return None
    rows = _balances(ctx, period, only=dt.id)
    return rows[0] if rows else None


@service(Permission.ASSETS_VIEW, readonly=True)
def balance_cycles(ctx: Ctx) -> list[str]:
    """The cycles with at least one DT reading, newest first (the balance views' default)."""
    return list(ctx.session.scalars(
        select(BillingCycle.period).where(
            select(DtReading.id).where(DtReading.cycle_id == BillingCycle.id).exists())
        .order_by(BillingCycle.period.desc())))

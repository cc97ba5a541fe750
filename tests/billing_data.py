"""Reference data, connections and approved readings for the billing and bills tests.

Utilities, tariffs and cycles go through their services (Engineer T's); customers,
connections and readings are written as rows so these tests do not depend on the import
paths of customers and readings.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from opsmanager_desktop.db.models import (
    Bill,
    BillLine,
    Connection,
    Customer,
    MeterReading,
    TariffPlan,
    UtilityType,
)
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Category, Slab, SlabMode, Tariff, Tax, TaxBase
from opsmanager_desktop.services import cycles, tariffs, utilities
from opsmanager_desktop.services.backend import Backend
from tests.helpers import admin_token, token_for

D = Decimal

# 100 units at 5, the rest at 10; fixed 50; 10 % tax on energy + fixed
SIMPLE = Tariff.simple((Slab(D("100"), D("5.00")), Slab(None, D("10.00"))), D("50.00"),
                       taxes=(Tax("VAT", D("10"), TaxBase.ENERGY_AND_FIXED),))
# a later version of the same plan: dearer
SIMPLE_V2 = Tariff.simple((Slab(D("100"), D("6.00")), Slab(None, D("12.00"))), D("55.00"),
                          taxes=(Tax("VAT", D("10"), TaxBase.ENERGY_AND_FIXED),))
# categories, per-kW fixed charge, minimum charge, two taxes, odd rates (rounding)
COMMERCIAL = Tariff(
    SlabMode.TELESCOPIC,
    (Category(D("100"), D("20.00"), (Slab(None, D("1.1375")),)),
     Category(None, D("40.00"), (Slab(D("200"), D("3.3333")), Slab(None, D("4.4449"))))),
    fixed_charge_per_kw=D("12.50"), minimum_charge=D("30.00"),
    taxes=(Tax("Duty", D("5"), TaxBase.ENERGY), Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED)))
WATER = Tariff.simple((Slab(D("10"), D("0.75")), Slab(None, D("1.25"))), D("3.00"),
                      mode=SlabMode.FLAT)

_accounts = itertools.count(1)


@dataclass
class World:
    backend: Backend
    admin: str
    officer: str
    plans: dict[str, int]


def make_world(backend: Backend, *, v2_from: date | None = None) -> World:
    admin = admin_token(backend)
    utilities.add_utility(backend, admin, "electricity", "Electricity", "kWh")
    utilities.add_utility(backend, admin, "water", "Water", "m3")
    tariffs.add_tariff(backend, admin, "DOM", "Domestic", "electricity", SIMPLE,
                       date(2020, 1, 1))
    if v2_from is not None:
        tariffs.add_tariff(backend, admin, "DOM", "Domestic", "electricity", SIMPLE_V2,
                           v2_from)
    tariffs.add_tariff(backend, admin, "COM", "Commercial", "electricity", COMMERCIAL,
                       date(2020, 1, 1))
    tariffs.add_tariff(backend, admin, "WAT", "Water", "water", WATER, date(2020, 1, 1))
    officer = token_for(backend, Role.BILLING_OFFICER, "bo")
    with backend.sessions() as s:
        plans = {p.code: p.id for p in s.scalars(select(TariffPlan))}
    return World(backend, admin, officer, plans)


def open_cycle(world: World, period: str, *, estimation: bool = False,
               due_days: int = 14) -> None:
    cycles.open_cycle(world.backend, world.admin, period, due_days, estimation)


def add_connections(world: World, specs: Iterable[tuple[str, str | None, str]],
                    period: str | None = None, *, reading_status: str = "APPROVED",
                    account_no: str | None = None) -> list[int]:
    """One customer + connection per spec (plan code, units or None for no reading,
    sanctioned load); with `period`, a reading of `units` for that cycle."""
    ids = []
    with world.backend.sessions.begin() as s:
        cycle_id = None
        if period is not None:
            from opsmanager_desktop.db.models import BillingCycle

            cycle_id = s.scalar(select(BillingCycle.id).where(BillingCycle.period == period))
        for plan_code, units, load in specs:
            plan = s.scalars(select(TariffPlan).where(TariffPlan.code == plan_code)).one()
            customer = None
            if account_no is not None:
                customer = s.scalars(select(Customer)
                                     .where(Customer.account_no == account_no)).first()
            if customer is None:
                n = next(_accounts)
                customer = Customer(account_no=account_no or f"A{n:06d}",
                                    name=f"Customer {n}", address=f"{n} Main Road")
                s.add(customer)
                s.flush()
            meter = f"M{next(_accounts):07d}"
            conn = Connection(customer_id=customer.id, utility_type_id=plan.utility_type_id,
                              meter_number=meter, active_meter=meter,
                              tariff_plan_id=plan.id, sanctioned_load_kw=D(load))
            s.add(conn)
            s.flush()
            ids.append(conn.id)
            if cycle_id is not None and units is not None:
                add_reading(s, conn.id, cycle_id, meter, D(units), reading_status)
    return ids


def add_reading(s: Any, connection_id: int, cycle_id: int, meter: str, units: Decimal,
                status: str = "APPROVED", estimated: bool = False) -> None:
    s.add(MeterReading(connection_id=connection_id, cycle_id=cycle_id, meter_number=meter,
                       previous_reading=D("1000"), current_reading=D("1000") + units,
                       units=units, read_at=date(2026, 1, 28),
                       source="ESTIMATED" if estimated else "IMPORT", status=status,
                       is_estimated=estimated, entered_by="bo"))


def readings_for(world: World, period: str, units: dict[int, str],
                 status: str = "APPROVED") -> None:
    from opsmanager_desktop.db.models import BillingCycle

    with world.backend.sessions.begin() as s:
        cycle_id = s.scalar(select(BillingCycle.id).where(BillingCycle.period == period))
        assert cycle_id is not None
        for conn_id, value in units.items():
            meter = s.scalar(select(Connection.meter_number).where(Connection.id == conn_id))
            add_reading(s, conn_id, cycle_id, str(meter), D(value), status)


def snapshot_bills(backend: Backend, period: str) -> list[tuple[Any, ...]]:
    """Every bill of the cycle with its lines, ids left out (they differ between runs)."""
    from opsmanager_desktop.db.models import BillingCycle

    with backend.sessions() as s:
        cycle_id = s.scalar(select(BillingCycle.id).where(BillingCycle.period == period))
        bills = s.execute(select(Bill).where(Bill.cycle_id == cycle_id)
                          .order_by(Bill.bill_no)).scalars().all()
        out = []
        for b in bills:
            lines = s.execute(select(BillLine.seq, BillLine.kind, BillLine.description,
                                     BillLine.quantity, BillLine.rate, BillLine.amount)
                              .where(BillLine.bill_id == b.id).order_by(BillLine.seq)).all()
            out.append((b.bill_no, b.connection_id, b.customer_id, b.reading_id,
                        b.tariff_version_id, b.units, b.energy_charge, b.fixed_charge, b.tax,
                        b.total, b.balance, b.status, b.is_estimated,
                        tuple(tuple(r) for r in lines)))
        return out


def utility_id(backend: Backend, code: str) -> int:
    with backend.sessions() as s:
        found = s.scalar(select(UtilityType.id).where(UtilityType.code == code))
        assert found is not None
        return int(found)

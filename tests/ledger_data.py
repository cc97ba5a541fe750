"""Customers and issued bills for the payment, dues, report and export tests, written as
rows (so these tests do not depend on the billing run) and ledger checks shared by them."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Connection,
    Customer,
    TariffPlan,
    TariffVersion,
    UtilityType,
)
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.ledger_check import examine

_seq = itertools.count(1)


def _utility(session: Session, code: str) -> UtilityType:
    utility = session.scalars(select(UtilityType).where(UtilityType.code == code)).first()
    if utility is None:
        utility = UtilityType(code=code, name=code.title(),
                              unit="kWh" if code == "electricity" else "m3")
        session.add(utility)
        session.flush()
    return utility


def _version(session: Session, utility: UtilityType) -> TariffVersion:
    code = f"T-{utility.code}"
    plan = session.scalars(select(TariffPlan).where(TariffPlan.code == code)).first()
    if plan is None:
        plan = TariffPlan(code=code, name=code, utility_type_id=utility.id)
        session.add(plan)
        session.flush()
        session.add(TariffVersion(plan_id=plan.id, effective_from=date(2020, 1, 1),
                                  mode="telescopic", fixed_charge=ZERO,
                                  fixed_charge_per_kw=ZERO, minimum_charge=ZERO))
        session.flush()
    return session.scalars(select(TariffVersion).where(TariffVersion.plan_id == plan.id)
                           ).one()


def cycle_row(session: Session, period: str) -> BillingCycle:
    cycle = session.scalars(select(BillingCycle).where(BillingCycle.period == period)).first()
    if cycle is None:
        year, month = (int(x) for x in period.split("-"))
        end = date(year + month // 12, month % 12 + 1, 1)
        cycle = BillingCycle(period=period, start_date=date(year, month, 1),
                             end_date=date.fromordinal(end.toordinal() - 1))
        session.add(cycle)
        session.flush()
    return cycle


def add_customer(backend: Backend, account_no: str, name: str | None = None) -> int:
    with backend.sessions.begin() as session:
        customer = Customer(account_no=account_no, name=name or f"Customer {account_no}")
        session.add(customer)
        session.flush()
        return customer.id


def add_bill(backend: Backend, account_no: str, total: str, *, due: date | None,
             status: str = "DUE", cycle: str = "2026-01", utility: str = "electricity",
             units: str = "100", bill_no: str | None = None,
             issue: date | None = None, meter: str | None = None) -> str:
    """A bill of `total` for the account (created if missing), on a connection of its own
    (or on the connection of `meter`, made at its first bill)."""
    n = next(_seq)
    number = bill_no or f"B{n:06d}"
    with backend.sessions.begin() as session:
        customer = session.scalars(select(Customer).where(Customer.account_no == account_no)
                                   ).first()
        if customer is None:
            customer = Customer(account_no=account_no, name=f"Customer {account_no}")
            session.add(customer)
            session.flush()
        util = _utility(session, utility)
        version = _version(session, util)
        connection = None if meter is None else session.scalars(
            select(Connection).where(Connection.meter_number == meter)).first()
        if connection is None:
            connection = Connection(customer_id=customer.id, utility_type_id=util.id,
                                    meter_number=meter or f"M{n:06d}",
                                    active_meter=meter or f"M{n:06d}",
                                    tariff_plan_id=version.plan_id)
            session.add(connection)
            session.flush()
        amount = Decimal(total)
        session.add(Bill(
            bill_no=number, connection_id=connection.id, customer_id=customer.id,
            cycle_id=cycle_row(session, cycle).id, tariff_version_id=version.id,
            units=Decimal(units), energy_charge=amount, fixed_charge=ZERO, tax=ZERO,
            total=amount, adjustments=ZERO, amount_paid=ZERO, balance=amount, status=status,
            issue_date=issue or (due if status != "GENERATED" else None),
            due_date=due if status != "GENERATED" else None))
    return number


def bill(backend: Backend, bill_no: str) -> Bill:
    with backend.sessions() as session:
        return session.scalars(select(Bill).where(Bill.bill_no == bill_no)).one()


def credit_of(backend: Backend, account_no: str) -> Decimal:
    with backend.sessions() as session:
        return session.scalars(select(Customer.credit).where(
            Customer.account_no == account_no)).one()


def assert_ledger_consistent(backend: Backend) -> None:
    """Every ledger invariant over the whole database: the checks of `db check`
    (services/ledger_rules.py states them once), as of the backend's clock."""
    with backend.engine.connect() as conn:
        result = examine(conn, backend.now().date())
    assert result.ok, "\n".join(
        f"{p.invariant} {p.account_no} {p.reference}: found {p.found}, expected {p.expected}"
        for p in result.problems)

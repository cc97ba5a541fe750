"""A small world for disconnection tests: connections with bills of chosen balance, due date
and status written directly (the billing run is tested elsewhere), payments, complaints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

from sqlalchemy import select

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Complaint,
    ComplaintCategory,
    Connection,
    Payment,
    TariffVersion,
)
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import teams
from opsmanager_desktop.services.backend import Backend
from tests.billing_data import World, add_connections, make_world, open_cycle
from tests.helpers import token_for

LIST_DATE = date(2026, 3, 31)
PERIODS = ("2025-11", "2025-12", "2026-01")  # a connection gets at most one bill each
_bill_numbers = count(1)


@dataclass
class DisWorld:
    world: World
    sup: str  # supervisor token
    field: str  # field officer token (fo1, in team CREW-A)

    @property
    def backend(self) -> Backend:
        return self.world.backend


def make(backend: Backend, *, crews: int = 1) -> DisWorld:
    world = make_world(backend)
    for period in PERIODS:
        open_cycle(world, period)
    sup = token_for(backend, Role.SUPERVISOR, "sup")
    field = token_for(backend, Role.FIELD_OFFICER, "fo1")
    for i in range(crews):
        teams.add_team(backend, sup, f"CREW-{'AB'[i]}", f"Crew {'AB'[i]}")
    teams.set_team(backend, sup, "fo1", "CREW-A")
    return DisWorld(world, sup, field)


def connection(dw: DisWorld, *, transformer: str | None = None,
               account_no: str | None = None) -> int:
    (conn_id,) = add_connections(dw.world, [("DOM", None, "0")], account_no=account_no)
    if transformer is not None:
        with dw.backend.sessions.begin() as s:
            s.get_one(Connection, conn_id).transformer_code = transformer
    return conn_id


def bill(dw: DisWorld, connection_id: int, balance: str, due: date,
         status: str = "OVERDUE") -> str:
    with dw.backend.sessions.begin() as s:
        conn = s.get_one(Connection, connection_id)
        used = select(Bill.cycle_id).where(Bill.connection_id == connection_id)
        cycle = s.scalar(select(BillingCycle.id).where(BillingCycle.id.not_in(used))
                         .order_by(BillingCycle.id).limit(1))
        version = s.scalar(select(TariffVersion.id).limit(1))
        no = f"B-{next(_bill_numbers):06d}"
        amount = Decimal(balance)
        s.add(Bill(bill_no=no, connection_id=connection_id, customer_id=conn.customer_id,
                   cycle_id=cycle, tariff_version_id=version, units=Decimal("100.000"),
                   energy_charge=amount, fixed_charge=Decimal("0.00"), tax=Decimal("0.00"),
                   total=amount, adjustments=Decimal("0.00"), amount_paid=Decimal("0.00"),
                   balance=amount, status=status, issue_date=date(2026, 1, 1), due_date=due))
    return no


def payment(dw: DisWorld, connection_id: int, paid_at: date, amount: str = "10.00") -> None:
    with dw.backend.sessions.begin() as s:
        conn = s.get_one(Connection, connection_id)
        s.add(Payment(customer_id=conn.customer_id, amount=Decimal(amount), channel="BANK",
                      reference=f"R{connection_id}-{paid_at.isoformat()}", paid_at=paid_at,
                      recorded_by="ao"))


def complaint(dw: DisWorld, connection_id: int, *, billing: bool = True,
              status: str = "OPEN") -> None:
    with dw.backend.sessions.begin() as s:
        code = "BILLING" if billing else "SUPPLY"
        cat = s.scalars(select(ComplaintCategory).where(ComplaintCategory.code == code)).first()
        if cat is None:
            cat = ComplaintCategory(code=code, name=code.title(), due_hours=48,
                                    is_billing=billing)
            s.add(cat)
            s.flush()
        conn = s.get_one(Connection, connection_id)
        s.add(Complaint(**complaint_fields(conn.customer_id, cat.id, status)))


def complaint_fields(customer_id: int, category_id: int, status: str) -> dict[str, object]:
    """The columns a complaint needs (the complaints area owns the table)."""
    from datetime import datetime

    fields: dict[str, object] = {"customer_id": customer_id, "category_id": category_id,
                                 "status": status}
    columns = Complaint.__table__.columns
    for col in columns:
        if col.name in fields or col.primary_key or col.nullable or col.default is not None:
            continue
        if col.name.endswith("_at"):
            fields[col.name] = datetime(2026, 3, 1, 9, 0)
        elif col.name in ("ref", "reference", "complaint_no", "number"):
            fields[col.name] = f"CMP-{customer_id}-{category_id}"
        else:
            fields[col.name] = "x"
    return fields

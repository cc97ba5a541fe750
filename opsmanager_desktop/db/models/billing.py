from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow
from opsmanager_desktop.db.types import Money, Quantity, Rate


class Bill(Base):
    """One bill per connection per cycle (the unique key makes a rerun create nothing twice).

    balance = total + adjustments - amount_paid, kept in the row so lists and dues are one
    indexed read; only services/billing code changes it, under a row lock.
    """

    __tablename__ = "bills"
    __table_args__ = table_args(
        UniqueConstraint("connection_id", "cycle_id"),
        Index("ix_bills_customer_status", "customer_id", "status"),
        Index("ix_bills_cycle_status", "cycle_id", "status"),
        # mark_overdue (run by the GUI every day) finds DUE bills past their date by index
        Index("ix_bills_status_due_date", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_no: Mapped[str] = mapped_column(String(32), unique=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("billing_cycles.id"))
    reading_id: Mapped[int | None] = mapped_column(
        ForeignKey("meter_readings.id"), nullable=True)
    tariff_version_id: Mapped[int] = mapped_column(ForeignKey("tariff_versions.id"))
    units: Mapped[Decimal] = mapped_column(Quantity())
    energy_charge: Mapped[Decimal] = mapped_column(Money())
    fixed_charge: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    adjustments: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    amount_paid: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    balance: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[str] = mapped_column(String(16), default="GENERATED")
    is_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    generated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issue_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    # the account statement the bill was issued on (NULL until issued)
    statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("statements.id"), nullable=True, index=True)


class BillLine(Base):
    __tablename__ = "bill_lines"
    __table_args__ = table_args(UniqueConstraint("bill_id", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # ENERGY | MINIMUM | FIXED | TAX
    description: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    rate: Mapped[Decimal | None] = mapped_column(Rate(), nullable=True)
    amount: Mapped[Decimal] = mapped_column(Money())


class BillAdjustment(Base):
    """A debit (+) or credit (-) on a bill, with its reason; never edited, only added."""

    __tablename__ = "bill_adjustments"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AccountCharge(Base):
    """A debit raised outside billing (an inspection penalty, a reconnection fee): put on
    the connection's open bill at once, or kept pending (bill_id NULL) until the next bill
    of the connection is issued."""

    __tablename__ = "account_charges"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(32))  # e.g. EVALUATION_PENALTY, RECONNECTION_FEE
    source_ref: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"), nullable=True,
                                                index=True)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class BillingRun(Base):
    """A run of a cycle. The unique `lock_cycle_id` is the per-cycle lock: set while a run
    is going, cleared when it ends, taken over when its heartbeat is stale."""

    __tablename__ = "billing_runs"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("billing_cycles.id"), index=True)
    lock_cycle_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="RUNNING")
    bills_created: Mapped[int] = mapped_column(Integer, default=0)
    workstation: Mapped[str] = mapped_column(String(120), default="")


class ChargeSet(Base):
    """Scratch table of a billing run: the charges of one distinct (tariff plan, units,
    sanctioned load) combination, computed once by the domain calculator and then joined
    to every bill that shares it (set-based INSERT ... SELECT). Keyed by cycle because the
    per-cycle lock makes the cycle's run exclusive; emptied when the run ends."""

    __tablename__ = "charge_sets"
    __table_args__ = table_args(
        UniqueConstraint("cycle_id", "plan_id", "units", "load_kw",
                         name="uq_charge_sets_key"),
    )

    cycle_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    set_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    plan_id: Mapped[int] = mapped_column(Integer)
    tariff_version_id: Mapped[int] = mapped_column(Integer)
    units: Mapped[Decimal] = mapped_column(Quantity())
    # the connection's load when the tariff charges per kW, else 0 (fewer distinct sets)
    load_kw: Mapped[Decimal] = mapped_column(Quantity())
    energy_charge: Mapped[Decimal] = mapped_column(Money())
    fixed_charge: Mapped[Decimal] = mapped_column(Money())
    tax: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())


class ChargeLine(Base):
    """The bill lines of one charge set, copied into bill_lines for every bill using it."""

    __tablename__ = "charge_lines"
    __table_args__ = table_args()

    cycle_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    set_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    rate: Mapped[Decimal | None] = mapped_column(Rate(), nullable=True)
    amount: Mapped[Decimal] = mapped_column(Money())

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow
from opsmanager_desktop.db.types import Money, Quantity


def searchable(length: int) -> String:
    """Text searched by prefix. MySQL compares it without regard to case (utf8mb4 *_ci);
    on SQLite the NOCASE collation does the same, which also lets SQLite's LIKE 'x%' use
    the column's index instead of scanning a million rows."""
    return String(length).with_variant(String(length, collation="NOCASE"), "sqlite")


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_no: Mapped[str] = mapped_column(searchable(32), unique=True)
    name: Mapped[str] = mapped_column(searchable(120), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(searchable(32), default="", index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    # money received and not yet applied to a bill; changed only under a row lock
    credit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    connections: Mapped[list[Connection]] = relationship(
        back_populates="customer", order_by="Connection.id")

    __mapper_args__ = {"version_id_col": version}


class Connection(Base):
    """Utility type + meter + tariff plan for one customer.

    `active_meter` repeats `meter_number` while the connection is not closed and is NULL
    otherwise, so the unique key (utility, active_meter) keeps a meter unique among the open
    connections of a utility on both databases (NULLs never collide).
    """

    __tablename__ = "connections"
    __table_args__ = table_args(
        UniqueConstraint("utility_type_id", "active_meter", name="uq_connections_active_meter"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    utility_type_id: Mapped[int] = mapped_column(ForeignKey("utility_types.id"))
    meter_number: Mapped[str] = mapped_column(searchable(40), index=True)
    active_meter: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tariff_plan_id: Mapped[int] = mapped_column(ForeignKey("tariff_plans.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    sanctioned_load_kw: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    initial_reading: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    transformer_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    connected_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    customer: Mapped[Customer] = relationship(back_populates="connections")

    __mapper_args__ = {"version_id_col": version}


class MeterReplacement(Base):
    """The old meter's final reading and the new one's initial reading; the next reading of
    the connection adds (old final - old previous) to its own consumption."""

    __tablename__ = "meter_replacements"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), index=True)
    old_meter_number: Mapped[str] = mapped_column(String(40))
    old_previous_reading: Mapped[Decimal] = mapped_column(Quantity())
    old_final_reading: Mapped[Decimal] = mapped_column(Quantity())
    new_meter_number: Mapped[str] = mapped_column(String(40))
    new_initial_reading: Mapped[Decimal] = mapped_column(Quantity())
    replaced_on: Mapped[date] = mapped_column(Date)
    # the reading that consumed the old meter's units; NULL until the next reading
    reading_id: Mapped[int | None] = mapped_column(
        ForeignKey("meter_readings.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

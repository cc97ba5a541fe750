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
from opsmanager_desktop.db.types import Quantity


class MeterReading(Base):
    __tablename__ = "meter_readings"
    __table_args__ = table_args(
        UniqueConstraint("connection_id", "cycle_id"),
        Index("ix_meter_readings_cycle_status", "cycle_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("billing_cycles.id"))
    meter_number: Mapped[str] = mapped_column(String(40))
    previous_reading: Mapped[Decimal] = mapped_column(Quantity())
    current_reading: Mapped[Decimal] = mapped_column(Quantity())
    # current - previous, plus the old meter's units after a replacement
    units: Mapped[Decimal] = mapped_column(Quantity())
    read_at: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # MANUAL | IMPORT | AMR | ESTIMATED
    status: Mapped[str] = mapped_column(String(16), default="SUBMITTED")
    reject_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    flags: Mapped[str] = mapped_column(String(32), default="")  # comma list: HIGH, ZERO
    reader: Mapped[str] = mapped_column(String(64), default="")
    photo_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

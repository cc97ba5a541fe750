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
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow
from opsmanager_desktop.db.types import Quantity


class MeterReading(Base):
    """One reading per connection per cycle (domain/readings.py has the rules).

    For an estimated reading `current_reading` is the estimated register value
    (previous + estimate); `carried_units` are the estimated units billed ahead of the meter
    and not yet absorbed by an actual reading after this one.
    """

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
    carried_units: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal("0"))
    read_at: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # MANUAL | IMPORT | AMR | ESTIMATED
    status: Mapped[str] = mapped_column(String(16), default="SUBMITTED")
    reject_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    flags: Mapped[str] = mapped_column(String(32), default="")  # comma list: HIGH, ZERO
    reader: Mapped[str] = mapped_column(String(64), default="")
    # the photo's original file name; the picture itself is in reading_photos
    photo_path: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ReadingPhoto(Base):
    """The photo of a reading, kept in the database so every workstation sees it (a file
    share would tie the program to one office's network)."""

    __tablename__ = "reading_photos"
    __table_args__ = table_args()

    reading_id: Mapped[int] = mapped_column(ForeignKey("meter_readings.id"), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    # MySQL's BLOB stops at 64 KB; MEDIUMBLOB holds up to 16 MB
    data: Mapped[bytes] = mapped_column(
        LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

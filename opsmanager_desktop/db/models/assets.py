"""The distribution network: substations (DSS), their distribution transformers (DTs), the
maintenance schedules and logs of both, and the readings of each DT's own meter.

Connections name their DT by `connections.transformer_code` (a DT code), not by a foreign
key: the code came first (route letters printed on bills) and many connections carry codes
the register does not hold yet; the Network page lists those codes as unregistered.

A schedule or log names its asset by one of two nullable foreign keys (`substation_id` or
`transformer_id`; the service sets exactly one): the database keeps each link real.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow
from opsmanager_desktop.db.models.distribution import Coordinate
from opsmanager_desktop.db.types import Quantity


class Substation(Base):
    __tablename__ = "substations"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    location: Mapped[str] = mapped_column(String(160), default="")
    latitude: Mapped[Decimal | None] = mapped_column(Coordinate(), nullable=True)
    longitude: Mapped[Decimal | None] = mapped_column(Coordinate(), nullable=True)
    capacity_kva: Mapped[Decimal] = mapped_column(Quantity())
    installed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # OPERATIONAL | FAULTY | UNDER_MAINTENANCE | DECOMMISSIONED
    status: Mapped[str] = mapped_column(String(20), default="OPERATIONAL")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Transformer(Base):
    __tablename__ = "transformers"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    substation_id: Mapped[int] = mapped_column(ForeignKey("substations.id"), index=True)
    location: Mapped[str] = mapped_column(String(160), default="")
    latitude: Mapped[Decimal | None] = mapped_column(Coordinate(), nullable=True)
    longitude: Mapped[Decimal | None] = mapped_column(Coordinate(), nullable=True)
    capacity_kva: Mapped[Decimal] = mapped_column(Quantity())
    installed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="OPERATIONAL", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class MaintenanceSchedule(Base):
    """Service the asset every `interval_months`; one schedule per asset (NULLs of the
    other key never collide, so the two unique keys hold on both databases)."""

    __tablename__ = "maintenance_schedules"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    substation_id: Mapped[int | None] = mapped_column(
        ForeignKey("substations.id"), nullable=True, unique=True)
    transformer_id: Mapped[int | None] = mapped_column(
        ForeignKey("transformers.id"), nullable=True, unique=True)
    interval_months: Mapped[int] = mapped_column(Integer)
    # the first service falls due interval_months after this date when nothing is logged
    starts_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MaintenanceLog(Base):
    """Work done on an asset; never changed (a correction is a new entry)."""

    __tablename__ = "maintenance_logs"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    substation_id: Mapped[int | None] = mapped_column(
        ForeignKey("substations.id"), nullable=True, index=True)
    transformer_id: Mapped[int | None] = mapped_column(
        ForeignKey("transformers.id"), nullable=True, index=True)
    done_on: Mapped[date] = mapped_column(Date)
    work_done: Mapped[str] = mapped_column(String(500))
    done_by: Mapped[str] = mapped_column(String(64))
    # from the asset's schedule at the time of logging (None: no schedule)
    next_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DtReading(Base):
    """The DT's own meter for a cycle: the energy that went into its customers' network."""

    __tablename__ = "dt_readings"
    __table_args__ = table_args(UniqueConstraint("transformer_id", "cycle_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transformer_id: Mapped[int] = mapped_column(ForeignKey("transformers.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("billing_cycles.id"), index=True)
    previous_reading: Mapped[Decimal] = mapped_column(Quantity())
    current_reading: Mapped[Decimal] = mapped_column(Quantity())
    units: Mapped[Decimal] = mapped_column(Quantity())
    read_at: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), default="MANUAL")  # MANUAL | IMPORT
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

"""Field records: enumerations (a customer found on the ground, new or with details that
differ) and evaluations (a revenue-protection inspection of a connection), each waiting
for a supervisor's decision; and their photos.

The recorded_by / recorded_at / status / decided_by / decided_at columns are the contract
the staff-performance metrics count on (keep their names).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
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
from opsmanager_desktop.db.models.distribution import Coordinate
from opsmanager_desktop.db.types import Money


class Enumeration(Base):
    __tablename__ = "enumerations"
    __table_args__ = table_args(
        # the same officer's record of the same meter at the same moment is one record: a
        # handheld file imported twice writes nothing twice
        UniqueConstraint("recorded_by", "meter_number", "recorded_at",
                         name="uq_enumerations_record"),
        Index("ix_enumerations_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # NEW | UPDATE
    # UPDATE: the existing account; NEW: the account number asked for (may be blank)
    account_no: Mapped[str] = mapped_column(String(32), default="")
    # UPDATE: the customer found at entry; NEW: the customer created on approval
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True,
                                                    index=True)
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("connections.id"),
                                                      nullable=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    utility: Mapped[str] = mapped_column(String(32))
    meter_number: Mapped[str] = mapped_column(String(40), index=True)
    tariff_code: Mapped[str] = mapped_column(String(32), default="")
    transformer_code: Mapped[str] = mapped_column(String(32), default="")
    latitude: Mapped[Decimal | None] = mapped_column(Coordinate(), nullable=True)
    longitude: Mapped[Decimal | None] = mapped_column(Coordinate(), nullable=True)
    notes: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(16), default="MANUAL")  # MANUAL | IMPORT
    recorded_by: Mapped[str] = mapped_column(String(64), index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reject_reason: Mapped[str] = mapped_column(String(255), default="")
    entered_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Evaluation(Base):
    __tablename__ = "evaluations"
    __table_args__ = table_args(
        UniqueConstraint("recorded_by", "connection_id", "inspected_at",
                         name="uq_evaluations_record"),
        Index("ix_evaluations_status", "status", "id"),
        # the billing run looks up approved tariff changes not yet applied
        Index("ix_evaluations_pending_tariff", "tariff_applied_at", "effective_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), index=True)
    meter_number: Mapped[str] = mapped_column(String(40))
    utility: Mapped[str] = mapped_column(String(32))
    inspected_at: Mapped[datetime] = mapped_column(DateTime)
    found_plan_id: Mapped[int] = mapped_column(ForeignKey("tariff_plans.id"))
    # the connection's plan when the inspection was entered
    billed_plan_id: Mapped[int] = mapped_column(ForeignKey("tariff_plans.id"))
    # OK | DAMAGED | TAMPERED | BYPASSED | MISSING
    meter_condition: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(String(1000), default="")
    estimated_loss: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    penalty: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    notes: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(16), default="MANUAL")
    recorded_by: Mapped[str] = mapped_column(String(64), index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reject_reason: Mapped[str] = mapped_column(String(255), default="")
    # approved with another plan found: the cycle (YYYY-MM) the new plan bills from, and
    # when the billing run of that cycle wrote it to the connection
    effective_period: Mapped[str | None] = mapped_column(String(7), nullable=True)
    tariff_applied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    entered_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class FieldPhoto(Base):
    """A photo of an enumeration or an evaluation, kept in the database like reading photos
    (services/reading_photos.py) so every workstation sees it."""

    __tablename__ = "field_photos"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enumeration_id: Mapped[int | None] = mapped_column(
        ForeignKey("enumerations.id"), nullable=True, index=True)
    evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluations.id"), nullable=True, index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(
        LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

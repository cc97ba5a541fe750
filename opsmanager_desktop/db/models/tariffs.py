from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow
from opsmanager_desktop.db.types import Money, Percent, Quantity, Rate


class UtilityType(Base):
    __tablename__ = "utility_types"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # edits tell the second of two writers to reload (docs/design.md section 6)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class TariffPlan(Base):
    __tablename__ = "tariff_plans"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    utility_type_id: Mapped[int] = mapped_column(ForeignKey("utility_types.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    versions: Mapped[list[TariffVersion]] = relationship(
        back_populates="plan", order_by="TariffVersion.effective_from")


class TariffVersion(Base):
    """The plan's rules from `effective_from` on; a cycle bills with the version in force on
    its last day."""

    __tablename__ = "tariff_versions"
    __table_args__ = table_args(UniqueConstraint("plan_id", "effective_from"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("tariff_plans.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(16))  # telescopic | flat
    fixed_charge: Mapped[Decimal] = mapped_column(Money())
    fixed_charge_per_kw: Mapped[Decimal] = mapped_column(Money())
    minimum_charge: Mapped[Decimal] = mapped_column(Money())
    uses_categories: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    plan: Mapped[TariffPlan] = relationship(back_populates="versions")
    categories: Mapped[list[TariffCategory]] = relationship(
        order_by="TariffCategory.seq", cascade="all, delete-orphan")
    taxes: Mapped[list[TariffTax]] = relationship(
        order_by="TariffTax.seq", cascade="all, delete-orphan")


class TariffCategory(Base):
    """A consumption category; a version without categories has exactly one, open-ended,
    whose fixed charge is the version's."""

    __tablename__ = "tariff_categories"
    __table_args__ = table_args(UniqueConstraint("version_id", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("tariff_versions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    up_to: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    fixed_charge: Mapped[Decimal] = mapped_column(Money())

    slabs: Mapped[list[TariffSlab]] = relationship(
        order_by="TariffSlab.seq", cascade="all, delete-orphan")


class TariffSlab(Base):
    __tablename__ = "tariff_slabs"
    __table_args__ = table_args(UniqueConstraint("category_id", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("tariff_categories.id"))
    seq: Mapped[int] = mapped_column(Integer)
    up_to: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    rate: Mapped[Decimal] = mapped_column(Rate())


class TariffTax(Base):
    __tablename__ = "tariff_taxes"
    __table_args__ = table_args(UniqueConstraint("version_id", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("tariff_versions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    percent: Mapped[Decimal] = mapped_column(Percent())
    base: Mapped[str] = mapped_column(String(16))  # energy | energy+fixed


class BillingCycle(Base):
    __tablename__ = "billing_cycles"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    due_days: Mapped[int] = mapped_column(Integer, default=14)
    status: Mapped[str] = mapped_column(String(16), default="OPEN")
    estimation_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow
from opsmanager_desktop.db.types import Money


class Statement(Base):
    """What an account receives for a cycle: the account summary above its bills (each bill
    points here by `bills.statement_id`). Written once when the bills are issued and never
    changed, so a reprint says what the customer was first told. The `*_to_date` columns
    are the account's running totals at issue (domain/statement.py): the next statement's
    movements are the differences."""

    __tablename__ = "statements"
    __table_args__ = table_args(
        UniqueConstraint("customer_id", "cycle_id", "seq"),
        # a cycle's statements, and an account's within a cycle (the bills' statement_id is
        # set through it: with only (cycle_id) SQLite picks that and scans the cycle)
        Index("ix_statements_cycle_customer", "cycle_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("billing_cycles.id"))
    seq: Mapped[int] = mapped_column(Integer, default=1)  # 2, 3, ...: a late reading's
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    bills: Mapped[int] = mapped_column(Integer)
    previous_balance: Mapped[Decimal] = mapped_column(Money())
    payments: Mapped[Decimal] = mapped_column(Money())
    reversals: Mapped[Decimal] = mapped_column(Money())
    adjustments: Mapped[Decimal] = mapped_column(Money())
    current_charges: Mapped[Decimal] = mapped_column(Money())
    total_due: Mapped[Decimal] = mapped_column(Money())
    billed_to_date: Mapped[Decimal] = mapped_column(Money())
    adjusted_to_date: Mapped[Decimal] = mapped_column(Money())
    received_to_date: Mapped[Decimal] = mapped_column(Money())
    reversed_to_date: Mapped[Decimal] = mapped_column(Money())
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

"""Disconnection for dues and reconnection: the supervisor's rules (one row per version),
the lists for a date with the connections they named, and the field tickets."""

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
from opsmanager_desktop.db.types import Money


class DisconnectionRules(Base):
    """Never updated: setting the rules adds a version; the newest is in force and every
    list keeps the version it was made with."""

    __tablename__ = "disconnection_rules"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    min_outstanding: Mapped[Decimal] = mapped_column(Money())
    min_days_overdue: Mapped[int] = mapped_column(Integer)
    grace_days: Mapped[int] = mapped_column(Integer)
    exclude_open_complaints: Mapped[bool] = mapped_column(Boolean)
    reconnection_fee: Mapped[Decimal] = mapped_column(Money())
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DisconnectionList(Base):
    __tablename__ = "disconnection_lists"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="DRAFT")
    rules_id: Mapped[int | None] = mapped_column(
        ForeignKey("disconnection_rules.id"), nullable=True)  # NULL: the built-in defaults
    entries: Mapped[int] = mapped_column(Integer, default=0)
    total_outstanding: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    tickets: Mapped[int] = mapped_column(Integer, default=0)


class DisconnectionEntry(Base):
    """A connection on a list, as it stood when the list was made."""

    __tablename__ = "disconnection_entries"
    __table_args__ = table_args(UniqueConstraint("list_id", "connection_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("disconnection_lists.id"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    outstanding: Mapped[Decimal] = mapped_column(Money())
    oldest_due: Mapped[date] = mapped_column(Date)
    transformer_code: Mapped[str | None] = mapped_column(String(32), nullable=True)


class DisconnectionTicket(Base):
    """Field work: cut a connection off, or put it back. `open_connection_id` repeats
    connection_id while the ticket is open and is NULL once closed, so the unique key
    (kind, open_connection_id) allows one open ticket of a kind per connection on both
    databases (NULLs never collide)."""

    __tablename__ = "disconnection_tickets"
    __table_args__ = table_args(
        UniqueConstraint("kind", "open_connection_id", name="uq_disconnection_tickets_open"),
        Index("ix_disconnection_tickets_status_kind", "status", "kind"),
        Index("ix_disconnection_tickets_executed", "executed_by", "executed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # DISCONNECT | RECONNECT
    list_id: Mapped[int | None] = mapped_column(
        ForeignKey("disconnection_lists.id"), nullable=True, index=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"), index=True)
    open_connection_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    outstanding: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    fee: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True,
                                                index=True)
    assigned_to: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="OPEN")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    executed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    executed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)
    reason: Mapped[str] = mapped_column(String(255), default="")
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)

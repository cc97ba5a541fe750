"""Complaints and support tickets: work items with one status flow (domain/complaints.py),
assigned to a person or a team, due by a time, with every step kept in a history table.

A complaint's number (CMP-000123) and a ticket's (TKT-000123) are made from the id, so no
column and no counter can disagree with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow


class WorkItemState:
    """Where a complaint or a ticket stands in the one flow: the columns
    services/work_items.py moves either through. Each table gets its own copy, after the
    class's own columns."""

    due_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))
    assigned_to: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True,
                                                index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class WorkStep:
    """One step of a complaint or a ticket, for its history table: the status after the
    step, its note, who took it and when."""

    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(1000), default="")
    author: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    # the assignment after this step (who and which team held the item)
    assigned_to: Mapped[str | None] = mapped_column(String(64), nullable=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True)


class ComplaintCategory(Base):
    __tablename__ = "complaint_categories"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    due_hours: Mapped[int] = mapped_column(Integer)
    # an open complaint of a billing category keeps the customer off the disconnection list
    is_billing: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ComplaintSubcategory(Base):
    __tablename__ = "complaint_subcategories"
    __table_args__ = table_args(
        UniqueConstraint("category_id", "code", name="uq_complaint_subcategories_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("complaint_categories.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Complaint(WorkItemState, Base):
    __tablename__ = "complaints"
    __table_args__ = table_args(
        Index("ix_complaints_status_due", "status", "due_at"),
        Index("ix_complaints_customer_status", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("connections.id"),
                                                      nullable=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("complaint_categories.id"), index=True)
    subcategory_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint_subcategories.id"), nullable=True)
    description: Mapped[str] = mapped_column(String(2000))
    channel: Mapped[str] = mapped_column(String(8))  # DESK | PHONE | FIELD | EMAIL
    logged_by: Mapped[str] = mapped_column(String(64))
    # when the customer complained (a field file's logged_at); due_at counts from it
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # account|category|logged_at|officer of an imported row: the same row imported twice
    # is refused by the database even when two imports run at once; last, after the
    # WorkItemState columns, as migration 0006 has it
    import_key: Mapped[str | None] = mapped_column(String(190), nullable=True, unique=True,
                                                   sort_order=1)


class ComplaintHistory(WorkStep, Base):
    __tablename__ = "complaint_history"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)


class SupportTicket(WorkItemState, Base):
    __tablename__ = "support_tickets"
    __table_args__ = table_args(
        Index("ix_support_tickets_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # an enquiry may come from someone who is not a customer yet (a connection request)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True,
                                                    index=True)
    contact: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    channel: Mapped[str] = mapped_column(String(8))
    opened_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class SupportTicketHistory(WorkStep, Base):
    __tablename__ = "support_ticket_history"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id"), index=True)

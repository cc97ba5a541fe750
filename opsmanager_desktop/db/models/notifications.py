"""Customer notifications: message templates, contact preferences and the outbox.

The outbox is the only way a message leaves: a service adds a QUEUED row in its own
transaction (so a rolled-back payment sends nothing), and the dispatcher claims due rows,
sends them and marks them SENT, or puts them back with a later `next_attempt_at` (a gateway
outage loses nothing). Bill notifications carry the bill id and are rendered from the bill
(and the account statement it is on) when sent, so a million of them are queued by one
INSERT ... SELECT. A bill_issued message is one per statement and carries the statement's
first bill (docs/decisions.md 45).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow


class NotificationTemplate(Base):
    __tablename__ = "notification_templates"
    __table_args__ = table_args(
        UniqueConstraint("code", "channel", name="uq_notification_templates_code_channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))  # bill_issued, payment_received, ...
    channel: Mapped[str] = mapped_column(String(8))  # EMAIL | SMS
    subject: Mapped[str] = mapped_column(String(200), default="")  # e-mail only
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ContactPreference(Base):
    """How a customer wants to hear from the office; a customer without a row gets e-mail
    when they have an address, else SMS when they have a phone."""

    __tablename__ = "contact_preferences"
    __table_args__ = table_args()

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True,
                                             autoincrement=False)
    channel: Mapped[str] = mapped_column(String(8), default="EMAIL")  # EMAIL | SMS | NONE
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class NotificationOutbox(Base):
    __tablename__ = "notification_outbox"
    __table_args__ = table_args(
        # the dispatcher's read: due QUEUED rows, oldest first
        Index("ix_notification_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_notification_outbox_claim", "claim"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # EMAIL | SMS
    recipient: Mapped[str] = mapped_column(String(254))
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"), nullable=True,
                                                index=True)
    # placeholders given by the caller (JSON object of strings); bill and statement ones
    # come from bill_id
    values_json: Mapped[str] = mapped_column(Text, default="{}")
    # QUEUED -> SENDING -> SENT | FAILED (QUEUED again between attempts)
    status: Mapped[str] = mapped_column(String(16), default="QUEUED")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # NULL: due at once (queued in someone's transaction, whatever the clock says)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    claim: Mapped[str | None] = mapped_column(String(36), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")  # as sent
    message: Mapped[str] = mapped_column(Text, default="")  # as sent
    queued_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

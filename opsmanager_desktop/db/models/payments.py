from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow
from opsmanager_desktop.db.types import Money


class Payment(Base):
    """Money received. (channel, reference) is the payment's key: a retry or a settlement
    file imported twice posts it once. Never updated; a reversal is a row of its own."""

    __tablename__ = "payments"
    __table_args__ = table_args(UniqueConstraint("channel", "reference"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    # what the payer named: a bill, or an account statement (then bill_id stays NULL);
    # the money goes to its bills first (docs/decisions.md 44)
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"), nullable=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id"),
                                                     nullable=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    channel: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(64))
    paid_at: Mapped[date] = mapped_column(Date, index=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PaymentAllocation(Base):
    """How much of a payment went to which bill (bill_id NULL: kept as account credit).
    A reversal adds negative rows; rows are never changed."""

    __tablename__ = "payment_allocations"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"), nullable=True,
                                                index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    # PAYMENT: the split made when the payment was posted; CREDIT: credit moved onto a bill
    # (a -x row without bill and a +x row with it); REVERSAL: the rows undoing a payment
    kind: Mapped[str] = mapped_column(String(16), default="PAYMENT")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PaymentReversal(Base):
    __tablename__ = "payment_reversals"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(255))
    reversed_by: Mapped[str] = mapped_column(String(64))
    reversed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

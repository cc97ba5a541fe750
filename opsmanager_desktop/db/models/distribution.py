"""How each bill reached its customer: a history of delivery events and the current state.

`bill_deliveries` is the history: one row per event (handed over, e-mailed, not delivered),
never changed. The key (bill, status, occurred_at) makes an event recorded twice (the same
field file imported again) a duplicate instead of a second row.

`bill_delivery_states` holds the one current status per bill: the event with the latest
`occurred_at` (a late file with older events does not overwrite a newer one). It is what
the cycle's counts and the "not yet distributed" list read, by index.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.models._common import table_args, utcnow
from opsmanager_desktop.db.types import ScaledDecimal


def Coordinate() -> ScaledDecimal:
    """Degrees with 6 decimals (about 0.1 m): what a phone's GPS gives."""
    return ScaledDecimal(10, 6)


class BillDelivery(Base):
    __tablename__ = "bill_deliveries"
    __table_args__ = table_args(
        UniqueConstraint("bill_id", "status", "occurred_at", name="uq_bill_deliveries_event"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # HANDED_OVER | EMAILED | NOT_DELIVERED
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    # who handed it over (a user name: the field officer is credited as readers are)
    officer: Mapped[str] = mapped_column(String(64), default="")
    received_by: Mapped[str] = mapped_column(String(120), default="")
    latitude: Mapped[Decimal | None] = mapped_column(Coordinate(), nullable=True)
    longitude: Mapped[Decimal | None] = mapped_column(Coordinate(), nullable=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    reason: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[str] = mapped_column(String(16), default="MANUAL")  # MANUAL | IMPORT
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BillDeliveryState(Base):
    __tablename__ = "bill_delivery_states"
    __table_args__ = table_args(
        Index("ix_bill_delivery_states_status", "status"),
    )

    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), primary_key=True,
                                         autoincrement=False)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("bill_deliveries.id"))
    status: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)

"""What other areas ask of complaints, in their own transaction (no service gate): the
disconnection rules leave out customers with an open billing complaint (issue 6).

"Open" is every status before RESOLVED (OPEN, ASSIGNED, IN_PROGRESS, INFO_NEEDED): a
resolved complaint no longer holds a disconnection back (reopening it does again).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Complaint, ComplaintCategory
from opsmanager_desktop.domain.complaints import ACTIVE

OPEN_STATUSES = tuple(sorted(s.value for s in ACTIVE))


def open_billing_complaint_customers() -> Any:
    """SELECT customer_id of customers with an open billing complaint, for
    `Customer.id.not_in(open_billing_complaint_customers())` or `~exists`-style use in one
    set-based query."""
    return (select(Complaint.customer_id)
            .join(ComplaintCategory, ComplaintCategory.id == Complaint.category_id)
            .where(ComplaintCategory.is_billing.is_(True),
                   Complaint.status.in_(OPEN_STATUSES)))


def has_open_billing_complaint(session: Session, customer_id: int) -> bool:
    found = session.scalar(open_billing_complaint_customers()
                           .where(Complaint.customer_id == customer_id).limit(1))
    return found is not None

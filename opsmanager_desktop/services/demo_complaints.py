"""Demo complaints and support tickets (services/demo.py calls `add_complaints` at its
end): about one complaint per 20 customers over the last ten days, in every category,
logged at the desk, by phone or from the field, some of them past their due time, and a
handful of enquiries. All OPEN: the demo has no staff yet to hold them (assigning and
working them is what a supervisor tries first).

Written inside the demo's transaction through the same helper the desk uses; nothing here
is a rule of the product.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from opsmanager_desktop.db.models import (
    ComplaintCategory,
    ComplaintSubcategory,
    Connection,
    Customer,
    SupportTicket,
)
from opsmanager_desktop.domain import complaints as flow
from opsmanager_desktop.domain.complaints import WorkStatus
from opsmanager_desktop.services import work_items as wi
from opsmanager_desktop.services.complaints import new_complaint, seed_default_categories
from opsmanager_desktop.services.core import Ctx

TEXTS = {
    "BILLING": ("Bill much higher than usual", "Billed on an estimate although the meter "
                "was read", "Paid at the bank last week, still shown as owing"),
    "SUPPLY": ("No power since the storm last night", "Lights dim every evening",
               "No water in the taps since Monday"),
    "METER": ("Meter display is blank", "Nobody has read the meter for three months"),
    "SERVICE": ("Reader was rude to my tenant", "Reconnection promised two days ago"),
}
ENQUIRIES = (("BILLING_QUESTION", "How is the fixed charge worked out?"),
             ("ACCOUNT_CHANGE", "Change of owner after the sale of the house"),
             ("CONNECTION_REQUEST", "New connection for a shop at the market"),
             ("OTHER", "Opening hours of the Marina office"))


def add_complaints(ctx: Ctx, seed: int) -> int:
    """The complaints and tickets added; how many complaints."""
    session, rng = ctx.session, random.Random(seed + 6)
    seed_default_categories(session)
    categories = list(session.scalars(select(ComplaintCategory)
                                      .order_by(ComplaintCategory.code)))
    subs = list(session.scalars(select(ComplaintSubcategory)))
    customers = list(session.scalars(select(Customer).order_by(Customer.id)))
    if not customers or not categories:
        return 0
    meters = {c.customer_id: c for c in session.scalars(select(Connection)
                                                         .order_by(Connection.id))}
    now = wi.whole_seconds(ctx.now)
    count = max(4, len(customers) // 20)
    for customer in rng.sample(customers, min(count, len(customers))):
        category = rng.choice(categories)
        own = [s for s in subs if s.category_id == category.id]
        text = rng.choice(TEXTS.get(category.code, ("Complaint",)))
        made = now - timedelta(hours=rng.randint(1, 240), minutes=rng.randint(0, 59))
        new_complaint(session, customer, meters.get(customer.id) if rng.random() < 0.5
                      else None, category, rng.choice(own) if own else None, text,
                      rng.choice(flow.CHANNELS), ctx.username, made, now)
    for (kind, subject), customer in zip(ENQUIRIES, rng.sample(customers, 4), strict=False):
        made = now - timedelta(hours=rng.randint(1, 150))
        ticket = SupportTicket(customer_id=None if kind == "CONNECTION_REQUEST"
                               else customer.id, contact="Walk-in" if kind ==
                               "CONNECTION_REQUEST" else "", kind=kind, subject=subject,
                               description="", channel=rng.choice(flow.CHANNELS),
                               opened_by=ctx.username, created_at=made,
                               due_at=flow.due_at(made, flow.TICKET_DUE_HOURS[kind]),
                               status=WorkStatus.OPEN.value)
        session.add(ticket)
        session.flush()
        wi.record_step(session, wi.TICKET, ticket, ctx.username, made, "opened")
    session.flush()
    return count

"""Bill adjustments as a list (a customer's history tab, a consumer's own account): every
debit or credit put on a bill, with its reason, who made it and when. Adjustments are made
by services/bills.py (`adjust_bill`); this module only reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from opsmanager_desktop.db.models import Bill, BillAdjustment, BillingCycle, Customer
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.bill_queries import own_customer
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import (
    ListQuery,
    Page,
    chosen_filters,
    prefix_pattern,
    run_page,
)


@dataclass(frozen=True)
class AdjustmentEntry:
    id: int
    bill_no: str
    account_no: str
    cycle: str
    amount: Decimal  # + debit, - credit
    reason: str
    created_by: str
    created_at: datetime


_SORT = {"created_at": BillAdjustment.created_at, "amount": BillAdjustment.amount,
         "bill_no": Bill.bill_no, "cycle": BillingCycle.period}
_FILTERS = frozenset({"account", "bill_no"})


def _row(r: Any) -> AdjustmentEntry:
    return AdjustmentEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])


@service(Permission.BILLS_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def list_adjustments(ctx: Ctx, query: ListQuery = ListQuery(sort="created_at",
                                                               descending=True)
                     ) -> Page[AdjustmentEntry]:
    """Filters: account (account number), bill_no. Search: bill number prefix. A consumer
    sees only the adjustments of their own bills."""
    filters = chosen_filters(query, _FILTERS, "adjustments")
    stmt = (select(BillAdjustment.id, Bill.bill_no, Customer.account_no, BillingCycle.period,
                   BillAdjustment.amount, BillAdjustment.reason, BillAdjustment.created_by,
                   BillAdjustment.created_at)
            .join(Bill, Bill.id == BillAdjustment.bill_id)
            .join(Customer, Customer.id == Bill.customer_id)
            .join(BillingCycle, BillingCycle.id == Bill.cycle_id))
    mine = own_customer(ctx)
    if mine is not None:
        stmt = stmt.where(Bill.customer_id == mine)
    if "account" in filters:
        stmt = stmt.where(Customer.account_no == str(filters["account"]).strip().upper())
    if "bill_no" in filters:
        stmt = stmt.where(Bill.bill_no == str(filters["bill_no"]).strip())
    if query.search.strip():
        stmt = stmt.where(Bill.bill_no.like(prefix_pattern(query.search.strip()), escape="\\"))
    return run_page(ctx.session, stmt, query, _SORT, BillAdjustment.id, _row)

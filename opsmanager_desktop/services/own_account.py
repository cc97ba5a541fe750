"""A consumer's own account, for the "My account" page: profile, connections and what is
owed, all read-only. The consumer is found from the signed-in user, never from an account
number the caller names, so there is nothing to ask for that belongs to someone else."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from opsmanager_desktop.db.models import Bill, Connection, Customer
from opsmanager_desktop.domain.bill_lifecycle import OPEN
from opsmanager_desktop.domain.errors import NotFound
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.connections import connection_row, connection_stmt
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.customers import CustomerDetail

NO_MONEY = Decimal("0.00")


@dataclass(frozen=True)
class OwnAccount:
    customer: CustomerDetail
    outstanding: Decimal  # sum of the balances of open (DUE, OVERDUE) bills
    open_bills: int


@service(Permission.OWN_ACCOUNT_VIEW, readonly=True)
def my_account(ctx: Ctx) -> OwnAccount:
    customer_id = ctx.user.customer_id
    customer = ctx.session.get(Customer, customer_id) if customer_id is not None else None
    if customer is None:
        raise NotFound("your sign-in is not linked to a customer account; ask the office")
    rows = ctx.session.execute(connection_stmt().where(
        Connection.customer_id == customer.id).order_by(Connection.id)).all()
    detail = CustomerDetail(customer.id, customer.account_no, customer.name, customer.address,
                            customer.phone, customer.email, customer.credit,
                            customer.created_at, customer.version,
                            tuple(connection_row(r) for r in rows))
    total, count = ctx.session.execute(
        select(func.sum(Bill.balance), func.count()).where(
            Bill.customer_id == customer.id,
            Bill.status.in_(sorted(s.value for s in OPEN)))).one()
    return OwnAccount(detail, total if total is not None else NO_MONEY, int(count or 0))

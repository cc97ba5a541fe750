"""The disconnection and reconnection lists as set-based SELECTs (domain/disconnection.py
states the rule for one connection; these state the same rule for all of them at once).

Nothing here loops over accounts in Python: the database groups the open bills due before
the list date by connection, keeps the groups over the minimum and old enough, and drops
the connections whose customer paid in the grace window, has an open billing complaint,
or already has an open ticket. A list of a million accounts is one query; the rows reach
Python a page at a time (preview) or never (INSERT ... SELECT when a draft is saved).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, exists, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from opsmanager_desktop.db.models import (
    Bill,
    Complaint,
    Connection,
    Customer,
    DisconnectionTicket,
    Payment,
    PaymentReversal,
    UtilityType,
)
from opsmanager_desktop.domain.bill_lifecycle import OPEN
from opsmanager_desktop.domain.customers import ConnectionStatus
from opsmanager_desktop.domain.disconnection import Rules, TicketKind, TicketStatus
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.domain.money import CENT
from opsmanager_desktop.services.complaint_queries import open_billing_complaint_customers

_OPEN_BILLS = sorted(s.value for s in OPEN)


def as_date(value: object, field: str = "date") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise invalid(field, f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def as_id(value: object, field: str) -> int:
    try:
        number = int(str(value).strip().lstrip("#"))
    except ValueError:
        number = 0
    if number < 1:
        raise invalid(field, f"{value!r} is not a number of a {field.replace('_', ' ')}")
    return number


def open_billing_complaint(customer_id: Any) -> ColumnElement[bool]:
    """THE hook for 'has an open billing complaint': the complaints area's own definition
    (services/complaint_queries.py), correlated to the customer as an EXISTS."""
    return exists(open_billing_complaint_customers().where(Complaint.customer_id == customer_id))


def paid_in_grace(customer_id: Any, rules: Rules, on: date
                  ) -> ColumnElement[bool] | None:
    """A payment (not reversed) dated within the grace window of `on`, or later."""
    if rules.grace_days <= 0:
        return None
    return exists(
        select(Payment.id).where(
            Payment.customer_id == customer_id, Payment.paid_at >= rules.grace_start(on),
            ~exists(select(PaymentReversal.id)
                    .where(PaymentReversal.payment_id == Payment.id))))


def open_ticket(connection_id: Any, kind: TicketKind) -> ColumnElement[bool]:
    return exists(select(DisconnectionTicket.id).where(
        DisconnectionTicket.kind == kind.value,
        DisconnectionTicket.open_connection_id == connection_id))


def overdue_by_connection(on: date, minimum: Decimal, due_cutoff: date) -> Any:
    """Per connection: the balance of open bills due before `on` and the oldest due date,
    kept when the balance reaches `minimum` and the oldest is due on or before the cutoff."""
    outstanding = func.sum(Bill.balance)
    oldest = func.min(Bill.due_date)
    return (select(Bill.connection_id.label("connection_id"),
                   outstanding.label("outstanding"), oldest.label("oldest_due"))
            .where(Bill.status.in_(_OPEN_BILLS), Bill.due_date < on,
                   Bill.balance > Decimal("0.00"))
            .group_by(Bill.connection_id)
            .having(and_(outstanding >= max(minimum, CENT), oldest <= due_cutoff))
            .subquery("overdue"))


def candidates(on: date, rules: Rules) -> Any:
    """The disconnection list of `on` under `rules`: one row per ACTIVE connection, with
    connection_id, customer_id, account_no, customer_name, meter_number, utility,
    transformer_code, outstanding and oldest_due."""
    overdue = overdue_by_connection(on, rules.min_outstanding, rules.due_cutoff(on))
    stmt = (select(Connection.id.label("connection_id"),
                   Customer.id.label("customer_id"), Customer.account_no,
                   Customer.name.label("customer_name"), Connection.meter_number,
                   UtilityType.code.label("utility"), Connection.transformer_code,
                   overdue.c.outstanding, overdue.c.oldest_due)
            .join(overdue, overdue.c.connection_id == Connection.id)
            .join(Customer, Customer.id == Connection.customer_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .where(Connection.status == ConnectionStatus.ACTIVE.value,
                   ~open_ticket(Connection.id, TicketKind.DISCONNECT)))
    grace = paid_in_grace(Customer.id, rules, on)
    if grace is not None:
        stmt = stmt.where(~grace)
    if rules.exclude_open_complaints:
        stmt = stmt.where(~open_billing_complaint(Customer.id))
    return stmt


def candidate_ids(on: date, rules: Rules) -> Any:
    """Just the connection ids of the list (approval keeps the entries still in it)."""
    return select(candidates(on, rules).subquery().c.connection_id)


def connection_balance(connection_id: Any) -> Any:
    """Sum of the balances of a connection's open bills (0 when none), as a scalar subquery."""
    return (select(func.coalesce(func.sum(Bill.balance), literal(Decimal("0.00"),
                                                                 Bill.balance.type)))
            .where(Bill.connection_id == connection_id, Bill.status.in_(_OPEN_BILLS))
            .scalar_subquery())


def settled(connection_id: Any) -> ColumnElement[bool]:
    return ~exists(select(Bill.id).where(
        Bill.connection_id == connection_id, Bill.status.in_(_OPEN_BILLS),
        Bill.balance > Decimal("0.00")))


def reconnection_candidates() -> Any:
    """DISCONNECTED connections whose open bills are all settled and that have no open
    RECONNECT ticket, with the time they were cut off (NULL: not by a ticket)."""
    cut = (select(func.max(DisconnectionTicket.executed_at))
           .where(DisconnectionTicket.connection_id == Connection.id,
                  DisconnectionTicket.kind == TicketKind.DISCONNECT.value,
                  DisconnectionTicket.status == TicketStatus.CLOSED.value,
                  DisconnectionTicket.outcome == "DISCONNECTED")
           .scalar_subquery())
    return (select(Connection.id.label("connection_id"), Customer.id.label("customer_id"),
                   Customer.account_no, Customer.name.label("customer_name"),
                   Connection.meter_number, UtilityType.code.label("utility"),
                   Connection.transformer_code, cut.label("disconnected_at"))
            .join(Customer, Customer.id == Connection.customer_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .where(Connection.status == ConnectionStatus.DISCONNECTED.value,
                   settled(Connection.id),
                   ~open_ticket(Connection.id, TicketKind.RECONNECT)))


def count_of(session: Session, stmt: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0

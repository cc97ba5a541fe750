"""Reconnection on both databases: a disconnected connection reaches the list once its dues
are paid, its ticket charges the fee as a debit, closing it restores supply."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import (
    AccountCharge,
    Bill,
    BillingCycle,
    Connection,
    Customer,
    NotificationOutbox,
)
from opsmanager_desktop.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, payments
from opsmanager_desktop.services import disconnection as dis
from opsmanager_desktop.services import disconnection_tickets as tickets
from opsmanager_desktop.services.backend import Backend
from tests import disconnection_data as data
from tests.helpers import token_for

ON = data.LIST_DATE


def _cut_off(dw: data.DisWorld) -> tuple[int, str, str, str]:
    """A connection disconnected through a ticket: (id, meter, account, bill_no)."""
    conn = data.connection(dw, transformer="DT-09", account_no="R-001")
    bill_no = data.bill(dw, conn, "320.50", ON - timedelta(days=40))
    with dw.backend.sessions.begin() as s:
        s.get_one(Connection, conn).customer.email = "r@example.com"
    listed = dis.create_list(dw.backend, dw.sup, ON)
    dis.approve_list(dw.backend, dw.sup, listed.id, team="CREW-A")
    (ticket,) = tickets.list_tickets(dw.backend, dw.field).rows
    tickets.close_ticket(dw.backend, dw.field, ticket.id, "DISCONNECTED")
    return conn, ticket.meter_number, "R-001", bill_no


def test_reconnection_after_payment_with_fee(backend: Backend) -> None:
    dw = data.make(backend)
    dis.set_rules(backend, dw.sup, min_outstanding="100", min_days_overdue=30, grace_days=3,
                  exclude_open_complaints=True, reconnection_fee="150.00")
    conn, meter, account, bill_no = _cut_off(dw)
    assert tickets.reconnection_list(backend, dw.sup).total == 0  # still owes
    with pytest.raises(Conflict, match=r"still owes 320\.50"):
        tickets.create_reconnection(backend, dw.sup, meter, "electricity")
    ao = token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    payments.record_payment(backend, ao, account, "320.50", "CASH", "PAY-1", bill_no=bill_no)
    (row,) = tickets.reconnection_list(backend, dw.field).rows
    assert (row.meter_number, row.account_no, row.transformer_code) == (meter, account, "DT-09")
    assert row.disconnected_at is not None

    ticket = tickets.create_reconnection(backend, dw.sup, meter, "electricity",
                                         team="crew-a", assigned_to="fo1")
    assert (ticket.kind, ticket.fee, ticket.team, ticket.assigned_to) == (
        "RECONNECT", Decimal("150.00"), "CREW-A", "fo1")
    with backend.sessions() as s:
        # every bill is paid, so the fee waits for the connection's next bill
        charge = s.scalars(select(AccountCharge).where(
            AccountCharge.connection_id == conn)).one()
        assert (charge.amount, charge.bill_id, charge.source) == (
            Decimal("150.00"), None, "RECONNECTION")
    assert tickets.reconnection_list(backend, dw.sup).total == 0  # ticket open
    with pytest.raises(Conflict, match="open reconnection"):
        tickets.create_reconnection(backend, dw.sup, meter, "electricity")

    done = tickets.close_ticket(backend, dw.field, ticket.id, "RECONNECTED")
    assert (done.outcome, done.executed_by) == ("RECONNECTED", "fo1")
    with backend.sessions() as s:
        assert s.get_one(Connection, conn).status == "ACTIVE"
        # the payment sent its own receipt in between
        assert s.scalars(select(NotificationOutbox.template).order_by(
            NotificationOutbox.id)).all() == ["disconnection_notice", "payment_received",
                                              "reconnection"]


def test_fee_lands_on_the_next_issued_bill_as_a_debit(backend: Backend) -> None:
    """A settled connection with a bill not yet issued: the fee waits (the supervisor has
    no right on bills) and is a debit on that bill when the billing officer issues it."""
    dw = data.make(backend)
    dis.set_rules(backend, dw.sup, min_outstanding="100", min_days_overdue=30, grace_days=3,
                  exclude_open_complaints=True, reconnection_fee="99.95")
    conn = data.connection(dw)
    bill_no = data.bill(dw, conn, "0.00", ON, status="GENERATED")
    with backend.sessions.begin() as s:
        s.get_one(Connection, conn).status = "DISCONNECTED"
        meter = s.get_one(Connection, conn).meter_number
    tickets.create_reconnection(backend, dw.sup, meter, "electricity")
    with backend.sessions() as s:
        b = s.scalars(select(Bill).where(Bill.bill_no == bill_no)).one()
        assert (b.adjustments, b.balance) == (Decimal("0.00"), Decimal("0.00"))
        period = s.scalar(select(BillingCycle.period).where(BillingCycle.id == b.cycle_id))
    bills.issue_bills(backend, dw.world.officer, str(period), ON)
    with backend.sessions() as s:
        b = s.scalars(select(Bill).where(Bill.bill_no == bill_no)).one()
        assert (b.adjustments, b.balance, b.status) == (
            Decimal("99.95"), Decimal("99.95"), "DUE")
        charge = s.scalars(select(AccountCharge)).one()
        assert (charge.bill_id, charge.source) == (b.id, "RECONNECTION")


def test_not_reconnected_and_refusals(backend: Backend) -> None:
    dw = data.make(backend)
    dis.set_rules(backend, dw.sup, min_outstanding="100", min_days_overdue=30, grace_days=3,
                  exclude_open_complaints=True, reconnection_fee="0")
    active = data.connection(dw)
    with backend.sessions() as s:
        meter = s.get_one(Connection, active).meter_number
    with pytest.raises(Conflict, match="only a disconnected"):
        tickets.create_reconnection(backend, dw.sup, meter, "electricity")
    with pytest.raises(NotFound):
        tickets.create_reconnection(backend, dw.sup, "NO-SUCH", "electricity")
    with pytest.raises(PermissionDenied):
        tickets.create_reconnection(backend, dw.field, meter, "electricity")
    with backend.sessions.begin() as s:
        s.get_one(Connection, active).status = "DISCONNECTED"
    t = tickets.create_reconnection(backend, dw.sup, meter, "electricity")
    assert t.fee == Decimal("0.00")
    with backend.sessions() as s:
        assert s.scalars(select(AccountCharge)).all() == []  # no fee, no charge
    closed = tickets.close_ticket(backend, dw.field, t.id, "not_reconnected",
                                  "premises locked")
    assert (closed.outcome, closed.reason) == ("NOT_RECONNECTED", "premises locked")
    # back on the list for another try; the closed ticket takes no new assignment
    assert tickets.reconnection_list(backend, dw.sup).total == 1
    with pytest.raises(Conflict, match="closed"):
        tickets.assign_ticket(backend, dw.sup, t.id, team="CREW-A")
    with backend.sessions() as s:
        assert s.get_one(Connection, active).status == "DISCONNECTED"
        assert s.scalars(select(Customer.credit)).first() == Decimal("0.00")


def test_assign_ticket(backend: Backend) -> None:
    dw = data.make(backend, crews=2)
    conn = data.connection(dw)
    with backend.sessions.begin() as s:
        s.get_one(Connection, conn).status = "DISCONNECTED"
        meter = s.get_one(Connection, conn).meter_number
    t = tickets.create_reconnection(backend, dw.sup, meter, "electricity")
    assert t.team is None and t.fee == Decimal("250.00")  # the built-in default fee
    moved = tickets.assign_ticket(backend, dw.sup, t.id, team="CREW-B", assigned_to="fo1")
    assert (moved.team, moved.assigned_to) == ("CREW-B", "fo1")
    with pytest.raises(ValidationError, match="no active user"):
        tickets.assign_ticket(backend, dw.sup, t.id, assigned_to="ghost")
    assert tickets.get_ticket(backend, dw.field, t.id).assigned_to == "fo1"

"""Hand-made work of a few people for staff performance tests; the period is February 2026.

fo1 and fo2 are in team F1, fo3 in team F2 (no work); fo4 is in no team and did nothing.
Readings (reader, read on, status):
  fo1: 1 Feb APPROVED, 28 Feb APPROVED, 15 Feb REJECTED, 10 Feb SUBMITTED;
       31 Jan and 1 Mar APPROVED (outside the period)
  fo2: 14 Feb SUBMITTED (none decided: no approval rate)
  "" : 12 Feb APPROVED (no reader: credited to nobody)
Deliveries (February 2026 bills of the approved readings):
  fo2: bill 0 HANDED_OVER 28 Feb 23:59:59 and EMAILED 27 Feb (one bill),
       bill 1 HANDED_OVER 1 Mar 00:00 (outside), bill 2 NOT_DELIVERED 10 Feb (not counted)
  fo1: bill 2 HANDED_OVER 1 Feb 00:00
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from opsmanager_desktop.db.models import Bill, BillDelivery, BillingCycle, MeterReading
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, teams
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from tests.billing_data import add_connections, make_world, open_cycle
from tests.helpers import token_for

FEB_FROM = date(2026, 2, 1)
FEB_TO = date(2026, 2, 28)
READINGS = [("fo1", date(2026, 2, 1), "APPROVED"), ("fo1", date(2026, 2, 28), "APPROVED"),
            ("fo1", date(2026, 2, 15), "REJECTED"), ("fo1", date(2026, 2, 10), "SUBMITTED"),
            ("fo1", date(2026, 1, 31), "APPROVED"), ("fo1", date(2026, 3, 1), "APPROVED"),
            ("fo2", date(2026, 2, 14), "SUBMITTED"), ("", date(2026, 2, 12), "APPROVED")]


def make_staff_world(backend: Backend) -> str:
    """The data above; returns a supervisor's token."""
    world = make_world(backend)
    open_cycle(world, "2026-02")
    ids = add_connections(world, [("DOM", None, "0") for _r in READINGS])
    with backend.sessions.begin() as s:
        cycle_id = s.scalar(select(BillingCycle.id).where(BillingCycle.period == "2026-02"))
        for conn, (reader, read_at, status) in zip(ids, READINGS, strict=True):
            s.add(MeterReading(connection_id=conn, cycle_id=cycle_id, meter_number=f"X{conn}",
                               previous_reading=Decimal("10"), current_reading=Decimal("60"),
                               units=Decimal("50"), read_at=read_at, source="IMPORT",
                               status=status, reader=reader, entered_by="bo"))
    run_billing(backend, world.officer, "2026-02")
    bills.issue_bills(backend, world.officer, "2026-02", "2026-02-01")
    sup = token_for(backend, Role.SUPERVISOR, "sup")
    for name in ("fo1", "fo2", "fo3", "fo4"):
        token_for(backend, Role.FIELD_OFFICER, name)
    teams.add_team(backend, sup, "F1", "Field one")
    teams.add_team(backend, sup, "F2", "Field two")
    for name, code in (("fo1", "F1"), ("fo2", "F1"), ("fo3", "F2")):
        teams.set_team(backend, sup, name, code)
    with backend.sessions.begin() as s:
        nos = list(s.scalars(select(Bill.id).order_by(Bill.id)))
        events = [(nos[0], "HANDED_OVER", datetime(2026, 2, 28, 23, 59, 59), "fo2"),
                  (nos[0], "EMAILED", datetime(2026, 2, 27, 9, 0), "fo2"),
                  (nos[1], "HANDED_OVER", datetime(2026, 3, 1, 0, 0), "fo2"),
                  (nos[2], "NOT_DELIVERED", datetime(2026, 2, 10, 9, 0), "fo2"),
                  (nos[2], "HANDED_OVER", datetime(2026, 2, 1, 0, 0), "fo1")]
        for bill_id, status, at, officer in events:
            s.add(BillDelivery(bill_id=bill_id, status=status, occurred_at=at,
                               officer=officer, recorded_by="bo"))
    return sup


def at(day: int, hour: int = 9, minute: int = 0, month: int = 2) -> datetime:
    return datetime(2026, month, day, hour, minute)


def add_field_work(backend: Backend) -> None:
    """On top of make_staff_world, in February 2026 unless said:
    enumerations (recorded by, at, status): fo1 3 Feb APPROVED, 28 Feb 23:00 REJECTED,
      1 Mar 00:00 APPROVED (outside); fo2 10 Feb PENDING
    evaluations (by, inspected, status): fo2 1 Feb 00:00 APPROVED, 20 Feb APPROVED,
      31 Jan 23:59 APPROVED (outside)
    complaints (assigned, closed by, due, resolved, closed): fo1 due 10 Feb 12:00 resolved
      exactly then (on time); fo1 due 5 Feb resolved 6 Feb (late); nobody assigned, closed
      by fo2 21 Feb, due 20 Feb (late); fo2 still open; fo1 resolved 1 Mar (outside)
    support tickets: fo2 due 15 Feb resolved 14 Feb (on time); fo3 due 1 Feb closed
      2 Feb without a resolution (late)
    disconnection tickets (kind, by, at, outcome): fo3 DISCONNECT 5 Feb DISCONNECTED,
      DISCONNECT 6 Feb NOT_DISCONNECTED, RECONNECT 7 Feb RECONNECTED; fo1 RECONNECT
      1 Mar RECONNECTED (outside)
    """
    from opsmanager_desktop.db.models import (
        Complaint,
        ComplaintCategory,
        Connection,
        DisconnectionTicket,
        Enumeration,
        Evaluation,
        SupportTicket,
    )

    with backend.sessions.begin() as s:
        conn = s.scalars(select(Connection).order_by(Connection.id)).first()
        assert conn is not None
        category = s.scalars(select(ComplaintCategory)).first()
        if category is None:
            category = ComplaintCategory(code="SUPPLY", name="No supply", due_hours=24)
            s.add(category)
            s.flush()
        for i, (by, when, status) in enumerate([
                ("fo1", at(3), "APPROVED"), ("fo1", at(28, 23), "REJECTED"),
                ("fo1", at(1, 0, month=3), "APPROVED"), ("fo2", at(10), "PENDING")]):
            s.add(Enumeration(kind="NEW", name=f"Found {i}", utility="electricity",
                              meter_number=f"EN{i}", recorded_by=by, recorded_at=when,
                              status=status, entered_by="bo"))
        for by, when, status in [("fo2", at(1, 0), "APPROVED"), ("fo2", at(20), "APPROVED"),
                                 ("fo2", datetime(2026, 1, 31, 23, 59), "APPROVED")]:
            s.add(Evaluation(connection_id=conn.id, meter_number=conn.meter_number,
                             utility="electricity", inspected_at=when,
                             found_plan_id=conn.tariff_plan_id,
                             billed_plan_id=conn.tariff_plan_id, meter_condition="OK",
                             recorded_by=by, recorded_at=at(1, month=3), status=status,
                             entered_by="bo"))
        for assigned, closed_by, due, resolved, closed in [
                ("fo1", None, at(10, 12), at(10, 12), at(12)),
                ("fo1", None, at(5), at(6), None),
                (None, "fo2", at(20), None, at(21)),
                ("fo2", None, at(20), None, None),
                ("fo1", None, at(20), at(1, 0, month=3), None)]:
            s.add(Complaint(customer_id=conn.customer_id, category_id=category.id,
                            description="no power", channel="DESK", logged_by="bo",
                            created_at=at(1), due_at=due, status="RESOLVED",
                            assigned_to=assigned, resolved_at=resolved, closed_at=closed,
                            closed_by=closed_by or ("sup" if closed else None)))
        for assigned, due, resolved, closed in [("fo2", at(15), at(14), None),
                                                ("fo3", at(1), None, at(2))]:
            s.add(SupportTicket(kind="BILLING", subject="bill question", channel="PHONE",
                                opened_by="bo", created_at=at(1), due_at=due,
                                status="CLOSED", assigned_to=assigned, resolved_at=resolved,
                                closed_at=closed, closed_by="sup" if closed else None))
        for kind, by, when, outcome in [("DISCONNECT", "fo3", at(5), "DISCONNECTED"),
                                        ("DISCONNECT", "fo3", at(6), "NOT_DISCONNECTED"),
                                        ("RECONNECT", "fo3", at(7), "RECONNECTED"),
                                        ("RECONNECT", "fo1", at(1, 0, month=3),
                                         "RECONNECTED")]:
            s.add(DisconnectionTicket(kind=kind, connection_id=conn.id,
                                      customer_id=conn.customer_id, status="CLOSED",
                                      created_by="sup", executed_by=by, executed_at=when,
                                      outcome=outcome))

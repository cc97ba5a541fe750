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

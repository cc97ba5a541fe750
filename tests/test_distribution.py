"""Bill distribution on both databases: recording events, the current status, a cycle at a
glance, the bills not yet distributed, the field file import (all-or-nothing, duplicates,
rejects), refusals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, update

from opsmanager_desktop.db.models import Bill, BillDelivery, Connection, Customer
from opsmanager_desktop.domain.distribution import DeliveryStatus
from opsmanager_desktop.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, distribution, distribution_import, distribution_query
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.listing import ListQuery
from tests.billing_data import World, add_connections, make_world, open_cycle
from tests.helpers import token_for

D = Decimal
HEADER = "bill_no,status,occurred_at,officer,received_by,latitude,longitude,email,reason"


def _world(backend: Backend) -> tuple[World, list[str]]:
    """Five issued bills of 2026-01 on routes TR-2, TR-1, none, TR-1, TR-2 (issued on
    1 Feb 2026) and one GENERATED bill of 2026-02; a field officer `fo1`."""
    world = make_world(backend)
    open_cycle(world, "2026-01")
    ids = add_connections(world, [("DOM", str(10 + i), "0") for i in range(5)], "2026-01")
    with backend.sessions.begin() as s:
        for conn, route in zip(ids, ["TR-2", "TR-1", None, "TR-1", "TR-2"], strict=True):
            s.execute(update(Connection).where(Connection.id == conn)
                      .values(transformer_code=route))
        s.execute(update(Customer).where(Customer.id == select(Connection.customer_id).where(
            Connection.id == ids[0]).scalar_subquery()).values(email="first@example.com"))
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    open_cycle(world, "2026-02")
    add_connections(world, [("DOM", "5", "0")], "2026-02")
    run_billing(backend, world.officer, "2026-02")
    token_for(backend, Role.FIELD_OFFICER, "fo1")
    with backend.sessions() as s:
        numbers = {c: n for c, n in s.execute(select(Bill.connection_id, Bill.bill_no))}
    return world, [numbers[c] for c in ids]


def test_record_and_current_status(backend: Backend) -> None:
    world, nos = _world(backend)
    bo = world.officer
    row = distribution.record_delivery(
        backend, bo, nos[0], "not delivered", occurred_at="2026-02-03 09:00",
        reason="house locked")
    assert (row.status, row.reason, row.source, row.recorded_by) == (
        DeliveryStatus.NOT_DELIVERED, "house locked", "MANUAL", "bo")
    handed = distribution.record_delivery(
        backend, bo, nos[0], "HANDED_OVER", occurred_at="2026-02-05 16:30:45",
        officer="fo1", received_by="spouse", latitude="6.524379", longitude="3.379206")
    assert (handed.officer, handed.received_by, handed.latitude, handed.longitude) == (
        "fo1", "spouse", D("6.524379"), D("3.379206"))
    # recorded late, older: history grows, the current status stays the newer one
    distribution.record_delivery(backend, bo, nos[0], "emailed",
                                 occurred_at="2026-02-04 08:00")
    history = distribution.delivery_history(backend, bo, nos[0])
    assert [h.status for h in history] == [DeliveryStatus.NOT_DELIVERED,
                                           DeliveryStatus.EMAILED, DeliveryStatus.HANDED_OVER]
    assert history[1].email == "first@example.com"  # the customer's address by default
    page = distribution_query.list_distribution(backend, bo, ListQuery(
        filters={"cycle": "2026-01", "status": "handed_over"}))
    assert [(r.bill_no, r.status, r.officer, r.occurred_at) for r in page.rows] == [
        (nos[0], DeliveryStatus.HANDED_OVER, "fo1", datetime(2026, 2, 5, 16, 30, 45))]
    at_office = distribution.record_delivery(backend, bo, nos[1], "handed_over",
                                             received_by="the customer")
    assert at_office.officer == "bo"  # handed over at the office by whoever records it


def test_refusals(backend: Backend) -> None:
    world, nos = _world(backend)
    bo = world.officer
    with backend.sessions() as s:
        draft = s.scalar(select(Bill.bill_no).where(Bill.status == "GENERATED"))
    cases = [
        ((str(draft), "handed_over"), {"received_by": "x"}, "has not been issued yet"),
        ((nos[0], "handed_over"), {"occurred_at": "2026-01-20 10:00", "received_by": "x"},
         "before the bill was issued"),
        ((nos[0], "handed_over"), {"occurred_at": "2099-01-01 10:00", "received_by": "x"},
         "in the future"),
        ((nos[0], "handed_over"), {}, "received_by: is required"),
        ((nos[0], "handed_over"), {"received_by": "x", "officer": "ghost"}, "no user 'ghost'"),
        ((nos[0], "not_delivered"), {}, "reason: is required"),
        ((nos[1], "emailed"), {}, "email: is required"),
        ((nos[1], "emailed"), {"email": "not-an-address"}, "is not an e-mail address"),
        ((nos[0], "handed_over"), {"received_by": "x", "latitude": "91", "longitude": "3"},
         "outside -90"),
        ((nos[0], "handed_over"), {"received_by": "x", "latitude": "6.5"},
         "longitude: give both"),
        ((nos[0], "handed_over"), {"received_by": "x", "latitude": "6.1234567",
                                   "longitude": "3"}, "more than 6 decimal places"),
        ((nos[0], "lost"), {}, "not a delivery status"),
        ((nos[0], "handed_over"), {"received_by": "x", "occurred_at": "yesterday"},
         "not a date and time"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(ValidationError, match=message):
            distribution.record_delivery(backend, bo, *args, **kwargs)
    with pytest.raises(NotFound):
        distribution.record_delivery(backend, bo, "NOPE", "emailed", email="a@b.cd")
    distribution.record_delivery(backend, bo, nos[2], "emailed", email="a@b.cd",
                                 occurred_at="2026-02-02 10:00")
    with pytest.raises(Conflict, match="already recorded"):
        distribution.record_delivery(backend, bo, nos[2], "emailed", email="a@b.cd",
                                     occurred_at="2026-02-02 10:00")
    # field officers log bill distribution (docs/design.md 1); these roles do not
    for role in (Role.ACCOUNTS_OFFICER, Role.ADMIN, Role.SUPPORT_AGENT):
        with pytest.raises(PermissionDenied):
            distribution.record_delivery(backend, token_for(backend, role), nos[3],
                                         "emailed", email="a@b.cd")
    supervisor = token_for(backend, Role.SUPERVISOR)
    distribution.record_delivery(backend, supervisor, nos[3], "emailed", email="a@b.cd")
    with backend.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BillDelivery)) == 2


def test_cycle_at_a_glance_and_pending_in_walking_order(backend: Backend) -> None:
    world, nos = _world(backend)
    bo = world.officer
    distribution.record_delivery(backend, bo, nos[0], "handed_over", received_by="x",
                                 occurred_at="2026-02-02 10:00")
    distribution.record_delivery(backend, bo, nos[1], "emailed", email="a@b.cd",
                                 occurred_at="2026-02-02 10:00")
    distribution.record_delivery(backend, bo, nos[3], "not_delivered", reason="moved away",
                                 occurred_at="2026-02-02 11:00")
    summary = distribution_query.distribution_status(backend, bo, "2026-01")
    assert (summary.issued, summary.handed_over, summary.emailed, summary.not_delivered,
            summary.no_record, summary.not_issued, summary.distributed, summary.pending) == (
        5, 1, 1, 1, 2, 0, 2, 3)
    assert distribution_query.distribution_status(backend, bo, "2026-02").not_issued == 1
    pending = distribution_query.list_distribution(backend, bo, ListQuery(
        filters={"cycle": "2026-01", "status": "pending"}))
    # TR-1 (nos[3], not delivered) then TR-2 (nos[4]) then no route (nos[2])
    assert [r.bill_no for r in pending.rows] == [nos[3], nos[4], nos[2]]
    assert pending.rows[0].reason == "moved away" and pending.rows[1].status is None
    assert pending.total == 3
    route = distribution_query.list_distribution(backend, bo, ListQuery(
        filters={"cycle": "2026-01", "status": "pending", "transformer": "TR-2"}))
    assert [r.bill_no for r in route.rows] == [nos[4]]
    every = distribution_query.list_distribution(backend, bo, ListQuery(
        sort="bill_no", filters={"cycle": "2026-01"}))
    assert [r.bill_no for r in every.rows] == sorted(nos)
    with pytest.raises(ValidationError, match="choose the billing cycle"):
        distribution_query.list_distribution(backend, bo, ListQuery())
    with pytest.raises(ValidationError, match="not a distribution status"):
        distribution_query.list_distribution(backend, bo, ListQuery(
            filters={"cycle": "2026-01", "status": "lost"}))
    with pytest.raises(NotFound):
        distribution_query.distribution_status(backend, bo, "2030-01")
    with pytest.raises(PermissionDenied):
        distribution_query.distribution_status(backend, token_for(backend, Role.ACCOUNTS_OFFICER),
                                         "2026-01")


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_import_is_all_or_nothing_and_idempotent(backend: Backend, tmp_path: Path) -> None:
    world, nos = _world(backend)
    bo = world.officer
    good = _csv(tmp_path / "field.csv", [
        f"{nos[0]},handed over,2026-02-03 10:15,fo1,Mrs Ade,6.5,3.25,,",
        f"{nos[1]},NOT_DELIVERED,2026-02-03 10:40,fo1,,,,,gate locked",
        f"{nos[1]},handed_over,2026-02-04 09:05:30,fo1,guard,,,,",
        f"{nos[2]},emailed,2026-02-03,,,,,c@example.com,",
    ])
    result = distribution_import.import_deliveries(backend, bo, good)
    assert (result.rows, result.recorded, result.duplicates, result.rejected) == (4, 4, 0, 0)
    again = distribution_import.import_deliveries(backend, bo, good)
    assert (again.recorded, again.duplicates) == (0, 4)
    summary = distribution_query.distribution_status(backend, bo, "2026-01")
    assert (summary.handed_over, summary.emailed, summary.not_delivered, summary.no_record) \
        == (2, 1, 0, 2)
    history = distribution.delivery_history(backend, bo, nos[1])
    assert [h.source for h in history] == ["IMPORT", "IMPORT"]
    bad = _csv(tmp_path / "bad.csv", [
        f"{nos[3]},handed_over,2026-02-03 10:15,fo1,Mr B,,,,",
        f"{nos[4]},handed_over,2026-02-31 10:15,fo1,Mr C,,,,",
        "NOPE-1,emailed,2026-02-03 10:15,,,,,a@b.cd,",
        f"{nos[4]},thrown away,2026-02-03 10:15,,,,,,",
        f"{nos[4]},handed_over,2026-02-03 10:15,nobody,Mr C,,,,",
        f"{nos[4]},handed_over,2026-02-03 10:15,fo1,,95,3,,",
    ])
    with pytest.raises(ValidationError) as refused:
        distribution_import.import_deliveries(backend, bo, bad)
    found = {(p.row, p.field) for p in refused.value.problems}
    assert found == {(3, "occurred_at"), (4, "bill_no"), (5, "status"), (6, "officer"),
                     (7, "received_by"), (7, "latitude")}
    assert distribution_query.distribution_status(backend, bo, "2026-01").no_record == 2
    rejects = tmp_path / "rejects.csv"
    partial = distribution_import.import_deliveries(backend, bo, bad, skip_invalid=True,
                                                    rejects_path=rejects)
    assert (partial.recorded, partial.rejected, partial.rejects_path) == (1, 5, rejects)
    assert rejects.read_text(encoding="utf-8-sig").count("\n") == 6  # header + 5 rows
    with pytest.raises(PermissionDenied):  # field officers may, accounts officers may not
        distribution_import.import_deliveries(
            backend, token_for(backend, Role.ACCOUNTS_OFFICER, "ao1"), good)


def test_import_from_a_spreadsheet(backend: Backend, tmp_path: Path) -> None:
    world, nos = _world(backend)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Bill No", "Status", "Occurred At", "Officer", "Received By"])
    sheet.append([nos[4], "Handed over", datetime(2026, 2, 6, 12, 0), "fo1", "neighbour"])
    path = tmp_path / "field.xlsx"
    book.save(path)
    result = distribution_import.import_deliveries(backend, world.officer, path)
    assert result.recorded == 1
    [row] = distribution.delivery_history(backend, world.officer, nos[4])
    assert (row.occurred_at, row.received_by) == (datetime(2026, 2, 6, 12, 0), "neighbour")

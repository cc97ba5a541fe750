"""The billing run on both databases: one bill per eligible connection, reruns, the tariff
version in force, exceptions, and exact charges."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from opsmanager_desktop.db.models import AuditEntry, Bill, BillingRun, BillLine, Connection
from opsmanager_desktop.db.models.billing import ChargeLine, ChargeSet
from opsmanager_desktop.domain.errors import Conflict, PermissionDenied
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import compute_charges
from opsmanager_desktop.services import cycles
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.tariffs import tariff_for_version
from tests.billing_data import (
    add_connections,
    make_world,
    open_cycle,
    snapshot_bills,
)
from tests.helpers import token_for

D = Decimal


def test_one_bill_per_eligible_connection_and_rerun_creates_nothing(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    billed = add_connections(world, [("DOM", "150", "0"), ("COM", "80", "3.5"),
                                     ("WAT", "12.5", "0"), ("DOM", "150", "0")], "2026-01")
    result = run_billing(backend, world.officer, "2026-01")
    assert result.bills_created == 4
    assert result.skipped_existing == 0
    assert result.missing_readings == ()
    assert result.cancelled is False
    # DOM 150 units: 100 x 5 + 50 x 10 = 1000, fixed 50, VAT 10 % of 1050 = 105
    with backend.sessions() as s:
        bill = s.scalars(select(Bill).where(Bill.connection_id == billed[0])).one()
        assert (bill.energy_charge, bill.fixed_charge, bill.tax, bill.total, bill.balance) == (
            D("1000.00"), D("50.00"), D("105.00"), D("1155.00"), D("1155.00"))
        assert bill.status == "GENERATED"
        assert bill.bill_no == f"202601-{billed[0]:08d}"
        totals = s.scalars(select(Bill.total).order_by(Bill.id)).all()
        assert s.scalar(select(func.count()).select_from(ChargeSet)) == 0  # scratch emptied
        assert s.scalar(select(func.count()).select_from(ChargeLine)) == 0
    assert result.total_amount == sum(totals, D(0))
    again = run_billing(backend, world.officer, "2026-01")
    assert (again.bills_created, again.skipped_existing, again.total_amount) == (0, 4, D(0))
    assert len(snapshot_bills(backend, "2026-01")) == 4


def test_exceptions_listed_with_reasons(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    ok = add_connections(world, [("DOM", "10", "0")], "2026-01")
    no_reading = add_connections(world, [("DOM", None, "0")], "2026-01")
    submitted = add_connections(world, [("DOM", "10", "0")], "2026-01",
                                reading_status="SUBMITTED")
    rejected = add_connections(world, [("DOM", "10", "0")], "2026-01",
                               reading_status="REJECTED")
    closed = add_connections(world, [("DOM", "10", "0")], "2026-01")
    with backend.sessions.begin() as s:
        s.get_one(Connection, closed[0]).status = "CLOSED"
    result = run_billing(backend, world.officer, "2026-01")
    assert result.bills_created == 1
    reasons = {m.connection_id: m.reason for m in result.missing_readings}
    assert set(reasons) == {no_reading[0], submitted[0], rejected[0]}
    assert "no reading" in reasons[no_reading[0]]
    assert "not approved" in reasons[submitted[0]]
    assert "rejected" in reasons[rejected[0]]
    first = result.missing_readings[0]
    assert first.utility == "electricity" and first.account_no.startswith("A")
    with backend.sessions() as s:
        assert s.scalars(select(Bill.connection_id)).all() == ok


@pytest.mark.parametrize("v2_from,expect_v2", [(date(2026, 1, 31), True),
                                               (date(2026, 2, 1), False)])
def test_tariff_version_in_force_on_the_cycles_last_day(
        backend: Backend, v2_from: date, expect_v2: bool) -> None:
    world = make_world(backend, v2_from=v2_from)
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", "150", "0")], "2026-01")
    run_billing(backend, world.officer, "2026-01")
    with backend.sessions() as s:
        bill = s.scalars(select(Bill)).one()
        # v2: 100 x 6 + 50 x 12 = 1200 + 55 fixed, +10 % = 1380.50
        assert bill.total == (D("1380.50") if expect_v2 else D("1155.00"))


def test_plan_without_a_version_in_force_is_an_exception(backend: Backend) -> None:
    world = make_world(backend)
    from opsmanager_desktop.services import tariffs
    from tests.billing_data import SIMPLE

    tariffs.add_tariff(backend, world.admin, "NEW", "Not yet", "electricity", SIMPLE,
                       date(2027, 1, 1))
    open_cycle(world, "2026-01")
    conn = add_connections(world, [("NEW", "10", "0")], "2026-01")
    result = run_billing(backend, world.officer, "2026-01")
    assert result.bills_created == 0
    assert [m.connection_id for m in result.missing_readings] == conn
    assert "no version in force on 2026-01-31" in result.missing_readings[0].reason


def test_every_bill_cent_exact_to_the_calculator(backend: Backend) -> None:
    """Many units and loads (edges of bands and categories, fractions, zero), several
    tariffs: every stored bill and line equals compute_charges."""
    world = make_world(backend)
    open_cycle(world, "2026-01")
    rng = random.Random(7)
    edges = ["0", "0.001", "99.999", "100", "100.001", "200", "200.001", "10", "10.001"]
    units = edges + [f"{rng.randint(0, 2000)}.{rng.randint(0, 999):03d}" for _ in range(60)]
    specs = [(plan, u, rng.choice(["0", "1.5", "3.333", "12"]))
             for u in units for plan in ("DOM", "COM", "WAT")]
    add_connections(world, specs, "2026-01")
    result = run_billing(backend, world.officer, "2026-01", chunk_size=37)
    assert result.bills_created == len(specs)
    with backend.sessions() as s:
        loads = dict(s.execute(select(Connection.id, Connection.sanctioned_load_kw)).all())
        cache = {}
        grand = D(0)
        for bill in s.scalars(select(Bill)):
            if bill.tariff_version_id not in cache:
                cache[bill.tariff_version_id] = tariff_for_version(s, bill.tariff_version_id)
            tariff = cache[bill.tariff_version_id]
            expected = compute_charges(tariff, bill.units, loads[bill.connection_id])
            assert (bill.energy_charge, bill.fixed_charge, bill.tax, bill.total) == (
                expected.energy, expected.fixed, expected.tax, expected.total)
            lines = s.execute(select(BillLine.kind, BillLine.description, BillLine.quantity,
                                     BillLine.rate, BillLine.amount)
                              .where(BillLine.bill_id == bill.id)
                              .order_by(BillLine.seq)).all()
            assert [tuple(r) for r in lines] == [
                (ln.kind.value, ln.description, ln.quantity, ln.rate, ln.amount)
                for ln in expected.lines]
            grand += expected.total
        assert s.scalar(select(func.sum(Bill.total))) == grand
    assert result.total_amount == grand


def test_progress_reports_every_chunk(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", str(i), "0") for i in range(10)], "2026-01")
    seen: list[tuple[int, int]] = []
    run_billing(backend, world.officer, "2026-01", lambda d, t: seen.append((d, t)),
                chunk_size=4)
    assert seen == [(0, 10), (4, 10), (8, 10), (10, 10)]


def test_one_audit_entry_per_run_with_counts(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", str(i), "0") for i in range(7)], "2026-01")
    run_billing(backend, world.officer, "2026-01", chunk_size=2)
    with backend.sessions() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "billing_run")).all()
        assert len(entries) == 1
        assert '"bills_created": 7' in (entries[0].after or "")
        assert '"chunks": 4' in (entries[0].after or "")
        run = s.scalars(select(BillingRun)).one()
        assert (run.status, run.lock_cycle_id, run.bills_created) == ("FINISHED", None, 7)


def test_closed_cycle_and_other_roles_refused(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", "1", "0")], "2026-01")
    with pytest.raises(PermissionDenied):
        run_billing(backend, token_for(backend, Role.ACCOUNTS_OFFICER), "2026-01")
    cycles.close_cycle(backend, world.admin, "2026-01")
    with pytest.raises(Conflict, match="closed"):
        run_billing(backend, world.officer, "2026-01")


def test_estimation_bills_connections_without_a_reading(backend: Backend) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    open_cycle(world, "2026-02", estimation=True)
    history, never_read = add_connections(world, [("DOM", "120", "0"), ("DOM", None, "0")],
                                          "2026-01")
    read = add_connections(world, [("DOM", "10", "0")], "2026-01")[0]
    from tests.billing_data import readings_for

    readings_for(world, "2026-02", {read: "50"})
    result = run_billing(backend, world.officer, "2026-02")
    assert (result.bills_created, result.estimated) == (2, 1)
    assert [m.connection_id for m in result.missing_readings] == [never_read]
    assert "none could be estimated" in result.missing_readings[0].reason
    with backend.sessions() as s:
        bill = s.scalars(select(Bill).where(Bill.connection_id == history)).one()
        assert bill.is_estimated and bill.units == D("120.000")
        assert bill.total == compute_charges(
            tariff_for_version(s, bill.tariff_version_id), bill.units).total
        assert not s.scalars(select(Bill).where(Bill.connection_id == read)).one().is_estimated
    assert run_billing(backend, world.officer, "2026-02").estimated == 0  # nothing twice

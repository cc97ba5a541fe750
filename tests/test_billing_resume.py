"""A billing run killed halfway and started again ends with exactly the bills and lines of
one clean run; two workstations cannot run one cycle at once; a dead run's lock is taken
over once stale."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select

from opsmanager_desktop.db.models import Bill, BillingCycle, BillingRun, BillLine
from opsmanager_desktop.db.models.billing import ChargeSet
from opsmanager_desktop.domain.errors import Conflict
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import STALE_AFTER, run_billing
from tests.billing_data import World, add_connections, make_world, open_cycle, snapshot_bills
from tests.helpers import token_for

CHUNK = 5


@pytest.fixture
def world(backend: Backend) -> World:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    rng = random.Random(3)
    specs = [(rng.choice(["DOM", "COM", "WAT"]), str(rng.randint(0, 400)),
              rng.choice(["0", "2", "5.5"])) for _ in range(23)]
    add_connections(world, specs, "2026-01")
    add_connections(world, [("DOM", None, "0")], "2026-01")  # one exception
    return world


def _clean_run(world: World) -> list[tuple[Any, ...]]:
    result = run_billing(world.backend, world.officer, "2026-01", chunk_size=CHUNK)
    assert result.bills_created == 23
    snap = snapshot_bills(world.backend, "2026-01")
    with world.backend.sessions.begin() as s:
        s.execute(delete(BillLine))
        s.execute(delete(Bill))
        s.execute(delete(BillingRun))
    return snap


def _bill_count(backend: Backend) -> int:
    with backend.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Bill)) or 0)


def test_cancelled_after_chunk_k_then_rerun_equals_clean_run(world: World) -> None:
    clean = _clean_run(world)
    asked = []

    def cancel_after_two() -> bool:
        asked.append(1)
        return len(asked) == 2

    partial = run_billing(world.backend, world.officer, "2026-01", cancelled=cancel_after_two,
                          chunk_size=CHUNK)
    assert partial.cancelled
    assert partial.missing_readings == ()
    assert partial.bills_created == _bill_count(world.backend) > 0
    with world.backend.sessions() as s:
        run = s.scalars(select(BillingRun)).one()
        assert (run.status, run.lock_cycle_id) == ("CANCELLED", None)
        assert s.scalar(select(func.count()).select_from(ChargeSet)) == 0  # no scratch left
    rest = run_billing(world.backend, world.officer, "2026-01", chunk_size=CHUNK)
    assert rest.skipped_existing == partial.bills_created
    assert partial.bills_created + rest.bills_created == 23
    assert len(rest.missing_readings) == 1
    assert snapshot_bills(world.backend, "2026-01") == clean


@pytest.fixture
def fail_on_third_lines_insert(world: World) -> Iterator[list[int]]:
    """Make the database refuse the bill_lines INSERT of the third chunk: the bills of that
    chunk are written by then, so only the chunk's rollback keeps them out."""
    engine = world.backend.engine
    calls: list[int] = []  # armed once the test appends 0

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if calls and statement.lstrip().upper().startswith("INSERT INTO BILL_LINES"):
            calls.append(1)
            if len(calls) == 4:
                raise RuntimeError("simulated crash inside a chunk")

    event.listen(engine, "before_cursor_execute", before)
    yield calls
    event.remove(engine, "before_cursor_execute", before)


def test_crash_inside_a_chunk_then_rerun_equals_clean_run(
        world: World, fail_on_third_lines_insert: list[int]) -> None:
    clean = _clean_run(world)
    fail_on_third_lines_insert.append(0)  # arm it
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_billing(world.backend, world.officer, "2026-01", chunk_size=CHUNK)
    assert _bill_count(world.backend) == 2 * CHUNK  # chunks 1 and 2 committed, 3 rolled back
    with world.backend.sessions() as s:
        orphans = s.scalar(select(func.count()).select_from(Bill).where(
            ~select(BillLine.id).where(BillLine.bill_id == Bill.id).exists()))
        assert orphans == 0
        run = s.scalars(select(BillingRun)).one()
        assert (run.status, run.lock_cycle_id) == ("FAILED", None)  # lock freed at once
        assert s.scalar(select(func.count()).select_from(ChargeSet)) > 0  # scratch left
    result = run_billing(world.backend, world.officer, "2026-01", chunk_size=CHUNK)
    assert result.skipped_existing == 2 * CHUNK
    assert snapshot_bills(world.backend, "2026-01") == clean


def test_second_run_refused_while_first_holds_the_lock(world: World) -> None:
    other = token_for(world.backend, Role.BILLING_OFFICER, "bo2")
    refused: list[str] = []

    def meanwhile_on_another_workstation() -> bool:
        if not refused:
            with pytest.raises(Conflict) as info:
                run_billing(world.backend, other, "2026-01", chunk_size=CHUNK)
            refused.append(str(info.value))
        return False

    result = run_billing(world.backend, world.officer, "2026-01",
                         cancelled=meanwhile_on_another_workstation, chunk_size=CHUNK)
    assert result.bills_created == 23
    assert "being billed by bo " in refused[0] and "wait" in refused[0]
    # once the first run has ended, the second officer may run (and finds nothing to do)
    assert run_billing(world.backend, other, "2026-01").bills_created == 0


def test_dead_runs_lock_is_taken_over_once_stale(world: World) -> None:
    now = world.backend.now()
    with world.backend.sessions.begin() as s:
        cycle_id = s.scalar(select(BillingCycle.id).where(BillingCycle.period == "2026-01"))
        s.add(BillingRun(cycle_id=cycle_id, lock_cycle_id=cycle_id, started_by="ghost",
                         started_at=now, heartbeat_at=now, status="RUNNING",
                         workstation="PC-7"))
    with pytest.raises(Conflict, match="being billed by ghost on PC-7"):
        run_billing(world.backend, world.officer, "2026-01")
    world.backend.clock = lambda: now + STALE_AFTER + timedelta(seconds=1)
    result = run_billing(world.backend, world.officer, "2026-01")
    assert result.bills_created == 23
    with world.backend.sessions() as s:
        runs = {r.started_by: (r.status, r.lock_cycle_id) for r in s.scalars(select(BillingRun))}
        assert runs == {"ghost": ("ABANDONED", None), "bo": ("FINISHED", None)}


def test_issuing_waits_for_the_run_to_end(world: World) -> None:
    from opsmanager_desktop.services import bills

    refused: list[str] = []

    def try_to_issue_meanwhile() -> bool:
        if not refused:
            with pytest.raises(Conflict) as info:
                bills.issue_bills(world.backend, world.officer, "2026-01", "2026-02-01")
            refused.append(str(info.value))
        return False

    run_billing(world.backend, world.officer, "2026-01", cancelled=try_to_issue_meanwhile,
                chunk_size=CHUNK)
    assert "still being billed" in refused[0]
    assert bills.issue_bills(world.backend, world.officer, "2026-01", "2026-02-01").issued == 23

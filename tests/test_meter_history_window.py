"""A history look-up reads the recent cycles first (meter_history.recent_cycles) and the whole
history only of the meters it did not settle there: for every history, the result equals
the look-up over every cycle, on SQLite and MariaDB."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from opsmanager_desktop.db.models import BillingCycle, Connection, MeterReading
from opsmanager_desktop.services import cycles, meter_history
from opsmanager_desktop.services.backend import Backend
from tests.test_customers_fixtures import PERIODS, make_world

METERS = 6
CYCLES = (*(f"2025-{m:02d}" for m in range(7, 13)), *PERIODS)  # twelve months
# what a meter has in a cycle: nothing, or a reading of this status (estimated or not)
KINDS = (None, ("APPROVED", False), ("APPROVED", True), ("SUBMITTED", False),
         ("REJECTED", False))
histories = st.lists(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 40)),
                              min_size=len(CYCLES), max_size=len(CYCLES)),
                     min_size=METERS, max_size=METERS)


@pytest.fixture
def meters(backend: Backend) -> dict[int, Decimal]:
    world = make_world(backend)
    for period in CYCLES[:6]:
        cycles.open_cycle(backend, world.admin, period)
    for n in range(METERS):
        world.customer(f"H{n}", f"HM{n}", initial=str(10 * n))
    with backend.sessions() as session:
        return dict(session.execute(select(Connection.id, Connection.initial_reading)
                                    .order_by(Connection.id)).all())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=histories, period=st.sampled_from((*CYCLES, None)), recent=st.integers(1, 5))
def test_recent_cycles_first_gives_the_whole_history_answer(
        backend: Backend, meters: dict[int, Decimal], monkeypatch: pytest.MonkeyPatch,
        data: list[list[tuple[Any, int]]], period: str | None, recent: int) -> None:
    monkeypatch.setattr(meter_history, "RECENT_CYCLES", recent)
    with backend.sessions() as session, session.begin():
        session.execute(delete(MeterReading))
        cycle_ids = dict(session.execute(select(BillingCycle.period, BillingCycle.id)).all())
        rows = []
        for (cid, initial), history in zip(meters.items(), data, strict=True):
            position = initial
            for cycle_period, (kind, units) in zip(CYCLES, history, strict=True):
                if kind is None:
                    continue
                status, estimated = kind
                rows.append(_reading(cid, cycle_ids[cycle_period], position, units, status,
                                     estimated))
                position += units
        if rows:
            session.execute(insert(MeterReading), rows)
    with backend.sessions() as session:
        windowed = meter_history.load_histories(session, meters, period)
        with monkeypatch.context() as every_cycle:  # undone before the next example
            every_cycle.setattr(meter_history, "recent_cycles", lambda conn, period: None)
            whole = meter_history.load_histories(session, meters, period)
    assert windowed == whole


def _reading(cid: int, cycle_id: int, previous: Decimal, units: int, status: str,
             estimated: bool) -> dict[str, Any]:
    now = datetime(2026, 7, 1)
    return {"connection_id": cid, "cycle_id": cycle_id, "meter_number": f"HM{cid}",
            "previous_reading": previous, "current_reading": previous + units,
            "units": Decimal(units), "carried_units": Decimal(units if estimated else 0),
            "read_at": date(2026, 6, 1), "source": "ESTIMATED" if estimated else "IMPORT",
            "status": status, "reject_reason": "no" if status == "REJECTED" else None,
            "flags": "", "reader": "", "photo_path": None, "is_estimated": estimated,
            "entered_by": "test", "entered_at": now, "decided_by": None, "decided_at": None}

"""A connection exists from its connected_on date (decision 40): the customers import
states it, a reading dated before it is refused whichever way it comes in, and the billing
run's missing-readings list asks for exactly the readings that rule accepts. On SQLite and
MariaDB."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from opsmanager_desktop.domain.errors import ValidationError
from opsmanager_desktop.services import customers, cycles, readings
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from tests.test_customers_fixtures import World, make_world, row_counts, write_csv

TODAY = datetime(2026, 12, 8, 9, 30)
NOV, DEC = "2026-11", "2026-12"
CUSTOMERS = "account_no,name,utility,meter_number,tariff_code,connected_on\n"
READINGS = "meter_number,utility,reading,read_at\n"


@pytest.fixture
def world(backend: Backend) -> World:
    backend.clock = lambda: TODAY
    w = make_world(backend)
    cycles.open_cycle(backend, w.admin, NOV)
    return w


def _import_customers(world: World, path: Path, lines: str) -> None:
    customers.import_customers(world.backend, world.officer,
                               write_csv(path, CUSTOMERS + lines))


def _enter(world: World, meter: str, period: str, day: date) -> readings.ReadingRow:
    return readings.enter_reading(world.backend, world.officer, meter, "electricity", period,
                                  "10", day)


def _missing(world: World, period: str) -> list[str]:
    return [m.meter_number for m in
            run_billing(world.backend, world.officer, period).missing_readings]


def test_import_states_when_a_connection_began_and_defaults_to_today(
        world: World, tmp_path: Path) -> None:
    _import_customers(world, tmp_path / "c.csv", "A1,Ann,electricity,M-OLD,DOM-1,2026-11-20\n"
                      "A2,Bo,electricity,M-NEW,DOM-1,\n")
    began = {c.meter_number: c.connected_on for account in ("A1", "A2")
             for c in customers.get_customer(world.backend, world.officer, account).connections}
    assert began == {"M-OLD": date(2026, 11, 20), "M-NEW": date(2026, 12, 8)}


@pytest.mark.parametrize("value,reason", [
    ("2026-12-09", "row 2, connected_on: 2026-12-09 is in the future"),
    ("20/11/2026", "row 2, connected_on: '20/11/2026' is not a date"),
    ("2026-11-31", "row 2, connected_on: '2026-11-31' is not a real date"),
])
def test_a_bad_connected_on_refuses_the_file(world: World, tmp_path: Path, value: str,
                                             reason: str) -> None:
    before = row_counts(world.backend)
    with pytest.raises(ValidationError) as err:
        _import_customers(world, tmp_path / "c.csv", f"A1,Ann,electricity,M1,DOM-1,{value}\n")
    assert reason in str(err.value)
    assert row_counts(world.backend) == before


def test_connected_in_an_earlier_month_is_asked_for_and_its_reading_billed(
        world: World, tmp_path: Path) -> None:
    _import_customers(world, tmp_path / "c.csv", "A1,Ann,electricity,M-OLD,DOM-1,2026-11-20\n"
                      "A2,Bo,electricity,M-AMR,DOM-1,2026-11-02\n")
    assert _missing(world, NOV) == ["M-OLD", "M-AMR"]
    # inside the cycle but before the connection began: not this connection's reading
    with pytest.raises(ValidationError) as err:
        _enter(world, "M-OLD", NOV, date(2026, 11, 10))
    (problem,) = err.value.problems
    assert (problem.field, problem.reason) == (
        "read_at", "meter M-OLD is connected from 2026-11-20; a reading dated 2026-11-10 is "
        "before that")
    entered = _enter(world, "M-OLD", NOV, date(2026, 11, 28))
    imported = readings.import_readings(
        world.backend, world.officer, write_csv(tmp_path / "r.csv", READINGS
                                                + "M-AMR,electricity,25,2026-11-30\n"),
        NOV, source="amr")
    assert imported.imported == 1
    assert readings.approve_readings(world.backend, world.supervisor, NOV) == 2
    run = run_billing(world.backend, world.officer, NOV)
    assert (run.bills_created, run.missing_readings) == (2, ())
    assert entered.read_at == date(2026, 11, 28)


def test_connected_today_is_not_asked_for_and_its_earlier_readings_refused(
        world: World, tmp_path: Path) -> None:
    # a file of the columns from before connected_on: it still imports, the connection
    # beginning today
    customers.import_customers(world.backend, world.officer, write_csv(
        tmp_path / "c.csv", "account_no,name,utility,meter_number,tariff_code\n"
        "A1,Ann,electricity,M-NEW,DOM-1\n"))
    assert _missing(world, NOV) == []
    before = row_counts(world.backend)
    for day in (date(2026, 11, 30), date(2026, 12, 5)):  # in the month, in its grace days
        with pytest.raises(ValidationError) as err:
            _enter(world, "M-NEW", NOV, day)
        assert err.value.problems[0].field == "read_at"
        assert str(err.value.problems[0].reason) == (
            f"meter M-NEW is connected from 2026-12-08; a reading dated {day.isoformat()} is "
            "before that")
    for source in ("import", "amr"):
        with pytest.raises(ValidationError) as err:
            readings.import_readings(
                world.backend, world.officer, write_csv(tmp_path / "r.csv", READINGS
                                                        + "M-NEW,electricity,5,2026-11-30\n"),
                NOV, source=source)
        assert "row 2, read_at: meter M-NEW is connected from 2026-12-08; a reading dated " \
               "2026-11-30 is before that" in str(err.value)
    assert row_counts(world.backend) == before


def test_connected_after_the_cycle_ended_reads_in_the_next_cycle(world: World,
                                                                 tmp_path: Path) -> None:
    """Begun in the grace days after November: dated after its start, a reading for
    November would still be billed for a month the connection did not exist in, and the
    November run does not ask for one."""
    _import_customers(world, tmp_path / "c.csv", "A1,Ann,electricity,M-DEC,DOM-1,2026-12-02\n")
    assert _missing(world, NOV) == []
    with pytest.raises(ValidationError, match="after this cycle's last day 2026-11-30"):
        _enter(world, "M-DEC", NOV, date(2026, 12, 4))
    cycles.open_cycle(world.backend, world.admin, DEC)
    assert _missing(world, DEC) == ["M-DEC"]
    assert _enter(world, "M-DEC", DEC, date(2026, 12, 4)).period == DEC

"""Reading entry, review, listing, photos and estimation on SQLite and MariaDB."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import BillingCycle, MeterReading, MeterReplacement
from opsmanager_desktop.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from opsmanager_desktop.domain.readings import Flag, ReadingSource, ReadingStatus
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import connections, readings
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.readings import estimate_missing_readings
from tests.helpers import token_for
from tests.test_customers_fixtures import APR, FEB, JAN, MAR, World, make_world, row_counts

D = Decimal
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(backend: Backend) -> World:
    w = make_world(backend)
    w.customer("A1", "M1", initial="1000")
    return w


def test_enter_computes_units_and_starts_submitted(world: World) -> None:
    row = readings.enter_reading(world.backend, world.officer, "m1", "electricity", JAN,
                                 "1150.5", date(2026, 1, 30), reader="Rita")
    assert (row.previous_reading, row.current_reading, row.units) == (
        D("1000.000"), D("1150.500"), D("150.500"))
    assert (row.status, row.source, row.reader, row.flags) == (
        ReadingStatus.SUBMITTED, ReadingSource.MANUAL, "Rita", ())
    second = world.reading("M1", FEB, "1200", approve=False)
    assert second.previous_reading == D("1150.500")  # counts from the submitted January one


def test_backwards_reading_refused_with_both_values(world: World) -> None:
    world.reading("M1", JAN, "1100")
    before = row_counts(world.backend)
    with pytest.raises(ValidationError) as err:
        world.reading("M1", FEB, "1099.9")
    (problem,) = err.value.problems
    assert problem.field == "reading" and "1099.9" in str(problem) and "1100" in str(problem)
    assert row_counts(world.backend) == before


@pytest.mark.parametrize("day,reason", [(date(2026, 2, 6), "outside the cycle"),
                                        (date(2025, 12, 31), "outside the cycle")])
def test_read_date_must_fall_in_the_cycle(world: World, day: date, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        readings.enter_reading(world.backend, world.officer, "M1", "electricity", JAN, "1001",
                               day)
    # up to 5 days after the month is fine
    readings.enter_reading(world.backend, world.officer, "M1", "electricity", JAN, "1001",
                           date(2026, 2, 5))


def test_one_reading_per_connection_and_cycle(world: World) -> None:
    world.reading("M1", JAN, "1100", approve=False)
    with pytest.raises(Conflict, match="already has a SUBMITTED reading"):
        world.reading("M1", JAN, "1110")


def test_unknown_meter_cycle_and_closed_cycle(world: World) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        world.reading("NOPE", JAN, "1")
    with pytest.raises(NotFound, match="2027-01"):
        readings.enter_reading(world.backend, world.officer, "M1", "electricity", "2027-01",
                               "1", date(2026, 1, 1))
    from opsmanager_desktop.services import cycles
    cycles.close_cycle(world.backend, world.admin, JAN)
    with pytest.raises(Conflict, match="closed"):
        world.reading("M1", JAN, "1100")


def test_only_billing_officers_enter_and_only_supervisors_decide(world: World) -> None:
    for role in (Role.SUPERVISOR, Role.ADMIN, Role.ACCOUNTS_OFFICER, Role.FIELD_OFFICER):
        with pytest.raises(PermissionDenied):
            readings.enter_reading(world.backend, token_for(world.backend, role), "M1",
                                   "electricity", JAN, "1100", date(2026, 1, 28))
    row = world.reading("M1", JAN, "1100", approve=False)
    for role in (Role.BILLING_OFFICER, Role.ADMIN):
        token = token_for(world.backend, role)
        with pytest.raises(PermissionDenied):
            readings.approve_readings(world.backend, token, JAN, [row.id])
        with pytest.raises(PermissionDenied):
            readings.reject_reading(world.backend, token, row.id, "bad")


def test_approve_by_id_and_all(world: World) -> None:
    world.customer("A2", "M2")
    world.customer("A3", "M3")
    r1 = world.reading("M1", JAN, "1100", approve=False)
    r2 = world.reading("M2", JAN, "10", approve=False)
    world.reading("M3", JAN, "10", approve=False)
    assert readings.approve_readings(world.backend, world.supervisor, JAN, [r1.id]) == 1
    before = row_counts(world.backend)
    with pytest.raises(ValidationError) as err:  # all or nothing, each wrong id named
        readings.approve_readings(world.backend, world.supervisor, JAN, [r1.id, r2.id, 99999])
    reasons = [p.reason for p in err.value.problems]
    assert any("APPROVED" in r for r in reasons) and any("no reading 99999" in r
                                                         for r in reasons)
    assert readings.list_readings(world.backend, world.supervisor, ListQuery(
        filters={"cycle": JAN, "status": "SUBMITTED"})).total == 2
    assert row_counts(world.backend) == before
    with pytest.raises(ValidationError, match="another cycle"):
        readings.approve_readings(world.backend, world.supervisor, FEB, [r2.id])
    assert readings.approve_readings(world.backend, world.supervisor, JAN) == 2
    row = readings.list_readings(world.backend, world.supervisor,
                                 ListQuery(filters={"cycle": JAN}, sort="id")).rows[0]
    assert (row.status, row.decided_by) == (ReadingStatus.APPROVED, "u_supervisor")


def test_reject_needs_reason_and_submitted_and_can_be_entered_again(world: World) -> None:
    row = world.reading("M1", JAN, "1900", approve=False)
    with pytest.raises(ValidationError, match="reason"):
        readings.reject_reading(world.backend, world.supervisor, row.id, "  ")
    rejected = readings.reject_reading(world.backend, world.supervisor, row.id,
                                       "photo shows 1190")
    assert (rejected.status, rejected.reject_reason) == (ReadingStatus.REJECTED,
                                                         "photo shows 1190")
    with pytest.raises(Conflict, match="only SUBMITTED"):
        readings.reject_reading(world.backend, world.supervisor, row.id, "again")
    with pytest.raises(ValidationError, match="REJECTED; only SUBMITTED"):
        readings.approve_readings(world.backend, world.supervisor, JAN, [row.id])
    again = world.reading("M1", JAN, "1190", approve=False)
    assert again.id == row.id  # the rejected row is replaced, one reading per cycle
    assert (again.status, again.units, again.reject_reason) == (ReadingStatus.SUBMITTED,
                                                                D("190.000"), None)


def test_reject_refused_while_a_later_reading_counts_from_it(world: World) -> None:
    jan = world.reading("M1", JAN, "1100", approve=False)
    world.reading("M1", FEB, "1200", approve=False)
    with pytest.raises(Conflict, match="later cycle 2026-02"):
        readings.reject_reading(world.backend, world.supervisor, jan.id, "wrong")


def test_reading_for_an_earlier_cycle_after_a_later_one_refused(world: World) -> None:
    world.reading("M1", FEB, "1100")
    with pytest.raises(ValidationError, match="later cycle 2026-02"):
        world.reading("M1", JAN, "1050")


def test_flags_mark_without_blocking_and_list_filters(world: World) -> None:
    world.reading("M1", JAN, "1100")  # 100
    world.reading("M1", FEB, "1200")  # 100
    world.reading("M1", MAR, "1300")  # 100
    high = world.reading("M1", APR, "1700", approve=False)  # 400 > 3 x 100
    assert high.flags == (Flag.HIGH,)
    world.customer("A2", "M2", initial="50")
    zero = world.reading("M2", APR, "50", approve=False)
    assert zero.flags == (Flag.ZERO,)

    def ids(**filters: object) -> list[int]:
        return [r.id for r in readings.list_readings(
            world.backend, world.supervisor, ListQuery(filters=filters, sort="id")).rows]

    assert ids(cycle=APR, flag="HIGH") == [high.id]
    assert ids(cycle=APR, flag="zero") == [zero.id]
    assert ids(cycle=APR, flag="any") == [high.id, zero.id]
    assert ids(cycle=APR, status="submitted") == [high.id, zero.id]
    assert len(ids(status="APPROVED")) == 3
    with pytest.raises(ValidationError, match="flag"):
        ids(flag="LOW")
    context = readings.get_reading_context(world.backend, world.supervisor, high.id)
    assert [r.period for r in context.history] == [MAR, FEB, JAN]
    assert context.average_units == D("100.000")
    assert readings.approve_readings(world.backend, world.supervisor, APR) == 2  # not blocked


def test_photo_stored_in_database(world: World) -> None:
    row = readings.enter_reading(world.backend, world.officer, "M1", "electricity", JAN,
                                 "1100", date(2026, 1, 28), photo=PNG, photo_name="m1.png")
    assert row.has_photo
    assert readings.get_reading_photo(world.backend, world.supervisor, row.id) == PNG
    with pytest.raises(ValidationError, match="not a JPEG"):
        world.customer("A2", "M2")
        readings.enter_reading(world.backend, world.officer, "M2", "electricity", JAN, "1",
                               date(2026, 1, 28), photo=b"hello")
    with pytest.raises(NotFound):
        readings.get_reading_photo(world.backend, world.supervisor, 424242)


def test_meter_replacement_consumption_through_services(world: World) -> None:
    """Old meter read 1,100 in January, replaced on 10 February at 1,140 by a new meter
    starting at 5; February's reading of the new meter is 65: (1140 - 1100) + (65 - 5)."""
    world.reading("M1", JAN, "1100")
    connections.replace_meter(world.backend, world.officer, "M1", "electricity",
                              old_final="1140", new_meter="M1-NEW", new_initial="5",
                              replaced_on=date(2026, 2, 10))
    with pytest.raises(ValidationError, match="replaced on 2026-02-10"):
        readings.enter_reading(world.backend, world.officer, "M1-NEW", "electricity", FEB,
                               "65", date(2026, 2, 9))
    with pytest.raises(ValidationError, match="new meter's initial reading 5"):
        world.reading("M1-NEW", FEB, "4")
    feb = world.reading("M1-NEW", FEB, "65", approve=False)
    assert (feb.previous_reading, feb.current_reading, feb.units) == (D("5"), D("65"),
                                                                      D("100"))
    with world.backend.sessions() as s:
        assert s.scalar(select(MeterReplacement.reading_id)) == feb.id
    readings.reject_reading(world.backend, world.supervisor, feb.id, "typo")
    with world.backend.sessions() as s:  # the replacement waits for the re-entered reading
        assert s.scalar(select(MeterReplacement.reading_id)) is None
    again = world.reading("M1-NEW", FEB, "75")
    assert again.units == D("110")
    assert world.reading("M1-NEW", MAR, "85").units == D("10")


def _estimate(world: World, period: str, ids: list[int]) -> list[int]:
    with world.backend.sessions() as s, s.begin():
        cycle = s.scalars(select(BillingCycle).where(BillingCycle.period == period)).one()
        return estimate_missing_readings(s, cycle, ids, "u_billing_officer",
                                         datetime(2026, 4, 1, 9, 0))


def test_estimate_missing_readings_and_true_up(world: World) -> None:
    world.customer("A2", "M2")  # no history: cannot be estimated
    world.customer("A3", "M3", initial="0")
    world.reading("M1", JAN, "1090")  # 90
    world.reading("M1", FEB, "1190")  # 100
    world.reading("M3", JAN, "10")
    world.reading("M3", FEB, "20", approve=False)  # submitted only: not estimated over
    with world.backend.sessions() as s:
        cids = dict(s.execute(select(MeterReading.meter_number,
                                     MeterReading.connection_id)).all())
        from opsmanager_desktop.db.models import Connection
        m2 = s.scalar(select(Connection.id).where(Connection.meter_number == "M2"))
    assert m2 is not None
    done = _estimate(world, FEB, [cids["M1"], m2, cids["M3"]])
    assert done == []  # M1 already has February, M2 no history, M3 a submitted one
    done = _estimate(world, MAR, [cids["M1"], m2])
    assert done == [cids["M1"]]
    est = readings.list_readings(world.backend, world.supervisor, ListQuery(
        filters={"cycle": MAR, "estimated": True})).rows[0]
    assert (est.source, est.status, est.is_estimated) == (ReadingSource.ESTIMATED,
                                                          ReadingStatus.APPROVED, True)
    assert (est.previous_reading, est.units, est.current_reading) == (
        D("1190"), D("95.000"), D("1285"))
    assert _estimate(world, MAR, [cids["M1"]]) == []  # never twice
    # April's actual reading is below the estimate: 0 units, 45 carried to May
    april = world.reading("M1", APR, "1240")
    assert (april.previous_reading, april.units) == (D("1285"), D("0"))
    may = world.reading("M1", "2026-05", "1300")
    assert (may.previous_reading, may.units) == (D("1285"), D("15"))  # counts from 1285

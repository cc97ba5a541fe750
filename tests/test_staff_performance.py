"""Staff performance on both databases: each figure counted on hand-made data (tests/
staff_data.py), period bounds inclusive, team sums, the ranking, refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from opsmanager_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.staff_performance import staff_performance
from tests.helpers import token_for
from tests.staff_data import FEB_FROM, FEB_TO, add_field_work, make_staff_world


def test_figures_per_person(backend: Backend) -> None:
    sup = make_staff_world(backend)
    result = staff_performance(backend, sup, FEB_FROM, FEB_TO)
    people = {r.key: r for r in result.people}
    # fo4 (no team, no work), bo and sup (no team) are not listed; fo3 (in a team) is
    assert set(people) == {"fo1", "fo2", "fo3"}
    fo1, fo2, fo3 = people["fo1"].metrics, people["fo2"].metrics, people["fo3"].metrics
    assert (fo1.readings, fo1.readings_approved, fo1.readings_rejected) == (4, 2, 1)
    assert fo1.approval_rate == Decimal("0.6667")
    assert (fo2.readings, fo2.readings_decided, fo2.approval_rate) == (1, 0, None)
    assert (fo1.bills_distributed, fo2.bills_distributed) == (1, 1)
    assert fo3.readings == fo3.bills_distributed == 0 and fo3.approval_rate is None
    assert (people["fo1"].team, people["fo1"].name) == ("F1", "fo1")
    assert [r.key for r in result.people] == ["fo1", "fo2", "fo3"]
    assert [r.rank for r in result.people] == [1, 2, 3]
    # 7 scored figures; fo1 is best on readings, rate and bills: 3/7; fo2 on bills plus
    # a quarter of the readings: 1.25/7
    assert [r.score for r in result.people] == [Decimal("42.86"), Decimal("17.86"),
                                                Decimal("0.00")]
    assert result.sources[:2] == ("readings", "bill deliveries")


def test_team_sums(backend: Backend) -> None:
    sup = make_staff_world(backend)
    result = staff_performance(backend, sup, FEB_FROM, FEB_TO)
    by_code = {r.key: r for r in result.teams}
    assert set(by_code) == {"F1", "F2"}
    f1 = by_code["F1"]
    assert (f1.people, f1.name, f1.metrics.readings, f1.metrics.readings_approved,
            f1.metrics.bills_distributed) == (2, "Field one", 5, 2, 2)
    assert f1.metrics.approval_rate == Decimal("0.6667")  # from the summed counts
    assert (by_code["F2"].people, by_code["F2"].metrics.readings) == (1, 0)
    assert [r.key for r in result.teams] == ["F1", "F2"]
    only = staff_performance(backend, sup, FEB_FROM, FEB_TO, team="f1")
    assert only.team == "F1"
    assert [r.key for r in only.people] == ["fo1", "fo2"]
    assert [r.key for r in only.teams] == ["F1"]


def test_period_bounds_are_inclusive(backend: Backend) -> None:
    sup = make_staff_world(backend)
    one_day = staff_performance(backend, sup, date(2026, 2, 28), date(2026, 2, 28))
    fo1 = {r.key: r.metrics for r in one_day.people}["fo1"]
    fo2 = {r.key: r.metrics for r in one_day.people}["fo2"]
    assert (fo1.readings, fo2.bills_distributed) == (1, 1)  # 28 Feb, 28 Feb 23:59:59
    march = staff_performance(backend, sup, date(2026, 3, 1), date(2026, 3, 1))
    m = {r.key: r.metrics for r in march.people}
    assert (m["fo1"].readings, m["fo2"].bills_distributed) == (1, 1)  # 1 Mar 00:00
    first = staff_performance(backend, sup, date(2026, 2, 1), date(2026, 2, 1))
    f = {r.key: r.metrics for r in first.people}["fo1"]
    assert (f.readings, f.bills_distributed) == (1, 1)


def test_empty_period_lists_team_members_with_zeros(backend: Backend) -> None:
    sup = make_staff_world(backend)
    result = staff_performance(backend, sup, date(2025, 1, 1), date(2025, 1, 31))
    assert [(r.key, r.score, r.metrics.approval_rate) for r in result.people] == [
        ("fo1", Decimal("0.00"), None), ("fo2", Decimal("0.00"), None),
        ("fo3", Decimal("0.00"), None)]


def test_refusals_and_checks(backend: Backend) -> None:
    sup = make_staff_world(backend)
    admin = token_for(backend, Role.ADMIN)
    assert staff_performance(backend, admin, FEB_FROM, FEB_TO).people
    for role in (Role.FIELD_OFFICER, Role.BILLING_OFFICER, Role.ACCOUNTS_OFFICER,
                 Role.SUPPORT_AGENT):
        with pytest.raises(PermissionDenied):
            staff_performance(backend, token_for(backend, role), FEB_FROM, FEB_TO)
    with pytest.raises(ValidationError, match="before the start"):
        staff_performance(backend, sup, FEB_TO, FEB_FROM)
    with pytest.raises(ValidationError, match="date"):
        staff_performance(backend, sup, "2026-02-01", FEB_TO)  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="ZZ"):
        staff_performance(backend, sup, FEB_FROM, FEB_TO, team="ZZ")


def test_field_records_cases_and_executions(backend: Backend) -> None:
    sup = make_staff_world(backend)
    add_field_work(backend)
    result = staff_performance(backend, sup, FEB_FROM, FEB_TO)
    assert result.sources == ("readings", "bill deliveries", "enumerations", "evaluations",
                              "complaints", "support tickets", "disconnections")
    m = {r.key: r.metrics for r in result.people}
    assert set(m) == {"fo1", "fo2", "fo3"}  # sup closed cases assigned to others
    fo1, fo2, fo3 = m["fo1"], m["fo2"], m["fo3"]
    assert (fo1.enumerations, fo1.enumerations_approved) == (2, 1)
    assert (fo2.enumerations, fo2.enumerations_approved) == (1, 0)
    assert (fo2.evaluations, fo2.evaluations_approved, fo1.evaluations) == (2, 2, 0)
    assert (fo1.complaints_on_time, fo1.complaints_late) == (1, 1)  # due time itself: on time
    assert (fo2.complaints_on_time, fo2.complaints_late) == (0, 1)  # credited to the closer
    assert (fo2.tickets_on_time, fo2.tickets_late, fo3.tickets_late) == (1, 0, 1)
    assert (fo3.disconnections, fo3.reconnections, fo1.reconnections) == (1, 1, 0)
    assert (fo1.closed_on_time, fo1.closed_late, fo2.closed_on_time, fo2.closed_late) == (
        1, 1, 1, 1)
    # scored (best = 1): fo1 readings, rate, bills, enumerations, on time: 5/7;
    # fo2 1/4 readings, bills, evaluations, on time: 3.25/7; fo3 executions: 1/7
    assert [(r.key, r.score) for r in result.people] == [
        ("fo1", Decimal("71.43")), ("fo2", Decimal("46.43")), ("fo3", Decimal("14.29"))]
    teams = {r.key: r.metrics for r in result.teams}
    assert (teams["F1"].enumerations, teams["F1"].evaluations_approved,
            teams["F1"].closed_on_time, teams["F1"].closed_late) == (3, 2, 2, 2)
    assert (teams["F2"].executed, teams["F2"].tickets_late) == (2, 1)
    march = {r.key: r.metrics for r in staff_performance(
        backend, sup, date(2026, 3, 1), date(2026, 3, 1)).people}
    assert (march["fo1"].enumerations, march["fo1"].complaints_late,
            march["fo1"].reconnections) == (1, 1, 1)  # the complaint due 20 Feb: late
    january = {r.key: r.metrics for r in staff_performance(
        backend, sup, date(2026, 1, 31), date(2026, 1, 31)).people}
    assert (january["fo1"].readings, january["fo2"].evaluations) == (1, 1)

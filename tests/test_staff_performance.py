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
from tests.staff_data import FEB_FROM, FEB_TO, make_staff_world


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

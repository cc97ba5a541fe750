"""The field-record rules that hold without a database: choices, decisions, the cycle a
tariff found on an inspection bills from, amounts and positions."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from opsmanager_desktop.domain.field_records import (
    EnumerationKind,
    MeterCondition,
    RecordStatus,
    coordinate_problem,
    decide_problem,
    effective_period,
    money_problem,
    next_period,
    parse_choice,
)


def test_choices_are_read_loosely() -> None:
    assert parse_choice(EnumerationKind, " new ") is EnumerationKind.NEW
    assert parse_choice(MeterCondition, "Bypassed") is MeterCondition.BYPASSED
    assert parse_choice(MeterCondition, "melted") is None


def test_a_decided_record_is_not_decided_again() -> None:
    assert decide_problem("enumeration 4", RecordStatus.PENDING) is None
    assert decide_problem("enumeration 4", RecordStatus.APPROVED) == (
        "enumeration 4 was already approved; a decided record is not decided again")
    assert "rejected" in str(decide_problem("x", RecordStatus.REJECTED))


def test_effective_period() -> None:
    assert effective_period("2026-01", "2026-03") == "2026-02"  # after the latest started
    assert effective_period("2026-12", "2026-12") == "2027-01"
    assert effective_period(None, "2026-03") == "2026-03"  # no cycle yet: this month's


@given(st.integers(2000, 2998), st.integers(1, 12))
def test_next_period_is_the_following_month(year: int, month: int) -> None:
    period = f"{year:04d}-{month:02d}"
    following = next_period(period)
    assert following > period and len(following) == 7
    y, m = int(following[:4]), int(following[5:])
    assert 1 <= m <= 12 and (y * 12 + m) - (year * 12 + month) == 1


def test_amounts_and_positions() -> None:
    assert money_problem(Decimal("0")) is None
    assert money_problem(Decimal("-1")) == "must not be negative"
    assert "decimal places" in str(money_problem(Decimal("1.005")))
    assert coordinate_problem("latitude", Decimal("-90")) is None
    assert "between -90 and 90" in str(coordinate_problem("latitude", Decimal("90.5")))
    assert coordinate_problem("longitude", Decimal("179.999999")) is None
    assert "decimal places" in str(coordinate_problem("longitude", Decimal("1.0000001")))

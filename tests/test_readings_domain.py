"""domain/readings.py: units, replacement, flags, estimation and true-up (pure, fast)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsmanager_desktop.domain.errors import ValidationError
from opsmanager_desktop.domain.readings import (
    Flag,
    MeterPosition,
    Replacement,
    actual_reading,
    before_connection_problem,
    estimate_units,
    estimated_reading,
    plausibility_flags,
    read_date_problem,
)

D = Decimal
values = st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False,
                     allow_infinity=False)


def test_units_are_current_minus_previous() -> None:
    result = actual_reading(MeterPosition.fresh(D("1200")), D("1350.5"))
    assert (result.previous, result.current, result.units, result.carried) == (
        D("1200"), D("1350.5"), D("150.5"), D("0"))


def test_backwards_reading_refused_naming_both_values() -> None:
    with pytest.raises(ValidationError) as err:
        actual_reading(MeterPosition.fresh(D("1200")), D("1199.5"))
    (problem,) = err.value.problems
    assert problem.field == "reading"
    assert "1199.5" in problem.reason and "1200" in problem.reason


@pytest.mark.parametrize("value,reason", [(D("-1"), "negative"), (D("1.0001"), "decimal"),
                                          (D("1e12"), "too large")])
def test_bad_values_refused(value: Decimal, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        actual_reading(MeterPosition.fresh(D("0")), value)


def test_meter_replacement_consumption_example() -> None:
    """Old meter read 1,000 last cycle, taken out at 1,040; new meter fitted at 5 and read
    at 65: (1040 - 1000) + (65 - 5) = 100 units."""
    replacement = Replacement(old_previous=D("1000"), old_final=D("1040"), new_initial=D("5"))
    result = actual_reading(MeterPosition.fresh(D("5")), D("65"), [replacement])
    assert result.units == D("100")
    assert result.previous == D("5") and result.carried == 0
    with pytest.raises(ValidationError, match="new meter's initial reading 5"):
        actual_reading(MeterPosition.fresh(D("5")), D("4"), [replacement])


def test_two_replacements_before_a_reading_add_up() -> None:
    reps = [Replacement(D("100"), D("110"), D("0")), Replacement(D("0"), D("7"), D("50"))]
    assert actual_reading(MeterPosition.fresh(D("50")), D("53"), reps).units == D("20")


def test_estimate_is_average_of_last_three_rounded_to_3_places() -> None:
    assert estimate_units([D("100"), D("100"), D("101")]) == D("100.333")
    assert estimate_units([D("2"), D("1"), D("2")]) == D("1.667")  # half-up
    assert estimate_units([D("10"), D("20"), D("30"), D("1000")]) == D("20.000")  # last 3 only
    assert estimate_units([D("7")]) == D("7.000")
    assert estimate_units([]) is None


def test_true_up_after_estimates_bills_only_the_rest() -> None:
    start = MeterPosition.fresh(D("1000"))
    first = estimated_reading(start, D("100"))  # billed to 1100, meter last seen at 1000
    second = estimated_reading(first.position_after(), D("100"))  # billed to 1200
    assert second.position_after() == MeterPosition(D("1000"), D("1200"))
    actual = actual_reading(second.position_after(), D("1250"))
    assert (actual.previous, actual.units, actual.carried) == (D("1200"), D("50"), D("0"))
    assert first.units + second.units + actual.units == D("1250") - D("1000")


def test_true_up_below_the_estimates_bills_zero_and_carries_the_rest() -> None:
    billed = estimated_reading(MeterPosition.fresh(D("1000")), D("300")).position_after()
    actual = actual_reading(billed, D("1100"))  # the meter only moved 100
    assert (actual.units, actual.carried) == (D("0"), D("200"))
    after = actual.position_after()
    assert after == MeterPosition(D("1100"), D("1300"))
    following = actual_reading(after, D("1350"))  # counts from 1300, not 1100
    assert following.units == D("50")
    with pytest.raises(ValidationError, match="below the previous reading 1100"):
        actual_reading(after, D("1050"))  # the meter still cannot run backwards


def test_flags_example() -> None:
    history = [D("100"), D("90"), D("110")]  # average 100
    assert plausibility_flags(D("300"), history) == ()  # exactly 3x is not over
    assert plausibility_flags(D("300.001"), history) == (Flag.HIGH,)
    assert plausibility_flags(D("0"), history) == (Flag.ZERO,)
    assert plausibility_flags(D("5000"), []) == ()  # no history, no HIGH
    assert plausibility_flags(D("1"), [D("0")]) == (Flag.HIGH,)


def test_read_date_window() -> None:
    start, end, today = date(2026, 1, 1), date(2026, 1, 31), date(2026, 11, 1)
    assert read_date_problem(date(2026, 1, 1), start, end, today) is None
    assert read_date_problem(date(2026, 2, 5), start, end, today) is None  # grace days
    assert "outside the cycle" in (read_date_problem(date(2026, 2, 6), start, end, today) or "")
    assert "outside" in (read_date_problem(date(2025, 12, 31), start, end, today) or "")
    assert "future" in (read_date_problem(date(2026, 1, 20), start, end,
                                          date(2026, 1, 10)) or "")



def test_no_reading_before_its_connection() -> None:
    end = date(2026, 11, 30)
    assert before_connection_problem("M1", None, date(2026, 11, 1), end) is None  # no date
    on = date(2026, 11, 20)
    assert before_connection_problem("M1", on, on, end) is None  # read the day it began
    assert before_connection_problem("M1", on, date(2026, 12, 5), end) is None  # grace days
    assert before_connection_problem("M1", on, date(2026, 11, 19), end) == (
        "meter M1 is connected from 2026-11-20; a reading dated 2026-11-19 is before that")
    # begun after the cycle's last day: the billing run does not ask for this cycle's reading
    late = before_connection_problem("M1", date(2026, 12, 2), date(2026, 12, 4), end) or ""
    assert "connected from 2026-12-02, after this cycle's last day 2026-11-30" in late
    assert before_connection_problem("M1", end, date(2026, 12, 4), end) is None


@given(previous=values, current=values)
def test_property_reading_check(previous: Decimal, current: Decimal) -> None:
    """Accepted exactly when current >= previous; then units = current - previous >= 0."""
    position = MeterPosition.fresh(previous)
    if current < previous:
        with pytest.raises(ValidationError):
            actual_reading(position, current)
    else:
        result = actual_reading(position, current)
        assert result.units == current - previous >= 0
        assert result.carried == 0


@given(units=values, history=st.lists(values, max_size=5))
def test_property_flags(units: Decimal, history: list[Decimal]) -> None:
    flags = plausibility_flags(units, history)
    last = history[:3]
    # exact arithmetic: a rounded Decimal average would misjudge values right at 3x
    high = bool(last) and Fraction(units) > 3 * Fraction(sum(last, D("0"))) / len(last)
    assert (Flag.HIGH in flags) == high
    assert (Flag.ZERO in flags) == (units == 0)
    assert not (Flag.HIGH in flags and Flag.ZERO in flags)


@given(start=values, estimates=st.lists(values, max_size=4), steps=st.lists(values,
                                                                            min_size=1,
                                                                            max_size=4))
def test_property_nothing_billed_twice_or_lost(start: Decimal, estimates: list[Decimal],
                                               steps: list[Decimal]) -> None:
    """Whatever estimates ran ahead, once the meter has passed what was billed, the units
    billed in total equal what the meter moved; never more, at any time."""
    position = MeterPosition.fresh(start)
    billed = D("0")
    for estimate in estimates:
        reading = estimated_reading(position, estimate)
        billed += reading.units
        position = reading.position_after()
    meter = start
    for step in steps:
        meter += step
        reading = actual_reading(position, meter)
        billed += reading.units
        position = reading.position_after()
        assert reading.units >= 0
        assert billed == max(meter - start, sum(estimates, D("0")))

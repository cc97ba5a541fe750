"""DT energy balance and maintenance due dates: pure rules (domain/energy_balance.py,
domain/assets.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from opsmanager_desktop.domain.assets import (
    AssetStatus,
    add_months,
    days_overdue,
    is_overdue,
    next_due,
    parse_status,
)
from opsmanager_desktop.domain.energy_balance import (
    BILLED_OVER_INPUT,
    NO_INPUT,
    NO_READING,
    balance,
    worst_first,
)

units = st.decimals(min_value=0, max_value=10_000_000, places=3, allow_nan=False,
                    allow_infinity=False)


def test_loss_and_percent_half_up() -> None:
    b = balance(Decimal("1000.000"), Decimal("874.950"))
    assert (b.loss_kwh, b.loss_percent, b.reason) == (Decimal("125.050"), Decimal("12.51"), "")
    # 1/3 of the input lost: 33.333... -> 33.33; 2/3 -> 66.67 (half-up on the third decimal)
    assert balance(Decimal("3"), Decimal("2")).loss_percent == Decimal("33.33")
    assert balance(Decimal("3"), Decimal("1")).loss_percent == Decimal("66.67")
    assert balance(Decimal("8"), Decimal("7.9996")).loss_percent == Decimal("0.01")


def test_no_reading_zero_input_and_billed_over_input() -> None:
    missing = balance(None, Decimal("40"))
    assert (missing.loss_kwh, missing.loss_percent, missing.reason) == (None, None, NO_READING)
    zero = balance(Decimal("0"), Decimal("12"))
    assert (zero.loss_kwh, zero.loss_percent, zero.reason) == (Decimal("-12"), None, NO_INPUT)
    over = balance(Decimal("100"), Decimal("125"))
    assert (over.loss_kwh, over.loss_percent, over.reason) == (
        Decimal("-25"), Decimal("-25.00"), BILLED_OVER_INPUT)


def test_worst_first_order() -> None:
    rows = [("DT-A", balance(Decimal("100"), Decimal("90"))),     # 10 %
            ("DT-B", balance(None, Decimal("5"))),                # no percent
            ("DT-C", balance(Decimal("1000"), Decimal("900"))),   # 10 %, more kWh
            ("DT-D", balance(Decimal("100"), Decimal("60"))),     # 40 %
            ("DT-E", balance(Decimal("0"), Decimal("0")))]        # no percent
    assert [code for code, _ in worst_first(rows)] == ["DT-D", "DT-C", "DT-A", "DT-E", "DT-B"]


@given(units, units)
def test_loss_is_input_minus_billed(input_kwh: Decimal, billed: Decimal) -> None:
    b = balance(input_kwh, billed)
    assert b.loss_kwh == input_kwh - billed
    assert b.billed_kwh == billed


@given(units.filter(lambda v: v > 0), st.data())
def test_percent_in_range_when_billed_within_input(input_kwh: Decimal,
                                                   data: st.DataObject) -> None:
    billed = data.draw(st.decimals(min_value=0, max_value=input_kwh, places=3))
    b = balance(input_kwh, billed)
    assert b.loss_percent is not None and b.reason == ""
    assert Decimal("0") <= b.loss_percent <= Decimal("100")
    assert b.loss_percent == b.loss_percent.quantize(Decimal("0.01"))
    # within half a hundredth of the exact ratio
    assert abs(b.loss_percent - (input_kwh - billed) * 100 / input_kwh) <= Decimal("0.005")


@given(st.lists(st.tuples(st.text(min_size=1, max_size=5), st.one_of(st.none(), units),
                          units), max_size=20))
def test_worst_first_is_sorted_and_keeps_everything(items: list[tuple[str, Decimal | None,
                                                                      Decimal]]) -> None:
    rows = [(code, balance(i, b)) for code, i, b in items]
    ordered = worst_first(rows)
    assert sorted(ordered, key=repr) == sorted(rows, key=repr)
    percents = [b.loss_percent for _, b in ordered]
    known = [p for p in percents if p is not None]
    assert percents[:len(known)] == known  # the ones with a percent come first
    assert known == sorted(known, reverse=True)


def test_next_due_and_overdue() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert next_due(None, date(2026, 1, 10), 6) == date(2026, 7, 10)
    assert next_due(date(2026, 3, 1), date(2026, 1, 10), 6) == date(2026, 9, 1)
    assert not is_overdue(date(2026, 7, 10), date(2026, 7, 10))
    assert is_overdue(date(2026, 7, 10), date(2026, 7, 11))
    assert days_overdue(date(2026, 7, 10), date(2026, 7, 20)) == 10
    assert parse_status("under maintenance") is AssetStatus.UNDER_MAINTENANCE
    assert parse_status("broken") is None


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 1, 1)),
       st.integers(min_value=1, max_value=120))
def test_add_months_lands_in_the_right_month(start: date, months: int) -> None:
    due = add_months(start, months)
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == months
    assert due.day <= start.day and due > start

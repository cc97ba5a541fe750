"""Money and quantities as exact decimals.

`D()` is the one way to turn user or file input into a Decimal; floats are refused because
a float has already lost the cents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

ZERO = Decimal("0")
CENT = Decimal("0.01")
RATE_QUANTUM = Decimal("0.0001")
UNIT_QUANTUM = Decimal("0.001")


def D(value: object) -> Decimal:
    """An exact Decimal from str, int or Decimal; float and junk raise ValueError."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError("a yes/no value is not a number")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        raise ValueError("binary floats are not accepted for money; give the value as text")
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            raise ValueError("a number is required")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    else:
        raise ValueError(f"{value!r} is not a number")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def round_money(value: Decimal) -> Decimal:
    """Half-up to whole cents, as every printed line is rounded."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_units(value: Decimal) -> Decimal:
    return value.quantize(UNIT_QUANTUM, rounding=ROUND_HALF_UP)


def has_at_most_places(value: Decimal, places: int) -> bool:
    return value == value.quantize(_quantum(places))


@lru_cache(maxsize=16)
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def format_money(value: Decimal) -> str:
    """Thousands separators and two decimals: 1,234,567.80."""
    return f"{round_money(value):,.2f}"

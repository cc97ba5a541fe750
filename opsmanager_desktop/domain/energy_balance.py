"""DT energy balance: what went into a distribution transformer (its own meter's units for
the cycle) against what its customers were billed, and the loss between them.

    loss kWh = input - billed
    loss %   = loss / input x 100, half-up to 2 decimals

A DT with no reading for the cycle, or whose meter shows no input, has no percent (nothing
to divide by): it is reported with a reason instead. A negative loss (customers billed more
than the DT delivered) is kept as it is: it points at a wrong DT reading or at customers
linked to the wrong DT, and the reason says so. Worst first: the highest loss percent, then
the highest loss in kWh; DTs with no percent come last (no input, then no reading).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from opsmanager_desktop.domain.money import ZERO

PERCENT_QUANTUM = Decimal("0.01")
NO_READING = "no DT meter reading for the cycle"
NO_INPUT = "the DT meter shows no input this cycle"
BILLED_OVER_INPUT = "customers billed more than the DT delivered: check the DT reading and " \
    "which connections carry this DT code"


@dataclass(frozen=True)
class Balance:
    input_kwh: Decimal | None  # None: no DT reading for the cycle
    billed_kwh: Decimal
    loss_kwh: Decimal | None
    loss_percent: Decimal | None
    reason: str  # "" when the figures need no explanation


def loss_percent(loss: Decimal, input_kwh: Decimal) -> Decimal:
    return (loss * 100 / input_kwh).quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP)


def balance(input_kwh: Decimal | None, billed_kwh: Decimal) -> Balance:
    if input_kwh is None:
        return Balance(None, billed_kwh, None, None, NO_READING)
    loss = input_kwh - billed_kwh
    if input_kwh == ZERO:
        return Balance(input_kwh, billed_kwh, loss, None, NO_INPUT)
    reason = BILLED_OVER_INPUT if loss < ZERO else ""
    return Balance(input_kwh, billed_kwh, loss, loss_percent(loss, input_kwh), reason)


def worst_first_key(b: Balance, code: str) -> tuple[int, Decimal, Decimal, str]:
    """Sort key: percent known first (highest percent, then highest loss), then DTs with no
    input, then DTs with no reading; code last so the order is stable."""
    if b.loss_percent is None:
        return (1 if b.input_kwh is not None else 2, ZERO, -(b.loss_kwh or ZERO), code)
    return (0, -b.loss_percent, -(b.loss_kwh or ZERO), code)


def worst_first(items: Iterable[tuple[str, Balance]]) -> list[tuple[str, Balance]]:
    return sorted(items, key=lambda item: worst_first_key(item[1], item[0]))

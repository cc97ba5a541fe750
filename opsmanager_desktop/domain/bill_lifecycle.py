"""Bill statuses and the only transitions that exist (DESIGN.md 3):
GENERATED -> DUE -> PAID, DUE -> OVERDUE -> PAID; a payment reversal is the one way back
from PAID."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from opsmanager_desktop.domain.errors import Conflict
from opsmanager_desktop.domain.money import ZERO


class BillStatus(StrEnum):
    GENERATED = "GENERATED"
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    PAID = "PAID"


_FORWARD: dict[BillStatus, frozenset[BillStatus]] = {
    BillStatus.GENERATED: frozenset({BillStatus.DUE}),
    BillStatus.DUE: frozenset({BillStatus.OVERDUE, BillStatus.PAID}),
    BillStatus.OVERDUE: frozenset({BillStatus.PAID}),
    BillStatus.PAID: frozenset(),
}
_BY_REVERSAL: dict[BillStatus, frozenset[BillStatus]] = {
    BillStatus.PAID: frozenset({BillStatus.DUE, BillStatus.OVERDUE}),
}

OPEN = frozenset({BillStatus.DUE, BillStatus.OVERDUE})


def check_transition(old: BillStatus, new: BillStatus, *, reversal: bool = False) -> None:
    if old == new:
        return
    allowed = _FORWARD[old] | (_BY_REVERSAL.get(old, frozenset()) if reversal else frozenset())
    if new not in allowed:
        raise Conflict(f"a {old.value} bill cannot become {new.value}")


def bill_balance(total: Decimal, adjustments: Decimal, amount_paid: Decimal) -> Decimal:
    return total + adjustments - amount_paid


def status_after_money(current: BillStatus, balance: Decimal, due_date: date | None,
                       today: date) -> BillStatus:
    """The status once a payment, reversal or adjustment has changed the balance."""
    if current is BillStatus.GENERATED:
        return current
    if balance <= ZERO:
        return BillStatus.PAID
    if current is BillStatus.PAID:  # reopened by a reversal or a debit adjustment
        return BillStatus.OVERDUE if due_date is not None and due_date < today \
            else BillStatus.DUE
    return current


def is_overdue(status: BillStatus, due_date: date | None, balance: Decimal,
               as_of: date) -> bool:
    return (status is BillStatus.DUE and due_date is not None and due_date < as_of
            and balance > ZERO)

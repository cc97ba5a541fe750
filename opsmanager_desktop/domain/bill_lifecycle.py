"""Bill statuses and the only transitions that exist (docs/design.md 3):
GENERATED -> DUE -> PAID, DUE -> OVERDUE -> PAID; a payment reversal is the one way back
from PAID."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from opsmanager_desktop.domain.errors import Conflict, invalid
from opsmanager_desktop.domain.money import ZERO, format_money


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
    if current is BillStatus.PAID:  # reopened by a payment reversal (the only way back)
        return BillStatus.OVERDUE if due_date is not None and due_date < today \
            else BillStatus.DUE
    return current


def is_overdue(status: BillStatus, due_date: date | None, balance: Decimal,
               as_of: date) -> bool:
    return (status is BillStatus.DUE and due_date is not None and due_date < as_of
            and balance > ZERO)


def check_adjustment(bill_no: str, status: BillStatus, balance: Decimal,
                     amount: Decimal) -> None:
    """A debit (+) or credit (-) on a bill. A PAID bill is not adjusted (reopening it is not a
    transition that exists), and a credit may not exceed the balance (a bill never owes the
    customer; account credit is only money received): the correction goes on the next bill.
    """
    if amount == 0:
        raise invalid("amount", "must not be zero: a debit is positive, a credit negative")
    if status is BillStatus.PAID:
        raise Conflict(f"bill {bill_no} is paid and cannot be adjusted; put the correction on "
                       "the customer's next bill (or reverse a wrong payment first)")
    if amount < 0 and -amount > balance:
        raise invalid("amount", f"a credit of {format_money(-amount)} is more than the balance "
                      f"{format_money(balance)} of bill {bill_no}; credit at most the balance "
                      "and put the rest on the customer's next bill")

"""Where a payment's money goes (docs/design.md 3, Payments).

A payment is applied to the bills it names first (one bill, or the bills of an account
statement), oldest first among them and each up to its balance, then to the consumer's
other open bills oldest first (by due date, then id); what is left is kept as credit on the
account. Issuing a bill later draws on that credit, payment by payment, oldest
first, so every cent of credit stays traceable to the payment that brought it.

Pure functions on plain values; the invariant of `allocate` is
sum(allocations) + credit == amount, with no bill given more than its balance.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from opsmanager_desktop.domain.money import ZERO, has_at_most_places


@dataclass(frozen=True)
class OpenBill:
    """What allocation needs to know of an open (DUE or OVERDUE) bill."""

    bill_id: int
    balance: Decimal
    due_date: date | None


@dataclass(frozen=True)
class Allocation:
    bill_id: int
    amount: Decimal


@dataclass(frozen=True)
class AllocationPlan:
    allocations: tuple[Allocation, ...]
    credit: Decimal

    @property
    def applied(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)


def oldest_first(bills: Iterable[OpenBill]) -> list[OpenBill]:
    """By due date, then id; a bill without a due date (should not be open) goes last."""
    return sorted(bills, key=lambda b: (b.due_date is None, b.due_date or date.min, b.bill_id))


def allocate(amount: Decimal, open_bills: Sequence[OpenBill],
             named_bill_ids: Collection[int] = ()) -> AllocationPlan:
    """Split `amount` over the bills: the named ones first, then the others, each group
    oldest first.

    A named bill that is not among the open bills (already paid) simply gets nothing; the
    service decides whether naming it was allowed at all.
    """
    _check_amount(amount)
    ordered = oldest_first(open_bills)
    named = set(named_bill_ids)
    if named:
        ordered = [b for b in ordered if b.bill_id in named] \
            + [b for b in ordered if b.bill_id not in named]
    left = amount
    allocations: list[Allocation] = []
    seen: set[int] = set()
    for bill in ordered:
        if left <= ZERO:
            break
        if bill.bill_id in seen or bill.balance <= ZERO:
            continue
        seen.add(bill.bill_id)
        part = min(left, bill.balance)
        allocations.append(Allocation(bill.bill_id, part))
        left -= part
    return AllocationPlan(tuple(allocations), left)


@dataclass(frozen=True)
class CreditSource:
    """Credit still unapplied from one payment (payments ordered oldest first)."""

    payment_id: int
    remaining: Decimal


@dataclass(frozen=True)
class CreditDraw:
    payment_id: int
    amount: Decimal


def draw_credit(sources: Sequence[CreditSource], needed: Decimal) -> tuple[CreditDraw, ...]:
    """Take up to `needed` from the sources in their order; never more than one holds."""
    if needed < ZERO:
        raise ValueError("the amount to draw from credit cannot be negative")
    draws: list[CreditDraw] = []
    left = needed
    for source in sources:
        if left <= ZERO:
            break
        if source.remaining <= ZERO:
            continue
        part = min(left, source.remaining)
        draws.append(CreditDraw(source.payment_id, part))
        left -= part
    return tuple(draws)


def _check_amount(amount: Decimal) -> None:
    if amount <= ZERO:
        raise ValueError("a payment amount must be above zero")
    if not has_at_most_places(amount, 2):
        raise ValueError("a payment amount has at most 2 decimals")

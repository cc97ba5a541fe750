"""What makes a payment well formed (docs/design.md 3, Payments): the checks shared by the
payment form, `payments record` and settlement-file imports, so a rule is written once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from opsmanager_desktop.domain.errors import FieldProblem
from opsmanager_desktop.domain.money import ZERO, D, has_at_most_places

T = TypeVar("T")

MAX_AMOUNT = Decimal("999999999999.99")  # DECIMAL(14, 2)
MAX_REFERENCE = 64
MAX_REASON = 255


class Channel(StrEnum):
    CASH = "CASH"
    BANK = "BANK"
    POS = "POS"
    ONLINE = "ONLINE"
    CHEQUE = "CHEQUE"


def parse_channel(text: object) -> Channel:
    value = str(text or "").strip().upper()
    try:
        return Channel(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a payment channel; use one of "
                         + ", ".join(c.value for c in Channel)) from None


def parse_amount(value: object) -> Decimal:
    amount = D(value)
    if amount <= ZERO:
        raise ValueError("the amount must be above zero")
    if not has_at_most_places(amount, 2):
        raise ValueError(f"{value} has more than 2 decimals")
    if amount > MAX_AMOUNT:
        raise ValueError("the amount is too large")
    return amount.quantize(Decimal("0.01"))


def parse_reference(text: object) -> str:
    reference = str(text or "").strip()
    if not reference:
        raise ValueError("a reference is required (receipt, transaction or cheque number)")
    if len(reference) > MAX_REFERENCE:
        raise ValueError(f"at most {MAX_REFERENCE} characters")
    return reference


def check_paid_at(paid_at: date, today: date) -> None:
    if paid_at > today:
        raise ValueError(f"{paid_at.isoformat()} is in the future")


@dataclass(frozen=True)
class PaymentInput:
    account_no: str
    amount: Decimal
    channel: Channel
    reference: str
    paid_at: date
    bill_no: str | None


def _attempt(problems: list[FieldProblem], field: str, row: int | None,
             fn: Callable[[], T]) -> T | None:
    try:
        return fn()
    except ValueError as exc:
        problems.append(FieldProblem(field, str(exc), row))
        return None


def check_payment(account_no: object, amount: object, channel: object, reference: object,
                  paid_at: date | None, bill_no: object, today: date, row: int | None = None
                  ) -> tuple[PaymentInput | None, list[FieldProblem]]:
    """The cleaned payment, or every problem found in it (row numbers for files)."""
    problems: list[FieldProblem] = []
    account = str(account_no or "").strip()
    if not account:
        problems.append(FieldProblem("account_no", "an account number is required", row))
    clean_amount = _attempt(problems, "amount", row, lambda: parse_amount(amount))
    clean_channel = _attempt(problems, "channel", row, lambda: parse_channel(channel))
    clean_reference = _attempt(problems, "reference", row, lambda: parse_reference(reference))
    when = paid_at or today
    _attempt(problems, "paid_at", row, lambda: check_paid_at(when, today))
    bill = str(bill_no).strip() if bill_no is not None else ""
    if problems or clean_amount is None or clean_channel is None or clean_reference is None:
        return None, problems
    return PaymentInput(account, clean_amount, clean_channel, clean_reference, when,
                        bill or None), []

"""Who is cut off for unpaid bills, and how a field ticket may end.

The rule for one connection on a list date (`eligible`), written once here; the service's
set-based query (services/disconnection_query.py) states the same conditions in SQL and the
tests hold the two against each other.

- overdue amount: the balances of the connection's open bills whose due date is before the
  list date (a bill not yet due does not count towards a cut-off);
- days overdue: list date - the oldest such due date;
- listed when overdue amount >= the minimum (and above zero), days overdue >= the minimum
  (at least 1), the customer paid nothing in the grace window (a payment dated within the
  `grace_days` days ending on the list date, or later, may still be in transit from a bank),
  and, when the rule says so, the customer has no open billing complaint.

For fixed bills and payments the list only grows with the date: a later date has at least
as many overdue bills, more days overdue and the same payments further in the past.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from opsmanager_desktop.domain.errors import FieldProblem
from opsmanager_desktop.domain.money import CENT, ZERO, D

MAX_DAYS = 3650
MAX_MONEY = Decimal("1000000000")
REASON_MAX = 255


class ListStatus(StrEnum):
    DRAFT = "DRAFT"  # computed, may be looked at or thrown away
    APPROVED = "APPROVED"  # a supervisor signed it: tickets were made
    CANCELLED = "CANCELLED"  # a draft thrown away


class TicketKind(StrEnum):
    DISCONNECT = "DISCONNECT"
    RECONNECT = "RECONNECT"


class TicketStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class Outcome(StrEnum):
    DISCONNECTED = "DISCONNECTED"
    NOT_DISCONNECTED = "NOT_DISCONNECTED"
    RECONNECTED = "RECONNECTED"
    NOT_RECONNECTED = "NOT_RECONNECTED"


OUTCOMES: dict[TicketKind, tuple[Outcome, Outcome]] = {
    TicketKind.DISCONNECT: (Outcome.DISCONNECTED, Outcome.NOT_DISCONNECTED),
    TicketKind.RECONNECT: (Outcome.RECONNECTED, Outcome.NOT_RECONNECTED),
}

# what the field usually reports when the work was not done (offered by the GUI; any text
# is accepted)
COMMON_REASONS = ("customer paid on the spot", "access denied", "premises locked",
                  "meter not found", "unsafe to work", "customer disputes the bill")


@dataclass(frozen=True)
class Rules:
    min_outstanding: Decimal = Decimal("500.00")
    min_days_overdue: int = 30
    grace_days: int = 3
    exclude_open_complaints: bool = True
    reconnection_fee: Decimal = Decimal("250.00")

    def grace_start(self, on: date) -> date:
        """Payments dated on or after this day keep a customer off the list of `on`."""
        return on - timedelta(days=self.grace_days - 1) if self.grace_days > 0 \
            else date.max

    def due_cutoff(self, on: date) -> date:
        """The oldest overdue bill must be due on or before this day."""
        return on - timedelta(days=max(self.min_days_overdue, 1))


@dataclass(frozen=True)
class Facts:
    """One connection as the rule sees it on a list date."""

    overdue_amount: Decimal
    oldest_due: date | None  # of the open bills due before the list date
    last_payment: date | None  # the customer's newest payment not reversed
    open_complaint: bool = False


def days_overdue(oldest_due: date | None, on: date) -> int:
    return 0 if oldest_due is None else max((on - oldest_due).days, 0)


def exclusion(rules: Rules, facts: Facts, on: date) -> str | None:
    """Why the connection is not listed on `on`, or None when it is."""
    if facts.oldest_due is None or facts.overdue_amount <= ZERO:
        return "nothing overdue"
    if facts.overdue_amount < rules.min_outstanding:
        return f"owes less than {rules.min_outstanding}"
    if facts.oldest_due > rules.due_cutoff(on):
        return f"overdue for less than {max(rules.min_days_overdue, 1)} days"
    if facts.last_payment is not None and facts.last_payment >= rules.grace_start(on):
        return f"paid within the last {rules.grace_days} days"
    if rules.exclude_open_complaints and facts.open_complaint:
        return "has an open billing complaint"
    return None


def eligible(rules: Rules, facts: Facts, on: date) -> bool:
    return exclusion(rules, facts, on) is None


def parse_rules(*, min_outstanding: object, min_days_overdue: object, grace_days: object,
                exclude_open_complaints: object, reconnection_fee: object
                ) -> tuple[Rules | None, list[FieldProblem]]:
    problems: list[FieldProblem] = []
    minimum = _money("min_outstanding", min_outstanding, problems)
    fee = _money("reconnection_fee", reconnection_fee, problems)
    days = _days("min_days_overdue", min_days_overdue, problems, low=1)
    grace = _days("grace_days", grace_days, problems, low=0)
    if not isinstance(exclude_open_complaints, bool):
        problems.append(FieldProblem("exclude_open_complaints", "must be yes or no"))
    if problems or minimum is None or fee is None or days is None or grace is None:
        return None, problems
    return Rules(minimum, days, grace, bool(exclude_open_complaints), fee), []


def _money(field: str, value: object, problems: list[FieldProblem]) -> Decimal | None:
    try:
        amount = D(value)
    except ValueError as exc:
        problems.append(FieldProblem(field, str(exc)))
        return None
    if amount < ZERO:
        problems.append(FieldProblem(field, "must not be negative"))
    elif amount != amount.quantize(CENT):
        problems.append(FieldProblem(field, "may have at most 2 decimals"))
    elif amount > MAX_MONEY:
        problems.append(FieldProblem(field, f"must be at most {MAX_MONEY}"))
    else:
        return amount.quantize(CENT)
    return None


def _days(field: str, value: object, problems: list[FieldProblem], *, low: int) -> int | None:
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None:
        problems.append(FieldProblem(field, f"{value!r} is not a whole number of days"))
        return None
    if not low <= number <= MAX_DAYS:
        problems.append(FieldProblem(field, f"must be between {low} and {MAX_DAYS} days"))
        return None
    return number


def close_problems(kind: TicketKind, outcome: str, reason: str
                   ) -> tuple[Outcome | None, list[FieldProblem]]:
    """The outcome a ticket of this kind may close with; a 'not done' needs its reason."""
    done, not_done = OUTCOMES[kind]
    try:
        chosen = Outcome(outcome.strip().upper())
    except ValueError:
        chosen = None
    if chosen not in (done, not_done):
        return None, [FieldProblem("outcome", f"{outcome!r} is not an outcome of a {kind.value} "
                                              f"ticket; use {done.value} or {not_done.value}")]
    if chosen is not_done and not reason.strip():
        return None, [FieldProblem("reason", f"say why it was not done "
                                             f"(e.g. {COMMON_REASONS[1]})")]
    if len(reason.strip()) > REASON_MAX:
        return None, [FieldProblem("reason", f"may have at most {REASON_MAX} characters")]
    return chosen, []

"""The disconnection rule for one connection, and the outcomes a ticket may close with."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsmanager_desktop.domain.disconnection import (
    Facts,
    Outcome,
    Rules,
    TicketKind,
    close_problems,
    days_overdue,
    eligible,
    exclusion,
    parse_rules,
)

ON = date(2026, 3, 31)
RULES = Rules(Decimal("100.00"), 30, 3, True, Decimal("250.00"))


def _facts(amount: str = "500.00", days: int = 45, paid_days_ago: int | None = None,
           complaint: bool = False) -> Facts:
    return Facts(Decimal(amount), ON - timedelta(days=days),
                 None if paid_days_ago is None else ON - timedelta(days=paid_days_ago),
                 complaint)


@pytest.mark.parametrize(("facts", "why"), [
    (_facts(), None),
    (_facts("100.00"), None),
    (_facts("99.99"), "owes less than 100.00"),
    (_facts("0.00"), "nothing overdue"),
    (_facts(days=30), None),
    (_facts(days=29), "overdue for less than 30 days"),
    (_facts(paid_days_ago=2), "paid within the last 3 days"),
    (_facts(paid_days_ago=0), "paid within the last 3 days"),
    (_facts(paid_days_ago=-5), "paid within the last 3 days"),  # dated after the list
    (_facts(paid_days_ago=3), None),
    (_facts(complaint=True), "has an open billing complaint"),
    (Facts(Decimal("500.00"), None, None), "nothing overdue"),
])
def test_each_criterion(facts: Facts, why: str | None) -> None:
    assert exclusion(RULES, facts, ON) == why


def test_switches() -> None:
    assert eligible(Rules(Decimal("100.00"), 30, 3, False, Decimal("0")),
                    _facts(complaint=True), ON)
    assert eligible(Rules(Decimal("100.00"), 30, 0, True, Decimal("0")),
                    _facts(paid_days_ago=0), ON)
    assert days_overdue(ON - timedelta(days=7), ON) == 7
    assert days_overdue(None, ON) == 0


money = st.decimals(min_value=0, max_value=100000, places=2)
rules_st = st.builds(Rules, money, st.integers(1, 400), st.integers(0, 30), st.booleans(),
                     money)
facts_st = st.builds(Facts, money, st.one_of(st.none(), st.dates(date(2024, 1, 1), ON)),
                     st.one_of(st.none(), st.dates(date(2024, 1, 1), date(2026, 6, 1))),
                     st.booleans())


@settings(deadline=None)  # no timing: a busy machine is not a failure
@given(rules_st, facts_st, st.dates(date(2025, 1, 1), date(2026, 12, 31)))
def test_never_lists_below_the_minimum_or_too_recent(rules: Rules, facts: Facts,
                                                     on: date) -> None:
    if eligible(rules, facts, on):
        assert facts.overdue_amount >= rules.min_outstanding
        assert facts.overdue_amount > 0
        assert days_overdue(facts.oldest_due, on) >= rules.min_days_overdue
        assert not (rules.exclude_open_complaints and facts.open_complaint)
        if facts.last_payment is not None and rules.grace_days > 0:
            assert (on - facts.last_payment).days >= rules.grace_days


@settings(deadline=None)  # no timing: a busy machine is not a failure
@given(rules_st, facts_st, st.dates(date(2025, 1, 1), date(2026, 12, 31)),
       st.integers(0, 400))
def test_monotone_in_the_date(rules: Rules, facts: Facts, on: date, later: int) -> None:
    """With the same bills and payments, a connection listed on a day is listed later too."""
    if eligible(rules, facts, on):
        assert eligible(rules, facts, on + timedelta(days=later))


@settings(deadline=None)  # no timing: a busy machine is not a failure
@given(rules_st, facts_st, st.dates(date(2025, 1, 1), date(2026, 12, 31)), money)
def test_monotone_in_the_minimum(rules: Rules, facts: Facts, on: date, higher: Decimal) -> None:
    raised = Rules(rules.min_outstanding + higher, rules.min_days_overdue, rules.grace_days,
                   rules.exclude_open_complaints, rules.reconnection_fee)
    if eligible(raised, facts, on):
        assert eligible(rules, facts, on)


def test_parse_rules() -> None:
    rules, problems = parse_rules(min_outstanding="1,000.5", min_days_overdue="30",
                                  grace_days=0, exclude_open_complaints=False,
                                  reconnection_fee="0")
    assert problems == [] and rules == Rules(Decimal("1000.50"), 30, 0, False, Decimal("0.00"))
    rules, problems = parse_rules(min_outstanding=1.5, min_days_overdue=True, grace_days="x",
                                  exclude_open_complaints="yes", reconnection_fee="-1")
    assert rules is None
    assert {p.field for p in problems} == {"min_outstanding", "min_days_overdue",
                                           "grace_days", "exclude_open_complaints",
                                           "reconnection_fee"}


def test_close_outcomes() -> None:
    assert close_problems(TicketKind.DISCONNECT, "disconnected", "") == (
        Outcome.DISCONNECTED, [])
    assert close_problems(TicketKind.RECONNECT, " reconnected ", "") == (Outcome.RECONNECTED, [])
    for kind, outcome, reason, field in (
            (TicketKind.DISCONNECT, "RECONNECTED", "", "outcome"),
            (TicketKind.RECONNECT, "DISCONNECTED", "", "outcome"),
            (TicketKind.DISCONNECT, "gone", "", "outcome"),
            (TicketKind.DISCONNECT, "NOT_DISCONNECTED", "  ", "reason"),
            (TicketKind.RECONNECT, "NOT_RECONNECTED", "x" * 256, "reason")):
        chosen, problems = close_problems(kind, outcome, reason)
        assert chosen is None and [p.field for p in problems] == [field]

"""The bill lifecycle rules (domain, no database): the transitions that exist and no other,
and the adjustment rules."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsmanager_desktop.domain.bill_lifecycle import (
    BillStatus,
    check_adjustment,
    check_transition,
    is_overdue,
    status_after_money,
)
from opsmanager_desktop.domain.errors import Conflict, ValidationError

G, DUE, OVER, P = BillStatus.GENERATED, BillStatus.DUE, BillStatus.OVERDUE, BillStatus.PAID
ALLOWED = {(G, DUE), (DUE, OVER), (DUE, P), (OVER, P)}
BY_REVERSAL = {(P, DUE), (P, OVER)}

money = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=2)


@pytest.mark.parametrize("old,new", list(itertools.product(BillStatus, BillStatus)))
def test_only_the_designed_transitions_exist(old: BillStatus, new: BillStatus) -> None:
    if old == new or (old, new) in ALLOWED:
        check_transition(old, new)
    else:
        with pytest.raises(Conflict, match=f"a {old.value} bill cannot become {new.value}"):
            check_transition(old, new)
    if old == new or (old, new) in ALLOWED | BY_REVERSAL:
        check_transition(old, new, reversal=True)
    else:
        with pytest.raises(Conflict):
            check_transition(old, new, reversal=True)


@given(st.sampled_from(list(BillStatus)), money, st.integers(-40, 40))
def test_status_after_money_only_makes_allowed_moves(status: BillStatus, balance: Decimal,
                                                     days: int) -> None:
    today = date(2026, 3, 1)
    due = today + timedelta(days=days)
    new = status_after_money(status, balance, due, today)
    check_transition(status, new, reversal=True)
    if status is G:
        assert new is G  # money never issues a bill
    elif balance <= 0:
        assert new is P
    else:
        assert new is not P


@given(st.sampled_from(list(BillStatus)), money, st.integers(-40, 40))
def test_overdue_needs_due_past_and_a_balance(status: BillStatus, balance: Decimal,
                                               days: int) -> None:
    as_of = date(2026, 3, 1)
    due = as_of + timedelta(days=days)
    assert is_overdue(status, due, balance, as_of) == (
        status is DUE and days < 0 and balance > 0)


@given(st.sampled_from([G, DUE, OVER]),
       st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2),
       st.decimals(min_value=Decimal("-6000"), max_value=Decimal("6000"), places=2))
def test_adjustment_never_takes_a_balance_below_zero(status: BillStatus, balance: Decimal,
                                                     amount: Decimal) -> None:
    try:
        check_adjustment("B1", status, balance, amount)
    except ValidationError:
        assert amount == 0 or balance + amount < 0
    else:
        assert amount != 0 and balance + amount >= 0


def test_a_paid_bill_is_not_adjusted() -> None:
    with pytest.raises(Conflict, match="next bill"):
        check_adjustment("B1", P, Decimal("0"), Decimal("10"))

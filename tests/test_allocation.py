"""Allocation of a payment over open bills: order, credit, and the money invariant."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsmanager_desktop.domain.allocation import (
    CreditSource,
    OpenBill,
    allocate,
    draw_credit,
    oldest_first,
)
from opsmanager_desktop.domain.money import ZERO

cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
balances = st.integers(min_value=0, max_value=1_000_000).map(lambda c: Decimal(c) / 100)


@st.composite
def bill_sets(draw: st.DrawFn) -> list[OpenBill]:
    n = draw(st.integers(min_value=0, max_value=8))
    ids = draw(st.lists(st.integers(1, 1000), min_size=n, max_size=n, unique=True))
    return [OpenBill(i, draw(balances),
                     date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 400))))
            for i in ids]


def test_named_bill_first_then_oldest() -> None:
    bills = [OpenBill(3, Decimal("100.00"), date(2026, 3, 1)),
             OpenBill(1, Decimal("100.00"), date(2026, 1, 1)),
             OpenBill(2, Decimal("100.00"), date(2026, 1, 1))]
    plan = allocate(Decimal("250.00"), bills, named_bill_ids=[3])
    assert [(a.bill_id, a.amount) for a in plan.allocations] == [
        (3, Decimal("100.00")), (1, Decimal("100.00")), (2, Decimal("50.00"))]
    assert plan.credit == ZERO


def test_overpayment_becomes_credit() -> None:
    plan = allocate(Decimal("150.00"), [OpenBill(1, Decimal("100.00"), date(2026, 1, 1))])
    assert plan.applied == Decimal("100.00")
    assert plan.credit == Decimal("50.00")


def test_no_open_bills_all_credit() -> None:
    plan = allocate(Decimal("0.01"), [])
    assert plan.allocations == ()
    assert plan.credit == Decimal("0.01")


def test_named_bills_oldest_first_then_the_others_oldest_first() -> None:
    """A statement names several bills: they go first, oldest first among themselves."""
    bills = [OpenBill(1, Decimal("100.00"), date(2026, 1, 1)),
             OpenBill(4, Decimal("30.00"), date(2026, 2, 1)),
             OpenBill(3, Decimal("20.00"), date(2026, 2, 1)),
             OpenBill(2, Decimal("100.00"), date(2026, 3, 1))]
    plan = allocate(Decimal("160.00"), bills, named_bill_ids=(4, 3, 99))
    assert [(a.bill_id, a.amount) for a in plan.allocations] == [
        (3, Decimal("20.00")), (4, Decimal("30.00")), (1, Decimal("100.00")),
        (2, Decimal("10.00"))]


def test_named_bill_not_open_gets_nothing() -> None:
    plan = allocate(Decimal("10.00"), [OpenBill(1, Decimal("4.00"), date(2026, 1, 1))],
                    named_bill_ids=[99])
    assert [(a.bill_id, a.amount) for a in plan.allocations] == [(1, Decimal("4.00"))]
    assert plan.credit == Decimal("6.00")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("0.001")])
def test_bad_amounts_refused(amount: Decimal) -> None:
    with pytest.raises(ValueError):
        allocate(amount, [])


@given(cents, bill_sets(), st.booleans())
def test_nothing_lost_or_applied_twice(amount: Decimal, bills: list[OpenBill],
                                       name_one: bool) -> None:
    named = [bills[0].bill_id] if (name_one and bills) else []
    plan = allocate(amount, bills, named)
    assert plan.applied + plan.credit == amount
    assert plan.credit >= ZERO
    ids = [a.bill_id for a in plan.allocations]
    assert len(ids) == len(set(ids))
    by_id = {b.bill_id: b for b in bills}
    for a in plan.allocations:
        assert ZERO < a.amount <= by_id[a.bill_id].balance
    # credit is left only when every open bill is settled
    if plan.credit > ZERO:
        assert plan.applied == sum((b.balance for b in bills), ZERO)


@given(cents, bill_sets())
def test_order_is_named_then_oldest(amount: Decimal, bills: list[OpenBill]) -> None:
    plan = allocate(amount, bills)
    expected = [b.bill_id for b in oldest_first(bills) if b.balance > ZERO]
    got = [a.bill_id for a in plan.allocations]
    assert got == expected[:len(got)]
    # every bill before the last one touched is fully paid
    for a in plan.allocations[:-1]:
        assert a.amount == next(b.balance for b in bills if b.bill_id == a.bill_id)


@given(cents, bill_sets(), st.data())
def test_named_bills_are_paid_before_any_other(amount: Decimal, bills: list[OpenBill],
                                               data: st.DataObject) -> None:
    named = set(data.draw(st.lists(st.sampled_from([b.bill_id for b in bills] or [0]))))
    plan = allocate(amount, bills, named)
    got = [a.bill_id for a in plan.allocations]
    expected = [b.bill_id for b in oldest_first(bills) if b.balance > ZERO]
    expected = [i for i in expected if i in named] + [i for i in expected if i not in named]
    assert got == expected[:len(got)]
    assert plan.applied + plan.credit == amount


def test_draw_credit_oldest_first() -> None:
    sources = [CreditSource(5, Decimal("30.00")), CreditSource(7, Decimal("50.00"))]
    draws = draw_credit(sources, Decimal("60.00"))
    assert [(d.payment_id, d.amount) for d in draws] == [(5, Decimal("30.00")),
                                                          (7, Decimal("30.00"))]


@given(st.lists(balances, max_size=6), balances)
def test_draw_credit_never_more_than_available_or_needed(remaining: list[Decimal],
                                                         needed: Decimal) -> None:
    sources = [CreditSource(i, r) for i, r in enumerate(remaining)]
    draws = draw_credit(sources, needed)
    total = sum((d.amount for d in draws), ZERO)
    assert total == min(needed, sum(remaining, ZERO))
    for d in draws:
        assert ZERO < d.amount <= remaining[d.payment_id]

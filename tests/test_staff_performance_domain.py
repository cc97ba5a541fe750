"""The staff performance rules alone: approval rate, sums, the score and the ranking
(a permutation, independent of input order, never ranking someone better on every figure
below another)."""

from __future__ import annotations

from dataclasses import fields, replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsmanager_desktop.domain.staff_performance import SCORED, Metrics, rank, ratio, total

FIELDS = [f.name for f in fields(Metrics)]


def test_approval_rate() -> None:
    assert Metrics(readings=5, readings_approved=2, readings_rejected=1).approval_rate == \
        Decimal("0.6667")
    assert Metrics(readings=3).approval_rate is None  # none decided: no rate, no error
    assert Metrics(readings=1, readings_rejected=1).approval_rate == Decimal("0.0000")
    assert ratio(1, 8) == Decimal("0.1250") and ratio(1, 0) is None


def test_sums_and_derived() -> None:
    a = Metrics(readings=2, readings_approved=1, complaints_on_time=1, tickets_on_time=2,
                tickets_late=1, disconnections=1)
    b = Metrics(readings=1, readings_rejected=1, complaints_late=2, reconnections=3)
    s = total([a, b])
    assert s == a + b
    assert (s.readings, s.readings_decided, s.approval_rate) == (3, 2, Decimal("0.5000"))
    assert (s.closed_on_time, s.closed_late, s.executed) == (3, 3, 4)
    assert total([]) == Metrics()


def test_score_and_ties() -> None:
    ranked = rank([("b", Metrics(readings=2)), ("a", Metrics(readings=2)),
                   ("c", Metrics(readings=1, readings_approved=1)), ("d", Metrics())])
    # c: half the best readings + the best rate = 1.5/7; a and b: 1/7, tied, a first
    assert [(r.key, r.rank, r.score) for r in ranked] == [
        ("c", 1, Decimal("21.43")), ("a", 2, Decimal("14.29")), ("b", 3, Decimal("14.29")),
        ("d", 4, Decimal("0.00"))]
    top = rank([("x", Metrics(readings=3, readings_approved=3, bills_distributed=1,
                              enumerations_approved=1, evaluations_approved=1,
                              complaints_on_time=1, reconnections=1))])
    assert top[0].score == Decimal("100.00") and len(SCORED) == 7
    assert rank([]) == []
    with pytest.raises(ValueError):
        rank([("a", Metrics()), ("a", Metrics())])


small = st.integers(min_value=0, max_value=40)
metrics = st.builds(Metrics, **{name: small for name in FIELDS})
tables = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=4), metrics, max_size=12)


@given(tables, st.randoms(use_true_random=False))
def test_ranking_is_a_permutation_independent_of_order(table: dict[str, Metrics],
                                                       rnd: object) -> None:
    items = list(table.items())
    ranked = rank(items)
    assert sorted(r.key for r in ranked) == sorted(table)
    assert [r.rank for r in ranked] == list(range(1, len(table) + 1))
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert rank(shuffled) == ranked
    assert all(Decimal(0) <= r.score <= Decimal(100) for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


# figures that only ever raise a scored value (a rejected reading lowers the rate: left out)
RAISING = [f for f in FIELDS if f != "readings_rejected"]
# the counts scored directly: more of one is strictly better
DIRECT = ["readings", "bills_distributed", "enumerations_approved", "evaluations_approved",
          "complaints_on_time", "tickets_on_time", "disconnections", "reconnections"]


@given(tables, metrics, st.lists(st.sampled_from(RAISING), min_size=1, max_size=4),
       st.integers(min_value=1, max_value=10))
def test_better_on_every_figure_never_ranks_lower(table: dict[str, Metrics], base: Metrics,
                                                  raised: list[str], more: int) -> None:
    """`zz` is `aa` with more of some figures: at least as good on every scored figure.
    It never scores less; it may follow `aa` (key order) only on an exact tie, and when a
    directly scored count went up it is strictly ahead."""
    better = replace(base, **{f: getattr(base, f) + more for f in raised})
    table = {k: v for k, v in table.items() if k not in ("aa", "zz")}
    ranked = rank([*table.items(), ("zz", better), ("aa", base)])
    place = {r.key: r.rank for r in ranked}
    score = {r.key: r.score for r in ranked}
    assert score["zz"] >= score["aa"]
    if set(raised) & set(DIRECT):
        assert place["zz"] < place["aa"]
    elif place["zz"] > place["aa"]:
        assert score["zz"] == score["aa"]

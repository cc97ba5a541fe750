"""Staff performance: the figures of one person (or team) for a period, and the ranking.

The score is kept simple enough to explain on one line: for each scored figure, a person's
value divided by the best value anyone in the table reached (so the best gets 1, nobody
doing it gives everyone 0), averaged over the scored figures and shown out of 100.
Only figures where more is better are scored: readings taken, their approval rate, bills
distributed, approved enumerations, approved evaluations, complaints and tickets closed on
time, and disconnections plus reconnections executed. Late closures are shown, not scored
(a late case still got done, and a penalty would punish the people given the hard ones).

The score is computed exactly (fractions) and only rounded for display, so someone at
least as good on every scored figure never scores less than another (and ranks ahead when
better on a scored count), and equal people tie exactly; ties are broken by the key
(username or team code), so the ranking does not depend on the order rows arrive in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

RATE_QUANTUM = Decimal("0.0001")
SCORE_QUANTUM = Decimal("0.01")


@dataclass(frozen=True)
class Metrics:
    """What one person (or a team: the sum of its members) did in a period."""

    readings: int = 0               # meter readings credited to them, by reading date
    readings_approved: int = 0
    readings_rejected: int = 0
    bills_distributed: int = 0      # bills handed over or e-mailed by them
    enumerations: int = 0           # recorded by them
    enumerations_approved: int = 0
    evaluations: int = 0
    evaluations_approved: int = 0
    complaints_on_time: int = 0     # resolved/closed no later than due
    complaints_late: int = 0
    tickets_on_time: int = 0        # support tickets, likewise
    tickets_late: int = 0
    disconnections: int = 0         # executed successfully
    reconnections: int = 0

    def __add__(self, other: Metrics) -> Metrics:
        return Metrics(*(getattr(self, f.name) + getattr(other, f.name)
                         for f in fields(Metrics)))

    @property
    def readings_decided(self) -> int:
        return self.readings_approved + self.readings_rejected

    @property
    def approval_rate(self) -> Decimal | None:
        """Approved / decided (approved + rejected), 4 decimals; None when none decided
        (still awaiting a supervisor, or no readings): not a zero rate."""
        return ratio(self.readings_approved, self.readings_decided)

    @property
    def closed_on_time(self) -> int:
        return self.complaints_on_time + self.tickets_on_time

    @property
    def closed_late(self) -> int:
        return self.complaints_late + self.tickets_late

    @property
    def executed(self) -> int:
        return self.disconnections + self.reconnections


def ratio(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def total(items: Iterable[Metrics]) -> Metrics:
    result = Metrics()
    for m in items:
        result = result + m
    return result


def _exact_rate(m: Metrics) -> Fraction:
    # an undecided rate scores as nothing (0), never as a division by zero
    decided = m.readings_decided
    return Fraction(m.readings_approved, decided) if decided else Fraction(0)


# (name, value): the figures the score averages, all "more is better"
SCORED: tuple[tuple[str, Callable[[Metrics], Fraction]], ...] = (
    ("readings", lambda m: Fraction(m.readings)),
    ("approval rate", _exact_rate),
    ("bills distributed", lambda m: Fraction(m.bills_distributed)),
    ("enumerations approved", lambda m: Fraction(m.enumerations_approved)),
    ("evaluations approved", lambda m: Fraction(m.evaluations_approved)),
    ("closed on time", lambda m: Fraction(m.closed_on_time)),
    ("disconnections and reconnections", lambda m: Fraction(m.executed)),
)


@dataclass(frozen=True)
class Ranked:
    rank: int           # 1 = best; every row has its own place (ties broken by key)
    key: str            # username or team code
    metrics: Metrics
    score: Decimal      # 0-100, 2 decimals (display); the order uses the exact value


def exact_scores(metrics: Sequence[Metrics]) -> list[Fraction]:
    best = [max((value(m) for m in metrics), default=Fraction(0)) for _n, value in SCORED]
    scores = []
    for m in metrics:
        parts = [value(m) / top for (_n, value), top in zip(SCORED, best, strict=True)
                 if top > 0]
        scores.append(sum(parts, Fraction(0)) * 100 / len(SCORED))
    return scores


def _display(score: Fraction) -> Decimal:
    return (Decimal(score.numerator) / Decimal(score.denominator)).quantize(
        SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def rank(entries: Iterable[tuple[str, Metrics]]) -> list[Ranked]:
    """The entries best first: by score (high first), then by key. Keys must be unique."""
    items = list(entries)
    keys = [k for k, _m in items]
    if len(set(keys)) != len(keys):
        raise ValueError("each key may appear once")
    scores = exact_scores([m for _k, m in items])
    order = sorted(range(len(items)), key=lambda i: (-scores[i], items[i][0]))
    return [Ranked(place, items[i][0], items[i][1], _display(scores[i]))
            for place, i in enumerate(order, start=1)]

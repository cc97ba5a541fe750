"""Meter reading rules: units on entry, meter replacement, plausibility flags, estimation and
the true-up after estimates (docs/design.md 3, "Meter readings").

The state of a connection's meter before its next reading is a `MeterPosition`:

- `last_read`: the last value actually read off the meter now fitted (or its initial
  reading). The meter cannot run backwards, so a new reading below it is refused.
- `billed_to`: the register value up to which units have been billed. It equals
  `last_read` until estimates bill units the meter has not been seen to record; then it
  runs ahead of `last_read` by the estimated units not yet absorbed ("carried").

True-up rule (the first actual reading after estimated ones):
    units = current - billed_to, so units already billed by the estimates are not billed
    again. When the actual reading is below `billed_to` (the estimates overshot), the
    reading bills 0 units and the overshoot, billed_to - current, is carried: the following
    readings count from `billed_to` until the meter catches up. No credit is given back in
    money; the customer simply pays for no units until the meter has passed what was
    already billed. A reading below `last_read` (the meter went backwards) is refused.

Meter replacement: the old meter's units (old final - old previous, where "old previous"
is the old meter's `billed_to`) are added to the next reading of the new meter, which
counts from the new meter's initial reading:
    units = (old final - old previous) + (new current - new initial)
and the same carry rule applies to the sum.

Estimation: the average units of the last 3 APPROVED actual (not estimated) readings,
rounded half-up to 3 decimals. Estimates never feed later estimates or the HIGH flag, so a
long run of estimates cannot drift away from what the meter really showed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from opsmanager_desktop.domain.errors import FieldProblem, ValidationError
from opsmanager_desktop.domain.money import ZERO, has_at_most_places, round_units

HISTORY_SIZE = 3
HIGH_FACTOR = 3
# a cycle's readings may be taken up to this many days after its last day (meter readers
# finish a month's round in the first days of the next one)
READ_GRACE_DAYS = 5
UNIT_PLACES = 3
MAX_READING = Decimal("99999999999.999")  # DECIMAL(14,3)


class ReadingSource(StrEnum):
    MANUAL = "MANUAL"
    IMPORT = "IMPORT"
    AMR = "AMR"
    ESTIMATED = "ESTIMATED"


class ReadingStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class Flag(StrEnum):
    HIGH = "HIGH"
    ZERO = "ZERO"


@dataclass(frozen=True)
class MeterPosition:
    last_read: Decimal
    billed_to: Decimal

    @classmethod
    def fresh(cls, initial: Decimal) -> MeterPosition:
        """A meter just fitted (or a connection never read): both at its initial reading."""
        return cls(initial, initial)

    @property
    def carried(self) -> Decimal:
        """Estimated units billed ahead of the meter, still to be absorbed."""
        return self.billed_to - self.last_read


@dataclass(frozen=True)
class Replacement:
    old_previous: Decimal  # the old meter's billed_to when it was taken out
    old_final: Decimal
    new_initial: Decimal

    @property
    def old_units(self) -> Decimal:
        return self.old_final - self.old_previous


@dataclass(frozen=True)
class ReadingUnits:
    """What a reading row stores: `previous` is the value it counts from (the position it
    was billed to), `carried` the estimated units still ahead of the meter after it."""

    previous: Decimal
    current: Decimal
    units: Decimal
    carried: Decimal
    is_estimated: bool = False

    def position_after(self) -> MeterPosition:
        return position_after(self.current, self.carried, self.is_estimated)


def position_after(current: Decimal, carried: Decimal, is_estimated: bool) -> MeterPosition:
    """The meter position a stored reading leaves behind.

    An estimated row's `current` is the estimated register value (previous + estimate), so
    it is where billing stands and the meter was last seen `carried` units below it; an
    actual row's `current` was read off the meter and billing stands `carried` above it.
    """
    if is_estimated:
        return MeterPosition(current - carried, current)
    return MeterPosition(current, current + carried)


def reading_value_problem(value: Decimal) -> str | None:
    """Why a meter value cannot be stored, or None."""
    if value < 0:
        return "must not be negative"
    if not has_at_most_places(value, UNIT_PLACES):
        return f"has more than {UNIT_PLACES} decimal places"
    if value > MAX_READING:
        return f"is too large (at most {MAX_READING})"
    return None


def actual_reading(position: MeterPosition, current: Decimal,
                   replacements: Sequence[Replacement] = ()) -> ReadingUnits:
    """Units of a reading taken off the meter. `position` is the position of the meter the
    reading was taken from (after a replacement: the new meter, fresh at its initial
    reading); `replacements` are the meter changes since the previous reading.

    Raises ValidationError (field "reading") when the meter would have run backwards.
    """
    problem = reading_value_problem(current)
    if problem is not None:
        raise ValidationError([FieldProblem("reading", f"{_fmt(current)} {problem}")])
    if current < position.last_read:
        what = "the new meter's initial reading" if replacements else "the previous reading"
        raise ValidationError([FieldProblem(
            "reading", f"current reading {_fmt(current)} is below {what} "
            f"{_fmt(position.last_read)}; a meter cannot run backwards (check the value, or "
            "record a meter replacement first)")])
    raw = sum((r.old_units for r in replacements), ZERO) + (current - position.billed_to)
    units = max(raw, ZERO)
    return ReadingUnits(position.billed_to, current, units, units - raw)


def estimate_units(recent_units: Sequence[Decimal]) -> Decimal | None:
    """Average units of the last 3 approved actual readings (newest first), rounded half-up
    to 3 decimals; None when there is no history to estimate from."""
    history = list(recent_units)[:HISTORY_SIZE]
    if not history:
        return None
    return round_units(sum(history, ZERO) / len(history))


def estimated_reading(position: MeterPosition, units: Decimal) -> ReadingUnits:
    """An estimated reading: the register is advanced by the estimate, which is carried
    until an actual reading absorbs it."""
    return ReadingUnits(position.billed_to, position.billed_to + units, units,
                        position.carried + units, is_estimated=True)


def plausibility_flags(units: Decimal, recent_units: Sequence[Decimal]) -> tuple[Flag, ...]:
    """Flags that mark a reading for review without blocking it.

    HIGH: units above 3 x the average of the last 3 approved actual readings (any units
    above a zero average count). ZERO: no consumption. The comparison is exact
    (units x n > 3 x sum), no rounding of the average is involved.
    """
    flags: list[Flag] = []
    history = list(recent_units)[:HISTORY_SIZE]
    if history and units * len(history) > HIGH_FACTOR * sum(history, ZERO):
        flags.append(Flag.HIGH)
    if units == ZERO:
        flags.append(Flag.ZERO)
    return tuple(flags)


def format_flags(flags: Sequence[Flag]) -> str:
    return ",".join(f.value for f in flags)


def parse_flags(text: str) -> tuple[Flag, ...]:
    return tuple(Flag(part) for part in text.split(",") if part)


def read_date_problem(read_at: date, cycle_start: date, cycle_end: date,
                      today: date) -> str | None:
    """A cycle's readings are taken within its month or up to READ_GRACE_DAYS days after
    its last day, and never in the future."""
    latest = cycle_end + timedelta(days=READ_GRACE_DAYS)
    if read_at > today:
        return f"{read_at.isoformat()} is in the future"
    if read_at < cycle_start or read_at > latest:
        return (f"{read_at.isoformat()} is outside the cycle: readings of this cycle must be "
                f"taken between {cycle_start.isoformat()} and {latest.isoformat()}")
    return None


def before_connection_problem(meter: str, connected_on: date | None, read_at: date,
                              cycle_end: date) -> str | None:
    """A connection exists from its `connected_on` date (None: from before the records
    began), so a reading dated before that day, or for a cycle that ended before it, is not
    a reading of this connection. The billing run's missing-readings list asks for readings
    of the connections connected by the cycle's last day: the same rule, so every reading
    it asks for is one this accepts."""
    if connected_on is None:
        return None
    if read_at < connected_on:
        return (f"meter {meter} is connected from {connected_on.isoformat()}; a reading dated "
                f"{read_at.isoformat()} is before that")
    if connected_on > cycle_end:
        return (f"meter {meter} is connected from {connected_on.isoformat()}, after this "
                f"cycle's last day {cycle_end.isoformat()}; its first reading belongs to a "
                "later cycle")
    return None


def _fmt(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

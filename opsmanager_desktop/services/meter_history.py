"""Where each connection's meter stands, fetched in bulk: one query for a whole chunk of
connections gives each one's latest reading, the units of its last 3 approved actual
readings and the meter changes not yet read (the inputs of domain/readings.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import BillingCycle, MeterReading, MeterReplacement
from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.errors import Conflict, ValidationError
from opsmanager_desktop.domain.readings import (
    HISTORY_SIZE,
    Flag,
    MeterPosition,
    ReadingSource,
    ReadingStatus,
    ReadingUnits,
    Replacement,
    actual_reading,
    format_flags,
    plausibility_flags,
    position_after,
)
from opsmanager_desktop.services.cycles import cycle_by_period


@dataclass(frozen=True)
class MeterHistory:
    position: MeterPosition
    latest_period: str | None  # cycle of the latest reading that is not rejected
    latest_status: str | None
    recent_units: tuple[Decimal, ...]  # last approved actual readings before the cycle
    replacements: tuple[Replacement, ...]  # meter changes since the latest reading
    replacement_ids: tuple[int, ...]
    replaced_on: date | None  # of the last of those changes


@dataclass(frozen=True)
class Computed:
    units: ReadingUnits
    flags: tuple[Flag, ...]


def load_histories(session: Session, initial_readings: Mapping[int, Decimal],
                   period: str | None = None) -> dict[int, MeterHistory]:
    """The history of each connection (id -> its initial reading) as seen from the cycle
    `period`: readings of that cycle itself are left out and only earlier ones count for
    the average. `period=None`: as of now, every reading counts."""
    ids = list(initial_readings)
    if not ids:
        return {}
    r, c = MeterReading, BillingCycle
    countable = and_(r.status == ReadingStatus.APPROVED.value, r.is_estimated.is_(False))
    if period is not None:
        countable = and_(countable, c.period < period)
    kind = case((countable, 1), else_=0)
    stmt = (
        select(r.connection_id, r.current_reading, r.units, r.carried_units, r.is_estimated,
               r.status, c.period, kind.label("kind"),
               func.row_number().over(partition_by=r.connection_id,
                                      order_by=c.period.desc()).label("rn_all"),
               func.row_number().over(partition_by=[r.connection_id, kind],
                                      order_by=c.period.desc()).label("rn_kind"))
        .join(c, c.id == r.cycle_id)
        .where(r.connection_id.in_(ids), r.status != ReadingStatus.REJECTED.value))
    if period is not None:
        stmt = stmt.where(c.period != period)
    ranked = stmt.subquery()
    rows = session.execute(select(ranked).where(or_(
        ranked.c.rn_all == 1, and_(ranked.c.kind == 1, ranked.c.rn_kind <= HISTORY_SIZE)))
        .order_by(ranked.c.connection_id, ranked.c.period.desc())).all()
    latest: dict[int, tuple[MeterPosition, str, str]] = {}
    recent: dict[int, list[Decimal]] = {}
    for row in rows:
        if row.rn_all == 1:
            latest[row.connection_id] = (
                position_after(row.current_reading, row.carried_units, bool(row.is_estimated)),
                row.period, row.status)
        if row.kind == 1 and row.rn_kind <= HISTORY_SIZE:
            recent.setdefault(row.connection_id, []).append(row.units)
    pending: dict[int, list[MeterReplacement]] = {}
    for rep in session.scalars(select(MeterReplacement).where(
            MeterReplacement.connection_id.in_(ids), MeterReplacement.reading_id.is_(None))
            .order_by(MeterReplacement.id)):
        pending.setdefault(rep.connection_id, []).append(rep)
    result = {}
    for cid, initial in initial_readings.items():
        reps = pending.get(cid, [])
        last = latest.get(cid)
        if reps:
            position = MeterPosition.fresh(reps[-1].new_initial_reading)
        elif last is not None:
            position = last[0]
        else:
            position = MeterPosition.fresh(initial)
        result[cid] = MeterHistory(
            position, last[1] if last else None, last[2] if last else None,
            tuple(recent.get(cid, ())),
            tuple(Replacement(x.old_previous_reading, x.old_final_reading,
                              x.new_initial_reading) for x in reps),
            tuple(x.id for x in reps), reps[-1].replaced_on if reps else None)
    return result


def later_reading_problem(history: MeterHistory, period: str) -> str | None:
    if history.latest_period is not None and history.latest_period > period:
        return (f"this meter already has a reading for the later cycle "
                f"{history.latest_period}; readings are entered in cycle order")
    return None


def compute(history: MeterHistory, current: Decimal, read_at: date) -> Computed | str:
    """The reading's units and flags, or why it is refused (for the `reading` field)."""
    if history.replaced_on is not None and read_at < history.replaced_on:
        return (f"the meter was replaced on {history.replaced_on.isoformat()}; a reading taken "
                f"on {read_at.isoformat()} is of the old meter (its final reading belongs to "
                "the replacement)")
    try:
        units = actual_reading(history.position, current, history.replacements)
    except ValidationError as exc:
        return exc.problems[0].reason
    return Computed(units, plausibility_flags(units.units, history.recent_units))


def open_cycle(session: Session, period: str) -> BillingCycle:
    """The cycle readings are entered for: it must exist and be open."""
    cycle = cycle_by_period(session, period)
    if cycle.status != CycleStatus.OPEN.value:
        raise Conflict(f"billing cycle {cycle.period} is closed; it takes no more readings")
    return cycle


def reading_values(*, connection_id: int, cycle_id: int, meter: str, units: ReadingUnits,
                   flags: tuple[Flag, ...], read_at: date, source: ReadingSource,
                   username: str, now: datetime, reader: str = "",
                   photo_name: str | None = None, approved: bool = False) -> dict[str, Any]:
    """Every column of a new meter_readings row, for bulk inserts and single entries."""
    return {
        "connection_id": connection_id, "cycle_id": cycle_id, "meter_number": meter,
        "previous_reading": units.previous, "current_reading": units.current,
        "units": units.units, "carried_units": units.carried, "read_at": read_at,
        "source": source.value,
        "status": (ReadingStatus.APPROVED if approved else ReadingStatus.SUBMITTED).value,
        "reject_reason": None, "flags": format_flags(flags), "reader": reader,
        "photo_path": photo_name, "is_estimated": units.is_estimated, "entered_by": username,
        "entered_at": now, "decided_by": username if approved else None,
        "decided_at": now if approved else None,
    }

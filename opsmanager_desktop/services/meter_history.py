"""Where each connection's meter stands, fetched in bulk: one query for a whole chunk of
connections gives each one's latest reading, the units of its last 3 approved actual
readings and the meter changes not yet read (the inputs of domain/readings.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, case, func, or_, select
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
from opsmanager_desktop.services.imports import batched


@dataclass(frozen=True)
class MeterHistory:
    position: MeterPosition
    latest_period: str | None  # cycle of the latest reading that is not rejected
    recent_units: tuple[Decimal, ...]  # last approved actual readings before the cycle
    replacements: tuple[Replacement, ...]  # meter changes since the latest reading
    replacement_ids: tuple[int, ...]
    replaced_on: date | None  # of the last of those changes


@dataclass(frozen=True)
class Computed:
    units: ReadingUnits
    flags: tuple[Flag, ...]


def replaced_connections(session: Session) -> set[int]:
    """Connections with a meter change waiting for its first reading (few at any time)."""
    return set(session.scalars(select(MeterReplacement.connection_id).where(
        MeterReplacement.reading_id.is_(None))))


def load_histories(session: Session, initial_readings: Mapping[int, Decimal],
                   period: str | None = None, *,
                   replaced: Collection[int] | None = None) -> dict[int, MeterHistory]:
    """The history of each connection (id -> its initial reading) as seen from the cycle
    `period`: readings of that cycle itself are left out and only earlier ones count for
    the average. `period=None`: as of now, every reading counts. `replaced`: the result of
    replaced_connections(), when the caller loads many chunks (saves a query per chunk)."""
    ids = list(initial_readings)
    if not ids:
        return {}
    latest: dict[int, tuple[MeterPosition, str]] = {}
    recent: dict[int, list[Decimal]] = {}
    pending: dict[int, list[MeterReplacement]] = {}
    core = session.connection()  # plain rows: no ORM result processing for big chunks
    ranked = _ranked(period)
    for part in batched(ids):
        for cid, current, units, carried, estimated, cycle, is_latest, is_recent \
                in core.execute(ranked, {"ids": part}).all():
            if is_latest:
                latest[cid] = (position_after(current, carried, bool(estimated)), cycle)
            if is_recent:
                recent.setdefault(cid, []).append(units)
        waiting = part if replaced is None else [c for c in part if c in replaced]
        if waiting:
            for rep in session.scalars(select(MeterReplacement).where(
                    MeterReplacement.connection_id.in_(waiting),
                    MeterReplacement.reading_id.is_(None)).order_by(MeterReplacement.id)):
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
            position, last[1] if last else None, tuple(recent.get(cid, ())),
            tuple(Replacement(x.old_previous_reading, x.old_final_reading,
                              x.new_initial_reading) for x in reps),
            tuple(x.id for x in reps), reps[-1].replaced_on if reps else None)
    return result


BY_CONNECTION = "FORCE INDEX (uq_meter_readings_connection_id_cycle_id)"


_S = TypeVar("_S", bound="Select[*tuple[Any, ...]]")


def by_connection(stmt: _S) -> _S:
    """Read meter_readings through its (connection, cycle) key. Given `connection_id IN
    (...) AND cycle_id = ?`, MariaDB prefers the (cycle, status) index and scans the whole
    cycle for every chunk, which makes an import of a big cycle quadratic."""
    return stmt.with_hint(MeterReading, BY_CONNECTION, "mysql") \
        .with_hint(MeterReading, BY_CONNECTION, "mariadb")


@lru_cache(maxsize=16)
def _ranked(period: str | None) -> Select[Any]:
    """Per connection (the `ids` parameter): its latest reading and its last 3 approved
    actual readings, newest first, flagged (is_latest, is_recent), read through the
    (connection, cycle) index. Built once per period: building and caching the statement
    again for each 900 ids cost more than running it."""
    r, c = MeterReading, BillingCycle
    countable = and_(r.status == ReadingStatus.APPROVED.value, r.is_estimated.is_(False))
    if period is not None:
        countable = and_(countable, c.period < period)
    kind = case((countable, 1), else_=0)
    stmt = (
        select(r.connection_id, r.current_reading, r.units, r.carried_units, r.is_estimated,
               c.period, kind.label("kind"),
               func.row_number().over(partition_by=r.connection_id,
                                      order_by=c.period.desc()).label("rn_all"),
               func.row_number().over(partition_by=[r.connection_id, kind],
                                      order_by=c.period.desc()).label("rn_kind"))
        .join(c, c.id == r.cycle_id)
        .where(r.connection_id.in_(bindparam("ids", expanding=True)),
               r.status != ReadingStatus.REJECTED.value))
    stmt = by_connection(stmt)
    if period is not None:
        stmt = stmt.where(c.period != period)
    ranked = stmt.subquery()
    latest = ranked.c.rn_all == 1
    recent = and_(ranked.c.kind == 1, ranked.c.rn_kind <= HISTORY_SIZE)
    return select(ranked.c.connection_id, ranked.c.current_reading, ranked.c.units,
                  ranked.c.carried_units, ranked.c.is_estimated, ranked.c.period,
                  case((latest, 1), else_=0), case((recent, 1), else_=0)) \
        .where(or_(latest, recent)).order_by(ranked.c.connection_id, ranked.c.period.desc())


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

"""Where each connection's meter stands, fetched in bulk: one query for a whole chunk of
connections gives each one's latest reading and the units of its last 3 approved actual
readings as one row (history_summary), a second the meter changes not yet read (the inputs
of domain/readings.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    ColumnElement,
    Label,
    Row,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    select,
)
from sqlalchemy import Connection as DbConnection
from sqlalchemy.orm import Session

from opsmanager_desktop.db.bulk import InQuery
from opsmanager_desktop.db.models import BillingCycle, Connection, MeterReading, MeterReplacement
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


class MeterHistory(NamedTuple):  # NamedTuples: made a million times in an import
    position: MeterPosition
    latest_period: str | None  # cycle of the latest reading that is not rejected
    recent_units: tuple[Decimal, ...]  # last approved actual readings before the cycle
    replacements: tuple[Replacement, ...]  # meter changes since the latest reading
    replacement_ids: tuple[int, ...]
    replaced_on: date | None  # of the last of those changes


class Computed(NamedTuple):
    units: ReadingUnits
    flags: tuple[Flag, ...]


def replaced_connections(session: Session) -> set[int]:
    """Connections with a meter change waiting for its first reading (few at any time)."""
    return set(session.scalars(select(MeterReplacement.connection_id).where(
        MeterReplacement.reading_id.is_(None))))


def load_histories(session: Session | DbConnection, initial_readings: Mapping[int, Decimal],
                   period: str | None = None, *,
                   replaced: Collection[int] | None = None) -> dict[int, MeterHistory]:
    """The history of each connection (id -> its initial reading) as seen from the cycle
    `period`: readings of that cycle itself are left out and only earlier ones count for
    the average. `period=None`: as of now, every reading counts. `replaced`: the result of
    replaced_connections(), when the caller loads many chunks (saves a query per chunk)."""
    ids = list(initial_readings)
    if not ids:
        return {}
    if isinstance(session, Session):
        session.flush()  # a meter change added in this transaction counts (no autoflush here)
    conn = session.connection() if isinstance(session, Session) else session
    summaries: dict[int, tuple[Any, ...]] = {}
    window = recent_cycles(conn, period)
    query = _by_ids(period, window)
    for part in batched(ids):
        summaries.update((row[0], row[1:]) for row in query.rows(conn, part))
    if window is not None:
        complete_summaries(conn, period, summaries, ids)
    pending = pending_replacements(conn, ids, replaced)
    return {cid: meter_history(initial, summaries.get(cid), pending.get(cid, ()))
            for cid, initial in initial_readings.items()}


def pending_replacements(conn: DbConnection, ids: Collection[int],
                         replaced: Collection[int] | None = None) \
        -> dict[int, list[Row[Any]]]:
    """The meter changes of these connections still waiting for their first reading, oldest
    first. `replaced`: replaced_connections(), to ask only about those."""
    waiting = list(ids) if replaced is None else [c for c in ids if c in replaced]
    pending: dict[int, list[Any]] = {}
    m = MeterReplacement
    for part in batched(waiting):
        for row in conn.execute(select(
                m.id, m.connection_id, m.old_previous_reading, m.old_final_reading,
                m.new_initial_reading, m.replaced_on).where(
                m.connection_id.in_(part), m.reading_id.is_(None)).order_by(m.id)):
            pending.setdefault(row.connection_id, []).append(row)
    return pending


def meter_history(initial: Decimal, summary: Sequence[Any] | None,
                  pending: Sequence[Row[Any]]) -> MeterHistory:
    """A connection's MeterHistory from its initial reading, its row of history_summary()
    without the connection id (None: never read) and its pending meter changes."""
    latest_period = recent = None
    if summary is not None:
        current, carried, estimated, latest_period, *units = summary
        recent = tuple(u for u in units if u is not None)
    if pending:
        position = MeterPosition.fresh(pending[-1].new_initial_reading)
    elif latest_period is not None:
        position = position_after(current, carried, bool(estimated))
    else:
        position = MeterPosition.fresh(initial)
    return MeterHistory(
        position, latest_period, recent or (),
        tuple(Replacement(x.old_previous_reading, x.old_final_reading,
                          x.new_initial_reading) for x in pending),
        tuple(x.id for x in pending), pending[-1].replaced_on if pending else None)


BY_CONNECTION = "FORCE INDEX (uq_meter_readings_connection_id_cycle_id)"
RECENT_CYCLES = HISTORY_SIZE + 1  # the latest reading and the last HISTORY_SIZE approved


_S = TypeVar("_S", bound="Select[*tuple[Any, ...]]")


def by_connection(stmt: _S, readings: Any = MeterReading) -> _S:
    """Read meter_readings (or its alias `readings`) through its (connection, cycle) key.
    Given `connection_id IN (...) AND cycle_id = ?`, MariaDB prefers the (cycle, status)
    index and scans the whole cycle for every chunk, which makes an import of a big cycle
    quadratic."""
    return stmt.with_hint(readings, BY_CONNECTION, "mysql") \
        .with_hint(readings, BY_CONNECTION, "mariadb")


def history_summary(period: str | None, *where: ColumnElement[bool],
                    on_connections: bool = False) -> Subquery:
    """One row per connection whose readings pass `where` (conditions on MeterReading, and
    on Connection when `on_connections`: then it is joined): connection_id; its latest
    reading that is not rejected (current_reading, carried_units, is_estimated, period);
    then the units of its last HISTORY_SIZE approved actual readings, newest first (NULL
    where it has fewer). Readings of the cycle `period` itself are left out and only
    earlier ones count as recent; None: every reading counts. Read through the
    (connection, cycle) index."""
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
        .where(r.status != ReadingStatus.REJECTED.value, *where))
    if on_connections:  # only then: it costs a look-up per reading
        stmt = stmt.join(Connection, Connection.id == r.connection_id)
    if period is not None:
        stmt = stmt.where(c.period != period)
    ranked = by_connection(stmt).subquery("ranked")
    latest = ranked.c.rn_all == 1

    def newest(column: ColumnElement[Any], label: str) -> Label[Any]:
        return func.max(case((latest, column))).label(label)
    recent = [func.max(case((and_(ranked.c.kind == 1, ranked.c.rn_kind == n),
                                ranked.c.units))).label(f"units_{n}")
              for n in range(1, HISTORY_SIZE + 1)]
    return select(ranked.c.connection_id, newest(ranked.c.current_reading, "current_reading"),
                  newest(ranked.c.carried_units, "carried_units"),
                  newest(ranked.c.is_estimated, "is_estimated"),
                  newest(ranked.c.period, "period"), *recent) \
        .group_by(ranked.c.connection_id).subquery("history")


def recent_cycles(conn: DbConnection, period: str | None) -> tuple[int, ...] | None:
    """The cycles a history look-up reads first: every cycle after `period` and the
    RECENT_CYCLES before it (`period=None`: the RECENT_CYCLES latest); None when that is
    every cycle. A meter read every month has its latest reading and its last 3 approved
    ones there, so the look-up reads a few readings per meter, not its whole history, which
    grows every month; complete_summaries() reads the whole history of the others."""
    periods = conn.execute(select(BillingCycle.id, BillingCycle.period)
                           .order_by(BillingCycle.period.desc())).all()
    later = [cid for cid, p in periods if period is not None and p > period]
    earlier = [cid for cid, p in periods if period is None or p < period]
    if len(earlier) <= RECENT_CYCLES:
        return None
    return tuple(later + earlier[:RECENT_CYCLES])


def complete_summaries(conn: DbConnection, period: str | None,
                       summaries: dict[int, tuple[Any, ...]], ids: Collection[int]) -> None:
    """Read the whole history of the connections (of `ids`) whose summary, read within
    recent_cycles(), lacks its latest reading or one of the last HISTORY_SIZE approved ones
    (new meters, estimated or rejected months, gaps)."""
    short = [cid for cid in ids if not _complete(summaries.get(cid))]
    query = _by_ids(period, None)
    for part in batched(short):
        summaries.update((row[0], row[1:]) for row in query.rows(conn, part))


def _complete(summary: Sequence[Any] | None) -> bool:
    """Latest reading found (its period, 4th column) and every recent-units column set."""
    return summary is not None and summary[3] is not None and \
        all(units is not None for units in summary[4:4 + HISTORY_SIZE])


@lru_cache(maxsize=16)
def _by_ids(period: str | None, window: tuple[int, ...] | None) -> InQuery:
    """history_summary() of the connections in the `ids` list, within the cycles `window`
    (recent_cycles()) or over every cycle (None). Built once: building a statement again
    for each 900 ids cost more than running it."""
    summary = history_summary(period, MeterReading.connection_id.in_(
        bindparam("ids", expanding=True)), *in_window(window))
    return InQuery(select(summary), "ids")


def in_window(window: tuple[int, ...] | None) -> tuple[ColumnElement[bool], ...]:
    """The condition on readings for a history look-up within `window`."""
    return () if window is None else (MeterReading.cycle_id.in_(window),)


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

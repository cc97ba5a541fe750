"""Estimated readings for the billing run (not a service: the billing run calls it inside its
own transaction, under its own permission)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import BillingCycle, Connection, MeterReading
from opsmanager_desktop.db.models.readings import ReadingPhoto
from opsmanager_desktop.domain.customers import ConnectionStatus
from opsmanager_desktop.domain.readings import (
    ReadingSource,
    ReadingStatus,
    estimate_units,
    estimated_reading,
    plausibility_flags,
)
from opsmanager_desktop.services.audit import write_audit
from opsmanager_desktop.services.imports import IN_LIST_MAX
from opsmanager_desktop.services.meter_history import (
    by_connection,
    later_reading_problem,
    load_histories,
    reading_values,
    replaced_connections,
)

CHUNK = IN_LIST_MAX  # every IN list of a chunk stays short (services/imports.py)


def estimate_missing_readings(session: Session, cycle: BillingCycle, connection_ids: list[int],
                              username: str, now: datetime) -> list[int]:
    """Create APPROVED ESTIMATED readings (source ESTIMATED, is_estimated) for the given
    connections of `cycle` and return the ids of the connections estimated.

    A connection is estimated when it is not closed, has at least one approved actual
    reading before the cycle, has no SUBMITTED or APPROVED reading in the cycle (a REJECTED
    one is replaced), no reading in a later cycle, and no meter change waiting for its
    first reading (the new meter needs an actual reading). The estimate is the average units
    of the last 3 approved actual readings (domain/readings.py, with the true-up rule).
    """
    estimated: list[int] = []
    replaced = replaced_connections(session)
    for start in range(0, len(connection_ids), CHUNK):
        estimated += _chunk(session, cycle, connection_ids[start:start + CHUNK], username, now,
                            replaced)
    if estimated:
        write_audit(session, at=now, username=username, entity="reading_cycle",
                    entity_id=cycle.period, action="estimate",
                    after={"estimated": len(estimated), "connections": estimated[:500]})
    return estimated


def _chunk(session: Session, cycle: BillingCycle, ids: list[int], username: str,
           now: datetime, replaced: set[int]) -> list[int]:
    connections = {cid: (initial, meter) for cid, initial, meter in session.execute(
        select(Connection.id, Connection.initial_reading, Connection.meter_number)
        .where(Connection.id.in_(ids), Connection.status != ConnectionStatus.CLOSED.value))}
    existing: dict[int, int] = {}
    rejected: dict[int, int] = {}
    for cid, rid, status in session.execute(by_connection(select(
            MeterReading.connection_id, MeterReading.id, MeterReading.status).where(
            MeterReading.connection_id.in_(list(connections)),
            MeterReading.cycle_id == cycle.id))):
        (rejected if status == ReadingStatus.REJECTED.value else existing)[cid] = rid
    candidates = {cid: v[0] for cid, v in connections.items() if cid not in existing}
    histories = load_histories(session, candidates, cycle.period, replaced=replaced)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    done: list[int] = []
    for cid in dict.fromkeys(ids):  # each once, in the caller's order
        history = histories.get(cid)
        if history is None or history.replacements or \
                later_reading_problem(history, cycle.period) is not None:
            continue
        units: Decimal | None = estimate_units(history.recent_units)
        if units is None:
            continue
        reading = estimated_reading(history.position, units)
        values = reading_values(
            connection_id=cid, cycle_id=cycle.id, meter=connections[cid][1], units=reading,
            flags=plausibility_flags(units, history.recent_units), read_at=cycle.end_date,
            source=ReadingSource.ESTIMATED, username=username, now=now, approved=True)
        if cid in rejected:
            updates.append({"id": rejected[cid], **values})
        else:
            inserts.append(values)
        done.append(cid)
    if inserts:
        session.execute(insert(MeterReading), inserts)
    if updates:
        session.execute(delete(ReadingPhoto).where(
            ReadingPhoto.reading_id.in_([u["id"] for u in updates])))
        session.execute(update(MeterReading), updates)
    return done

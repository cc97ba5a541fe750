"""Meter readings: billing officers enter or import them (SUBMITTED), supervisors approve or
reject them; only APPROVED readings bill. Units, replacement and flag rules are in
domain/readings.py; imports in services/reading_import.py; estimation for the billing run in
services/estimation.py (both re-exported here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, func, select, update

from opsmanager_desktop.db.models import (
    BillingCycle,
    Connection,
    Customer,
    MeterReading,
    MeterReplacement,
    UtilityType,
)
from opsmanager_desktop.db.models.readings import ReadingPhoto
from opsmanager_desktop.domain.codes import utility_code
from opsmanager_desktop.domain.customers import account_no as normal_account
from opsmanager_desktop.domain.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    ValidationError,
    invalid,
)
from opsmanager_desktop.domain.money import D
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.readings import (
    Flag,
    ReadingSource,
    ReadingStatus,
    before_connection_problem,
    estimate_units,
    parse_flags,
    read_date_problem,
)
from opsmanager_desktop.services.connections import find_connection
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.estimation import (
    estimate_missing_readings as estimate_missing_readings,
)
from opsmanager_desktop.services.listing import ListQuery, Page, prefix_pattern, run_page
from opsmanager_desktop.services.meter_history import (
    Computed,
    compute,
    later_reading_problem,
    load_histories,
    open_cycle,
    reading_values,
)
from opsmanager_desktop.services.reading_import import (
    ReadingImportResult as ReadingImportResult,
)
from opsmanager_desktop.services.reading_import import import_readings as import_readings
from opsmanager_desktop.services.reading_photos import data_problem, store_photos

REASON_MAX = 255
_ID_CHUNK = 1000


@dataclass(frozen=True)
class ReadingRow:
    id: int
    period: str
    account_no: str
    customer_name: str
    utility: str
    meter_number: str
    previous_reading: Decimal
    current_reading: Decimal
    units: Decimal
    read_at: date
    source: ReadingSource
    status: ReadingStatus
    flags: tuple[Flag, ...]
    reader: str
    is_estimated: bool
    has_photo: bool
    reject_reason: str | None
    entered_by: str
    entered_at: datetime
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class ReadingContext:
    """What a supervisor sees beside a reading under review."""

    reading: ReadingRow
    history: tuple[ReadingRow, ...]  # the meter's last 3 readings before it, newest first
    average_units: Decimal | None  # of the last 3 approved actual readings (the HIGH base)


def _stmt() -> Select[MeterReading, str, str, str, str]:
    return (select(MeterReading, BillingCycle.period, Customer.account_no, Customer.name,
                   UtilityType.code)
            .join(BillingCycle, BillingCycle.id == MeterReading.cycle_id)
            .join(Connection, Connection.id == MeterReading.connection_id)
            .join(Customer, Customer.id == Connection.customer_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id))


def _row(r: Any) -> ReadingRow:
    m: MeterReading = r[0]
    return ReadingRow(m.id, r[1], r[2], r[3], r[4], m.meter_number, m.previous_reading,
                      m.current_reading, m.units, m.read_at, ReadingSource(m.source),
                      ReadingStatus(m.status), parse_flags(m.flags), m.reader, m.is_estimated,
                      m.photo_path is not None, m.reject_reason, m.entered_by, m.entered_at,
                      m.decided_by, m.decided_at)


def _one(ctx: Ctx, reading_id: int) -> ReadingRow:
    ctx.session.flush()
    found = ctx.session.execute(_stmt().where(MeterReading.id == reading_id)
                                .execution_options(populate_existing=True)).first()
    if found is None:
        raise NotFound(f"no reading {reading_id}")
    return _row(found)


@service(Permission.READINGS_ENTER)
def enter_reading(ctx: Ctx, meter: str, utility: str, period: str, reading: Decimal | str,
                  read_at: date, *, reader: str = "", photo: bytes | None = None,
                  photo_name: str = "photo") -> ReadingRow:
    """One reading typed in (source MANUAL), SUBMITTED for a supervisor. A REJECTED reading
    of the same cycle is replaced by it."""
    problems: list[FieldProblem] = []
    try:
        value = D(reading)
    except ValueError as exc:
        raise invalid("reading", str(exc)) from None
    if len(reader) > 64:
        problems.append(FieldProblem("reader", "may have at most 64 characters"))
    if photo is not None and (problem := data_problem(photo)):
        problems.append(FieldProblem("photo", problem))
    cycle = open_cycle(ctx.session, period)
    if problem := read_date_problem(read_at, cycle.start_date, cycle.end_date, ctx.now.date()):
        problems.append(FieldProblem("read_at", problem))
    if problems:
        raise ValidationError(problems)
    connection = find_connection(ctx.session, meter, utility, lock=True)
    if problem := before_connection_problem(connection.meter_number, connection.connected_on,
                                            read_at, cycle.end_date):
        raise invalid("read_at", problem)
    existing = ctx.session.scalars(select(MeterReading).where(
        MeterReading.connection_id == connection.id, MeterReading.cycle_id == cycle.id)).first()
    if existing is not None and existing.status != ReadingStatus.REJECTED.value:
        raise Conflict(f"meter {connection.meter_number} already has a {existing.status} "
                       f"reading for {cycle.period} (reading {existing.id})")
    history = load_histories(ctx.session, {connection.id: connection.initial_reading},
                             cycle.period)[connection.id]
    if problem := later_reading_problem(history, cycle.period):
        raise invalid("reading", problem)
    computed = compute(history, value, read_at)
    if not isinstance(computed, Computed):
        raise invalid("reading", computed)
    values = reading_values(
        connection_id=connection.id, cycle_id=cycle.id, meter=connection.meter_number,
        units=computed.units, flags=computed.flags, read_at=read_at,
        source=ReadingSource.MANUAL, username=ctx.username, now=ctx.now, reader=reader.strip(),
        photo_name=photo_name if photo is not None else None)
    if existing is not None:
        ctx.session.execute(delete(ReadingPhoto).where(ReadingPhoto.reading_id == existing.id))
        ctx.session.execute(update(MeterReading).where(MeterReading.id == existing.id)
                            .values(**values))
        reading_id = existing.id
    else:
        row = MeterReading(**values)
        ctx.session.add(row)
        ctx.session.flush()
        reading_id = row.id
    if history.replacement_ids:
        ctx.session.execute(update(MeterReplacement).where(
            MeterReplacement.id.in_(history.replacement_ids)).values(reading_id=reading_id))
    if photo is not None:
        store_photos(ctx.session, [(reading_id, photo_name, photo)], ctx.now)
    ctx.audit("reading", reading_id, "enter" if existing is None else "reenter",
              after={k: v for k, v in values.items() if k != "entered_at"})
    return _one(ctx, reading_id)


@service(Permission.READINGS_APPROVE)
def approve_readings(ctx: Ctx, period: str, ids: Sequence[int] | None = None) -> int:
    """Approve the SUBMITTED readings `ids` of the cycle (all of them when `ids` is None).
    With ids, every one must be a SUBMITTED reading of that cycle, else nothing is
    approved and each wrong id is named."""
    cycle = open_cycle(ctx.session, period)
    decided = {"status": ReadingStatus.APPROVED.value, "decided_by": ctx.username,
               "decided_at": ctx.now}
    submitted = (MeterReading.cycle_id == cycle.id,
                 MeterReading.status == ReadingStatus.SUBMITTED.value)
    if ids is None:
        count = ctx.session.execute(update(MeterReading).where(*submitted).values(**decided)) \
            .rowcount  # type: ignore[attr-defined]
    else:
        wanted = sorted(set(ids))
        if not wanted:
            raise invalid("id", "name at least one reading to approve, or approve all")
        found: dict[int, tuple[int, str]] = {}
        for start in range(0, len(wanted), _ID_CHUNK):
            part = wanted[start:start + _ID_CHUNK]
            found.update((i, (c, s)) for i, c, s in ctx.session.execute(
                select(MeterReading.id, MeterReading.cycle_id, MeterReading.status)
                .where(MeterReading.id.in_(part))))
        problems = [FieldProblem("id", _approve_problem(i, found.get(i), cycle))
                    for i in wanted if found.get(i) != (cycle.id, ReadingStatus.SUBMITTED.value)]
        if problems:
            raise ValidationError(problems)
        count = 0
        for start in range(0, len(wanted), _ID_CHUNK):
            count += ctx.session.execute(update(MeterReading).where(
                *submitted, MeterReading.id.in_(wanted[start:start + _ID_CHUNK]))
                .values(**decided)).rowcount  # type: ignore[attr-defined]
    ctx.audit("reading_cycle", cycle.period, "approve",
              after={"approved": count, "ids": "all submitted" if ids is None else wanted[:500]})
    return int(count)


def _approve_problem(reading_id: int, found: tuple[int, str] | None,
                     cycle: BillingCycle) -> str:
    if found is None:
        return f"there is no reading {reading_id}"
    if found[0] != cycle.id:
        return f"reading {reading_id} belongs to another cycle, not {cycle.period}"
    return f"reading {reading_id} is {found[1]}; only SUBMITTED readings can be approved"


@service(Permission.READINGS_APPROVE)
def reject_reading(ctx: Ctx, reading_id: int, reason: str) -> ReadingRow:
    """A SUBMITTED reading is sent back with a reason; the billing officer enters it again."""
    reason = reason.strip()
    if not reason:
        raise invalid("reason", "say why the reading is rejected")
    if len(reason) > REASON_MAX:
        raise invalid("reason", f"may have at most {REASON_MAX} characters")
    reading = ctx.session.scalars(select(MeterReading).where(MeterReading.id == reading_id)
                                  .with_for_update()).first()
    if reading is None:
        raise NotFound(f"no reading {reading_id}")
    if reading.status != ReadingStatus.SUBMITTED.value:
        raise Conflict(f"reading {reading_id} is {reading.status}; only SUBMITTED readings can "
                       "be rejected")
    cycle = ctx.session.get_one(BillingCycle, reading.cycle_id)
    open_cycle(ctx.session, cycle.period)
    later = ctx.session.scalar(
        select(BillingCycle.period).join(MeterReading, MeterReading.cycle_id == BillingCycle.id)
        .where(MeterReading.connection_id == reading.connection_id,
               MeterReading.status != ReadingStatus.REJECTED.value,
               BillingCycle.period > cycle.period).limit(1))
    if later is not None:
        raise Conflict(f"meter {reading.meter_number} already has a reading for the later "
                       f"cycle {later}, which counts from this one; reject that one first")
    before = {"status": reading.status, "current_reading": reading.current_reading}
    reading.status = ReadingStatus.REJECTED.value
    reading.reject_reason = reason
    reading.decided_by = ctx.username
    reading.decided_at = ctx.now
    # the meter change it consumed waits for the reading that replaces this one
    ctx.session.execute(update(MeterReplacement).where(MeterReplacement.reading_id == reading.id)
                        .values(reading_id=None))
    ctx.session.flush()
    ctx.audit("reading", reading.id, "reject", before=before,
              after={"status": reading.status, "reason": reason})
    return _one(ctx, reading.id)


_SORT = {"id": MeterReading.id, "meter_number": MeterReading.meter_number,
         "account_no": Customer.account_no, "units": MeterReading.units,
         "read_at": MeterReading.read_at, "status": MeterReading.status,
         "flags": MeterReading.flags, "source": MeterReading.source,
         "entered_at": MeterReading.entered_at, "period": BillingCycle.period}


@service(Permission.READINGS_VIEW, readonly=True)
def list_readings(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[ReadingRow]:
    """Search: meter or account number prefix. Filters: cycle (YYYY-MM), status, flag (HIGH,
    ZERO, or "any" for flagged ones), utility, source, account_no, estimated (bool)."""
    stmt = _stmt()
    filters = query.filters or {}
    if filters.get("cycle"):
        stmt = stmt.where(BillingCycle.period == str(filters["cycle"]).strip())
    if filters.get("status"):
        status = str(filters["status"]).strip().upper()
        if status not in ReadingStatus.__members__:
            raise invalid("status", f"{filters['status']!r} is not a reading status; use "
                          + ", ".join(ReadingStatus))
        stmt = stmt.where(MeterReading.status == status)
    if filters.get("flag"):
        flag = str(filters["flag"]).strip().upper()
        if flag == "ANY":
            stmt = stmt.where(MeterReading.flags != "")
        elif flag in Flag.__members__:
            stmt = stmt.where(MeterReading.flags.like(f"%{flag}%"))
        else:
            raise invalid("flag", f"{filters['flag']!r} is not a flag; use HIGH, ZERO or ANY")
    if filters.get("utility"):
        stmt = stmt.where(UtilityType.code == utility_code(str(filters["utility"])))
    if filters.get("source"):
        stmt = stmt.where(MeterReading.source == str(filters["source"]).strip().upper())
    if filters.get("account_no"):
        stmt = stmt.where(Customer.account_no == normal_account(str(filters["account_no"])))
    if filters.get("estimated") is not None:
        stmt = stmt.where(MeterReading.is_estimated.is_(bool(filters["estimated"])))
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip().upper())
        stmt = stmt.where(MeterReading.meter_number.like(pattern, escape="\\")
                          | Customer.account_no.like(pattern, escape="\\"))
    return run_page(ctx.session, stmt, query, _SORT, MeterReading.id, _row)


@service(Permission.READINGS_VIEW, readonly=True)
def get_reading_context(ctx: Ctx, reading_id: int) -> ReadingContext:
    reading = _one(ctx, reading_id)
    connection_id = ctx.session.scalar(select(MeterReading.connection_id).where(
        MeterReading.id == reading_id))
    earlier = ctx.session.execute(_stmt().where(
        MeterReading.connection_id == connection_id, BillingCycle.period < reading.period,
        MeterReading.status != ReadingStatus.REJECTED.value)
        .order_by(BillingCycle.period.desc()).limit(3)).all()
    assert connection_id is not None
    history = load_histories(ctx.session, {connection_id: reading.previous_reading},
                             reading.period)[connection_id]
    return ReadingContext(reading, tuple(_row(r) for r in earlier),
                          estimate_units(history.recent_units))


@service(Permission.READINGS_VIEW, readonly=True)
def get_reading_photo(ctx: Ctx, reading_id: int) -> bytes:
    data = ctx.session.scalar(select(ReadingPhoto.data).where(
        ReadingPhoto.reading_id == reading_id))
    if data is None:
        exists = ctx.session.scalar(select(func.count(MeterReading.id)).where(
            MeterReading.id == reading_id))
        raise NotFound(f"reading {reading_id} has no photo" if exists
                       else f"no reading {reading_id}")
    return bytes(data)

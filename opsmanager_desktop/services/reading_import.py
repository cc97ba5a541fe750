"""`readings import FILE --cycle YYYY-MM`: handheld (IMPORT) or AMR files with the columns
meter_number, utility, reading, read_at and optionally reader, photo.

One reading per connection per cycle: a meter twice in the file, or a meter that already has
a SUBMITTED or APPROVED reading in the cycle, is refused (a REJECTED one is replaced, that
is how a rejected reading is entered again). `read_at` must fall in the cycle's month or up
to READ_GRACE_DAYS days after it, and not before the connection's `connected_on` (decision
40; the date comes with the meter's look-up, no query of its own). `photo` names an image
file in the import file's folder or in a `photos` folder beside it; the image is stored in
the database.

Fast path for a million rows: per chunk of 5,000 rows one look-up per 900 meters (each
meter's connection, its reading of the cycle and its history summary) and one bulk INSERT,
written on MySQL/MariaDB while the next chunk is checked (decision 39).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection as DbConnection
from sqlalchemy import Table, and_, bindparam, delete, select, update
from sqlalchemy.orm import aliased

from opsmanager_desktop.db.bulk import InQuery, insert_rows
from opsmanager_desktop.db.engine import is_mysql
from opsmanager_desktop.db.models import BillingCycle, Connection, MeterReading, MeterReplacement
from opsmanager_desktop.db.models.readings import ReadingPhoto
from opsmanager_desktop.domain.codes import utility_code
from opsmanager_desktop.domain.customers import METER_MAX, meter_number
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.readings import (
    Flag,
    ReadingSource,
    ReadingStatus,
    before_connection_problem,
    read_date_problem,
)
from opsmanager_desktop.services.connections import utility_ids
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.import_preview import ImportPreview, preview_import
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    batched,
    choice_cell,
    date_cell,
    decimal_cell,
    read_table,
    run_import,
    text_cell,
)
from opsmanager_desktop.services.meter_history import (
    Computed,
    by_connection,
    complete_summaries,
    compute,
    history_summary,
    in_window,
    later_reading_problem,
    meter_history,
    open_cycle,
    pending_replacements,
    reading_values,
    recent_cycles,
    replaced_connections,
)
from opsmanager_desktop.services.reading_photos import resolve, store_photos

REQUIRED = ("meter_number", "utility", "reading", "read_at")
OPTIONAL = ("reader", "photo")
SOURCES = {"import": ReadingSource.IMPORT, "amr": ReadingSource.AMR}


@dataclass(frozen=True)
class ReadingImportResult:
    cycle: str
    rows: int
    imported: int
    replaced_rejected: int  # of the imported: REJECTED readings entered again
    flagged_high: int
    flagged_zero: int
    photos: int
    rejected: int  # rows in the rejects file (skip_invalid)
    rejects_path: Path | None


class _Parsed(NamedTuple):  # NamedTuples: made a million times, 3x cheaper than frozen
    row: Row
    meter: str
    utility_id: int
    value: Decimal
    read_at: date
    reader: str
    photo: tuple[str, Path] | None


class _Prepared(NamedTuple):
    parsed: list[_Parsed]
    states: dict[tuple[int, str], tuple[Any, ...]]  # (utility, meter) -> _meter_states row
    summaries: dict[int, tuple[Any, ...]]  # connection id -> its history_summary() row
    pending: dict[int, list[Any]]  # connection id -> its meter changes not yet read


class _Item(NamedTuple):
    values: dict[str, Any]
    replace_id: int | None  # the REJECTED reading this one takes the place of
    replacement_ids: tuple[int, ...]  # meter changes this reading consumes
    photo: tuple[str, Path] | None


class _ReadingImport:
    def __init__(self, ctx: Ctx, cycle: BillingCycle, source: ReadingSource, folder: Path,
                 reads: DbConnection) -> None:
        """`reads`: the connection `check` reads through; see import_readings."""
        self.ctx, self.cycle, self.source, self.folder = ctx, cycle, source, folder
        self.reads = reads
        self.utilities = utility_ids(ctx.session)
        self.utility_names = {v: k for k, v in self.utilities.items()}
        self.seen: dict[int, int] = {}  # connection id -> row of this file
        self.replaced = replaced_connections(ctx.session)
        self.window = recent_cycles(reads, cycle.period)
        self.date_problems: dict[date, str | None] = {}
        self.counts = {"imported": 0, "replaced": 0, "high": 0, "zero": 0, "photos": 0}

    def _date_problem(self, read_at: date) -> str | None:
        if read_at not in self.date_problems:  # a file holds a few dates a million times
            self.date_problems[read_at] = read_date_problem(
                read_at, self.cycle.start_date, self.cycle.end_date, self.ctx.now.date())
        return self.date_problems[read_at]

    def _parse(self, row: Row, problems: Problems) -> _Parsed | None:
        meter = text_cell(row, "meter_number", problems, max_length=METER_MAX)
        utility = choice_cell(row, "utility", problems, self.utilities, what="utility type",
                              normalize=utility_code)
        value = decimal_cell(row, "reading", problems, places=3)
        read_at = date_cell(row, "read_at", problems)
        if read_at is not None and (problem := self._date_problem(read_at)):
            problems.add(row, "read_at", problem)
        reader = text_cell(row, "reader", problems, required=False, max_length=64)
        photo = None
        if name := row["photo"]:
            found = resolve(self.folder, name)
            if isinstance(found, str):
                problems.add(row, "photo", found)
            else:
                photo = (name, found)
        if problems.has(row):
            return None
        assert meter and utility and value is not None and read_at and reader is not None
        return _Parsed(row, meter_number(meter), utility, value, read_at, reader, photo)

    def check(self, rows: list[Row], problems: Problems) -> list[_Item]:
        return self.finish(self.prepare(rows, problems), problems)

    def prepare(self, rows: list[Row], problems: Problems) -> _Prepared:
        """Parse the chunk and look its meters up, through `reads` only (on MySQL/MariaDB
        this runs a chunk ahead of finish() on a worker thread)."""
        parsed = [p for p in (self._parse(r, problems) for r in rows) if p is not None]
        period = self.cycle.period
        by_utility: dict[int, set[str]] = {}
        for p in parsed:
            by_utility.setdefault(p.utility_id, set()).add(p.meter)
        states: dict[tuple[int, str], tuple[Any, ...]] = {}
        query = _meter_states(period, self.window)
        for utility_id, meters in by_utility.items():
            for part in batched(sorted(meters)):
                for row in query.rows(self.reads, part, utility=utility_id,
                                      cycle=self.cycle.id):
                    states[(utility_id, str(row[1]))] = row
        summaries = {row[0]: row[_SUMMARY:] for row in states.values()}
        if self.window is not None:
            complete_summaries(self.reads, period, summaries, list(summaries))
        pending = pending_replacements(self.reads, list(summaries), self.replaced)
        return _Prepared(parsed, states, summaries, pending)

    def finish(self, prepared: _Prepared, problems: Problems) -> list[_Item]:
        """The checks that follow the file's order (a meter twice in it) and the units and
        flags of each reading: no database."""
        parsed, states, summaries, pending = prepared
        period = self.cycle.period
        items = []
        for p in parsed:
            state = states.get((p.utility_id, p.meter))
            if state is None:
                problems.add(p.row, "meter_number", f"no open {self.utility_names[p.utility_id]}"
                             f" connection has meter {p.meter}")
                continue
            cid, _meter, initial, connected_on, old_id, old_status, old_by = state[:_SUMMARY]
            if cid in self.seen:
                problems.add(p.row, "meter_number", f"meter {p.meter} already has a reading on "
                             f"row {self.seen[cid]} of this file (one reading per meter and "
                             "cycle)")
                continue
            self.seen[cid] = p.row.number
            if old_id is not None and old_status != ReadingStatus.REJECTED.value:
                problems.add(p.row, "meter_number", f"meter {p.meter} already has a "
                             f"{old_status} reading for {period} (reading {old_id}, entered by "
                             f"{old_by})")
                continue
            if problem := before_connection_problem(p.meter, connected_on, p.read_at,
                                                    self.cycle.end_date):
                problems.add(p.row, "read_at", problem)
                continue
            history = meter_history(initial, summaries[cid], pending.get(cid, ()))
            computed = later_reading_problem(history, period) or \
                compute(history, p.value, p.read_at)
            if not isinstance(computed, Computed):
                problems.add(p.row, "reading", computed)
                continue
            values = reading_values(
                connection_id=cid, cycle_id=self.cycle.id, meter=p.meter,
                units=computed.units, flags=computed.flags, read_at=p.read_at,
                source=self.source, username=self.ctx.username, now=self.ctx.now,
                reader=p.reader, photo_name=p.photo[0] if p.photo else None)
            items.append(_Item(values, old_id, history.replacement_ids, p.photo))
        return items

    def write(self, items: Any) -> None:
        session = self.ctx.session
        inserts = [i.values for i in items if i.replace_id is None]
        insert_rows(session.connection(), _TABLE, _COLUMNS, inserts)
        again = [i for i in items if i.replace_id is not None]
        if again:
            session.execute(delete(ReadingPhoto).where(
                ReadingPhoto.reading_id.in_([i.replace_id for i in again])))
            session.execute(update(MeterReading), [{"id": i.replace_id, **i.values}
                                                   for i in again])
        ids = self._new_ids([i for i in items if i.replace_id is None
                             and (i.replacement_ids or i.photo)])

        def reading_id(item: _Item) -> int:
            return item.replace_id or ids[item.values["connection_id"]]

        consumed = [{"id": rid, "reading_id": reading_id(i)} for i in items
                    for rid in i.replacement_ids]
        if consumed:
            session.execute(update(MeterReplacement), consumed)
        photos = [(reading_id(i), i.photo[0], i.photo[1]) for i in items if i.photo]
        self.counts["photos"] += store_photos(session, photos, self.ctx.now) if photos else 0
        self.counts["imported"] += len(items)
        self.counts["replaced"] += len(again)
        self.counts["high"] += sum(Flag.HIGH.value in i.values["flags"] for i in items)
        self.counts["zero"] += sum(Flag.ZERO.value in i.values["flags"] for i in items)

    def _new_ids(self, items: list[_Item]) -> dict[int, int]:
        ids: dict[int, int] = {}
        for part in batched([i.values["connection_id"] for i in items]):
            ids.update(self.ctx.session.execute(by_connection(
                select(MeterReading.connection_id, MeterReading.id).where(
                    MeterReading.connection_id.in_(part),
                    MeterReading.cycle_id == self.cycle.id))).all())
        return ids


# NULL in every new row; left out so they are not rendered a million times.
_NULL = ("reject_reason", "decided_by", "decided_at")
_COLUMNS = tuple(c.name for c in MeterReading.__table__.columns if c.name not in (*_NULL, "id"))
_TABLE = cast(Table, MeterReading.__table__)  # Core: no per-row ORM bookkeeping


_SUMMARY = 7  # where the history summary starts in a _meter_states row


@lru_cache(maxsize=16)
def _meter_states(period: str, window: tuple[int, ...] | None) -> InQuery:
    """Per meter of the `meters` list (of the utility `utility`): its connection id, meter,
    initial reading, connected_on, the connection's reading of the cycle `cycle` (id,
    status, entered by; NULL if none) and its history_summary() within the cycles
    `window`. One row per meter and one round trip per list: three separate look-ups cost
    three times the parsing of the same connections. Built once per period and window."""
    summary = history_summary(period, Connection.utility_type_id == bindparam("utility"),
                              Connection.active_meter.in_(bindparam("meters", expanding=True)),
                              *in_window(window), on_connections=True)
    in_cycle = aliased(MeterReading)
    stmt = (select(Connection.id, Connection.active_meter, Connection.initial_reading,
                   Connection.connected_on, in_cycle.id, in_cycle.status, in_cycle.entered_by,
                   *list(summary.c)[1:])
            .outerjoin(in_cycle, and_(in_cycle.connection_id == Connection.id,
                                      in_cycle.cycle_id == bindparam("cycle")))
            .outerjoin(summary, summary.c.connection_id == Connection.id)
            .where(Connection.utility_type_id == bindparam("utility"),
                   Connection.active_meter.in_(bindparam("meters", expanding=True))))
    return InQuery(by_connection(stmt, in_cycle), "meters")


@service(Permission.READINGS_ENTER)
def import_readings(ctx: Ctx, path: str | Path, period: str, *, source: str = "import",
                    skip_invalid: bool = False, rejects_path: str | Path | None = None,
                    progress: Progress | None = None,
                    cancelled: Cancelled | None = None) -> ReadingImportResult:
    kind = SOURCES.get(str(source).strip().lower())
    if kind is None:
        raise invalid("source", f"{source!r} is not a reading source; use import or amr")
    cycle = open_cycle(ctx.session, period)
    table = read_table(path, REQUIRED, OPTIONAL)
    # On MySQL/MariaDB the next chunk is looked up and the previous one written while this
    # one is checked (the server works as the client parses: decision 39), so look-ups
    # read through a second connection of the same account; they need nothing this import
    # wrote (the file's own repeats are caught in memory). SQLite waits on no network:
    # one connection, in turn.
    overlap = is_mysql(ctx.backend.engine)
    with ExitStack() as stack:
        reads = stack.enter_context(ctx.backend.engine.connect()) if overlap \
            else ctx.session.connection()
        job = _ReadingImport(ctx, cycle, kind, table.path.parent, reads)
        summary = run_import(table, job.finish, job.write, skip_invalid=skip_invalid,
                             rejects_path=rejects_path, progress=progress,
                             cancelled=cancelled, prepare=job.prepare, look_ahead=overlap,
                             write_behind=overlap)
    c = job.counts
    result = ReadingImportResult(cycle.period, summary.rows, c["imported"], c["replaced"],
                                 c["high"], c["zero"], c["photos"], summary.rejected,
                                 summary.rejects_path)
    ctx.audit("reading_import", table.path.name, "import", after={
        "file": str(table.path), "cycle": cycle.period, "source": kind.value,
        "rows": result.rows, "imported": result.imported, "rejected": result.rejected,
        "replaced_rejected": result.replaced_rejected, "photos": result.photos})
    return result


@service(Permission.READINGS_ENTER, readonly=True)
def check_readings_file(ctx: Ctx, path: str | Path, period: str, *, source: str = "import",
                        progress: Progress | None = None,
                        cancelled: Cancelled | None = None) -> ImportPreview:
    """What `import_readings` would do with the file, writing nothing (the desktop's import
    preview; services/import_preview.py)."""
    kind = SOURCES.get(str(source).strip().lower())
    if kind is None:
        raise invalid("source", f"{source!r} is not a reading source; use import or amr")
    cycle = open_cycle(ctx.session, period)
    table = read_table(path, REQUIRED, OPTIONAL)
    job = _ReadingImport(ctx, cycle, kind, table.path.parent, ctx.session.connection())
    return preview_import(table, job.check, progress=progress, cancelled=cancelled)

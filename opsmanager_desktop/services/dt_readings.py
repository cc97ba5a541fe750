"""Readings of each distribution transformer's own meter, one per DT per cycle: the energy
that went into the DT's part of the network (the input of the energy balance).

Entered one at a time or imported from a file (`transformer,reading` and optional
`previous,read_at`), by billing officers only (a DT meter is a meter: docs/design.md 1). The
checks are the customer readings' (domain/readings.py): a value is not negative and has
at most 3 decimals, the current reading is not below the previous one, the read date falls
in the cycle (or its grace days) and not in the future. The previous reading defaults to
the DT's last reading of an earlier cycle; a DT's first reading gives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import BillingCycle, DtReading, Transformer
from opsmanager_desktop.domain.errors import Conflict, FieldProblem, ValidationError
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.readings import read_date_problem, reading_value_problem
from opsmanager_desktop.services.assets import (
    parse_date,
    parse_decimal,
    transformer_by_code,
)
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.cycles import cycle_by_period
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    date_cell,
    decimal_cell,
    read_table,
    run_import,
    text_cell,
)

REQUIRED = ("transformer", "reading")
OPTIONAL = ("previous", "read_at")


@dataclass(frozen=True)
class DtReadingRow:
    transformer: str
    cycle: str
    previous_reading: Decimal
    current_reading: Decimal
    units: Decimal
    read_at: date
    source: str
    entered_by: str


@dataclass(frozen=True)
class DtImportResult:
    rows: int
    recorded: int
    rejected: int
    rejects_path: Path | None


def reading_problems(previous: Decimal | None, current: Decimal | None, read_at: date,
                     cycle: BillingCycle, today: date, row: int | None = None
                     ) -> list[FieldProblem]:
    problems = []
    for field, value in (("previous", previous), ("reading", current)):
        why = None if value is None else reading_value_problem(value)
        if why:
            problems.append(FieldProblem(field, why, row))
    if previous is None:
        problems.append(FieldProblem("previous", "this DT has no earlier reading: give the "
                                     "meter's value at the start of the cycle", row))
    elif current is not None and not problems and current < previous:
        problems.append(FieldProblem("reading", f"{current} is below the previous reading "
                                     f"{previous}: a meter does not run backwards", row))
    why = read_date_problem(read_at, cycle.start_date, cycle.end_date, today)
    if why:
        problems.append(FieldProblem("read_at", why, row))
    return problems


def last_readings(session: Session, transformer_ids: Sequence[int], cycle: BillingCycle
                  ) -> dict[int, Decimal]:
    """Each DT's current reading in its latest cycle before `cycle`."""
    latest = (select(DtReading.transformer_id, func.max(BillingCycle.period).label("p"))
              .join(BillingCycle, BillingCycle.id == DtReading.cycle_id)
              .where(BillingCycle.period < cycle.period,
                     DtReading.transformer_id.in_(list(transformer_ids)))
              .group_by(DtReading.transformer_id).subquery())
    return dict(session.execute(
        select(DtReading.transformer_id, DtReading.current_reading)
        .join(BillingCycle, BillingCycle.id == DtReading.cycle_id)
        .join(latest, (latest.c.transformer_id == DtReading.transformer_id)
              & (latest.c.p == BillingCycle.period))).all())


def _taken(session: Session, transformer_ids: Sequence[int], cycle_id: int) -> set[int]:
    return set(session.scalars(select(DtReading.transformer_id).where(
        DtReading.cycle_id == cycle_id, DtReading.transformer_id.in_(list(transformer_ids)))))


def _values(t_id: int, cycle_id: int, previous: Decimal, current: Decimal, read_at: date,
            source: str, ctx: Ctx) -> dict[str, object]:
    return {"transformer_id": t_id, "cycle_id": cycle_id, "previous_reading": previous,
            "current_reading": current, "units": current - previous, "read_at": read_at,
            "source": source, "entered_by": ctx.username, "entered_at": ctx.now}


@service(Permission.DT_READINGS_ENTER)
def add_dt_reading(ctx: Ctx, transformer: str, cycle: str, reading: Decimal | str, *,
                   previous: Decimal | str | None = None,
                   read_at: date | str | None = None) -> DtReadingRow:
    problems: list[FieldProblem] = []
    current = parse_decimal(reading, "reading", problems)
    if current is None and not problems:
        problems.append(FieldProblem("reading", "is required"))
    given = parse_decimal(previous, "previous", problems)
    day = parse_date(read_at, "read_at", problems)
    the_cycle = cycle_by_period(ctx.session, cycle)
    dt = transformer_by_code(ctx.session, transformer)
    if problems:
        raise ValidationError(problems)
    if _taken(ctx.session, [dt.id], the_cycle.id):
        raise Conflict(f"transformer {dt.code} already has a reading for cycle "
                       f"{the_cycle.period}")
    start = given if given is not None else last_readings(
        ctx.session, [dt.id], the_cycle).get(dt.id)
    day = day or min(ctx.now.date(), the_cycle.end_date)
    problems = reading_problems(start, current, day, the_cycle, ctx.now.date())
    if problems or start is None or current is None:
        raise ValidationError(problems)
    values = _values(dt.id, the_cycle.id, start, current, day, "MANUAL", ctx)
    ctx.session.execute(insert(DtReading), [values])
    ctx.audit("dt_reading", f"{dt.code}:{the_cycle.period}", "create", after={
        "previous": start, "current": current, "read_at": day})
    return DtReadingRow(dt.code, the_cycle.period, start, current, current - start, day,
                        "MANUAL", ctx.username)


@service(Permission.ASSETS_VIEW, readonly=True)
def list_dt_readings(ctx: Ctx, cycle: str) -> list[DtReadingRow]:
    the_cycle = cycle_by_period(ctx.session, cycle)
    return [DtReadingRow(code, the_cycle.period, r.previous_reading, r.current_reading,
                         r.units, r.read_at, r.source, r.entered_by)
            for r, code in ctx.session.execute(
                select(DtReading, Transformer.code)
                .join(Transformer, Transformer.id == DtReading.transformer_id)
                .where(DtReading.cycle_id == the_cycle.id).order_by(Transformer.code))]


class _Run:
    def __init__(self, ctx: Ctx, cycle: BillingCycle) -> None:
        self.ctx, self.cycle = ctx, cycle
        self.seen: set[int] = set()
        self.recorded = 0

    def check(self, rows: list[Row], problems: Problems) -> list[dict[str, object]]:
        session, today = self.ctx.session, self.ctx.now.date()
        codes = {(row["transformer"] or "").lower() for row in rows}
        found = {code.lower(): (t_id, code) for t_id, code in session.execute(
            select(Transformer.id, Transformer.code)
            .where(func.lower(Transformer.code).in_(sorted(codes))))}
        ids = [t_id for t_id, _ in found.values()]
        last = last_readings(session, ids, self.cycle)
        taken = _taken(session, ids, self.cycle.id)
        items = []
        for row in rows:
            code = text_cell(row, "transformer", problems, max_length=32)
            current = decimal_cell(row, "reading", problems, places=3)
            given = decimal_cell(row, "previous", problems, places=3, required=False)
            day = date_cell(row, "read_at", problems, required=False)
            hit = found.get((code or "").lower())
            if code and hit is None:
                problems.add(row, "transformer", f"no distribution transformer {code!r}")
            elif hit is not None and (hit[0] in taken or hit[0] in self.seen):
                problems.add(row, "transformer", f"{hit[1]} already has a reading for cycle "
                             f"{self.cycle.period}" + ("" if hit[0] in taken
                                                       else " earlier in this file"))
            if problems.has(row) or hit is None or current is None:
                continue
            start = given if given is not None else last.get(hit[0])
            day = day or min(today, self.cycle.end_date)
            found_problems = reading_problems(start, current, day, self.cycle, today,
                                              row.number)
            for p in found_problems:
                problems.add(row, p.field, p.reason)
            if found_problems or start is None:
                continue
            self.seen.add(hit[0])
            items.append(_values(hit[0], self.cycle.id, start, current, day, "IMPORT",
                                 self.ctx))
        return items

    def write(self, items: Sequence[dict[str, object]]) -> None:
        self.ctx.session.execute(insert(DtReading), list(items))
        self.recorded += len(items)


@service(Permission.DT_READINGS_ENTER)
def import_dt_readings(ctx: Ctx, path: str | Path, cycle: str, *, skip_invalid: bool = False,
                       rejects_path: str | Path | None = None,
                       progress: Progress | None = None,
                       cancelled: Cancelled | None = None) -> DtImportResult:
    """A file of DT readings for one cycle, all-or-nothing unless `skip_invalid`."""
    the_cycle = cycle_by_period(ctx.session, cycle)
    table = read_table(path, REQUIRED, OPTIONAL)
    run = _Run(ctx, the_cycle)
    summary = run_import(table, run.check, run.write, skip_invalid=skip_invalid,
                         rejects_path=rejects_path, progress=progress, cancelled=cancelled)
    ctx.audit("dt_readings", the_cycle.period, "import", after={
        "file": str(path), "rows": summary.rows, "recorded": run.recorded,
        "rejected": summary.rejected})
    return DtImportResult(summary.rows, run.recorded, summary.rejected, summary.rejects_path)

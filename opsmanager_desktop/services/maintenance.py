"""Maintenance of substations and transformers: a schedule per asset (every N months, set
by admins and supervisors), a log of the work done (supervisors and field officers), and
the assets whose service is overdue as of a date (domain/assets.py has the date rules).

An asset is named by its kind (DSS or DT) and code. Decommissioned assets are never
overdue. A log entry is never changed; it keeps the next due date its schedule gave then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    MaintenanceLog,
    MaintenanceSchedule,
    Substation,
    Transformer,
    User,
)
from opsmanager_desktop.domain.assets import (
    MAX_INTERVAL_MONTHS,
    WORK_MAX,
    AssetKind,
    AssetStatus,
    days_overdue,
    is_overdue,
    next_due,
    parse_kind,
)
from opsmanager_desktop.domain.errors import FieldProblem, ValidationError, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.assets import (
    parse_date,
    substation_by_code,
    transformer_by_code,
)
from opsmanager_desktop.services.core import Ctx, service


@dataclass(frozen=True)
class ScheduleRow:
    kind: AssetKind
    code: str
    interval_months: int
    starts_on: date
    last_done: date | None
    next_due: date


@dataclass(frozen=True)
class LogRow:
    id: int
    kind: AssetKind
    code: str
    done_on: date
    work_done: str
    done_by: str
    next_due: date | None
    recorded_by: str


@dataclass(frozen=True)
class MaintenanceHistory:
    schedule: ScheduleRow | None
    logs: list[LogRow]  # newest first


@dataclass(frozen=True)
class OverdueRow:
    kind: AssetKind
    code: str
    name: str
    status: AssetStatus
    interval_months: int
    last_done: date | None
    due: date
    days_overdue: int


def _kind(value: object) -> AssetKind:
    kind = parse_kind(value)
    if kind is None:
        raise invalid("kind", f"{value!r} is not an asset kind; use dss or dt")
    return kind


def _asset(session: Session, kind: AssetKind, code: str) -> Substation | Transformer:
    return (substation_by_code(session, code) if kind is AssetKind.DSS
            else transformer_by_code(session, code))


def _column(kind: AssetKind, model: Any) -> Any:
    return model.substation_id if kind is AssetKind.DSS else model.transformer_id


def _last_done(session: Session, kind: AssetKind, asset_id: int) -> date | None:
    return session.scalar(select(func.max(MaintenanceLog.done_on)).where(
        _column(kind, MaintenanceLog) == asset_id))


def _schedule(session: Session, kind: AssetKind, asset: Substation | Transformer
              ) -> ScheduleRow | None:
    found = session.scalars(select(MaintenanceSchedule).where(
        _column(kind, MaintenanceSchedule) == asset.id)).first()
    if found is None:
        return None
    last = _last_done(session, kind, asset.id)
    return ScheduleRow(kind, asset.code, found.interval_months, found.starts_on, last,
                       next_due(last, found.starts_on, found.interval_months))


@service(Permission.ASSETS_MANAGE)
def set_schedule(ctx: Ctx, kind: str, code: str, interval_months: int | str, *,
                 starts_on: date | str | None = None) -> ScheduleRow:
    """Service this asset every `interval_months` (replaces its schedule). Before any
    service is logged the first falls due `interval_months` after `starts_on` (default
    today)."""
    chosen = _kind(kind)
    problems: list[FieldProblem] = []
    try:
        months = int(str(interval_months).strip())
    except ValueError:
        months = 0
    if not 1 <= months <= MAX_INTERVAL_MONTHS:
        problems.append(FieldProblem("interval_months", f"must be a whole number of months "
                                     f"from 1 to {MAX_INTERVAL_MONTHS}"))
    start = parse_date(starts_on, "starts_on", problems) or ctx.now.date()
    if problems:
        raise ValidationError(problems)
    asset = _asset(ctx.session, chosen, code)
    column = "substation_id" if chosen is AssetKind.DSS else "transformer_id"
    found = ctx.session.scalars(select(MaintenanceSchedule).where(
        _column(chosen, MaintenanceSchedule) == asset.id)).first()
    before = None if found is None else {"interval_months": found.interval_months,
                                         "starts_on": found.starts_on}
    if found is None:
        found = MaintenanceSchedule(**{column: asset.id}, created_by=ctx.username,
                                    created_at=ctx.now, interval_months=months,
                                    starts_on=start)
        ctx.session.add(found)
    else:
        found.interval_months, found.starts_on = months, start
    ctx.session.flush()
    ctx.audit("maintenance_schedule", f"{chosen.value}:{asset.code}", "set", before=before,
              after={"interval_months": months, "starts_on": start})
    row = _schedule(ctx.session, chosen, asset)
    assert row is not None
    return row


@service(Permission.MAINTENANCE_LOG)
def log_maintenance(ctx: Ctx, kind: str, code: str, work_done: str, *,
                    done_on: date | str | None = None, done_by: str | None = None) -> LogRow:
    """Work done on an asset (default today, by the caller); the next due date follows
    from the asset's schedule."""
    chosen = _kind(kind)
    problems: list[FieldProblem] = []
    work = (work_done or "").strip()
    if not work:
        problems.append(FieldProblem("work_done", "is required: say what was done"))
    elif len(work) > WORK_MAX:
        problems.append(FieldProblem("work_done", f"may have at most {WORK_MAX} characters"))
    when = parse_date(done_on, "done_on", problems) or ctx.now.date()
    if when > ctx.now.date():
        problems.append(FieldProblem("done_on", f"{when} is in the future"))
    who = (done_by or ctx.username).strip()
    if ctx.session.scalar(select(User.id).where(User.username == who)) is None:
        problems.append(FieldProblem("done_by", f"no user {who!r}; name who did the work by "
                                     "their user name"))
    if problems:
        raise ValidationError(problems)
    asset = _asset(ctx.session, chosen, code)
    column = "substation_id" if chosen is AssetKind.DSS else "transformer_id"
    schedule = ctx.session.scalars(select(MaintenanceSchedule).where(
        _column(chosen, MaintenanceSchedule) == asset.id)).first()
    last = _last_done(ctx.session, chosen, asset.id)
    newest = max(when, last) if last is not None else when  # a late entry of older work
    due = None if schedule is None else next_due(newest, schedule.starts_on,
                                                 schedule.interval_months)
    entry = MaintenanceLog(**{column: asset.id}, done_on=when, work_done=work, done_by=who,
                           next_due=due, recorded_by=ctx.username, recorded_at=ctx.now)
    ctx.session.add(entry)
    ctx.session.flush()
    ctx.audit("maintenance_log", entry.id, "create", after={
        "asset": f"{chosen.value}:{asset.code}", "done_on": when, "work_done": work,
        "done_by": who, "next_due": due})
    return LogRow(entry.id, chosen, asset.code, when, work, who, due, ctx.username)


@service(Permission.ASSETS_VIEW, readonly=True)
def maintenance_history(ctx: Ctx, kind: str, code: str) -> MaintenanceHistory:
    chosen = _kind(kind)
    asset = _asset(ctx.session, chosen, code)
    logs = [LogRow(m.id, chosen, asset.code, m.done_on, m.work_done, m.done_by, m.next_due,
                   m.recorded_by)
            for m in ctx.session.scalars(
                select(MaintenanceLog).where(_column(chosen, MaintenanceLog) == asset.id)
                .order_by(MaintenanceLog.done_on.desc(), MaintenanceLog.id.desc()))]
    return MaintenanceHistory(_schedule(ctx.session, chosen, asset), logs)


@service(Permission.ASSETS_VIEW, readonly=True)
def overdue_maintenance(ctx: Ctx, *, as_of: date | str | None = None) -> list[OverdueRow]:
    """Scheduled assets in service whose next service was due before `as_of` (default
    today), longest overdue first."""
    problems: list[FieldProblem] = []
    day = parse_date(as_of, "as_of", problems) or ctx.now.date()
    if problems:
        raise ValidationError(problems)
    out: list[OverdueRow] = []
    for kind, model in ((AssetKind.DSS, Substation), (AssetKind.DT, Transformer)):
        last = (select(_column(kind, MaintenanceLog).label("asset_id"),
                       func.max(MaintenanceLog.done_on).label("last_done"))
                .where(_column(kind, MaintenanceLog).is_not(None))
                .group_by(_column(kind, MaintenanceLog)).subquery())
        rows = ctx.session.execute(
            select(model.code, model.name, model.status, MaintenanceSchedule.interval_months,
                   MaintenanceSchedule.starts_on, last.c.last_done)
            .join(MaintenanceSchedule, _column(kind, MaintenanceSchedule) == model.id)
            .outerjoin(last, last.c.asset_id == model.id)
            .where(model.status != AssetStatus.DECOMMISSIONED.value))
        for r in rows:
            due = next_due(r.last_done, r.starts_on, r.interval_months)
            if is_overdue(due, day):
                out.append(OverdueRow(kind, r.code, r.name, AssetStatus(r.status),
                                      r.interval_months, r.last_done, due,
                                      days_overdue(due, day)))
    return sorted(out, key=lambda o: (-o.days_overdue, o.kind.value, o.code))

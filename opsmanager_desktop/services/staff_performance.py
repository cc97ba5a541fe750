"""Staff performance for a period (docs/design.md 1: supervisors watch it): per person and per
team, ranked (domain/staff_performance.py has the figures and the score).

Each source table is read by ONE grouped query over the period (SOURCES below: a function
per source), so the work is done by the database whatever the staff count.

The period runs from `date_from` to `date_to`, both days included: a date column
(a reading's date) is compared as dates; a time column counts from 00:00 of the first day
to before 00:00 of the day after the last. Times are compared as stored.

Who is credited: the reader credited on a meter reading; the officer of a delivery event
(HANDED_OVER or EMAILED; a bill counted once per officer); the recorder of an enumeration
(counted by when it was recorded) or evaluation (by when the inspection was made);
"approved" = approved by now; for a
complaint or support ticket the person assigned, or whoever closed it when nobody was,
counted when it was resolved (else closed): on time when that is no later than its due
time (none due: on time); for a disconnection or reconnection ticket the person who
executed it, when it succeeded (DISCONNECTED / RECONNECTED), by when it was executed.
A team's figures are the sum of its members' (membership as it is now), with the
approval rate worked out from the summed counts.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    BillDelivery,
    Complaint,
    DisconnectionTicket,
    Enumeration,
    Evaluation,
    MeterReading,
    SupportTicket,
    Team,
    TeamMember,
    User,
)
from opsmanager_desktop.domain import staff_performance as perf
from opsmanager_desktop.domain.errors import FieldProblem, ValidationError
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.reports import staff_performance as report
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.print_data import company_of
from opsmanager_desktop.services.teams import team_by_code

MAX_DAYS = 366 * 5
Counts = dict[str, dict[str, int]]  # username -> Metrics field -> value
Source = Callable[[Session, "Period"], Counts]


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min)

    @property
    def end(self) -> datetime:
        """The first moment after the period (exclusive bound for time columns)."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min)

    def describe(self) -> str:
        return f"{self.date_from:%d %b %Y} to {self.date_to:%d %b %Y}"


@dataclass(frozen=True)
class PerformanceRow:
    rank: int
    key: str             # username, or team code
    name: str            # full name, or team name
    team: str | None     # a person's team code (None: in no team; team rows: the code)
    people: int          # 1 for a person; a team's member count
    metrics: perf.Metrics
    score: Decimal       # 0-100 (domain/staff_performance.py)


@dataclass(frozen=True)
class StaffPerformance:
    period: Period
    team: str | None                   # the team asked for, if any
    people: tuple[PerformanceRow, ...]
    teams: tuple[PerformanceRow, ...]
    sources: tuple[str, ...]           # the figures counted


def check_period(date_from: object, date_to: object) -> Period:
    problems = []
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if not isinstance(value, date) or isinstance(value, datetime):
            problems.append(FieldProblem(name, "give a date (YYYY-MM-DD)"))
    if problems:
        raise ValidationError(problems)
    assert isinstance(date_from, date) and isinstance(date_to, date)
    if date_to < date_from:
        raise ValidationError([FieldProblem("date_to", f"{date_to} is before the start "
                                            f"{date_from}")])
    if (date_to - date_from).days > MAX_DAYS:
        raise ValidationError([FieldProblem("date_to", "the period may be at most 5 years")])
    return Period(date_from, date_to)


def _counted(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _collect(rows: Any, names: tuple[str, ...]) -> Counts:
    out: Counts = {}
    for row in rows:
        person = row[0]
        if person:
            out[person] = {n: int(v or 0) for n, v in zip(names, row[1:], strict=True)}
    return out


# --- one grouped query per source ---------------------------------------------------------
def by_readings(session: Session, p: Period) -> Counts:
    r = MeterReading
    rows = session.execute(
        select(r.reader, func.count(), _counted(r.status == "APPROVED"),
               _counted(r.status == "REJECTED"))
        .where(r.read_at >= p.date_from, r.read_at <= p.date_to).group_by(r.reader))
    return _collect(rows, ("readings", "readings_approved", "readings_rejected"))


def by_deliveries(session: Session, p: Period) -> Counts:
    d = BillDelivery
    rows = session.execute(
        select(d.officer, func.count(func.distinct(d.bill_id)))
        .where(d.status.in_(("HANDED_OVER", "EMAILED")), d.occurred_at >= p.start,
               d.occurred_at < p.end).group_by(d.officer))
    return _collect(rows, ("bills_distributed",))


def _field_records(model: Any, when: Any, prefix: str) -> Source:
    def count(session: Session, p: Period) -> Counts:
        rows = session.execute(
            select(model.recorded_by, func.count(), _counted(model.status == "APPROVED"))
            .where(when >= p.start, when < p.end).group_by(model.recorded_by))
        return _collect(rows, (prefix, f"{prefix}_approved"))
    return count


def _cases(model: Any, prefix: str) -> Source:
    def count(session: Session, p: Period) -> Counts:
        done = func.coalesce(model.resolved_at, model.closed_at)
        person = func.coalesce(model.assigned_to, model.closed_by)
        on_time = or_(model.due_at.is_(None), done <= model.due_at)
        rows = session.execute(
            select(person, _counted(on_time), _counted(~on_time))
            .where(done.is_not(None), done >= p.start, done < p.end).group_by(person))
        return _collect(rows, (f"{prefix}_on_time", f"{prefix}_late"))
    return count


def by_executions(session: Session, p: Period) -> Counts:
    t = DisconnectionTicket
    cut = and_(t.kind == "DISCONNECT", t.outcome == "DISCONNECTED")
    back = and_(t.kind == "RECONNECT", t.outcome == "RECONNECTED")
    rows = session.execute(
        select(t.executed_by, _counted(cut), _counted(back))
        .where(t.executed_at >= p.start, t.executed_at < p.end).group_by(t.executed_by))
    return _collect(rows, ("disconnections", "reconnections"))


# (label, query): the label names the figures in the files' "counted" line
SOURCES: tuple[tuple[str, Source], ...] = (
    ("readings", by_readings),
    ("bill deliveries", by_deliveries),
    # an enumeration is dated when recorded in the field; an evaluation by its inspection
    ("enumerations", _field_records(Enumeration, Enumeration.recorded_at, "enumerations")),
    ("evaluations", _field_records(Evaluation, Evaluation.inspected_at, "evaluations")),
    ("complaints", _cases(Complaint, "complaints")),
    ("support tickets", _cases(SupportTicket, "tickets")),
    ("disconnections", by_executions),
)


# --- assembling -----------------------------------------------------------------------------
def _staff(session: Session) -> dict[str, tuple[str, str | None]]:
    """username -> (full name, team code) for every user (names of credited people)."""
    rows = session.execute(
        select(User.username, User.full_name, Team.code)
        .outerjoin(TeamMember, TeamMember.user_id == User.id)
        .outerjoin(Team, Team.id == TeamMember.team_id))
    return {u: (n or "", t) for u, n, t in rows}


def compute(session: Session, p: Period, team: str | None = None) -> StaffPerformance:
    counted: Counts = defaultdict(dict)
    labels = []
    for label, query in SOURCES:
        labels.append(label)
        for person, values in query(session, p).items():
            counted[person].update(values)
    staff = _staff(session)
    teams = {t.code: t for t in session.scalars(select(Team))}
    # everyone who did something, and every member of an open team (a zero shows too)
    people = set(counted) | {u for u, (_n, t) in staff.items()
                             if t is not None and teams[t].is_active}
    if team is not None:
        people = {u for u in people if staff.get(u, ("", None))[1] == team}
    metrics = {u: perf.Metrics(**counted.get(u, {})) for u in people}
    ranked_people = tuple(
        PerformanceRow(r.rank, r.key, staff.get(r.key, ("", None))[0],
                       staff.get(r.key, ("", None))[1], 1, r.metrics, r.score)
        for r in perf.rank(metrics.items()))
    members: dict[str, list[perf.Metrics]] = defaultdict(list)
    for u in people:
        code = staff.get(u, ("", None))[1]
        if code is not None:
            members[code].append(metrics[u])
    codes = {c for c, t in teams.items() if t.is_active} | set(members)
    if team is not None:
        codes = {team}
    ranked_teams = tuple(
        PerformanceRow(r.rank, r.key, teams[r.key].name, r.key, len(members[r.key]),
                       r.metrics, r.score)
        for r in perf.rank((c, perf.total(members[c])) for c in codes))
    return StaffPerformance(p, team, ranked_people, ranked_teams, tuple(labels))


@service(Permission.STAFF_PERFORMANCE_VIEW, readonly=True)
def staff_performance(ctx: Ctx, date_from: date, date_to: date, *,
                      team: str | None = None) -> StaffPerformance:
    """Per person and per team for the period (both days included), ranked best first."""
    return _performance(ctx, date_from, date_to, team)


def _performance(ctx: Ctx, date_from: object, date_to: object,
                 team: str | None) -> StaffPerformance:
    period = check_period(date_from, date_to)
    code = team_by_code(ctx.session, team).code if team else None
    return compute(ctx.session, period, code)


@dataclass(frozen=True)
class ReportFile:
    path: Path
    pages: int      # PDF pages, or workbook sheets
    people: int
    teams: int


REPORT_SUFFIXES = (".xlsx", ".pdf")


def check_report_target(out: object) -> Path:
    if not isinstance(out, str | Path) or not str(out).strip():
        raise ValidationError([FieldProblem("out", "give the file to write: FILE.xlsx or "
                                            "FILE.pdf")])
    path = Path(out)
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise ValidationError([FieldProblem("out", f"{path.name}: the file name must end in "
                                            ".xlsx or .pdf")])
    if not path.parent.is_dir():
        raise ValidationError([FieldProblem("out", f"the folder {path.parent} does not "
                                            "exist")])
    return path


@service(Permission.STAFF_PERFORMANCE_VIEW, readonly=True)
def performance_report(ctx: Ctx, date_from: date, date_to: date, out: str | Path, *,
                       team: str | None = None) -> ReportFile:
    """The period's table as an Excel workbook (.xlsx) or a PDF on the letterhead (.pdf),
    written under a temporary name and moved into place when complete."""
    path = check_report_target(out)
    result = _performance(ctx, date_from, date_to, team)
    company = company_of(ctx.session)
    title = "Staff performance" + (f", team {result.team}" if result.team else "")
    part = path.with_name(f".{path.name}.part")
    try:
        if path.suffix.lower() == ".pdf":
            pages = report.write_pdf(result, part, title, company)
        else:
            pages = len(report.write_workbook(result, part, title, company))
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return ReportFile(path, pages, len(result.people), len(result.teams))

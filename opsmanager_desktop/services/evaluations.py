"""Evaluations (revenue protection): a field officer's inspection of a connection, decided
by a supervisor.

An inspection records the plan the premises should be billed on (tariff found) beside the
connection's plan when it was entered (tariff billed), the meter's condition with the
evidence of tampering or a bypass, photos, the estimated loss of revenue and a proposed
penalty. On approval:
- another plan found is written down as a pending change that bills from the NEXT cycle
  (services/pending_tariffs.py: the first cycle after the latest one that already has
  bills or is open; the billing run of that cycle writes it to the connection), so the
  cycle being billed now keeps the plan it was started on;
- a penalty above zero becomes a debit on the account (services/account_charges.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from opsmanager_desktop.db.models import Connection, Customer, Evaluation, FieldPhoto, TariffPlan
from opsmanager_desktop.domain import customers as rules
from opsmanager_desktop.domain.codes import plan_code, utility_code
from opsmanager_desktop.domain.errors import Conflict, FieldProblem, NotFound, ValidationError
from opsmanager_desktop.domain.field_records import (
    EVIDENCE_MAX,
    NEEDS_EVIDENCE,
    NOTES_MAX,
    MeterCondition,
    RecordStatus,
    money_problem,
    parse_choice,
    text_problem,
)
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.account_charges import charge_account
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.connections import find_connection
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.distribution import normalize_time
from opsmanager_desktop.services.field_common import (
    PhotoInfo,
    RefCache,
    add_record,
    checked_photos,
    decided_ids,
    ensure_pending,
    field_time,
    get_record,
    mark_decided,
    officer_problem,
    photo_infos,
    plan_problem,
    reject_records,
)
from opsmanager_desktop.services.listing import ListQuery, Page, prefix_pattern, run_page
from opsmanager_desktop.services.pending_tariffs import effective_period_now


@dataclass(frozen=True)
class NewEvaluation:
    meter_number: str
    utility: str
    tariff_found: str
    meter_condition: str
    inspected_at: datetime | None = None  # now when None
    evidence: str = ""
    estimated_loss: Decimal = ZERO
    penalty: Decimal = ZERO
    notes: str = ""
    recorded_by: str = ""  # the officer credited; the caller when blank


@dataclass(frozen=True)
class EvaluationRow:
    id: int
    status: RecordStatus
    account_no: str
    customer_name: str
    utility: str
    meter_number: str
    inspected_at: datetime
    tariff_found: str
    tariff_billed: str
    meter_condition: MeterCondition
    evidence: str
    estimated_loss: Decimal
    penalty: Decimal
    notes: str
    source: str
    recorded_by: str
    recorded_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reject_reason: str
    effective_period: str | None  # the cycle the plan found bills from (approved)
    tariff_applied_at: datetime | None

    @property
    def tariff_differs(self) -> bool:
        return self.tariff_found != self.tariff_billed


@dataclass(frozen=True)
class EvaluationDetail:
    record: EvaluationRow
    current_tariff: str  # the connection's plan now
    photos: tuple[PhotoInfo, ...] = field(default=())


_Found = aliased(TariffPlan)
_Billed = aliased(TariffPlan)


def _stmt() -> object:
    return (select(Evaluation, Customer.account_no, Customer.name, _Found.code, _Billed.code)
            .join(Connection, Connection.id == Evaluation.connection_id)
            .join(Customer, Customer.id == Connection.customer_id)
            .join(_Found, _Found.id == Evaluation.found_plan_id)
            .join(_Billed, _Billed.id == Evaluation.billed_plan_id))


def _row(r: object) -> EvaluationRow:
    e: Evaluation = r[0]  # type: ignore[index]
    account, name, found, billed = r[1], r[2], r[3], r[4]  # type: ignore[index]
    return EvaluationRow(
        e.id, RecordStatus(e.status), account, name, e.utility, e.meter_number, e.inspected_at,
        found, billed, MeterCondition(e.meter_condition), e.evidence, e.estimated_loss,
        e.penalty, e.notes, e.source, e.recorded_by, e.recorded_at, e.decided_by,
        e.decided_at, e.reject_reason, e.effective_period, e.tariff_applied_at)


def check_evaluation(ctx: Ctx, spec: NewEvaluation, *, users: set[str] | None = None,
                     refs: RefCache | None = None
                     ) -> tuple[list[FieldProblem], dict[str, object] | None]:
    """The problems of an inspection (fields named as the import file's columns), or the
    Evaluation columns."""
    session = ctx.session
    refs = refs or RefCache(session)
    problems: list[FieldProblem] = []

    def add(name: str, problem: str | None) -> None:
        if problem:
            problems.append(FieldProblem(name, problem))

    condition = parse_choice(MeterCondition, spec.meter_condition)
    if condition is None:
        add("meter_condition", f"{spec.meter_condition!r} is not a meter condition; use one "
            f"of {', '.join(MeterCondition)}" if spec.meter_condition else "is required")
    elif condition in NEEDS_EVIDENCE and not spec.evidence.strip():
        add("evidence", f"is required for a {condition.value} meter: say what was seen")
    add("evidence", text_problem(spec.evidence, EVIDENCE_MAX))
    add("notes", text_problem(spec.notes, NOTES_MAX))
    add("estimated_loss", money_problem(spec.estimated_loss))
    add("penalty", money_problem(spec.penalty))
    officer = spec.recorded_by.strip() or ctx.username
    add("officer", officer_problem(ctx, officer, users))
    when, late = field_time(ctx, spec.inspected_at)
    add("inspected_at", late)
    meter = rules.meter_number(spec.meter_number)
    connection = None
    if not meter:
        add("meter_number", "is required")
    elif not spec.utility.strip():
        add("utility", "is required")
    else:
        try:
            connection = find_connection(session, meter, spec.utility)
        except NotFound as exc:
            add("meter_number", str(exc))
    code = plan_code(spec.tariff_found) if spec.tariff_found.strip() else ""
    plan = None
    if not code:
        add("tariff_found", "is required: the plan the premises should be billed on")
    else:
        plan = refs.plan(code)
        add("tariff_found", plan_problem(
            plan, code, connection.utility_type_id if connection is not None else None))
    if problems:
        return problems, None
    assert connection is not None and plan is not None and condition is not None
    return [], {
        "connection_id": connection.id, "meter_number": connection.meter_number,
        "utility": utility_code(spec.utility), "inspected_at": when,
        "found_plan_id": plan.id, "billed_plan_id": connection.tariff_plan_id,
        "meter_condition": condition.value, "evidence": spec.evidence.strip(),
        "estimated_loss": spec.estimated_loss, "penalty": spec.penalty,
        "notes": spec.notes.strip(), "recorded_by": officer,
        "recorded_at": normalize_time(ctx.now), "status": RecordStatus.PENDING.value,
        "entered_by": ctx.username}


@service(Permission.FIELD_RECORD)
def record_evaluation(ctx: Ctx, spec: NewEvaluation,
                      photos: Sequence[tuple[str, bytes]] | None = None) -> EvaluationDetail:
    """A new PENDING inspection, with its photos (file name, bytes)."""
    problems, values = check_evaluation(ctx, spec)
    if values is None:
        raise ValidationError(problems)
    items = checked_photos(photos)
    if ctx.session.scalar(select(Evaluation.id).where(
            Evaluation.recorded_by == values["recorded_by"],
            Evaluation.connection_id == values["connection_id"],
            Evaluation.inspected_at == values["inspected_at"])) is not None:
        raise Conflict(f"{values['recorded_by']} already recorded an inspection of meter "
                       f"{values['meter_number']} at {values['inspected_at']:%Y-%m-%d %H:%M}")
    record = Evaluation(**values, source="MANUAL")
    add_record(ctx, "evaluation", record, items)
    return _detail(ctx, record.id)


def _get(ctx: Ctx, record_id: int, lock: bool = False) -> Evaluation:
    return get_record(ctx, Evaluation, "evaluation", record_id, lock)


def _detail(ctx: Ctx, record_id: int) -> EvaluationDetail:
    ctx.session.flush()
    row = ctx.session.execute(_stmt().where(  # type: ignore[attr-defined]
        Evaluation.id == record_id).execution_options(populate_existing=True)).one()
    current = ctx.session.scalar(select(TariffPlan.code).join(
        Connection, Connection.tariff_plan_id == TariffPlan.id).where(
        Connection.id == row[0].connection_id))
    return EvaluationDetail(_row(row), str(current),
                            photo_infos(ctx.session, FieldPhoto.evaluation_id, record_id))


@service(Permission.FIELD_VIEW, readonly=True)
def get_evaluation(ctx: Ctx, record_id: int) -> EvaluationDetail:
    _get(ctx, record_id)
    return _detail(ctx, int(record_id))


_SORT = {"id": Evaluation.id, "inspected_at": Evaluation.inspected_at,
         "status": Evaluation.status, "meter_number": Evaluation.meter_number,
         "meter_condition": Evaluation.meter_condition, "recorded_by": Evaluation.recorded_by,
         "estimated_loss": Evaluation.estimated_loss, "penalty": Evaluation.penalty}


@service(Permission.FIELD_VIEW, readonly=True)
def list_evaluations(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[EvaluationRow]:
    """Search: meter or account number prefix. Filters: status, meter_condition, officer."""
    stmt = _stmt()
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip().upper())
        stmt = stmt.where(or_(  # type: ignore[attr-defined]
            Evaluation.meter_number.like(pattern, escape="\\"),
            Customer.account_no.like(pattern, escape="\\")))
    filters = query.filters or {}
    if filters.get("status"):
        stmt = stmt.where(Evaluation.status == str(filters["status"]).upper())  # type: ignore[attr-defined]
    if filters.get("meter_condition"):
        stmt = stmt.where(  # type: ignore[attr-defined]
            Evaluation.meter_condition == str(filters["meter_condition"]).upper())
    if filters.get("officer"):
        stmt = stmt.where(Evaluation.recorded_by == str(filters["officer"]))  # type: ignore[attr-defined]
    return run_page(ctx.session, stmt, query, _SORT, Evaluation.id, _row)


def _approve_one(ctx: Ctx, record: Evaluation, period: str) -> None:
    ensure_pending(f"evaluation {record.id}", record.status)
    before = snapshot(record)
    connection = ctx.session.get(Connection, record.connection_id)
    if connection is None or connection.active_meter is None:
        raise Conflict(f"evaluation {record.id}: the connection of meter "
                       f"{record.meter_number} is closed; reject the record")
    if record.found_plan_id != connection.tariff_plan_id:
        record.effective_period = period
    mark_decided(ctx, record, RecordStatus.APPROVED)
    if record.penalty > 0:
        charge_account(
            ctx, record.connection_id, record.penalty,
            f"Penalty: inspection {record.id} found the meter {record.meter_condition}",
            "EVALUATION", str(record.id))
        # the charge's audit row alone: two audit rows flushed together become one
        # INSERT ... RETURNING, which an officer's account may not SELECT back (MariaDB)
        ctx.session.flush()
    ctx.audit("evaluation", record.id, "approve", before=before, after={
        **snapshot(record), "penalty_charged": record.penalty > 0})


@service(Permission.FIELD_APPROVE)
def approve_evaluations(ctx: Ctx, ids: Sequence[int] | int) -> list[EvaluationRow]:
    """Approve the inspections, all or none (see the module docstring for the effects)."""
    period = effective_period_now(ctx.session, ctx.now.date())
    records = [_get(ctx, i, lock=True) for i in decided_ids(ids)]
    for record in records:
        _approve_one(ctx, record, period)
    return [_detail(ctx, r.id).record for r in records]


@service(Permission.FIELD_APPROVE)
def reject_evaluations(ctx: Ctx, ids: Sequence[int] | int, reason: str
                       ) -> list[EvaluationRow]:
    records = reject_records(ctx, Evaluation, "evaluation", ids, reason)
    return [_detail(ctx, r.id).record for r in records]

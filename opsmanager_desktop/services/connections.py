"""Connections: a customer's utility type + meter + tariff plan. Billing officers add them,
cut and restore supply, close them, set the sanctioned load, change the tariff and replace
the meter.

A connection is named by its meter number and utility type (`M-100`, `electricity`): a meter
number is unique among the connections of a utility type that are not closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Connection,
    Customer,
    MeterReading,
    MeterReplacement,
    TariffPlan,
    UtilityType,
)
from opsmanager_desktop.domain import customers as rules
from opsmanager_desktop.domain.codes import plan_code, utility_code
from opsmanager_desktop.domain.customers import ConnectionStatus
from opsmanager_desktop.domain.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    ValidationError,
    invalid,
)
from opsmanager_desktop.domain.money import ZERO, D, has_at_most_places
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.readings import ReadingStatus, reading_value_problem
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import ListQuery, Page, prefix_pattern, run_page
from opsmanager_desktop.services.meter_history import load_histories

MAX_LOAD_KW = Decimal("100000")


@dataclass(frozen=True)
class NewConnection:
    utility: str
    meter_number: str
    tariff_code: str
    initial_reading: Decimal = ZERO
    sanctioned_load_kw: Decimal = ZERO
    transformer_code: str | None = None
    connected_on: date | None = None


@dataclass(frozen=True)
class ConnectionRow:
    id: int
    account_no: str
    customer_name: str
    utility: str
    meter_number: str
    tariff_code: str
    status: ConnectionStatus
    sanctioned_load_kw: Decimal
    initial_reading: Decimal
    transformer_code: str | None
    connected_on: date | None
    version: int


def connection_stmt() -> Select[Connection, str, str, str, str]:
    return (select(Connection, Customer.account_no, Customer.name, UtilityType.code,
                   TariffPlan.code)
            .join(Customer, Customer.id == Connection.customer_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .join(TariffPlan, TariffPlan.id == Connection.tariff_plan_id))


def connection_row(r: Any) -> ConnectionRow:
    c: Connection = r[0]
    return ConnectionRow(c.id, r[1], r[2], r[3], c.meter_number, r[4],
                         ConnectionStatus(c.status), c.sanctioned_load_kw, c.initial_reading,
                         c.transformer_code, c.connected_on, c.version)


def _row_of(session: Session, connection_id: int) -> ConnectionRow:
    """The row as stored (7.5 kW comes back as 7.500, like every later read)."""
    session.flush()
    return connection_row(session.execute(
        connection_stmt().where(Connection.id == connection_id)
        .execution_options(populate_existing=True)).one())


def utility_ids(session: Session) -> dict[str, int]:
    """Active utility types by code."""
    return dict(session.execute(select(UtilityType.code, UtilityType.id)
                                .where(UtilityType.is_active.is_(True))).all())


def find_connection(session: Session, meter: str, utility: str, *,
                    lock: bool = False) -> Connection:
    """The connection (not closed) with this meter of this utility, or NotFound."""
    stmt = (select(Connection).join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .where(UtilityType.code == utility_code(utility),
                   Connection.active_meter == rules.meter_number(meter)))
    found = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if found is None:
        raise NotFound(f"no open {utility_code(utility)} connection has meter "
                       f"{rules.meter_number(meter)!r}")
    return found


def meter_owner(session: Session, utility_type_id: int, meter: str) -> str | None:
    """The account whose open connection of this utility has this meter, if any."""
    return session.scalar(select(Customer.account_no).join(
        Connection, Connection.customer_id == Customer.id).where(
        Connection.utility_type_id == utility_type_id, Connection.active_meter == meter))


def _check_new(session: Session, spec: NewConnection, today: date) -> tuple[int, int, str]:
    """Problems of a new connection, or (utility id, tariff plan id, meter number)."""
    problems: list[FieldProblem] = []
    utility = session.scalars(select(UtilityType).where(
        UtilityType.code == utility_code(spec.utility))).first()
    if utility is None or not utility.is_active:
        problems.append(FieldProblem("utility", f"{spec.utility!r} is not an active utility "
                                     "type"))
    meter = rules.meter_number(spec.meter_number)
    problem = rules.meter_problem(meter)
    if problem:
        problems.append(FieldProblem("meter_number", problem))
    plan = session.scalars(select(TariffPlan).where(
        TariffPlan.code == plan_code(spec.tariff_code))).first()
    if plan is None:
        problems.append(FieldProblem("tariff_code", f"no tariff plan {spec.tariff_code!r}"))
    elif not plan.is_active:
        problems.append(FieldProblem("tariff_code", f"tariff plan {plan.code} is no longer "
                                     "offered"))
    elif utility is not None and plan.utility_type_id != utility.id:
        problems.append(FieldProblem("tariff_code", f"tariff plan {plan.code} is for another "
                                     f"utility type, not {utility.code}"))
    value_problem = reading_value_problem(D(spec.initial_reading))
    if value_problem:
        problems.append(FieldProblem("initial_reading", value_problem))
    problems += _load_problems(spec.sanctioned_load_kw)
    if spec.connected_on is not None and \
            (problem := rules.connected_on_problem(spec.connected_on, today)):
        problems.append(FieldProblem("connected_on", problem))
    if spec.transformer_code and len(spec.transformer_code) > rules.TRANSFORMER_MAX:
        problems.append(FieldProblem("transformer_code", f"may have at most "
                                     f"{rules.TRANSFORMER_MAX} characters"))
    if problems:
        raise ValidationError(problems)
    assert utility is not None and plan is not None
    owner = meter_owner(session, utility.id, meter)
    if owner is not None:
        raise Conflict(f"meter {meter} is already fitted on an open {utility.code} connection "
                       f"of account {owner}")
    return utility.id, plan.id, meter


def _load_problems(kw: Decimal) -> list[FieldProblem]:
    if kw < 0:
        return [FieldProblem("sanctioned_load_kw", "must not be negative")]
    if not has_at_most_places(kw, 3) or kw > MAX_LOAD_KW:
        return [FieldProblem("sanctioned_load_kw", f"must be at most {MAX_LOAD_KW} kW with up "
                             "to 3 decimals")]
    return []


def create_connection(ctx: Ctx, customer: Customer, spec: NewConnection) -> Connection:
    """Add a connection to a customer inside the caller's service (checked and audited)."""
    utility_id, plan_id, meter = _check_new(ctx.session, spec, ctx.now.date())
    connection = Connection(
        customer_id=customer.id, utility_type_id=utility_id, meter_number=meter,
        active_meter=meter, tariff_plan_id=plan_id, status=ConnectionStatus.ACTIVE.value,
        sanctioned_load_kw=spec.sanctioned_load_kw, initial_reading=D(spec.initial_reading),
        transformer_code=(spec.transformer_code or "").strip() or None,
        connected_on=spec.connected_on or ctx.now.date(), created_at=ctx.now)
    ctx.session.add(connection)
    ctx.session.flush()
    ctx.audit("connection", connection.id, "create", after=snapshot(connection))
    return connection


@service(Permission.CUSTOMERS_MANAGE)
def add_connection(ctx: Ctx, account_no: str, spec: NewConnection) -> ConnectionRow:
    customer = ctx.session.scalars(select(Customer).where(
        Customer.account_no == rules.account_no(account_no))).first()
    if customer is None:
        raise NotFound(f"no customer has account number {rules.account_no(account_no)!r}")
    return _row_of(ctx.session, create_connection(ctx, customer, spec).id)


def _locked(ctx: Ctx, meter: str, utility: str, version: int | None) -> Connection:
    connection = find_connection(ctx.session, meter, utility, lock=True)
    if version is not None and version != connection.version:
        raise Conflict(f"the connection of meter {connection.meter_number} was changed by "
                       "someone else since you opened it; reload it and make your change again")
    return connection


@service(Permission.CUSTOMERS_MANAGE)
def set_status(ctx: Ctx, meter: str, utility: str, status: ConnectionStatus | str, *,
               version: int | None = None) -> ConnectionRow:
    """ACTIVE <-> DISCONNECTED, either -> CLOSED (final: the meter number is freed)."""
    try:
        new = ConnectionStatus(str(status).strip().upper())
    except ValueError:
        raise invalid("status", f"{status!r} is not a status; use "
                      + ", ".join(ConnectionStatus)) from None
    connection = _locked(ctx, meter, utility, version)
    problem = rules.status_change_problem(ConnectionStatus(connection.status), new)
    if problem:
        raise Conflict(problem)
    before = snapshot(connection)
    connection.status = new.value
    if new is ConnectionStatus.CLOSED:
        connection.active_meter = None
    ctx.session.flush()
    ctx.audit("connection", connection.id, "set_status", before=before,
              after=snapshot(connection))
    return _row_of(ctx.session, connection.id)


@service(Permission.CUSTOMERS_MANAGE)
def set_load(ctx: Ctx, meter: str, utility: str, kw: Decimal | str | int, *,
             version: int | None = None) -> ConnectionRow:
    """The sanctioned load (kW) that per-kW fixed charges are billed on."""
    try:
        value = D(kw)
    except ValueError as exc:
        raise invalid("kw", str(exc)) from None
    problems = _load_problems(value)
    if problems:
        raise ValidationError(problems)
    connection = _locked(ctx, meter, utility, version)
    before = snapshot(connection)
    connection.sanctioned_load_kw = value
    ctx.session.flush()
    ctx.audit("connection", connection.id, "set_load", before=before,
              after=snapshot(connection))
    return _row_of(ctx.session, connection.id)


@service(Permission.CUSTOMERS_MANAGE)
def change_tariff(ctx: Ctx, meter: str, utility: str, tariff_code: str, *,
                  version: int | None = None) -> ConnectionRow:
    """From the next billing run on; bills already made keep the tariff they were made with."""
    connection = _locked(ctx, meter, utility, version)
    plan = ctx.session.scalars(select(TariffPlan).where(
        TariffPlan.code == plan_code(tariff_code))).first()
    if plan is None:
        raise invalid("tariff_code", f"no tariff plan {tariff_code!r}")
    if not plan.is_active:
        raise invalid("tariff_code", f"tariff plan {plan.code} is no longer offered")
    if plan.utility_type_id != connection.utility_type_id:
        raise invalid("tariff_code", f"tariff plan {plan.code} is for another utility type")
    if plan.id == connection.tariff_plan_id:
        raise invalid("tariff_code", f"the connection is already on {plan.code}")
    before = snapshot(connection)
    connection.tariff_plan_id = plan.id
    ctx.session.flush()
    ctx.audit("connection", connection.id, "change_tariff", before=before,
              after=snapshot(connection))
    return _row_of(ctx.session, connection.id)


@service(Permission.CUSTOMERS_MANAGE)
def replace_meter(ctx: Ctx, meter: str, utility: str, *, old_final: Decimal | str,
                  new_meter: str, new_initial: Decimal | str, replaced_on: date,
                  version: int | None = None) -> ConnectionRow:
    """Take the old meter out at its final reading and fit `new_meter` at its initial
    reading; the next reading bills (old final - old previous) + (new current - new
    initial) (domain/readings.py)."""
    problems: list[FieldProblem] = []
    values: dict[str, Decimal] = {}
    for field, raw in (("old_final", old_final), ("new_initial", new_initial)):
        try:
            values[field] = D(raw)
            problem = reading_value_problem(values[field])
        except ValueError as exc:
            problem = str(exc)
        if problem:
            problems.append(FieldProblem(field, problem))
    new_number = rules.meter_number(new_meter)
    meter_problem = rules.meter_problem(new_number)
    if meter_problem:
        problems.append(FieldProblem("new_meter", meter_problem))
    if replaced_on > ctx.now.date():
        problems.append(FieldProblem("date", f"{replaced_on.isoformat()} is in the future"))
    if problems:
        raise ValidationError(problems)
    connection = _locked(ctx, meter, utility, version)
    waiting = ctx.session.scalar(select(MeterReading.id).where(
        MeterReading.connection_id == connection.id,
        MeterReading.status == ReadingStatus.SUBMITTED.value))
    if waiting is not None:
        raise Conflict(f"reading {waiting} of meter {connection.meter_number} awaits approval; "
                       "have it approved or rejected before the meter is replaced")
    last_read_at = ctx.session.scalar(select(MeterReading.read_at).where(
        MeterReading.connection_id == connection.id,
        MeterReading.status != ReadingStatus.REJECTED.value,
        MeterReading.is_estimated.is_(False)).order_by(MeterReading.read_at.desc()).limit(1))
    if last_read_at is not None and replaced_on < last_read_at:
        raise invalid("date", f"{replaced_on.isoformat()} is before the meter's last reading "
                      f"({last_read_at.isoformat()})")
    position = load_histories(ctx.session, {connection.id: connection.initial_reading})[
        connection.id].position
    if values["old_final"] < position.last_read:
        raise invalid("old_final", f"final reading {values['old_final']} is below the old "
                      f"meter's last reading {position.last_read}")
    if new_number == connection.meter_number:
        raise invalid("new_meter", "the new meter must have another number than the old one")
    owner = meter_owner(ctx.session, connection.utility_type_id, new_number)
    if owner is not None:
        raise Conflict(f"meter {new_number} is already fitted on an open connection of "
                       f"account {owner}")
    before = snapshot(connection)
    replacement = MeterReplacement(
        connection_id=connection.id, old_meter_number=connection.meter_number,
        old_previous_reading=position.billed_to, old_final_reading=values["old_final"],
        new_meter_number=new_number, new_initial_reading=values["new_initial"],
        replaced_on=replaced_on, created_at=ctx.now)
    ctx.session.add(replacement)
    connection.meter_number = new_number
    connection.active_meter = new_number
    ctx.session.flush()
    ctx.audit("connection", connection.id, "replace_meter", before=before,
              after={**snapshot(connection), "replacement": snapshot(replacement)})
    return _row_of(ctx.session, connection.id)


_SORT = {"meter_number": Connection.meter_number, "account_no": Customer.account_no,
         "status": Connection.status, "utility": UtilityType.code,
         "tariff_code": TariffPlan.code, "created_at": Connection.created_at}


@service(Permission.CUSTOMERS_VIEW, readonly=True)
def list_connections(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[ConnectionRow]:
    """Search: meter or account number prefix. Filters: utility, status, tariff_code,
    account_no, transformer_code."""
    stmt = connection_stmt()
    if query.search:
        pattern = prefix_pattern(query.search.strip().upper())
        meters = select(Connection.id).where(Connection.meter_number.like(pattern, escape="\\"))
        accounts = (select(Connection.id).join(Customer, Customer.id == Connection.customer_id)
                    .where(Customer.account_no.like(pattern, escape="\\")))
        hits = meters.union(accounts).subquery()
        stmt = stmt.join(hits, hits.c.id == Connection.id)
    filters = query.filters or {}
    if filters.get("utility"):
        stmt = stmt.where(UtilityType.code == utility_code(str(filters["utility"])))
    if filters.get("status"):
        stmt = stmt.where(Connection.status == str(filters["status"]).upper())
    if filters.get("tariff_code"):
        stmt = stmt.where(TariffPlan.code == plan_code(str(filters["tariff_code"])))
    if filters.get("account_no"):
        stmt = stmt.where(Customer.account_no == rules.account_no(str(filters["account_no"])))
    if filters.get("transformer_code"):
        stmt = stmt.where(Connection.transformer_code == str(filters["transformer_code"]))
    return run_page(ctx.session, stmt, query, _SORT, Connection.id, connection_row)


@service(Permission.CUSTOMERS_VIEW, readonly=True)
def get_connection(ctx: Ctx, meter: str, utility: str) -> ConnectionRow:
    return _row_of(ctx.session, find_connection(ctx.session, meter, utility).id)

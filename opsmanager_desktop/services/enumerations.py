"""Enumerations: a customer found on the ground, recorded by a field officer (by hand or from
the handheld file, services/enumeration_import.py) and decided by a supervisor.

- NEW: a customer not on the books. Approval creates the customer and its connection with
  the rules of services/customers.py (account number, name, phone, e-mail checks; a meter
  unique among the open connections of its utility; an active plan of that utility).
- UPDATE: an existing account whose details differ. Approval corrects the customer's name,
  address, phone and e-mail (blank fields keep what is stored) and the connection's tariff
  plan and transformer when given; the tariff change bills from the next billing run, like
  connections.change_tariff.
Possible duplicates (the same account number, meter number or phone among existing
customers and connections) are listed with each record so the supervisor sees them before
approving. A decided record is never decided again (Conflict).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select

from opsmanager_desktop.db.models import Connection, Customer, Enumeration, FieldPhoto, UtilityType
from opsmanager_desktop.domain import customers as rules
from opsmanager_desktop.domain.codes import plan_code, utility_code
from opsmanager_desktop.domain.errors import Conflict, FieldProblem, NotFound, ValidationError
from opsmanager_desktop.domain.field_records import (
    NOTES_MAX,
    EnumerationKind,
    RecordStatus,
    coordinate_problem,
    parse_choice,
    text_problem,
)
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.connections import NewConnection
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.customers import add_customer
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
    plans_by_code,
    reject_records,
)
from opsmanager_desktop.services.listing import ListQuery, Page, prefix_pattern, run_page

MAX_DUPLICATES = 20


@dataclass(frozen=True)
class NewEnumeration:
    kind: str
    name: str
    utility: str
    meter_number: str
    account_no: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    tariff_code: str = ""
    transformer_code: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    notes: str = ""
    recorded_by: str = ""  # the officer credited; the caller when blank
    recorded_at: datetime | None = None  # when it was seen; now when None


@dataclass(frozen=True)
class EnumerationRow:
    id: int
    kind: EnumerationKind
    status: RecordStatus
    account_no: str
    name: str
    address: str
    phone: str
    email: str
    utility: str
    meter_number: str
    tariff_code: str
    transformer_code: str
    latitude: Decimal | None
    longitude: Decimal | None
    notes: str
    source: str
    recorded_by: str
    recorded_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reject_reason: str


@dataclass(frozen=True)
class Duplicate:
    """An existing customer (and connection) that looks like the record."""

    matched_by: tuple[str, ...]  # "account", "meter", "phone"
    account_no: str
    name: str
    phone: str
    utility: str | None
    meter_number: str | None
    connection_status: str | None


@dataclass(frozen=True)
class EnumerationDetail:
    record: EnumerationRow
    duplicates: tuple[Duplicate, ...]
    photos: tuple[PhotoInfo, ...] = field(default=())


def _row(e: Enumeration) -> EnumerationRow:
    return EnumerationRow(
        e.id, EnumerationKind(e.kind), RecordStatus(e.status), e.account_no, e.name, e.address,
        e.phone, e.email, e.utility, e.meter_number, e.tariff_code, e.transformer_code,
        e.latitude, e.longitude, e.notes, e.source, e.recorded_by, e.recorded_at, e.decided_by,
        e.decided_at, e.reject_reason)


@dataclass(frozen=True)
class Checked:
    values: dict[str, object]  # the Enumeration columns


def check_enumeration(ctx: Ctx, spec: NewEnumeration, *, users: set[str] | None = None,
                      refs: RefCache | None = None
                      ) -> tuple[list[FieldProblem], Checked | None]:
    """The problems of a record (field named as the import file's column), or its values."""
    session = ctx.session
    refs = refs or RefCache(session)
    problems: list[FieldProblem] = []

    def add(field_name: str, problem: str | None) -> None:
        if problem:
            problems.append(FieldProblem(field_name, problem))

    kind = parse_choice(EnumerationKind, spec.kind)
    if kind is None:
        add("kind", f"{spec.kind!r} is not a kind; use NEW (a customer not on the books) or "
            "UPDATE (an existing account whose details differ)" if spec.kind else "is required")
    add("name", rules.name_problem(spec.name))
    add("address", rules.address_problem(spec.address))
    add("phone", rules.phone_problem(spec.phone))
    add("email", rules.email_problem(spec.email))
    meter = rules.meter_number(spec.meter_number)
    add("meter_number", rules.meter_problem(meter))
    add("latitude", coordinate_problem("latitude", spec.latitude))
    add("longitude", coordinate_problem("longitude", spec.longitude))
    add("notes", text_problem(spec.notes, NOTES_MAX))
    if len(spec.transformer_code.strip()) > rules.TRANSFORMER_MAX:
        add("dt_code", f"may have at most {rules.TRANSFORMER_MAX} characters")
    utility = refs.utility(utility_code(spec.utility or "-"))
    if utility is None or not utility.is_active:
        add("utility", f"{spec.utility!r} is not an active utility type" if spec.utility
            else "is required")
    code = plan_code(spec.tariff_code) if spec.tariff_code.strip() else ""
    if code:
        add("tariff_code", plan_problem(refs.plan(code), code,
                                        utility.id if utility else None))
    elif kind is EnumerationKind.NEW:
        add("tariff_code", "is required for a NEW customer: the plan proposed for the "
            "connection")
    officer = spec.recorded_by.strip() or ctx.username
    add("officer", officer_problem(ctx, officer, users))
    when, late = field_time(ctx, spec.recorded_at)
    add("recorded_at", late)
    account = rules.account_no(spec.account_no)
    customer_id = connection_id = None
    if account:
        add("account_no", rules.account_problem(account))
        found = session.scalar(select(Customer.id).where(Customer.account_no == account))
        if kind is EnumerationKind.NEW and found is not None:
            add("account_no", f"account {account} already exists; record the customer as "
                "UPDATE to correct its details")
        if kind is EnumerationKind.UPDATE:
            if found is None:
                add("account_no", f"no customer has account number {account!r}")
            customer_id = found
    elif kind is EnumerationKind.UPDATE:
        add("account_no", "is required for an UPDATE: the account whose details differ")
    if customer_id is not None and utility is not None and not problems:
        connection_id = session.scalar(select(Connection.id).where(
            Connection.customer_id == customer_id, Connection.utility_type_id == utility.id,
            Connection.active_meter == meter))
        if connection_id is None:
            add("meter_number", f"account {account} has no open {utility.code} connection "
                f"with meter {meter}")
    if problems:
        return problems, None
    assert kind is not None and utility is not None
    return [], Checked({
        "kind": kind.value, "account_no": account, "customer_id": customer_id,
        "connection_id": connection_id, "name": spec.name.strip(),
        "address": spec.address.strip(), "phone": spec.phone.strip(),
        "email": spec.email.strip(), "utility": utility.code, "meter_number": meter,
        "tariff_code": code, "transformer_code": spec.transformer_code.strip(),
        "latitude": spec.latitude, "longitude": spec.longitude, "notes": spec.notes.strip(),
        "recorded_by": officer, "recorded_at": when,
        "status": RecordStatus.PENDING.value, "entered_by": ctx.username})


def record_key(values: dict[str, object]) -> tuple[str, str, datetime]:
    """The natural key: one officer's record of one meter at one moment."""
    when = values["recorded_at"]
    assert isinstance(when, datetime)
    return str(values["recorded_by"]), str(values["meter_number"]), when


@service(Permission.FIELD_RECORD)
def record_enumeration(ctx: Ctx, spec: NewEnumeration,
                       photos: Sequence[tuple[str, bytes]] | None = None) -> EnumerationDetail:
    """A new PENDING enumeration, with its photos (file name, bytes)."""
    problems, checked = check_enumeration(ctx, spec)
    if checked is None:
        raise ValidationError(problems)
    items = checked_photos(photos)
    key = record_key(checked.values)
    if ctx.session.scalar(select(Enumeration.id).where(
            Enumeration.recorded_by == key[0], Enumeration.meter_number == key[1],
            Enumeration.recorded_at == key[2])) is not None:
        raise Conflict(f"{key[0]} already recorded meter {key[1]} at {key[2]:%Y-%m-%d %H:%M}")
    record = Enumeration(**checked.values, source="MANUAL")
    add_record(ctx, "enumeration", record, items)
    return _detail(ctx, record)


def _get(ctx: Ctx, record_id: int, lock: bool = False) -> Enumeration:
    return get_record(ctx, Enumeration, "enumeration", record_id, lock)


def duplicates_of(ctx: Ctx, record: Enumeration) -> tuple[Duplicate, ...]:
    """Existing customers/connections with the record's account number, meter number or
    phone (each looked up on its index)."""
    conditions = [Connection.meter_number == record.meter_number]
    if record.account_no:
        conditions.append(Customer.account_no == record.account_no)
    if record.phone:
        conditions.append(Customer.phone == record.phone)
    rows = ctx.session.execute(
        select(Customer.account_no, Customer.name, Customer.phone, UtilityType.code,
               Connection.meter_number, Connection.status)
        .select_from(Customer)
        .outerjoin(Connection, Connection.customer_id == Customer.id)
        .outerjoin(UtilityType, UtilityType.id == Connection.utility_type_id)
        .where(or_(*conditions)).order_by(Customer.account_no, Connection.id)
        .limit(MAX_DUPLICATES)).all()
    found = []
    for r in rows:
        matched = tuple(name for name, hit in (
            ("account", bool(record.account_no) and r[0] == record.account_no),
            ("meter", r[4] == record.meter_number),
            ("phone", bool(record.phone) and r[2] == record.phone)) if hit)
        found.append(Duplicate(matched, r[0], r[1], r[2], r[3], r[4], r[5]))
    return tuple(found)


def _detail(ctx: Ctx, record: Enumeration) -> EnumerationDetail:
    ctx.session.flush()
    ctx.session.refresh(record)
    return EnumerationDetail(_row(record), duplicates_of(ctx, record),
                             photo_infos(ctx.session, FieldPhoto.enumeration_id, record.id))


@service(Permission.FIELD_VIEW, readonly=True)
def get_enumeration(ctx: Ctx, record_id: int) -> EnumerationDetail:
    """The record with its possible duplicates and photos."""
    return _detail(ctx, _get(ctx, record_id))


@service(Permission.FIELD_VIEW, readonly=True)
def get_field_photo(ctx: Ctx, photo_id: int) -> bytes:
    data = ctx.session.scalar(select(FieldPhoto.data).where(FieldPhoto.id == int(photo_id)))
    if data is None:
        raise NotFound(f"no field photo {photo_id}")
    return bytes(data)


_SORT = {"id": Enumeration.id, "recorded_at": Enumeration.recorded_at,
         "status": Enumeration.status, "kind": Enumeration.kind, "name": Enumeration.name,
         "meter_number": Enumeration.meter_number, "recorded_by": Enumeration.recorded_by}


@service(Permission.FIELD_VIEW, readonly=True)
def list_enumerations(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[EnumerationRow]:
    """Search: meter number, account number, name or phone prefix. Filters: status, kind,
    officer (recorded_by)."""
    stmt = select(Enumeration)
    if query.search.strip():
        text = query.search.strip()
        stmt = stmt.where(or_(
            Enumeration.meter_number.like(prefix_pattern(text.upper()), escape="\\"),
            Enumeration.account_no.like(prefix_pattern(text.upper()), escape="\\"),
            Enumeration.name.like(prefix_pattern(text), escape="\\"),
            Enumeration.phone.like(prefix_pattern(text), escape="\\")))
    filters = query.filters or {}
    if filters.get("status"):
        stmt = stmt.where(Enumeration.status == str(filters["status"]).upper())
    if filters.get("kind"):
        stmt = stmt.where(Enumeration.kind == str(filters["kind"]).upper())
    if filters.get("officer"):
        stmt = stmt.where(Enumeration.recorded_by == str(filters["officer"]))
    return run_page(ctx.session, stmt, query, _SORT, Enumeration.id,
                    lambda r: _row(r[0]))


def _approve_one(ctx: Ctx, record: Enumeration, account_no: str | None) -> None:
    ensure_pending(f"enumeration {record.id}", record.status)
    before = snapshot(record)
    if record.kind == EnumerationKind.NEW.value:
        number = rules.account_no(account_no or record.account_no or f"EN{record.id:07d}")
        spec = NewConnection(record.utility, record.meter_number, record.tariff_code,
                             transformer_code=record.transformer_code or None,
                             connected_on=ctx.now.date())
        customer = add_customer(ctx, number, record.name, address=record.address,
                                phone=record.phone, email=record.email, connection=spec)
        record.account_no = customer.account_no
        record.customer_id = customer.id
        record.connection_id = ctx.session.scalar(select(Connection.id).where(
            Connection.customer_id == customer.id).order_by(Connection.id.desc()).limit(1))
    else:
        _correct(ctx, record)
    mark_decided(ctx, record, RecordStatus.APPROVED)
    ctx.audit("enumeration", record.id, "approve", before=before, after=snapshot(record))


def _correct(ctx: Ctx, record: Enumeration) -> None:
    customer = ctx.session.scalars(select(Customer).where(
        Customer.id == record.customer_id).with_for_update()).first()
    connection = ctx.session.scalars(select(Connection).where(
        Connection.id == record.connection_id).with_for_update()).first()
    if customer is None or connection is None or connection.active_meter is None:
        raise Conflict(f"the connection of meter {record.meter_number} of account "
                       f"{record.account_no} is closed or gone; reject the record")
    before = snapshot(customer)
    for name in ("name", "address", "phone", "email"):
        value = getattr(record, name)
        if value:
            setattr(customer, name, value)
    ctx.session.flush()
    ctx.audit("customer", customer.id, "update", before=before, after=snapshot(customer))
    before = snapshot(connection)
    if record.tariff_code:
        plan = plans_by_code(ctx.session, [record.tariff_code]).get(record.tariff_code)
        problem = plan_problem(plan, record.tariff_code, connection.utility_type_id)
        if problem or plan is None:
            raise Conflict(f"enumeration {record.id}: {problem}")
        connection.tariff_plan_id = plan.id
    if record.transformer_code:
        connection.transformer_code = record.transformer_code
    ctx.session.flush()
    after = snapshot(connection)
    if after != before:
        ctx.audit("connection", connection.id, "correct", before=before, after=after)


@service(Permission.FIELD_APPROVE)
def approve_enumerations(ctx: Ctx, ids: Sequence[int] | int, *,
                         account_no: str | None = None) -> list[EnumerationRow]:
    """Approve the records, all or none. `account_no` names the account a single NEW record
    creates (else the one recorded, else EN + the record id)."""
    wanted = decided_ids(ids)
    if account_no and len(wanted) != 1:
        raise ValidationError([FieldProblem("account_no", "an account number is given for "
                                            "one record at a time")])
    records = [_get(ctx, i, lock=True) for i in wanted]
    for record in records:
        _approve_one(ctx, record, account_no)
    return [_row(r) for r in records]


@service(Permission.FIELD_APPROVE)
def reject_enumerations(ctx: Ctx, ids: Sequence[int] | int, reason: str
                        ) -> list[EnumerationRow]:
    return [_row(r) for r in reject_records(ctx, Enumeration, "enumeration", ids, reason)]


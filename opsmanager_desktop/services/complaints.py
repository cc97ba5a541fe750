"""Complaints: logged at the desk (or from a field file: services/complaint_import.py),
assigned to a person or team by a supervisor, moved through the flow of
domain/complaints.py by whoever holds them, due by their category's hours.

Categories with their due hours and sub-categories are set by supervisors; the defaults
come with the schema (migration 0006) and `seed_default_categories` puts back any missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Complaint,
    ComplaintCategory,
    ComplaintSubcategory,
    Connection,
    Customer,
    Team,
)
from opsmanager_desktop.domain import complaints as flow
from opsmanager_desktop.domain.codes import code_problems
from opsmanager_desktop.domain.complaints import WorkStatus
from opsmanager_desktop.domain.errors import FieldProblem, NotFound, ValidationError, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services import work_items as wi
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import ListQuery, Page, like_pattern, run_page

DESCRIPTION_MAX = 2000


@dataclass(frozen=True)
class CategoryRow:
    code: str
    name: str
    due_hours: int
    is_billing: bool
    is_active: bool
    subcategories: tuple[tuple[str, str], ...]  # (code, name)


@dataclass(frozen=True)
class ComplaintRow:
    id: int
    number: str
    account_no: str
    customer_name: str
    meter_number: str | None
    category: str
    subcategory: str | None
    channel: str
    status: str
    assigned_to: str | None
    team: str | None
    created_at: datetime
    due_at: datetime
    overdue: bool
    logged_by: str
    description: str


@dataclass(frozen=True)
class ComplaintDetail(ComplaintRow):
    resolved_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    history: tuple[wi.HistoryRow, ...]


# --- categories ---------------------------------------------------------------------------

def seed_default_categories(session: Session) -> int:
    """Add the default categories and sub-categories that are missing; the count added."""
    added = 0
    for code, name, hours, billing, subs in flow.DEFAULT_CATEGORIES:
        category = session.scalars(select(ComplaintCategory)
                                   .where(ComplaintCategory.code == code)).first()
        if category is None:
            category = ComplaintCategory(code=code, name=name, due_hours=hours,
                                         is_billing=billing, is_active=True)
            session.add(category)
            session.flush()
            added += 1
        have = set(session.scalars(select(ComplaintSubcategory.code)
                                   .where(ComplaintSubcategory.category_id == category.id)))
        for sub_code, sub_name in subs:
            if sub_code not in have:
                session.add(ComplaintSubcategory(category_id=category.id, code=sub_code,
                                                 name=sub_name, is_active=True))
                added += 1
    session.flush()
    return added


def categories(session: Session, *, include_inactive: bool = False) -> list[CategoryRow]:
    stmt = select(ComplaintCategory).order_by(ComplaintCategory.code)
    if not include_inactive:
        stmt = stmt.where(ComplaintCategory.is_active.is_(True))
    subs: dict[int, list[tuple[str, str]]] = {}
    for sub in session.scalars(select(ComplaintSubcategory).order_by(ComplaintSubcategory.code)):
        if sub.is_active or include_inactive:
            subs.setdefault(sub.category_id, []).append((sub.code, sub.name))
    return [CategoryRow(c.code, c.name, c.due_hours, c.is_billing, c.is_active,
                        tuple(subs.get(c.id, ()))) for c in session.scalars(stmt)]


@service(Permission.COMPLAINTS_VIEW, readonly=True)
def list_categories(ctx: Ctx, *, include_inactive: bool = False) -> list[CategoryRow]:
    return categories(ctx.session, include_inactive=include_inactive)


@service(Permission.COMPLAINTS_ASSIGN)
def save_category(ctx: Ctx, code: str, name: str, due_hours: int, *, is_billing: bool = False,
                  is_active: bool = True,
                  subcategories: Sequence[tuple[str, str]] = ()) -> CategoryRow:
    """Add a category or change one (name, due hours, billing flag, active), and add the
    sub-categories given (code, name) that it does not have yet. Due hours apply to
    complaints logged from now on."""
    problems = code_problems("code", code)
    if not name.strip() or len(name.strip()) > 80:
        problems.append(FieldProblem("name", "is required, at most 80 characters"))
    if not isinstance(due_hours, int) or not 1 <= due_hours <= flow.DUE_HOURS_MAX:
        problems.append(FieldProblem("due_hours", f"must be a whole number of hours from 1 "
                                     f"to {flow.DUE_HOURS_MAX}"))
    for sub_code, sub_name in subcategories:
        problems.extend(code_problems("subcategory", sub_code))
        if not sub_name.strip() or len(sub_name.strip()) > 80:
            problems.append(FieldProblem("subcategory", f"{sub_code}: a name is required, "
                                         "at most 80 characters"))
    if problems:
        raise ValidationError(problems)
    code = code.strip().upper()
    category = ctx.session.scalars(select(ComplaintCategory)
                                   .where(ComplaintCategory.code == code)).first()
    before = None
    if category is None:
        category = ComplaintCategory(code=code)
        ctx.session.add(category)
    else:
        before = {"name": category.name, "due_hours": category.due_hours,
                  "is_billing": category.is_billing, "is_active": category.is_active}
    category.name, category.due_hours = name.strip(), due_hours
    category.is_billing, category.is_active = is_billing, is_active
    ctx.session.flush()
    have = set(ctx.session.scalars(select(ComplaintSubcategory.code)
                                   .where(ComplaintSubcategory.category_id == category.id)))
    for sub_code, sub_name in subcategories:
        if sub_code.strip().upper() not in have:
            ctx.session.add(ComplaintSubcategory(category_id=category.id,
                                                 code=sub_code.strip().upper(),
                                                 name=sub_name.strip(), is_active=True))
            have.add(sub_code.strip().upper())
    ctx.session.flush()
    ctx.audit("complaint_category", code, "save", before=before,
              after={"name": category.name, "due_hours": due_hours, "is_billing": is_billing,
                     "is_active": is_active, "added": [s for s, _ in subcategories]})
    return next(c for c in categories(ctx.session, include_inactive=True) if c.code == code)


def find_category(session: Session, code: str, sub_code: str | None,
                  ) -> tuple[ComplaintCategory, ComplaintSubcategory | None]:
    category = session.scalars(select(ComplaintCategory).where(
        ComplaintCategory.code == code.strip().upper(),
        ComplaintCategory.is_active.is_(True))).first()
    if category is None:
        known = ", ".join(c.code for c in categories(session))
        raise invalid("category", f"{code!r} is not a complaint category; use one of {known}")
    if not sub_code:
        return category, None
    sub = session.scalars(select(ComplaintSubcategory).where(
        ComplaintSubcategory.category_id == category.id,
        ComplaintSubcategory.code == sub_code.strip().upper(),
        ComplaintSubcategory.is_active.is_(True))).first()
    if sub is None:
        known = ", ".join(s for s, _ in next(
            c.subcategories for c in categories(session) if c.code == category.code))
        raise invalid("subcategory", f"{sub_code!r} is not a sub-category of {category.code}; "
                      f"use one of {known or '(none)'}")
    return category, sub


# --- complaints ---------------------------------------------------------------------------

def check_text(description: str, channel: str) -> str:
    problems = []
    if not description.strip():
        problems.append(FieldProblem("description", "is required: what is the complaint?"))
    elif len(description.strip()) > DESCRIPTION_MAX:
        problems.append(FieldProblem("description", f"may have at most {DESCRIPTION_MAX} "
                                     "characters"))
    channel = wi.check_channel(channel, problems)
    if problems:
        raise ValidationError(problems)
    return channel


def customer_and_connection(session: Session, account_no: str, meter_number: str | None,
                            ) -> tuple[Customer, Connection | None]:
    customer = session.scalars(select(Customer).where(
        Customer.account_no == account_no.strip().upper())).first()
    if customer is None:
        raise NotFound(f"no customer account {account_no!r}")
    if not meter_number:
        return customer, None
    connection = session.scalars(select(Connection).where(
        Connection.customer_id == customer.id,
        Connection.meter_number == meter_number.strip().upper())).first()
    if connection is None:
        raise invalid("meter_number", f"account {customer.account_no} has no meter "
                      f"{meter_number!r}")
    return customer, connection


def build_complaint(customer: Customer, connection: Connection | None,
                    category: ComplaintCategory, sub: ComplaintSubcategory | None,
                    description: str, channel: str, logged_by: str, created_at: datetime,
                    now: datetime, import_key: str | None = None) -> Complaint:
    """A new OPEN complaint, due its category's hours after it was made (desk, import and
    demo all make them here)."""
    return Complaint(
        customer_id=customer.id, connection_id=connection.id if connection else None,
        category_id=category.id, subcategory_id=sub.id if sub else None,
        description=description.strip(), channel=channel, logged_by=logged_by,
        created_at=created_at, recorded_at=now,
        due_at=flow.due_at(created_at, category.due_hours),
        status=WorkStatus.OPEN.value, import_key=import_key)


def new_complaint(session: Session, customer: Customer, connection: Connection | None,
                  category: ComplaintCategory, sub: ComplaintSubcategory | None,
                  description: str, channel: str, logged_by: str, created_at: datetime,
                  now: datetime) -> Complaint:
    """One complaint with its first history row."""
    complaint = build_complaint(customer, connection, category, sub, description, channel,
                                logged_by, created_at, now)
    # the first step happened when the customer complained (a field file's logged_at)
    wi.add_new(session, wi.COMPLAINT, complaint, logged_by, created_at, "logged")
    return complaint


@service(Permission.COMPLAINTS_LOG)
def log_complaint(ctx: Ctx, account_no: str, category: str, description: str, *,
                  subcategory: str | None = None, channel: str = "DESK",
                  meter_number: str | None = None,
                  logged_at: datetime | str | None = None) -> ComplaintDetail:
    """A new OPEN complaint, due `category hours` after it was made (default now)."""
    channel = check_text(description, channel)
    created = wi.parse_when(logged_at, ctx.now, "logged_at")
    customer, connection = customer_and_connection(ctx.session, account_no, meter_number)
    cat, sub = find_category(ctx.session, category, subcategory)
    complaint = new_complaint(ctx.session, customer, connection, cat, sub, description,
                              channel, ctx.username, created, wi.whole_seconds(ctx.now))
    ctx.audit("complaint", wi.number_of(wi.COMPLAINT, complaint.id), "log",
              after={"account_no": customer.account_no, "category": cat.code,
                     "channel": channel})
    return detail(ctx, complaint.id)


_SORT = {"number": Complaint.id, "created_at": Complaint.created_at,
         "due_at": Complaint.due_at, "status": Complaint.status,
         "account_no": Customer.account_no, "category": ComplaintCategory.code,
         "assigned_to": Complaint.assigned_to}


def _base_select() -> Any:
    return (select(Complaint, Customer.account_no, Customer.name, Connection.meter_number,
                   ComplaintCategory.code, ComplaintSubcategory.code, Team.code)
            .join(Customer, Customer.id == Complaint.customer_id)
            .join(ComplaintCategory, ComplaintCategory.id == Complaint.category_id)
            .outerjoin(ComplaintSubcategory,
                       ComplaintSubcategory.id == Complaint.subcategory_id)
            .outerjoin(Connection, Connection.id == Complaint.connection_id)
            .outerjoin(Team, Team.id == Complaint.team_id))


def _to_row(now: datetime) -> Any:
    def convert(r: Any) -> ComplaintRow:
        c: Complaint = r[0]
        return ComplaintRow(
            c.id, wi.number_of(wi.COMPLAINT, c.id), r[1], r[2], r[3], r[4], r[5], c.channel,
            c.status, c.assigned_to, r[6], c.created_at, c.due_at,
            wi.is_overdue(c, now), c.logged_by, c.description)
    return convert


@service(Permission.COMPLAINTS_VIEW, readonly=True)
def list_complaints(ctx: Ctx, query: ListQuery | None = None) -> Page[ComplaintRow]:
    """Filters: status, category, account, assignee, team, overdue, mine, unassigned,
    active; search matches the number, account number or customer name."""
    query = query or ListQuery(sort="due_at")
    filters = dict(query.filters or {})
    stmt = _base_select().where(*wi.queue_conditions(ctx, wi.COMPLAINT, filters))
    if filters.get("category"):
        stmt = stmt.where(ComplaintCategory.code == str(filters["category"]).strip().upper())
    if filters.get("account_no"):
        stmt = stmt.where(Customer.account_no == str(filters["account_no"]).strip().upper())
    text = query.search.strip()
    if text:
        stmt = stmt.where(wi.search_terms(wi.COMPLAINT, text, [
            Customer.account_no.like(like_pattern(text.upper()), escape="\\"),
            Customer.name.like(like_pattern(text), escape="\\")]))
    return run_page(ctx.session, stmt, query, _SORT, Complaint.id,
                    _to_row(wi.whole_seconds(ctx.now)))


def detail(ctx: Ctx, complaint_id: int) -> ComplaintDetail:
    r = ctx.session.execute(_base_select().where(Complaint.id == complaint_id)).one()
    row = _to_row(wi.whole_seconds(ctx.now))(r)
    return ComplaintDetail(**vars(row), **wi.progress(ctx.session, wi.COMPLAINT, r[0]))


@service(Permission.COMPLAINTS_VIEW, readonly=True)
def get_complaint(ctx: Ctx, number: str) -> ComplaintDetail:
    return detail(ctx, wi.load(ctx.session, wi.COMPLAINT, number).id)


@service(Permission.COMPLAINTS_ASSIGN)
def assign_complaint(ctx: Ctx, number: str, *, assignee: str | None = None,
                     team: str | None = None, note: str = "") -> ComplaintDetail:
    return detail(ctx, wi.assign(ctx, wi.COMPLAINT, number, assignee, team, note))


@service(Permission.COMPLAINTS_WORK)
def move_complaint(ctx: Ctx, number: str, status: str, note: str = "") -> ComplaintDetail:
    return detail(ctx, wi.move(ctx, wi.COMPLAINT, number, status, note))

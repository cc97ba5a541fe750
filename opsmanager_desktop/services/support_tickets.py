"""Support tickets for enquiries (billing questions, account changes, connection
requests): the same flow, assignment, due time and history as complaints
(services/work_items.py), in queues per agent and team. Due hours come with the kind
(domain/complaints.TICKET_DUE_HOURS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from opsmanager_desktop.db.models import Customer, SupportTicket, Team
from opsmanager_desktop.domain import complaints as flow
from opsmanager_desktop.domain.complaints import WorkStatus
from opsmanager_desktop.domain.errors import FieldProblem, NotFound, ValidationError, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services import work_items as wi
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import ListQuery, Page, like_pattern, run_page

SUBJECT_MAX = 200
DESCRIPTION_MAX = 2000
CONTACT_MAX = 120


@dataclass(frozen=True)
class TicketRow:
    id: int
    number: str
    kind: str
    subject: str
    account_no: str | None
    customer_name: str | None
    contact: str
    channel: str
    status: str
    assigned_to: str | None
    team: str | None
    created_at: datetime
    due_at: datetime
    overdue: bool
    opened_by: str


@dataclass(frozen=True)
class TicketDetail(TicketRow):
    description: str
    resolved_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    history: tuple[wi.HistoryRow, ...]


def _check(kind: str, subject: str, description: str, contact: str, channel: str,
           ) -> tuple[str, str]:
    problems = []
    kind_code = kind.strip().upper().replace(" ", "_")
    if kind_code not in flow.TICKET_KINDS:
        problems.append(FieldProblem("kind", f"{kind!r} is not a ticket kind; use one of "
                                     + ", ".join(flow.TICKET_KINDS)))
    if not subject.strip():
        problems.append(FieldProblem("subject", "is required: what is the enquiry about?"))
    elif len(subject.strip()) > SUBJECT_MAX:
        problems.append(FieldProblem("subject", f"may have at most {SUBJECT_MAX} characters"))
    if len(description.strip()) > DESCRIPTION_MAX:
        problems.append(FieldProblem("description",
                                     f"may have at most {DESCRIPTION_MAX} characters"))
    if len(contact.strip()) > CONTACT_MAX:
        problems.append(FieldProblem("contact", f"may have at most {CONTACT_MAX} characters"))
    channel = wi.check_channel(channel, problems)
    if problems:
        raise ValidationError(problems)
    return kind_code, channel


@service(Permission.COMPLAINTS_LOG)
def open_ticket(ctx: Ctx, kind: str, subject: str, *, account_no: str | None = None,
                contact: str = "", description: str = "", channel: str = "DESK",
                ) -> TicketDetail:
    """A new OPEN ticket; an enquirer who is not a customer is named in `contact`."""
    kind_code, channel = _check(kind, subject, description, contact, channel)
    customer_id = None
    if account_no:
        customer_id = ctx.session.scalar(select(Customer.id).where(
            Customer.account_no == account_no.strip().upper()))
        if customer_id is None:
            raise NotFound(f"no customer account {account_no!r}")
    elif not contact.strip():
        raise invalid("contact", "name the enquirer (or give their account number)")
    now = wi.whole_seconds(ctx.now)
    ticket = SupportTicket(customer_id=customer_id, contact=contact.strip(), kind=kind_code,
                           subject=subject.strip(), description=description.strip(),
                           channel=channel, opened_by=ctx.username, created_at=now,
                           due_at=flow.due_at(now, flow.TICKET_DUE_HOURS[kind_code]),
                           status=WorkStatus.OPEN.value)
    wi.add_new(ctx.session, wi.TICKET, ticket, ctx.username, now, "opened")
    ctx.audit("ticket", wi.number_of(wi.TICKET, ticket.id), "open",
              after={"kind": kind_code, "account_no": account_no, "channel": channel})
    return detail(ctx, ticket.id)


_SORT = {"number": SupportTicket.id, "created_at": SupportTicket.created_at,
         "due_at": SupportTicket.due_at, "status": SupportTicket.status,
         "kind": SupportTicket.kind, "assigned_to": SupportTicket.assigned_to}


def _base_select() -> Any:
    return (select(SupportTicket, Customer.account_no, Customer.name, Team.code)
            .outerjoin(Customer, Customer.id == SupportTicket.customer_id)
            .outerjoin(Team, Team.id == SupportTicket.team_id))


def _to_row(now: datetime) -> Any:
    def convert(r: Any) -> TicketRow:
        t: SupportTicket = r[0]
        return TicketRow(t.id, wi.number_of(wi.TICKET, t.id), t.kind, t.subject, r[1], r[2],
                         t.contact, t.channel, t.status, t.assigned_to, r[3], t.created_at,
                         t.due_at, wi.is_overdue(t, now),
                         t.opened_by)
    return convert


@service(Permission.COMPLAINTS_VIEW, readonly=True)
def list_tickets(ctx: Ctx, query: ListQuery | None = None) -> Page[TicketRow]:
    """Filters: status, kind, assignee, team, overdue, mine (my queue: mine and my team's
    waiting ones), unassigned, active; search matches number, subject, account, contact."""
    query = query or ListQuery(sort="due_at")
    filters = dict(query.filters or {})
    stmt = _base_select().where(*wi.queue_conditions(ctx, wi.TICKET, filters))
    if filters.get("kind"):
        stmt = stmt.where(SupportTicket.kind == str(filters["kind"]).strip().upper())
    text = query.search.strip()
    if text:
        pattern = like_pattern(text)
        stmt = stmt.where(wi.search_terms(wi.TICKET, text, [
            SupportTicket.subject.like(pattern, escape="\\"),
            SupportTicket.contact.like(pattern, escape="\\"),
            Customer.account_no.like(like_pattern(text.upper()), escape="\\")]))
    return run_page(ctx.session, stmt, query, _SORT, SupportTicket.id,
                    _to_row(wi.whole_seconds(ctx.now)))


def detail(ctx: Ctx, ticket_id: int) -> TicketDetail:
    r = ctx.session.execute(_base_select().where(SupportTicket.id == ticket_id)).one()
    row = _to_row(wi.whole_seconds(ctx.now))(r)
    return TicketDetail(**vars(row), description=r[0].description,
                        **wi.progress(ctx.session, wi.TICKET, r[0]))


@service(Permission.COMPLAINTS_VIEW, readonly=True)
def get_ticket(ctx: Ctx, number: str) -> TicketDetail:
    return detail(ctx, wi.load(ctx.session, wi.TICKET, number).id)


@service(Permission.COMPLAINTS_ASSIGN)
def assign_ticket(ctx: Ctx, number: str, *, assignee: str | None = None,
                  team: str | None = None, note: str = "") -> TicketDetail:
    return detail(ctx, wi.assign(ctx, wi.TICKET, number, assignee, team, note))


@service(Permission.COMPLAINTS_WORK)
def move_ticket(ctx: Ctx, number: str, status: str, note: str = "") -> TicketDetail:
    return detail(ctx, wi.move(ctx, wi.TICKET, number, status, note))

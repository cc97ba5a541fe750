"""Field tickets of disconnection and reconnection: the list for a team, assignment, and
closing with the outcome the field reports; the reconnection list and its tickets.

Closing a DISCONNECT ticket as DISCONNECTED cuts the connection off (ACTIVE ->
DISCONNECTED, by the connection status rule of domain/customers.py); closing a RECONNECT
ticket as RECONNECTED puts it back. Both are audited on the connection and the ticket.

The reconnection fee is charged when the RECONNECT ticket is made (services/account_charges:
a debit on the connection's open bill, or pending until its next bill). Reconnection does
not wait for the fee to be paid: a connection reaches the reconnection list only with its
dues settled, so there is no open bill to pay the fee on; the fee rides on the next bill
and, unpaid, leads back to the disconnection list by the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Connection,
    Customer,
    DisconnectionTicket,
    Team,
    User,
    UtilityType,
)
from opsmanager_desktop.domain.customers import ConnectionStatus, status_change_problem
from opsmanager_desktop.domain.disconnection import (
    Outcome,
    TicketKind,
    TicketStatus,
    close_problems,
)
from opsmanager_desktop.domain.errors import Conflict, ValidationError, invalid
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services import disconnection_query as q
from opsmanager_desktop.services.account_charges import charge_account
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.connections import find_connection
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.disconnection import (
    find_numbered,
    notify,
    open_team_id,
    rules_in_force,
)
from opsmanager_desktop.services.listing import ListQuery, Page, prefix_pattern, run_page


@dataclass(frozen=True)
class TicketRow:
    id: int
    kind: TicketKind
    status: TicketStatus
    list_id: int | None
    account_no: str
    customer_name: str
    meter_number: str
    utility: str
    transformer_code: str | None
    outstanding: Decimal
    fee: Decimal
    team: str | None
    assigned_to: str | None
    created_by: str
    created_at: datetime
    executed_by: str | None
    executed_at: datetime | None
    outcome: Outcome | None
    reason: str


@dataclass(frozen=True)
class ReconnectionRow:
    connection_id: int
    account_no: str
    customer_name: str
    meter_number: str
    utility: str
    transformer_code: str | None
    disconnected_at: datetime | None


_T = DisconnectionTicket


def _ticket_stmt() -> Any:
    return (select(_T, Customer.account_no, Customer.name, Connection.meter_number,
                   UtilityType.code, Connection.transformer_code, Team.code)
            .join(Connection, Connection.id == _T.connection_id)
            .join(Customer, Customer.id == _T.customer_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .outerjoin(Team, Team.id == _T.team_id))


def _ticket_row(r: Any) -> TicketRow:
    t: DisconnectionTicket = r[0]
    return TicketRow(t.id, TicketKind(t.kind), TicketStatus(t.status), t.list_id, r[1], r[2],
                     r[3], r[4], r[5], t.outstanding, t.fee, r[6], t.assigned_to,
                     t.created_by, t.created_at, t.executed_by, t.executed_at,
                     Outcome(t.outcome) if t.outcome else None, t.reason)


def _row_of(session: Session, ticket_id: int) -> TicketRow:
    session.flush()
    return _ticket_row(session.execute(_ticket_stmt().where(_T.id == ticket_id)
                                       .execution_options(populate_existing=True)).one())


_SORT = {"id": _T.id, "kind": _T.kind, "status": _T.status, "account_no": Customer.account_no,
         "meter_number": Connection.meter_number, "transformer": Connection.transformer_code,
         "outstanding": _T.outstanding, "team": Team.code, "assigned_to": _T.assigned_to,
         "created_at": _T.created_at, "executed_at": _T.executed_at, "outcome": _T.outcome}


def _choice(value: object, enum: Any, field: str) -> str:
    text = str(value).strip().upper()
    if text not in enum.__members__:
        raise invalid(field, f"{value!r} is not a {field}; use one of " + ", ".join(enum))
    return text


@service(Permission.DISCONNECTION_VIEW, readonly=True)
def list_tickets(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[TicketRow]:
    """Search: account or meter prefix. Filters: kind, status, team (code), assigned_to,
    outcome, list (id). Sorts: see _SORT."""
    stmt = _ticket_stmt()
    filters = query.filters or {}
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip().upper())
        stmt = stmt.where(Customer.account_no.like(pattern, escape="\\")
                          | Connection.meter_number.like(pattern, escape="\\"))
    if filters.get("kind"):
        stmt = stmt.where(_T.kind == _choice(filters["kind"], TicketKind, "kind"))
    if filters.get("status"):
        stmt = stmt.where(_T.status == _choice(filters["status"], TicketStatus, "status"))
    if filters.get("outcome"):
        stmt = stmt.where(_T.outcome == _choice(filters["outcome"], Outcome, "outcome"))
    if filters.get("team"):
        stmt = stmt.where(Team.code == str(filters["team"]).strip().upper())
    if filters.get("assigned_to"):
        stmt = stmt.where(_T.assigned_to == str(filters["assigned_to"]).strip())
    if filters.get("list"):
        stmt = stmt.where(_T.list_id == q.as_id(filters["list"], "list"))
    return run_page(ctx.session, stmt, query, _SORT, _T.id, _ticket_row)


@service(Permission.DISCONNECTION_VIEW, readonly=True)
def get_ticket(ctx: Ctx, ticket_id: int | str) -> TicketRow:
    return _row_of(ctx.session, _find(ctx.session, ticket_id).id)


def _find(session: Session, ticket_id: object, *, lock: bool = False) -> DisconnectionTicket:
    return find_numbered(session, _T, ticket_id, "ticket",
                         "disconnection or reconnection ticket", lock=lock)


def _assignment(session: Session, team: str | None, assigned_to: str | None
                ) -> tuple[int | None, str | None]:
    team_id = open_team_id(session, team) if team else None
    person = (assigned_to or "").strip() or None
    if person is not None and session.scalar(
            select(User.id).where(User.username == person, User.is_active.is_(True))) is None:
        raise invalid("assigned_to", f"no active user {person!r}")
    return team_id, person


@service(Permission.DISCONNECTION_MANAGE)
def assign_ticket(ctx: Ctx, ticket_id: int | str, *, team: str | None = None,
                  assigned_to: str | None = None) -> TicketRow:
    """Give an open ticket to a team and/or a person (None clears either)."""
    ticket = _find(ctx.session, ticket_id, lock=True)
    if ticket.status != TicketStatus.OPEN.value:
        raise Conflict(f"ticket #{ticket.id} is closed")
    before = {"team_id": ticket.team_id, "assigned_to": ticket.assigned_to}
    ticket.team_id, ticket.assigned_to = _assignment(ctx.session, team, assigned_to)
    ctx.session.flush()
    ctx.audit("disconnection_ticket", ticket.id, "assign", before=before,
              after={"team_id": ticket.team_id, "assigned_to": ticket.assigned_to})
    return _row_of(ctx.session, ticket.id)


@service(Permission.DISCONNECTION_EXECUTE)
def close_ticket(ctx: Ctx, ticket_id: int | str, outcome: str, reason: str = "", *,
                 executed_at: datetime | None = None,
                 executed_by: str | None = None) -> TicketRow:
    """Close an open ticket with what the field found: DISCONNECTED / NOT_DISCONNECTED, or
    RECONNECTED / NOT_RECONNECTED (a 'not' needs its reason). Done work changes the
    connection's status. `executed_by` credits the officer who went (staff performance);
    it defaults to the caller (a supervisor recording a crew's report names the officer)."""
    session = ctx.session
    ticket = _find(session, ticket_id, lock=True)
    chosen, problems = close_problems(TicketKind(ticket.kind), str(outcome), str(reason))
    if chosen is None:
        raise ValidationError(problems)
    when = executed_at or ctx.now
    if when > ctx.now:
        raise invalid("executed_at", "is in the future")
    if ticket.status != TicketStatus.OPEN.value:
        raise Conflict(f"ticket #{ticket.id} was already closed as {ticket.outcome} by "
                       f"{ticket.closed_by}")
    problem = close_one(ctx, ticket, chosen, str(reason), when,
                        _assignment(session, None, executed_by)[1] or ctx.username)
    if problem:
        raise Conflict(problem)
    return _row_of(session, ticket.id)


def close_one(ctx: Ctx, ticket: DisconnectionTicket, chosen: Outcome, reason: str,
              when: datetime, executed_by: str) -> str | None:
    """Close a locked open ticket (checked by the caller); done work changes the
    connection's status. The problem when the connection cannot change, else None."""
    session = ctx.session
    if chosen in (Outcome.DISCONNECTED, Outcome.RECONNECTED):
        new = (ConnectionStatus.DISCONNECTED if chosen is Outcome.DISCONNECTED
               else ConnectionStatus.ACTIVE)
        connection = session.scalars(select(Connection).where(
            Connection.id == ticket.connection_id).with_for_update()).one()
        problem = status_change_problem(ConnectionStatus(connection.status), new)
        if problem:
            return f"ticket #{ticket.id}: {problem}"
        before = snapshot(connection)
        connection.status = new.value
        session.flush()
        ctx.audit("connection", connection.id, "set_status", before=before,
                  after=snapshot(connection))
        if chosen is Outcome.RECONNECTED:
            notify(session, "reconnection", ticket.customer_id,
                   {"date": when.date().isoformat()}, ctx)
    ticket.status = TicketStatus.CLOSED.value
    ticket.open_connection_id = None
    ticket.outcome = chosen.value
    ticket.reason = reason.strip()
    ticket.executed_by = executed_by
    ticket.executed_at = when
    ticket.closed_by = ctx.username
    session.flush()
    ctx.audit("disconnection_ticket", ticket.id, "close",
              after={"outcome": chosen.value, "reason": ticket.reason,
                     "executed_by": ticket.executed_by})
    return None


def _reconnection_row(r: Any) -> ReconnectionRow:
    return ReconnectionRow(r.connection_id, r.account_no, r.customer_name, r.meter_number,
                           r.utility, r.transformer_code, r.disconnected_at)


@service(Permission.DISCONNECTION_VIEW, readonly=True)
def reconnection_list(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[ReconnectionRow]:
    """Disconnected connections whose dues are settled and that have no open reconnection
    ticket. Search: account or meter prefix."""
    sub = q.reconnection_candidates().subquery("recon")
    stmt = select(sub)
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip().upper())
        stmt = stmt.where(sub.c.account_no.like(pattern, escape="\\")
                          | sub.c.meter_number.like(pattern, escape="\\"))
    sort = {"account_no": sub.c.account_no, "meter_number": sub.c.meter_number,
            "transformer": sub.c.transformer_code, "disconnected_at": sub.c.disconnected_at}
    return run_page(ctx.session, stmt, query, sort, sub.c.connection_id, _reconnection_row)


@service(Permission.DISCONNECTION_MANAGE)
def create_reconnection(ctx: Ctx, meter: str, utility: str, *, team: str | None = None,
                        assigned_to: str | None = None) -> TicketRow:
    """A RECONNECT ticket for a disconnected connection with its dues settled; the
    reconnection fee of the rules in force is charged to the account (see module doc)."""
    session = ctx.session
    connection = find_connection(session, meter, utility, lock=True)
    if connection.status != ConnectionStatus.DISCONNECTED.value:
        raise Conflict(f"meter {connection.meter_number} is {connection.status}; only a "
                       "disconnected connection is reconnected")
    owed = session.scalar(select(q.connection_balance(connection.id))) or ZERO
    if owed > ZERO:
        raise Conflict(f"meter {connection.meter_number} still owes {owed:.2f}; it is "
                       "reconnected once its dues are paid")
    if session.scalar(select(q.open_ticket(literal(connection.id),
                                           TicketKind.RECONNECT))):
        raise Conflict(f"meter {connection.meter_number} already has an open reconnection "
                       "ticket")
    team_id, person = _assignment(session, team, assigned_to)
    rules, _ = rules_in_force(session)
    ticket = DisconnectionTicket(
        kind=TicketKind.RECONNECT.value, connection_id=connection.id,
        open_connection_id=connection.id, customer_id=connection.customer_id,
        outstanding=Decimal("0.00"), fee=rules.reconnection_fee, team_id=team_id,
        assigned_to=person, status=TicketStatus.OPEN.value, created_by=ctx.username,
        created_at=ctx.now, reason="")
    session.add(ticket)
    session.flush()
    if rules.reconnection_fee > ZERO:
        charge_account(ctx, connection.id, rules.reconnection_fee, "reconnection fee",
                       "RECONNECTION", source_ref=f"ticket {ticket.id}")
    ctx.audit("disconnection_ticket", ticket.id, "create", after=snapshot(ticket))
    return _row_of(session, ticket.id)

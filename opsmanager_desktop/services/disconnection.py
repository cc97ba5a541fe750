"""Disconnection for dues: the supervisor's rules, the list for a date (preview, draft,
approval) and the tickets approval hands to the field teams.

The rule is domain/disconnection.py; the list is one set-based query
(services/disconnection_query.py). A draft stores the connections as they stood
(INSERT ... SELECT); approval keeps those still on the list of that date under the same
rules (a customer who paid since the draft drops off), turns them into DISCONNECT tickets
spread over the field teams by transformer (a crew works a route), and queues a
disconnection notice to each customer. Tickets are closed in services/disconnection_tickets.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    Integer,
    String,
    cast,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Connection,
    Customer,
    DisconnectionEntry,
    DisconnectionList,
    DisconnectionRules,
    DisconnectionTicket,
    Team,
    UtilityType,
)
from opsmanager_desktop.domain.disconnection import (
    ListStatus,
    Rules,
    TicketKind,
    TicketStatus,
    days_overdue,
    parse_rules,
)
from opsmanager_desktop.domain.errors import Conflict, NotFound, ValidationError
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services import disconnection_query as q
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import ListQuery, Page, prefix_pattern, run_page
from opsmanager_desktop.services.notify import queue_from, queue_notification
from opsmanager_desktop.services.teams import team_by_code

IN_LIST_MAX = 900
Numbered = TypeVar("Numbered", DisconnectionList, DisconnectionTicket)
NOTICE = "disconnection_notice"


@dataclass(frozen=True)
class RulesRow:
    rules: Rules
    version: int | None  # None: nobody set them yet (the built-in defaults)
    set_by: str
    set_at: datetime | None


@dataclass(frozen=True)
class EntryRow:
    connection_id: int
    account_no: str
    customer_name: str
    meter_number: str
    utility: str
    transformer_code: str | None
    outstanding: Decimal
    oldest_due: date
    days_overdue: int


@dataclass(frozen=True)
class ListRow:
    id: int
    list_date: date
    status: ListStatus
    entries: int
    total_outstanding: Decimal
    tickets: int
    rules_version: int | None
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None


def rules_in_force(session: Session) -> tuple[Rules, int | None]:
    row = session.scalars(select(DisconnectionRules)
                          .order_by(DisconnectionRules.id.desc()).limit(1)).first()
    if row is None:
        return Rules(), None
    return _rules(row), row.id


def _rules(row: DisconnectionRules) -> Rules:
    return Rules(row.min_outstanding, row.min_days_overdue, row.grace_days,
                 row.exclude_open_complaints, row.reconnection_fee)


@service(Permission.DISCONNECTION_VIEW, readonly=True)
def get_rules(ctx: Ctx) -> RulesRow:
    row = ctx.session.scalars(select(DisconnectionRules)
                              .order_by(DisconnectionRules.id.desc()).limit(1)).first()
    if row is None:
        return RulesRow(Rules(), None, "", None)
    return RulesRow(_rules(row), row.id, row.set_by, row.set_at)


@service(Permission.DISCONNECTION_MANAGE)
def set_rules(ctx: Ctx, *, min_outstanding: Decimal | str, min_days_overdue: int | str,
              grace_days: int | str, exclude_open_complaints: bool,
              reconnection_fee: Decimal | str) -> RulesRow:
    """A new version of the rules (the old ones stay with the lists made under them)."""
    rules, problems = parse_rules(
        min_outstanding=min_outstanding, min_days_overdue=min_days_overdue,
        grace_days=grace_days, exclude_open_complaints=exclude_open_complaints,
        reconnection_fee=reconnection_fee)
    if rules is None:
        raise ValidationError(problems)
    before, _ = rules_in_force(ctx.session)
    row = DisconnectionRules(
        min_outstanding=rules.min_outstanding, min_days_overdue=rules.min_days_overdue,
        grace_days=rules.grace_days, exclude_open_complaints=rules.exclude_open_complaints,
        reconnection_fee=rules.reconnection_fee, set_by=ctx.username, set_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("disconnection_rules", row.id, "set", before=vars(before), after=vars(rules))
    return RulesRow(rules, row.id, row.set_by, row.set_at)


_ENTRY_SORT = {"account_no": "account_no", "customer_name": "customer_name",
               "meter_number": "meter_number", "transformer": "transformer_code",
               "outstanding": "outstanding", "oldest_due": "oldest_due",
               "days_overdue": "oldest_due"}


def _entry_row(on: date) -> Any:
    def to_row(r: Any) -> EntryRow:
        return EntryRow(r.connection_id, r.account_no, r.customer_name, r.meter_number,
                        r.utility, r.transformer_code, r.outstanding, r.oldest_due,
                        days_overdue(r.oldest_due, on))
    return to_row


def _page(session: Session, stmt: Any, on: date, query: ListQuery) -> Page[EntryRow]:
    sub = stmt.subquery("entries")
    outer = select(sub)
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip().upper())
        outer = outer.where(sub.c.account_no.like(pattern, escape="\\")
                            | sub.c.meter_number.like(pattern, escape="\\"))
    transformer = (query.filters or {}).get("transformer")
    if transformer:
        outer = outer.where(sub.c.transformer_code == str(transformer).strip().upper())
    sort = {k: sub.c[v] for k, v in _ENTRY_SORT.items()}
    if query.sort == "days_overdue":  # more days overdue = an older due date
        query = ListQuery(query.search, query.sort, not query.descending, query.offset,
                          query.limit, query.count, query.filters)
    return run_page(session, outer, query, sort, sub.c.connection_id, _entry_row(on))


@service(Permission.DISCONNECTION_MANAGE, readonly=True)
def preview_list(ctx: Ctx, on: date | str, query: ListQuery = ListQuery()) -> Page[EntryRow]:
    """The list `on` would give under the rules in force, a page at a time (nothing saved).
    Sorts: account_no, customer_name, meter_number, transformer, outstanding, oldest_due,
    days_overdue; filter: transformer; search: account or meter prefix."""
    day = q.as_date(on)
    rules, _ = rules_in_force(ctx.session)
    return _page(ctx.session, q.candidates(day, rules), day, query)


def _list_row(r: DisconnectionList) -> ListRow:
    return ListRow(r.id, r.list_date, ListStatus(r.status), r.entries, r.total_outstanding,
                   r.tickets, r.rules_id, r.created_by, r.created_at, r.approved_by,
                   r.approved_at)


def find_numbered(session: Session, model: type[Numbered], value: object, field: str,
                  noun: str, *, lock: bool = False) -> Numbered:
    """The list or ticket whose number (its id: "12" or "#12") the user gave, locked for a
    change when asked; NotFound names it the way the user knows it."""
    number = q.as_id(value, field)
    stmt = select(model).where(model.id == number)
    found = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if found is None:
        raise NotFound(f"no {noun} #{number}")
    return found


def _find_list(session: Session, list_id: object, *, lock: bool = False) -> DisconnectionList:
    return find_numbered(session, DisconnectionList, list_id, "list", "disconnection list",
                         lock=lock)


@service(Permission.DISCONNECTION_MANAGE)
def create_list(ctx: Ctx, on: date | str) -> ListRow:
    """Save the list of `on` as a DRAFT (its connections as they stand now)."""
    day = q.as_date(on)
    rules, version = rules_in_force(ctx.session)
    row = DisconnectionList(list_date=day, status=ListStatus.DRAFT.value, rules_id=version,
                            created_by=ctx.username, created_at=ctx.now, entries=0,
                            total_outstanding=Decimal("0.00"), tickets=0)
    ctx.session.add(row)
    ctx.session.flush()
    src = q.candidates(day, rules).subquery("src")
    ctx.session.execute(insert(DisconnectionEntry).from_select(
        ["list_id", "connection_id", "customer_id", "outstanding", "oldest_due",
         "transformer_code"],
        select(literal(row.id), src.c.connection_id, src.c.customer_id, src.c.outstanding,
               src.c.oldest_due, src.c.transformer_code)))
    count, total = ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(DisconnectionEntry.outstanding),
                                           literal(Decimal("0.00"),
                                                   DisconnectionEntry.outstanding.type)))
        .where(DisconnectionEntry.list_id == row.id)).one()
    row.entries, row.total_outstanding = count, total
    ctx.session.flush()
    ctx.audit("disconnection_list", row.id, "create",
              after={"list_date": day, "entries": count, "total": total,
                     "rules_version": version})
    return _list_row(row)


@service(Permission.DISCONNECTION_MANAGE)
def cancel_list(ctx: Ctx, list_id: int | str) -> ListRow:
    row = _find_list(ctx.session, list_id, lock=True)
    if row.status != ListStatus.DRAFT.value:
        raise Conflict(f"list #{row.id} is {row.status}; only a draft can be cancelled")
    row.status = ListStatus.CANCELLED.value
    ctx.session.flush()
    ctx.audit("disconnection_list", row.id, "cancel")
    return _list_row(row)


@service(Permission.DISCONNECTION_VIEW, readonly=True)
def list_lists(ctx: Ctx, *, status: str = "") -> list[ListRow]:
    """The lists, newest first (a few a week: no paging)."""
    stmt = select(DisconnectionList).order_by(DisconnectionList.id.desc())
    if status.strip():
        stmt = stmt.where(DisconnectionList.status == status.strip().upper())
    return [_list_row(r) for r in ctx.session.scalars(stmt)]


@service(Permission.DISCONNECTION_VIEW, readonly=True)
def list_entries(ctx: Ctx, list_id: int | str,
                 query: ListQuery = ListQuery()) -> Page[EntryRow]:
    """The connections a saved list named, as they stood when it was made."""
    lst = _find_list(ctx.session, list_id)
    e = DisconnectionEntry
    stmt = (select(e.connection_id, Customer.account_no, Customer.name.label("customer_name"),
                   Connection.meter_number, UtilityType.code.label("utility"),
                   e.transformer_code, e.outstanding, e.oldest_due)
            .join(Connection, Connection.id == e.connection_id)
            .join(Customer, Customer.id == e.customer_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .where(e.list_id == lst.id))
    return _page(ctx.session, stmt, lst.list_date, query)


def open_team_id(session: Session, code: str) -> int:
    """The team given disconnection or reconnection work: a closed team takes none."""
    found = team_by_code(session, code)
    if not found.is_active:
        raise Conflict(f"team {found.code!r} is closed")
    return found.id


def _field_teams(session: Session, team: str | None) -> list[int]:
    if team:
        return [open_team_id(session, team)]
    return list(session.scalars(select(Team.id).where(
        Team.kind == "FIELD", Team.is_active.is_(True)).order_by(Team.code)))


def _routes(transformers: Sequence[str | None], teams: list[int]
            ) -> dict[int | None, list[str | None]]:
    """Transformers (sorted, so neighbouring codes stay together) cut into one run of
    routes per team; a connection without a transformer goes to the first team."""
    if not teams:
        return {None: list(transformers)}
    codes = sorted(t for t in transformers if t is not None)
    share = -(-len(codes) // len(teams)) if codes else 0
    plan: dict[int | None, list[str | None]] = {t: [] for t in teams}
    for i, code in enumerate(codes):
        plan[teams[i // share]].append(code)
    if None in transformers:
        plan[teams[0]].append(None)
    return plan


@service(Permission.DISCONNECTION_MANAGE)
def approve_list(ctx: Ctx, list_id: int | str, *, team: str | None = None) -> ListRow:
    """DRAFT -> APPROVED: a DISCONNECT ticket for each entry still on the list of its date
    (to `team`, or spread over the active field teams by transformer), and a disconnection
    notice queued to each customer."""
    session = ctx.session
    lst = _find_list(session, list_id, lock=True)
    if lst.status != ListStatus.DRAFT.value:
        raise Conflict(f"list #{lst.id} is {lst.status}; only a draft can be approved")
    rules = (_rules(session.get_one(DisconnectionRules, lst.rules_id))
             if lst.rules_id is not None else Rules())
    teams = _field_teams(session, team)
    e, t = DisconnectionEntry, DisconnectionTicket
    # one INSERT ... SELECT of the entries still on the list (the list query runs once),
    # then each team's routes by an UPDATE
    session.execute(insert(t).from_select(
        ["kind", "list_id", "connection_id", "open_connection_id", "customer_id",
         "outstanding", "fee", "status", "created_by", "created_at", "reason"],
        select(literal(TicketKind.DISCONNECT.value), literal(lst.id), e.connection_id,
               e.connection_id, e.customer_id, e.outstanding,
               literal(Decimal("0.00"), e.outstanding.type), literal(TicketStatus.OPEN.value),
               literal(ctx.username), literal(ctx.now), literal(""))
        .where(e.list_id == lst.id,
               e.connection_id.in_(q.candidate_ids(lst.list_date, rules)))))
    dts = list(session.scalars(select(e.transformer_code).distinct()
                               .where(e.list_id == lst.id)))
    for team_id, codes in _routes(dts, teams).items():
        if team_id is None:
            continue
        named = [c for c in codes if c is not None]
        conditions: list[Any] = [e.transformer_code.in_(named[i:i + IN_LIST_MAX])
                                 for i in range(0, len(named), IN_LIST_MAX)]
        if None in codes:
            conditions.append(e.transformer_code.is_(None))
        for condition in conditions:
            session.execute(update(t).where(t.list_id == lst.id, t.connection_id.in_(
                select(e.connection_id).where(e.list_id == lst.id, condition)))
                .values(team_id=team_id).execution_options(synchronize_session=False))
    made = session.scalar(select(func.count()).where(DisconnectionTicket.list_id == lst.id))
    lst.status = ListStatus.APPROVED.value
    lst.approved_by, lst.approved_at, lst.tickets = ctx.username, ctx.now, made or 0
    session.flush()
    _notify_disconnection(session, lst, ctx)
    ctx.audit("disconnection_list", lst.id, "approve",
              after={"tickets": lst.tickets, "dropped": lst.entries - lst.tickets,
                     "team": team})
    return _list_row(lst)


def _notify_disconnection(session: Session, lst: DisconnectionList, ctx: Ctx) -> None:
    """A disconnection notice to the customer of each ticket of the list, by one INSERT ...
    SELECT (a per-customer queue_notification cost 18 ms a ticket: 28 s for 1,543)."""
    t = DisconnectionTicket
    values = (literal('{"amount": "', String) + _money_text(session, t.outstanding)
              + literal(f'", "date": "{lst.list_date.isoformat()}"}}', String))
    queue_from(session, NOTICE, t.__table__, t.customer_id, t.list_id == lst.id,
               values_json=values, now=ctx.now, queued_by=ctx.username)


def _money_text(session: Session, column: Any) -> Any:
    """An amount as text in SQL ("1234.50"): SQLite holds cents as an integer."""
    if session.get_bind().dialect.name == "sqlite":
        cents = type_coerce(column, Integer)
        return func.printf("%d.%02d", cents // 100, cents % 100)
    return cast(column, String)


def notify(session: Session, template: str, customer_id: int, values: dict[str, str],
           ctx: Ctx) -> None:
    """THE call site for a single customer notification of this area (services/notify.py)."""
    queue_notification(session, template, customer_id, values, now=ctx.now,
                       queued_by=ctx.username)

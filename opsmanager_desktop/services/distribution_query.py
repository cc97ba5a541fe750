"""Reading the distribution log: a cycle at a glance, its bills with their distribution
status in walking order, and its statements (the papers the field team carries: one per
account per cycle issue) with theirs.

A statement's status comes from its bills' current ones (a statement recorded as one
paper gives each of its bills the same event, docs/decisions.md 45): NOT_DELIVERED when
any of them was not delivered, else NO_RECORD when any has no event yet, else the status
its bills share (HANDED_OVER, EMAILED), or DISTRIBUTED when they differ. Bills issued
before statements existed are on none and are counted as bills only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Subquery, case, func, or_, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    BillDelivery,
    BillDeliveryState,
    BillingCycle,
    Connection,
    Customer,
    Statement,
)
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.cycle import Period
from opsmanager_desktop.domain.distribution import STATUS_CHOICES, DeliveryStatus, parse_status
from opsmanager_desktop.domain.errors import NotFound, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import (
    ListQuery,
    Page,
    chosen_filters,
    prefix_pattern,
    run_page,
)

PENDING = "PENDING"  # a filter: no record yet, or not delivered
NO_RECORD = "NO_RECORD"
DISTRIBUTED = "DISTRIBUTED"  # a statement whose bills were delivered in different ways
_DELIVERED = (DeliveryStatus.HANDED_OVER.value, DeliveryStatus.EMAILED.value)
_MISSED = DeliveryStatus.NOT_DELIVERED.value


@dataclass(frozen=True)
class DistributionRow:
    """A bill of a cycle with its current distribution status (None: nothing recorded)."""

    bill_no: str
    account_no: str
    customer_name: str
    address: str
    meter_number: str
    transformer: str | None
    status: DeliveryStatus | None
    occurred_at: datetime | None
    officer: str
    reason: str
    statement_no: str | None = None  # the paper the bill is printed on
    statement_bills: int = 0  # how many bills that paper carries


@dataclass(frozen=True)
class StatementDistributionRow:
    """A statement of a cycle (one paper) with the status its bills give it."""

    statement_no: str
    account_no: str
    customer_name: str
    address: str
    bills: int
    transformer: str | None  # the route: the first of its connections' transformers
    status: str  # a DeliveryStatus value, NO_RECORD or DISTRIBUTED (module docstring)
    occurred_at: datetime | None  # its bills' latest event
    reason: str  # why one of its bills was not delivered


@dataclass(frozen=True)
class DistributionSummary:
    cycle: str
    issued: int  # bills issued (the ones to distribute)
    not_issued: int  # GENERATED bills: nothing to distribute yet
    handed_over: int
    emailed: int
    not_delivered: int
    no_record: int
    # the same cycle counted in statements, the papers the field team carries
    statements: int = 0
    statements_not_delivered: int = 0
    statements_no_record: int = 0

    @property
    def distributed(self) -> int:
        return self.handed_over + self.emailed

    @property
    def pending(self) -> int:
        return self.not_delivered + self.no_record

    @property
    def statements_pending(self) -> int:
        return self.statements_not_delivered + self.statements_no_record

    @property
    def statements_distributed(self) -> int:
        return self.statements - self.statements_pending


def cycle_id_of(session: Session, cycle: object) -> int:
    period = str(Period.parse(str(cycle), "cycle"))
    found = session.scalar(select(BillingCycle.id).where(BillingCycle.period == period))
    if found is None:
        raise NotFound(f"there is no billing cycle {period}")
    return int(found)


def _paper_states(cycle_id: int, *, listing: bool = False) -> Subquery:
    """One row per statement of the cycle with its status (module docstring), by one
    grouped pass over the cycle's bills; `listing` adds its route, latest event and a
    not-delivered reason (two more joins a count does not need)."""
    state = BillDeliveryState
    missed = func.sum(case((state.status == _MISSED, 1), else_=0))
    unrecorded = func.sum(case((state.bill_id.is_(None), 1), else_=0))
    status = case((missed > 0, _MISSED), (unrecorded > 0, NO_RECORD),
                  (func.min(state.status) == func.max(state.status), func.min(state.status)),
                  else_=DISTRIBUTED)
    stmt = (select(Bill.statement_id.label("statement_id"), status.label("status"))
            .select_from(Bill).outerjoin(state, state.bill_id == Bill.id)
            .where(Bill.cycle_id == cycle_id, Bill.statement_id.is_not(None))
            .group_by(Bill.statement_id))
    if listing:
        stmt = (stmt.add_columns(
            func.min(Connection.transformer_code).label("route"),
            func.max(state.occurred_at).label("occurred_at"),
            func.max(case((state.status == _MISSED, BillDelivery.reason))).label("reason"))
            .join(Connection, Connection.id == Bill.connection_id)
            .outerjoin(BillDelivery, BillDelivery.id == state.delivery_id))
    return stmt.subquery("papers")


@service(Permission.DISTRIBUTION_VIEW, readonly=True)
def distribution_status(ctx: Ctx, cycle: str) -> DistributionSummary:
    """The cycle's bills counted by current distribution status, and its statements by
    theirs (two grouped queries)."""
    cycle_id = cycle_id_of(ctx.session, cycle)
    state = func.coalesce(BillDeliveryState.status, NO_RECORD)
    generated = Bill.status == BillStatus.GENERATED.value
    counts: dict[str, int] = {}
    not_issued = 0
    for r in ctx.session.execute(
            select(generated.label("draft"), state.label("state"), func.count().label("n"))
            .select_from(Bill)
            .outerjoin(BillDeliveryState, BillDeliveryState.bill_id == Bill.id)
            .where(Bill.cycle_id == cycle_id).group_by(generated, state)):
        if r.draft:
            not_issued += int(r.n)
        else:
            counts[r.state] = counts.get(r.state, 0) + int(r.n)
    papers = _paper_states(cycle_id)
    paper_counts = {r.status: int(r.n) for r in ctx.session.execute(
        select(papers.c.status, func.count().label("n")).group_by(papers.c.status))}
    return DistributionSummary(
        str(Period.parse(str(cycle))), sum(counts.values()), not_issued,
        counts.get(DeliveryStatus.HANDED_OVER.value, 0),
        counts.get(DeliveryStatus.EMAILED.value, 0),
        counts.get(_MISSED, 0), counts.get(NO_RECORD, 0),
        sum(paper_counts.values()), paper_counts.get(_MISSED, 0),
        paper_counts.get(NO_RECORD, 0))


_SORT = {"bill_no": Bill.bill_no, "account_no": Customer.account_no,
         "customer_name": Customer.name, "transformer": Connection.transformer_code,
         "status": BillDeliveryState.status, "occurred_at": BillDeliveryState.occurred_at,
         "statement_no": Statement.statement_no}
_FILTERS = frozenset({"cycle", "status", "transformer"})


def _filters(query: ListQuery, what: str) -> dict[str, Any]:
    filters = chosen_filters(query, _FILTERS, "distribution")
    if "cycle" not in filters:
        raise invalid("cycle", f"choose the billing cycle whose {what} to list")
    return filters


def _status_filter(value: object, status: Any, unrecorded: Any) -> Any:
    """The status filter over a status column (`unrecorded`: nothing recorded yet)."""
    text = str(value).strip().upper().replace(" ", "_")
    if text == PENDING:
        return or_(unrecorded, status == _MISSED)
    if text == NO_RECORD:
        return unrecorded
    if text == DISTRIBUTED:
        return status.in_([*_DELIVERED, DISTRIBUTED])
    chosen = parse_status(text)
    if chosen is None:
        raise invalid("status", f"{value!r} is not a distribution status; use pending, "
                      f"no_record, distributed or {STATUS_CHOICES}")
    return status == chosen.value


@service(Permission.DISTRIBUTION_VIEW, readonly=True)
def list_distribution(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[DistributionRow]:
    """Issued bills with their distribution status, in walking order (route, account)
    unless sorted otherwise. Filters: cycle (required), status (pending, no_record,
    distributed, handed_over, emailed, not_delivered), transformer; the search matches a
    bill or statement number, an account number or a name by prefix."""
    filters = _filters(query, "bills")
    last = BillDelivery
    stmt = (select(Bill.bill_no, Customer.account_no, Customer.name, Customer.address,
                   Connection.meter_number, Connection.transformer_code,
                   BillDeliveryState.status, BillDeliveryState.occurred_at, last.officer,
                   last.reason, Statement.statement_no, Statement.bills)
            .join(Customer, Customer.id == Bill.customer_id)
            .join(Connection, Connection.id == Bill.connection_id)
            .outerjoin(Statement, Statement.id == Bill.statement_id)
            .outerjoin(BillDeliveryState, BillDeliveryState.bill_id == Bill.id)
            .outerjoin(last, last.id == BillDeliveryState.delivery_id)
            .where(Bill.cycle_id == cycle_id_of(ctx.session, filters["cycle"]),
                   Bill.status != BillStatus.GENERATED.value))
    if "status" in filters:
        stmt = stmt.where(_status_filter(filters["status"], BillDeliveryState.status,
                                         BillDeliveryState.bill_id.is_(None)))
    if "transformer" in filters:
        stmt = stmt.where(Connection.transformer_code == str(filters["transformer"]).strip())
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip())
        stmt = stmt.where(or_(Bill.bill_no.like(pattern, escape="\\"),
                              Statement.statement_no.like(pattern, escape="\\"),
                              Customer.account_no.like(pattern, escape="\\"),
                              Customer.name.like(pattern, escape="\\")))
    if not query.sort:
        stmt = stmt.order_by(Connection.transformer_code.is_(None),
                             Connection.transformer_code, Customer.account_no)
    return run_page(ctx.session, stmt, query, _SORT, Bill.id, lambda r: DistributionRow(
        r.bill_no, r.account_no, r.name, r.address, r.meter_number, r.transformer_code,
        DeliveryStatus(r.status) if r.status else None, r.occurred_at, r.officer or "",
        r.reason or "", r.statement_no, int(r.bills or 0)))


@service(Permission.DISTRIBUTION_VIEW, readonly=True)
def list_statement_distribution(ctx: Ctx, query: ListQuery = ListQuery()
                                ) -> Page[StatementDistributionRow]:
    """The cycle's statements (one paper per account per issue) with the status their bills
    give them (module docstring), in walking order (route, account) unless sorted
    otherwise. Filters as list_distribution's; a statement's route is the first of its
    connections' transformers."""
    filters = _filters(query, "statements")
    cycle_id = cycle_id_of(ctx.session, filters["cycle"])
    papers = _paper_states(cycle_id, listing=True)
    # the cycle named outside as well: MariaDB then reads the grouped rows per statement
    # of this cycle (a lateral derived table), not per statement of every cycle
    stmt = (select(Statement.statement_no, Customer.account_no, Customer.name,
                   Customer.address, Statement.bills, papers.c.route, papers.c.status,
                   papers.c.occurred_at, papers.c.reason)
            .select_from(Statement)
            .join(papers, papers.c.statement_id == Statement.id)
            .join(Customer, Customer.id == Statement.customer_id)
            .where(Statement.cycle_id == cycle_id))
    if "status" in filters:
        stmt = stmt.where(_status_filter(filters["status"], papers.c.status,
                                         papers.c.status == NO_RECORD))
    if "transformer" in filters:
        stmt = stmt.where(papers.c.route == str(filters["transformer"]).strip())
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip())
        stmt = stmt.where(or_(Statement.statement_no.like(pattern, escape="\\"),
                              Customer.account_no.like(pattern, escape="\\"),
                              Customer.name.like(pattern, escape="\\")))
    if not query.sort:
        stmt = stmt.order_by(papers.c.route.is_(None), papers.c.route, Customer.account_no)
    sort = {"statement_no": Statement.statement_no, "account_no": Customer.account_no,
            "customer_name": Customer.name, "transformer": papers.c.route,
            "status": papers.c.status, "occurred_at": papers.c.occurred_at}
    return run_page(ctx.session, stmt, query, sort, Statement.id,
                    lambda r: StatementDistributionRow(
                        r.statement_no, r.account_no, r.name, r.address, int(r.bills),
                        r.route, r.status, r.occurred_at, r.reason or ""))

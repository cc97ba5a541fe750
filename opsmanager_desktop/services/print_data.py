"""What the printed statements show, a chunk at a time in a few queries (inside the
caller's transaction; services/printing.py holds the permissions). docs/decisions.md 42.

A paper is one of:
- an issued statement: its STORED figures (a reprint says what the customer was first
  told), its bills as sections, each with the adjustments made up to the statement;
- a DRAFT: an account's bills of a cycle not issued yet, with the figures their statement
  would carry if issued now (statement_ledger.draft_figures_of);
- EARLIER bills: an account's bills of a cycle issued before statements existed, with the
  account's figures as at today (see `_earlier_figures`).

`papers_in_walking_order` lists the papers holding the chosen bills; `printable_statements`
loads a chunk of them: the statements; their bills with customer, connection, cycle,
tariff, reading and route; the bills' lines; their adjustments; the running totals of the
drafts' and earlier bills' accounts; the settings. A few queries per chunk whatever its
size, never one per bill or per account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, aliased

from opsmanager_desktop.db.models import (
    Bill,
    BillAdjustment,
    BillingCycle,
    BillLine,
    Connection,
    Customer,
    MeterReading,
    Setting,
    Statement,
    TariffPlan,
    TariffVersion,
    UtilityType,
)
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.statement import (
    NO_MONEY,
    RunningTotals,
    StatementFigures,
    statement_figures,
)
from opsmanager_desktop.reports.printable import (
    Company,
    PaperKind,
    PrintableBill,
    PrintableStatement,
    PrintLine,
)
from opsmanager_desktop.services.imports import batched
from opsmanager_desktop.services.statement_ledger import draft_figures_of, running_totals

DEFAULT_COMPANY = "Ops Manager Power & Water"
# system settings (key/value rows an admin keeps) that brand the paper
COMPANY_KEYS = ("company.name", "company.address", "company.contact")


def company_of(session: Session) -> Company:
    values = {r.key: r.value for r in session.execute(
        select(Setting.key, Setting.value).where(Setting.key.in_(COMPANY_KEYS)))}
    return Company(values.get("company.name") or DEFAULT_COMPANY,
                   values.get("company.address", ""), values.get("company.contact", ""))


class Paper(NamedTuple):
    """One printed statement: an issued statement's id, or (statement_id 0) an account's
    draft or earlier bills of a cycle."""

    statement_id: int
    customer_id: int
    cycle_id: int
    draft: bool

    @property
    def kind(self) -> PaperKind:
        if self.statement_id:
            return PaperKind.STATEMENT
        return PaperKind.DRAFT if self.draft else PaperKind.EARLIER


def route_of(customer_id: Any) -> Any:
    """An account's route: the transformer of its first connection that has one (water
    connections have none: an account whose water meter came first still walks with its
    electricity connection's route, not at the end)."""
    first = aliased(Connection)  # apart from a bill's own connection in the outer query
    return (select(first.transformer_code)
            .where(first.customer_id == customer_id, first.transformer_code.is_not(None))
            .order_by(first.id).limit(1).scalar_subquery())


def papers_in_walking_order(session: Session, chosen: Sequence[ColumnElement[bool]],
                            route: str | None) -> Iterator[Paper]:
    """The papers holding the bills matching `chosen`, in the order a field team walks:
    route (none last), account, cycle. `route` keeps the papers of one route."""
    draft = case((Bill.status == BillStatus.GENERATED.value, 1), else_=0)
    keys = (select(func.coalesce(Bill.statement_id, 0).label("statement_id"),
                   Bill.customer_id, Bill.cycle_id, draft.label("draft"))
            .where(*chosen).distinct().subquery())
    walk = route_of(keys.c.customer_id)
    stmt = (select(keys.c.statement_id, keys.c.customer_id, keys.c.cycle_id, keys.c.draft)
            .join(Customer, Customer.id == keys.c.customer_id)
            .join(BillingCycle, BillingCycle.id == keys.c.cycle_id)
            .order_by(walk.is_(None), walk, Customer.account_no, BillingCycle.start_date,
                      keys.c.draft, keys.c.statement_id))
    if route is not None:
        stmt = stmt.where(walk == route)
    for part in session.execute(stmt).partitions(10_000):
        for r in part:
            yield Paper(int(r[0]), int(r[1]), int(r[2]), bool(r[3]))


def _bill_rows(session: Session, condition: ColumnElement[bool]) -> list[Any]:
    """The bills matching `condition` with everything their sections show. Their ids are
    looked up first: asked by statement, MariaDB starts the join from the small tariff
    tables and reads every bill of each tariff version (0.7 s a chunk at 240,000 bills);
    asked by primary key, it starts from the bills."""
    rows: list[Any] = []
    for part in batched(list(session.scalars(select(Bill.id).where(condition)))):
        rows += session.execute(_bill_select().where(Bill.id.in_(part)))
    return sorted(rows, key=lambda r: r.bill_no)


def _bill_select() -> Any:
    reading = aliased(MeterReading)
    earlier = aliased(MeterReading)
    previous_read = (select(func.max(earlier.read_at))
                     .where(earlier.connection_id == reading.connection_id,
                            earlier.read_at < reading.read_at,
                            earlier.status == "APPROVED")
                     .correlate(reading).scalar_subquery())
    return (select(Bill.id, Bill.bill_no, Bill.status, Bill.customer_id, Bill.cycle_id,
                   Bill.statement_id, Bill.units, Bill.total, Bill.adjustments,
                   Bill.is_estimated, Bill.issue_date, Bill.due_date, BillingCycle.period,
                   BillingCycle.start_date, BillingCycle.end_date, Customer.account_no,
                   Customer.name, Customer.address, UtilityType.name.label("utility"),
                   UtilityType.unit, Connection.meter_number, Connection.transformer_code,
                   TariffPlan.code, TariffPlan.name.label("plan_name"),
                   reading.previous_reading, reading.current_reading, reading.read_at,
                   previous_read.label("previous_read_at"),
                   route_of(Bill.customer_id).label("route"))
            .join(BillingCycle, BillingCycle.id == Bill.cycle_id)
            .join(Customer, Customer.id == Bill.customer_id)
            .join(Connection, Connection.id == Bill.connection_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .join(TariffVersion, TariffVersion.id == Bill.tariff_version_id)
            .join(TariffPlan, TariffPlan.id == TariffVersion.plan_id)
            .outerjoin(reading, reading.id == Bill.reading_id))


def _lines(session: Session, ids: list[int]) -> tuple[dict[int, list[PrintLine]],
                                                      dict[int, list[tuple[Any, PrintLine]]]]:
    """Each bill's charge lines, and its adjustments with when they were made."""
    lines: dict[int, list[PrintLine]] = defaultdict(list)
    adjustments: dict[int, list[tuple[Any, PrintLine]]] = defaultdict(list)
    for part in batched(ids):
        for r in session.execute(
                select(BillLine.bill_id, BillLine.kind, BillLine.description,
                       BillLine.quantity, BillLine.rate, BillLine.amount)
                .where(BillLine.bill_id.in_(part)).order_by(BillLine.bill_id, BillLine.seq)):
            lines[r.bill_id].append(PrintLine(r.kind, r.description, r.quantity, r.rate,
                                              r.amount))
        for a in session.execute(
                select(BillAdjustment.bill_id, BillAdjustment.reason, BillAdjustment.amount,
                       BillAdjustment.created_at)
                .where(BillAdjustment.bill_id.in_(part))
                .order_by(BillAdjustment.bill_id, BillAdjustment.id)):
            adjustments[a.bill_id].append((a.created_at, PrintLine(
                "ADJUSTMENT", f"Adjustment: {a.reason}", None, None, a.amount)))
    return lines, adjustments


def _statements(session: Session, ids: list[int]) -> dict[int, Any]:
    """The stored statements, with the issue date of each one's previous statement."""
    before, previous = aliased(Statement), aliased(Statement)
    # by the largest earlier id: ORDER BY id DESC LIMIT 1 sorts the account's statements
    previous_id = (select(func.max(before.id))
                   .where(before.customer_id == Statement.customer_id,
                          before.id < Statement.id)
                   .correlate(Statement).scalar_subquery())
    found: dict[int, Any] = {}
    for part in batched(ids):
        for r in session.execute(
                select(Statement.id, Statement.statement_no, Statement.issue_date,
                       Statement.due_date, Statement.previous_balance, Statement.payments,
                       Statement.reversals, Statement.adjustments, Statement.current_charges,
                       Statement.total_due, Statement.created_at,
                       previous.issue_date.label("previous_issue"))
                .outerjoin(previous, previous.id == previous_id)
                .where(Statement.id.in_(part))):
            found[r.id] = r
    return found


def _earlier_figures(totals: RunningTotals, current: Decimal) -> StatementFigures:
    """Bills issued before statements have no stored figures and no previous statement to
    count from: the summary is the account's whole ledger as at today (other bills,
    payments, reversals and adjustments to date, these bills), so its total is what `dues`
    says today."""
    return statement_figures(RunningTotals(), totals, current)


def _paper_of(statement_id: int | None, customer_id: int, cycle_id: int, draft: bool
              ) -> tuple[int, ...]:
    """Which paper a bill is on: a statement by its id alone, else its account, cycle and
    whether it is issued."""
    if statement_id:
        return (statement_id,)
    return (0, customer_id, cycle_id, int(draft))


def printable_statements(session: Session, papers: Sequence[Paper], today: date
                         ) -> list[PrintableStatement]:
    """The papers as printed, in the order given."""
    stored = _statements(session, [p.statement_id for p in papers if p.statement_id])
    rows: list[Any] = []
    for part in batched(sorted(stored)):
        rows += _bill_rows(session, Bill.statement_id.in_(part))
    groups = [p for p in papers if not p.statement_id]
    for part in batched(sorted({p.customer_id for p in groups})):
        rows += _bill_rows(session, Bill.statement_id.is_(None) & Bill.customer_id.in_(part)
                           & Bill.cycle_id.in_(sorted({p.cycle_id for p in groups})))
    bills_of: dict[tuple[int, ...], list[Any]] = defaultdict(list)
    for r in rows:
        bills_of[_paper_of(r.statement_id, r.customer_id, r.cycle_id,
                           r.status == BillStatus.GENERATED.value)].append(r)
    lines, adjustments = _lines(session, [r.id for r in rows])
    figures = _group_figures(session, groups, bills_of)
    out = []
    for paper in papers:
        bills = bills_of.get(_paper_of(*paper), [])
        if not bills:
            continue  # chosen and gone: cannot happen, bills are not deleted
        statement = stored.get(paper.statement_id)
        cutoff = statement.created_at if statement is not None else None
        sections = tuple(_section(r, lines.get(r.id, []), adjustments.get(r.id, []), cutoff)
                         for r in bills)
        first = bills[0]
        if statement is not None:
            shown = StatementFigures(statement.previous_balance, statement.payments,
                                     statement.reversals, statement.adjustments,
                                     statement.current_charges, statement.total_due)
            issued, due, since = statement.issue_date, statement.due_date, \
                statement.previous_issue
        else:
            shown, since = figures[paper]
            issued = max((r.issue_date for r in bills if r.issue_date), default=None)
            due = max((r.due_date for r in bills if r.due_date), default=None)
        out.append(PrintableStatement(
            kind=paper.kind, statement_no=None if statement is None else statement.statement_no,
            cycle=first.period, cycle_start=first.start_date, cycle_end=first.end_date,
            account_no=first.account_no, customer_name=first.name, address=first.address,
            route=first.route, issue_date=issued, due_date=due, figures=shown,
            previous_issue=since, as_at=today if statement is None else issued,
            sections=sections))
    return out


def _group_figures(session: Session, groups: list[Paper],
                   bills_of: dict[tuple[int, ...], list[Any]]
                   ) -> dict[Paper, tuple[StatementFigures, date | None]]:
    """The drafts' and earlier bills' summaries and the date their payments count from."""
    sums = {p: (sum((r.total for r in bills_of.get(_paper_of(*p), [])), NO_MONEY),
                sum((r.adjustments for r in bills_of.get(_paper_of(*p), [])), NO_MONEY))
            for p in groups}
    drafts = [p for p in groups if p.draft]
    out: dict[Paper, tuple[StatementFigures, date | None]] = dict(zip(
        drafts, draft_figures_of(session, [(p.customer_id, *sums[p]) for p in drafts]),
        strict=True))
    earlier = [p for p in groups if not p.draft]
    totals = running_totals(session, sorted({p.customer_id for p in earlier}))
    for paper in earlier:
        out[paper] = (_earlier_figures(totals[paper.customer_id], sums[paper][0]), None)
    return out


def _section(r: Any, lines: list[PrintLine], adjustments: list[tuple[Any, PrintLine]],
             cutoff: Any) -> PrintableBill:
    """A bill as its section prints it; a statement's shows the adjustments it counted
    (those made by its issue, to the second: MariaDB keeps whole seconds), as its stored
    summary does."""
    return PrintableBill(
        bill_no=r.bill_no, status=r.status, utility=r.utility, unit=r.unit,
        meter_number=r.meter_number, transformer=r.transformer_code, tariff_code=r.code,
        tariff_name=r.plan_name, previous_read_on=r.previous_read_at, read_on=r.read_at,
        previous_reading=r.previous_reading, current_reading=r.current_reading,
        units=r.units, is_estimated=bool(r.is_estimated), lines=tuple(lines),
        adjustments=tuple(line for made, line in adjustments
                          if cutoff is None or made <= cutoff),
        total=r.total)

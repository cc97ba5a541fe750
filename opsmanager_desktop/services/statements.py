"""Account statements for tables, the CLI and the paper (docs/decisions.md 41).

A statement is made when its bills are issued (services/statement_ledger.py) and never
changed; what moves afterwards is its bills' balances, shown beside it as `balance`
(what is still open of its bills today). Officers who see bills see statements; a consumer
sees their own account's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Bill, BillingCycle, Customer, Statement
from opsmanager_desktop.domain.cycle import Period
from opsmanager_desktop.domain.errors import NotFound
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.statement import NO_MONEY
from opsmanager_desktop.services.bill_queries import BillRow, bill_page, own_customer
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import (
    ListQuery,
    Page,
    chosen_filters,
    prefix_pattern,
    run_page,
)


@dataclass(frozen=True)
class StatementRow:
    """A statement as tables show it; these fields are the `statements list` JSON keys."""

    statement_no: str
    account_no: str
    customer_name: str
    cycle: str
    seq: int
    issue_date: date
    due_date: date
    bills: int
    previous_balance: Decimal
    payments: Decimal
    reversals: Decimal
    adjustments: Decimal
    current_charges: Decimal
    total_due: Decimal  # as issued; negative: the account was in credit
    balance: Decimal  # what its bills still owe today

    @property
    def amount_payable(self) -> Decimal:
        return max(self.total_due, NO_MONEY)

    @property
    def status(self) -> str:
        return "OPEN" if self.balance > 0 else "SETTLED"


@dataclass(frozen=True)
class StatementDetail:
    statement: StatementRow
    bills: tuple[BillRow, ...]


def _open_balance() -> Any:
    return (select(func.coalesce(func.sum(Bill.balance), NO_MONEY))
            .where(Bill.statement_id == Statement.id).correlate(Statement)
            .scalar_subquery())


def _select() -> Select[Any]:
    return (select(  # type: ignore[return-value]  # 16 columns: past the typed overloads
Statement.statement_no, Customer.account_no, Customer.name,
                   BillingCycle.period, Statement.seq, Statement.issue_date,
                   Statement.due_date, Statement.bills, Statement.previous_balance,
                   Statement.payments, Statement.reversals, Statement.adjustments,
                   Statement.current_charges, Statement.total_due,
                   _open_balance().label("balance"), Statement.id)
            .join(Customer, Customer.id == Statement.customer_id)
            .join(BillingCycle, BillingCycle.id == Statement.cycle_id))


def _row(r: Any) -> StatementRow:
    return StatementRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                        r[11], r[12], r[13], r[14])


_SORT = {"statement_no": Statement.statement_no, "account_no": Customer.account_no,
         "customer_name": Customer.name, "cycle": BillingCycle.period,
         "issue_date": Statement.issue_date, "due_date": Statement.due_date,
         "total_due": Statement.total_due, "current_charges": Statement.current_charges}
_FILTERS = frozenset({"cycle", "account"})


def statement_page(session: Session, query: ListQuery, customer_id: int | None
                   ) -> Page[StatementRow]:
    stmt = _select()
    if customer_id is not None:
        stmt = stmt.where(Statement.customer_id == customer_id)
    filters = chosen_filters(query, _FILTERS, "statements")
    if "cycle" in filters:
        period = str(Period.parse(str(filters["cycle"]), "cycle"))
        stmt = stmt.where(Statement.cycle_id == select(BillingCycle.id)
                          .where(BillingCycle.period == period).scalar_subquery())
    if "account" in filters:
        stmt = stmt.where(Statement.customer_id == select(Customer.id).where(
            Customer.account_no == str(filters["account"]).strip().upper())
            .scalar_subquery())
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip())
        stmt = stmt.where(or_(Statement.statement_no.like(pattern, escape="\\"),
                              Customer.account_no.like(pattern, escape="\\"),
                              Customer.name.like(pattern, escape="\\")))
    return run_page(session, stmt, query, _SORT, Statement.id, _row)


def find_statement(session: Session, statement_no: str, customer_id: int | None
                   ) -> tuple[int, StatementRow]:
    """(id, row) of a statement the caller may see; NotFound otherwise (a consumer asking
    for another account's learns nothing more)."""
    number = statement_no.strip().upper()
    stmt = _select().where(Statement.statement_no == number)
    if customer_id is not None:
        stmt = stmt.where(Statement.customer_id == customer_id)
    r = session.execute(stmt).first()
    if r is None:
        raise NotFound(f"no statement {number!r}")
    return r[15], _row(r)


def statement_detail(session: Session, statement_no: str, customer_id: int | None
                     ) -> StatementDetail:
    _id, row = find_statement(session, statement_no, customer_id)
    bills = bill_page(session, ListQuery(limit=1000, filters={"statement": row.statement_no}),
                      customer_id).rows
    return StatementDetail(row, tuple(bills))


@service(Permission.BILLS_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def list_statements(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[StatementRow]:
    """Statements for tables and `statements list`. Filters: cycle (YYYY-MM), account."""
    return statement_page(ctx.session, query, own_customer(ctx))


@service(Permission.BILLS_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def get_statement(ctx: Ctx, statement_no: str) -> StatementDetail:
    """One statement with its bills."""
    return statement_detail(ctx.session, statement_no, own_customer(ctx))


@service(Permission.BILLS_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def statement_of_bill(ctx: Ctx, bill_no: str) -> str | None:
    """The number of the statement a bill was issued on (None: not issued yet, or issued
    before statements existed)."""
    customer_id = own_customer(ctx)
    stmt = (select(Statement.statement_no, Bill.customer_id)
            .join(Statement, Statement.id == Bill.statement_id)
            .where(Bill.bill_no == bill_no.strip()))
    r = ctx.session.execute(stmt).first()
    if r is None or (customer_id is not None and r[1] != customer_id):
        return None
    return str(r[0])

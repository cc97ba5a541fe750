"""Reading bills for tables, the CLI and the printed bill (inside the caller's transaction;
services/bills.py holds the permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    BillAdjustment,
    BillingCycle,
    BillLine,
    Connection,
    Customer,
    MeterReading,
    Statement,
    TariffPlan,
    TariffVersion,
    UtilityType,
)
from opsmanager_desktop.domain.bill_lifecycle import OPEN, BillStatus
from opsmanager_desktop.domain.cycle import Period
from opsmanager_desktop.domain.errors import NotFound, invalid
from opsmanager_desktop.domain.permissions import MATRIX, Permission
from opsmanager_desktop.domain.statement import (
    RunningTotals,
    StatementFigures,
    statement_figures,
)
from opsmanager_desktop.services.core import Ctx
from opsmanager_desktop.services.listing import (
    ListQuery,
    Page,
    chosen_filters,
    prefix_pattern,
    run_page,
)
from opsmanager_desktop.services.statement_ledger import (
    draft_figures,
    last_statements,
    running_totals,
)


@dataclass(frozen=True)
class BillRow:
    """A bill as tables show it; LIST_KEYS are the `bills list` JSON keys."""

    bill_no: str
    account_no: str
    utility: str
    meter_number: str
    cycle: str
    units: Decimal
    energy_charge: Decimal
    fixed_charge: Decimal
    tax: Decimal
    total: Decimal
    amount_paid: Decimal
    balance: Decimal
    status: BillStatus
    issue_date: date | None
    due_date: date | None
    customer_name: str
    adjustments: Decimal
    is_estimated: bool
    paid_at: date | None
    # the account statement it was issued on (None: not issued, or issued before statements)
    statement_no: str | None = None


LIST_KEYS = ("bill_no", "account_no", "utility", "meter_number", "cycle", "units",
             "energy_charge", "fixed_charge", "tax", "total", "amount_paid", "balance",
             "status", "issue_date", "due_date", "statement_no")


def _columns() -> tuple[Any, ...]:
    return (Bill.bill_no, Customer.account_no, UtilityType.code, Connection.meter_number,
            BillingCycle.period, Bill.units, Bill.energy_charge, Bill.fixed_charge, Bill.tax,
            Bill.total, Bill.amount_paid, Bill.balance, Bill.status, Bill.issue_date,
            Bill.due_date, Customer.name, Bill.adjustments, Bill.is_estimated, Bill.paid_at,
            Statement.statement_no)


def _select() -> Select[Any]:
    return (select(*_columns())
            .join(Customer, Customer.id == Bill.customer_id)
            .join(Connection, Connection.id == Bill.connection_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .join(BillingCycle, BillingCycle.id == Bill.cycle_id)
            .outerjoin(Statement, Statement.id == Bill.statement_id))


def _row(r: Any) -> BillRow:
    return BillRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
                   BillStatus(r[12]), r[13], r[14], r[15], r[16], bool(r[17]), r[18], r[19])


def row_of(session: Session, bill_id: int) -> BillRow:
    return _row(session.execute(_select().where(Bill.id == bill_id)).one())


def own_customer(ctx: Ctx) -> int | None:
    """None for officers who see all bills; the caller's customer id for a consumer (-1
    when the consumer is linked to no account: they see nothing)."""
    if ctx.role in MATRIX[Permission.BILLS_VIEW]:
        return None
    return ctx.user.customer_id if ctx.user.customer_id is not None else -1


_SORT = {"bill_no": Bill.bill_no, "account_no": Customer.account_no,
         "customer_name": Customer.name, "cycle": BillingCycle.period,
         "utility": UtilityType.code, "units": Bill.units, "total": Bill.total,
         "balance": Bill.balance, "amount_paid": Bill.amount_paid, "status": Bill.status,
         "issue_date": Bill.issue_date, "due_date": Bill.due_date}
_FILTERS = frozenset({"cycle", "account", "status", "utility", "issued_from", "issued_to",
                      "open_only", "statement"})


def _date(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise invalid(field, f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _status(value: object) -> str:
    text = str(value).strip().upper()
    if text not in BillStatus.__members__:
        raise invalid("status", f"{value!r} is not a bill status; use one of "
                      + ", ".join(BillStatus))
    return text


def bill_page(session: Session, query: ListQuery, customer_id: int | None) -> Page[BillRow]:
    stmt = _select()
    if customer_id is not None:
        # a consumer sees issued bills only: a GENERATED bill is still the office's draft
        stmt = stmt.where(Bill.customer_id == customer_id,
                          Bill.status != BillStatus.GENERATED.value)
    filters = chosen_filters(query, _FILTERS, "bills")
    if "cycle" in filters:
        period = str(Period.parse(str(filters["cycle"]), "cycle"))
        stmt = stmt.where(Bill.cycle_id == select(BillingCycle.id)
                          .where(BillingCycle.period == period).scalar_subquery())
    if "account" in filters:
        stmt = stmt.where(Bill.customer_id == select(Customer.id).where(
            Customer.account_no == str(filters["account"]).strip()).scalar_subquery())
    if "status" in filters:
        stmt = stmt.where(Bill.status == _status(filters["status"]))
    if "statement" in filters:  # a statement number: the bills it carries
        stmt = stmt.where(Statement.statement_no == str(filters["statement"]).strip().upper())
    if filters.get("open_only"):
        stmt = stmt.where(Bill.status.in_(sorted(s.value for s in OPEN)))
    if "utility" in filters:
        stmt = stmt.where(UtilityType.code == str(filters["utility"]).strip().lower())
    if "issued_from" in filters:
        stmt = stmt.where(Bill.issue_date >= _date(filters["issued_from"], "issued_from"))
    if "issued_to" in filters:
        stmt = stmt.where(Bill.issue_date <= _date(filters["issued_to"], "issued_to"))
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip())
        stmt = stmt.where(or_(Bill.bill_no.like(pattern, escape="\\"),
                              Customer.account_no.like(pattern, escape="\\"),
                              Connection.meter_number.like(pattern, escape="\\"),
                              Customer.name.like(pattern, escape="\\")))
    return run_page(session, stmt, query, _SORT, Bill.id, _row)


@dataclass(frozen=True)
class BillLineRow:
    seq: int
    kind: str
    description: str
    quantity: Decimal | None
    rate: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class ReadingInfo:
    previous_reading: Decimal
    current_reading: Decimal
    units: Decimal
    read_at: date
    source: str
    is_estimated: bool
    reader: str


@dataclass(frozen=True)
class TariffInfo:
    plan_code: str
    plan_name: str
    version_id: int
    effective_from: date


@dataclass(frozen=True)
class CustomerInfo:
    account_no: str
    name: str
    address: str
    phone: str
    email: str


@dataclass(frozen=True)
class AdjustmentRow:
    amount: Decimal
    reason: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class BillDetail:
    """A bill with what its paper shows. The statement figures are the ACCOUNT's, never
    this bill's alone (docs/decisions.md 44); `figures_of` says whose:

    STATEMENT: the statement the bill was issued on (`statement_no`), as issued;
    DRAFT: a bill not issued yet: what its account's statement would carry if the cycle's
    generated bills were issued today;
    EARLIER: a bill issued before statements existed: no summary was stored for it, so
    the account's whole ledger as at today (its total due is what `dues` says today), as
    its reprint shows it.

    `statement` holds the summary line by line; the four older figures are kept for their
    readers: previous_balance, payments_since_last_bill = payments - reversals since the
    previous statement (`last_bill_no`: that statement's number), current_charges = the
    statement's charges + adjustments, total_due = previous_balance -
    payments_since_last_bill + current_charges (negative: the account is in credit).
    `as_at` is the statement's issue date (today for a draft or an earlier bill)."""

    bill: BillRow
    lines: tuple[BillLineRow, ...]
    reading: ReadingInfo | None
    tariff: TariffInfo
    customer: CustomerInfo
    adjustments: tuple[AdjustmentRow, ...]
    generated_at: datetime
    as_at: date
    last_bill_no: str | None
    previous_balance: Decimal
    payments_since_last_bill: Decimal
    current_charges: Decimal
    total_due: Decimal
    statement_no: str | None
    figures_of: str
    statement: StatementFigures


@dataclass(frozen=True)
class _AccountFigures:
    figures_of: str
    statement_no: str | None
    previous_no: str | None
    as_at: date
    figures: StatementFigures


def _figures_from(s: Statement) -> StatementFigures:
    return StatementFigures(s.previous_balance, s.payments, s.reversals, s.adjustments,
                            s.current_charges, s.total_due)


def _account_figures(session: Session, bill: Bill, today: date) -> _AccountFigures:
    if bill.statement_id is not None:
        statement = session.get_one(Statement, bill.statement_id)
        previous = session.scalar(
            select(Statement.statement_no).where(Statement.customer_id == bill.customer_id,
                                                 Statement.id < statement.id)
            .order_by(Statement.id.desc()).limit(1))
        return _AccountFigures("STATEMENT", statement.statement_no, previous,
                               statement.issue_date, _figures_from(statement))
    # the bills printed on the same paper: the account's bills of the cycle that no
    # statement carries, drafts with drafts, earlier issued ones with each other
    draft = bill.status == BillStatus.GENERATED.value
    same_kind = (Bill.status == BillStatus.GENERATED.value) if draft \
        else (Bill.status != BillStatus.GENERATED.value)
    totals, adjusted = session.execute(
        select(func.sum(Bill.total), func.sum(Bill.adjustments))
        .where(Bill.customer_id == bill.customer_id, Bill.cycle_id == bill.cycle_id,
               Bill.statement_id.is_(None), same_kind)).one()
    if draft:
        last = last_statements(session, [bill.customer_id]).get(bill.customer_id)
        return _AccountFigures(
            "DRAFT", None, last.statement_no if last is not None else None, today,
            draft_figures(session, bill.customer_id, totals, adjusted))
    # issued before statements existed: no stored summary and no previous statement to
    # count from, so the account's whole ledger as at today (what the reprint shows)
    ledger = running_totals(session, [bill.customer_id])[bill.customer_id]
    return _AccountFigures("EARLIER", None, None, today,
                           statement_figures(RunningTotals(), ledger, totals))


def bill_detail(session: Session, bill_no: str, customer_id: int | None, today: date
                ) -> BillDetail:
    bill = session.scalars(select(Bill).where(Bill.bill_no == bill_no.strip())).first()
    if bill is None or (customer_id is not None and (
            bill.customer_id != customer_id or bill.status == BillStatus.GENERATED.value)):
        raise NotFound(f"no bill {bill_no.strip()!r}")  # a consumer learns nothing more
    row = row_of(session, bill.id)
    lines = tuple(BillLineRow(*r) for r in session.execute(
        select(BillLine.seq, BillLine.kind, BillLine.description, BillLine.quantity,
               BillLine.rate, BillLine.amount)
        .where(BillLine.bill_id == bill.id).order_by(BillLine.seq)))
    reading = None
    if bill.reading_id is not None:
        r = session.get_one(MeterReading, bill.reading_id)
        reading = ReadingInfo(r.previous_reading, r.current_reading, r.units, r.read_at,
                              r.source, r.is_estimated, r.reader)
    plan_code, plan_name, effective = session.execute(
        select(TariffPlan.code, TariffPlan.name, TariffVersion.effective_from)
        .join(TariffPlan, TariffPlan.id == TariffVersion.plan_id)
        .where(TariffVersion.id == bill.tariff_version_id)).one()
    c = session.get_one(Customer, bill.customer_id)
    adjustments = tuple(AdjustmentRow(*a) for a in session.execute(
        select(BillAdjustment.amount, BillAdjustment.reason, BillAdjustment.created_by,
               BillAdjustment.created_at)
        .where(BillAdjustment.bill_id == bill.id).order_by(BillAdjustment.id)))
    account = _account_figures(session, bill, today)
    f = account.figures
    return BillDetail(
        row, lines, reading, TariffInfo(plan_code, plan_name, bill.tariff_version_id, effective),
        CustomerInfo(c.account_no, c.name, c.address, c.phone, c.email), adjustments,
        bill.generated_at, account.as_at, account.previous_no, f.previous_balance,
        f.payments - f.reversals, f.current_charges + f.adjustments, f.total_due,
        account.statement_no, account.figures_of, f)

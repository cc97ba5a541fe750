"""Many bills' printed figures in a few queries (inside the caller's transaction;
services/printing.py holds the permissions).

`printable_bills(session, ids, today)` gives, in the order of `ids`, what
services.bills.get_bill gives one at a time, with the same statement rules
(services/bill_queries.BillDetail): previous balance = the account's bills of earlier
cycles minus its payments up to the last bill's issue date; payments since the last bill =
its payments after that up to this bill's issue date (today for a bill not issued yet),
reversed payments left out. A chunk of bills costs a few queries whatever its size: the
bills with their customer, connection, cycle, tariff and reading; their lines; their
adjustments; the accounts' earlier bills, last issue dates and payments, each summed per
account by the database; the settings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from opsmanager_desktop.db.models import (
    Bill,
    BillAdjustment,
    BillingCycle,
    BillLine,
    Connection,
    Customer,
    MeterReading,
    Payment,
    PaymentReversal,
    Setting,
    TariffPlan,
    TariffVersion,
    UtilityType,
)
from opsmanager_desktop.reports.printable import Company, PrintableBill, PrintLine

NO_MONEY = Decimal("0.00")
# MariaDB turns an IN list of 1,000 values or more into a temporary table and may then scan
IN_LIST_MAX = 900
DEFAULT_COMPANY = "Ops Manager Power & Water"
# system settings (key/value rows an admin keeps) that brand the paper
COMPANY_KEYS = ("company.name", "company.address", "company.contact")


def batched(values: Sequence[int], size: int = IN_LIST_MAX) -> list[Sequence[int]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def company_of(session: Session) -> Company:
    values = {r.key: r.value for r in session.execute(
        select(Setting.key, Setting.value).where(Setting.key.in_(COMPANY_KEYS)))}
    return Company(values.get("company.name") or DEFAULT_COMPANY,
                   values.get("company.address", ""), values.get("company.contact", ""))


def _main_rows(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    reading = aliased(MeterReading)
    earlier = aliased(MeterReading)
    previous_read = (select(func.max(earlier.read_at))
                     .where(earlier.connection_id == reading.connection_id,
                            earlier.read_at < reading.read_at,
                            earlier.status == "APPROVED")
                     .correlate(reading).scalar_subquery())
    stmt = (select(Bill.id, Bill.bill_no, Bill.status, Bill.customer_id, Bill.units,
                   Bill.total, Bill.adjustments, Bill.is_estimated, Bill.issue_date,
                   Bill.due_date, BillingCycle.period, BillingCycle.start_date,
                   BillingCycle.end_date, Customer.account_no, Customer.name,
                   Customer.address, UtilityType.name.label("utility"), UtilityType.unit,
                   Connection.meter_number, Connection.transformer_code, TariffPlan.code,
                   TariffPlan.name.label("plan_name"), reading.previous_reading,
                   reading.current_reading, reading.read_at,
                   previous_read.label("previous_read_at"))
            .join(BillingCycle, BillingCycle.id == Bill.cycle_id)
            .join(Customer, Customer.id == Bill.customer_id)
            .join(Connection, Connection.id == Bill.connection_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .join(TariffVersion, TariffVersion.id == Bill.tariff_version_id)
            .join(TariffPlan, TariffPlan.id == TariffVersion.plan_id)
            .outerjoin(reading, reading.id == Bill.reading_id)
            .where(Bill.id.in_(ids)))
    return {row.id: row for row in session.execute(stmt)}


def _lines(session: Session, ids: Sequence[int]) -> dict[int, list[PrintLine]]:
    lines: dict[int, list[PrintLine]] = defaultdict(list)
    for r in session.execute(
            select(BillLine.bill_id, BillLine.kind, BillLine.description, BillLine.quantity,
                   BillLine.rate, BillLine.amount)
            .where(BillLine.bill_id.in_(ids)).order_by(BillLine.bill_id, BillLine.seq)):
        lines[r.bill_id].append(PrintLine(r.kind, r.description, r.quantity, r.rate,
                                          r.amount))
    for a in session.execute(
            select(BillAdjustment.bill_id, BillAdjustment.reason, BillAdjustment.amount)
            .where(BillAdjustment.bill_id.in_(ids))
            .order_by(BillAdjustment.bill_id, BillAdjustment.id)):
        lines[a.bill_id].append(PrintLine("ADJUSTMENT", f"Adjustment: {a.reason}", None,
                                          None, a.amount))
    return lines


class _Statements:
    """The statement figures of a chunk's accounts, summed by the database: a few grouped
    queries per distinct cycle start and issue date in the chunk (a cycle's chunk has one
    or two), one row per account each, never a query per bill."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # (cycle start) -> customer -> billed before it / the last bill's issue date
        self._billed: dict[date, dict[int, Decimal]] = {}
        self._last: dict[date, dict[int, date]] = {}
        # (after, up to) -> customer -> payments in that window
        self._paid: dict[tuple[date | None, date], dict[int, Decimal]] = {}

    def load(self, wanted: list[tuple[int, date, date]]) -> None:
        """Everything `figures` will ask for (customer, cycle start, as at)."""
        by_start: dict[date, set[int]] = defaultdict(set)
        for customer, start, _as_at in wanted:
            by_start[start].add(customer)
        for start, customers in by_start.items():
            self._load_cycle(start, sorted(customers))
        windows: dict[tuple[date | None, date], set[int]] = defaultdict(set)
        for customer, start, as_at in wanted:
            last = self._last[start].get(customer)
            if last is not None:
                windows[(None, last)].add(customer)
            windows[(last, as_at)].add(customer)
        for (after, upto), customers in windows.items():
            self._load_paid(after, upto, sorted(customers))

    def _load_cycle(self, start: date, customers: list[int]) -> None:
        billed = self._billed.setdefault(start, {})
        last = self._last.setdefault(start, {})
        earlier = BillingCycle.start_date < start
        for part in batched(customers):
            for r in self.session.execute(
                    select(Bill.customer_id, func.sum(Bill.total).label("total"),
                           func.sum(Bill.adjustments).label("adj"))
                    .join(BillingCycle, BillingCycle.id == Bill.cycle_id)
                    .where(Bill.customer_id.in_(part), earlier)
                    .group_by(Bill.customer_id)):
                billed[r.customer_id] = (r.total or NO_MONEY) + (r.adj or NO_MONEY)
            # the last bill: the latest earlier cycle with an issued bill, its latest issue
            issued = (Bill.customer_id.in_(part), earlier, Bill.issue_date.is_not(None))
            newest = (select(Bill.customer_id, func.max(BillingCycle.start_date).label("s"))
                      .join(BillingCycle, BillingCycle.id == Bill.cycle_id)
                      .where(*issued).group_by(Bill.customer_id).subquery())
            for i in self.session.execute(
                    select(Bill.customer_id, func.max(Bill.issue_date).label("issued"))
                    .join(BillingCycle, BillingCycle.id == Bill.cycle_id)
                    .join(newest, (newest.c.customer_id == Bill.customer_id)
                          & (newest.c.s == BillingCycle.start_date))
                    .where(*issued).group_by(Bill.customer_id)):
                last[i.customer_id] = i.issued

    def _load_paid(self, after: date | None, upto: date, customers: list[int]) -> None:
        paid = self._paid.setdefault((after, upto), {})
        window = [Payment.paid_at <= upto]
        if after is not None:
            window.append(Payment.paid_at > after)
        for part in batched(customers):
            for r in self.session.execute(
                    select(Payment.customer_id, func.sum(Payment.amount).label("amount"))
                    .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
                    .where(Payment.customer_id.in_(part), PaymentReversal.id.is_(None),
                           *window)
                    .group_by(Payment.customer_id)):
                paid[r.customer_id] = r.amount

    def figures(self, customer_id: int, start: date, as_at: date
                ) -> tuple[Decimal, Decimal, date | None]:
        """(previous balance, payments since the last bill, the last bill's issue date)."""
        billed = self._billed[start].get(customer_id, NO_MONEY)
        last = self._last[start].get(customer_id)
        paid_before = NO_MONEY if last is None else \
            self._paid[(None, last)].get(customer_id, NO_MONEY)
        since = self._paid[(last, as_at)].get(customer_id, NO_MONEY)
        return billed - paid_before, since, last


def printable_bills(session: Session, ids: Sequence[int], today: date) -> list[PrintableBill]:
    rows: dict[int, Any] = {}
    lines: dict[int, list[PrintLine]] = {}
    for part in batched(ids):
        rows.update(_main_rows(session, part))
        lines.update(_lines(session, part))
    statements = _Statements(session)
    statements.load([(r.customer_id, r.start_date, r.issue_date or today)
                     for r in rows.values()])
    out = []
    for bill_id in ids:
        r = rows.get(bill_id)
        if r is None:
            continue  # gone since it was selected (cannot happen: bills are not deleted)
        as_at = r.issue_date or today
        previous, since, last_issue = statements.figures(r.customer_id, r.start_date, as_at)
        current = r.total + r.adjustments
        out.append(PrintableBill(
            bill_no=r.bill_no, status=r.status, cycle=r.period, cycle_start=r.start_date,
            cycle_end=r.end_date, account_no=r.account_no, customer_name=r.name,
            address=r.address, utility=r.utility, unit=r.unit, meter_number=r.meter_number,
            transformer=r.transformer_code, tariff_code=r.code, tariff_name=r.plan_name,
            previous_read_on=r.previous_read_at, read_on=r.read_at,
            previous_reading=r.previous_reading, current_reading=r.current_reading,
            units=r.units, is_estimated=bool(r.is_estimated),
            lines=tuple(lines.get(bill_id, ())), current_charges=current,
            previous_balance=previous, payments_since_last_bill=since,
            last_bill_issued=last_issue, total_due=previous - since + current,
            issue_date=r.issue_date, due_date=r.due_date))
    return out


def walking_order() -> tuple[Any, ...]:
    """The order a field team walks: by distribution transformer (route), bills without
    one last, then by account, then bill number."""
    return (Connection.transformer_code.is_(None), Connection.transformer_code,
            Customer.account_no, Bill.bill_no)

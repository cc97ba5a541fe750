"""Making account statements when bills are issued, and the figures of a draft (inside the
caller's transaction; the permissions are the issuing or reading service's).

Running totals per account come from a few grouped queries per run of 5,000 customer ids
(bills, payments, reversals, the last statement), each one index range scan, never a
query per account: a cycle of a million accounts costs about 1,200 queries and one
UPDATE of its bills.
The figures themselves are domain/statement.py's.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.bulk import insert_rows
from opsmanager_desktop.db.models import Bill, Payment, PaymentReversal, Statement
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.statement import (
    NO_MONEY,
    RunningTotals,
    StatementFigures,
    statement_figures,
    statement_no,
)
from opsmanager_desktop.services.billing_engine import table_of

_S = table_of(Statement)
_B = table_of(Bill)
_ISSUED = Bill.status != BillStatus.GENERATED.value


SPAN = 5000  # customer ids a range query covers: one index range scan, not an IN list


def spans(customer_ids: Iterable[int], width: int = SPAN) -> Iterator[tuple[int, int, list[int]]]:
    """The ids in runs of at most `width` consecutive id values: (first, last, the ids).
    A cycle's accounts are nearly every customer, so BETWEEN first AND last reads few
    rows that are not wanted, and a run is not bound by the IN-list limit (IN_LIST_MAX)."""
    run: list[int] = []
    for customer_id in sorted(set(customer_ids)):
        if run and customer_id - run[0] >= width:
            yield run[0], run[-1], run
            run = []
        run.append(customer_id)
    if run:
        yield run[0], run[-1], run


def running_totals(session: Session, customer_ids: Iterable[int],
                   paid_until: date | None = None) -> dict[int, RunningTotals]:
    """Every account's ledger summed as of now (accounts with nothing get zeros).
    `paid_until` leaves out payments dated later: only the demo, which makes a year of
    payments before the next cycle's statements, needs it."""
    sums: dict[int, list[Decimal]] = {}
    dated = () if paid_until is None else (Payment.paid_at <= paid_until,)
    for lo, hi, members in spans(customer_ids):
        sums.update({c: [NO_MONEY] * 4 for c in members})
        for b in session.execute(
                select(Bill.customer_id, func.sum(Bill.total), func.sum(Bill.adjustments))
                .where(Bill.customer_id.between(lo, hi), _ISSUED)
                .group_by(Bill.customer_id)):
            if b[0] in sums:
                sums[b[0]][0], sums[b[0]][1] = b[1] or NO_MONEY, b[2] or NO_MONEY
        for p in session.execute(
                select(Payment.customer_id, func.sum(Payment.amount))
                .where(Payment.customer_id.between(lo, hi), *dated)
                .group_by(Payment.customer_id)):
            if p[0] in sums:
                sums[p[0]][2] = p[1] or NO_MONEY
        for v in session.execute(
                select(Payment.customer_id, func.sum(Payment.amount))
                .join(PaymentReversal, PaymentReversal.payment_id == Payment.id)
                .where(Payment.customer_id.between(lo, hi), *dated)
                .group_by(Payment.customer_id)):
            if v[0] in sums:
                sums[v[0]][3] = v[1] or NO_MONEY
    return {c: RunningTotals(*v) for c, v in sums.items()}


def last_totals(session: Session, customer_ids: Iterable[int]) -> dict[int, RunningTotals]:
    """The running totals of each account's newest statement (by id: statements are made
    in order); accounts without one are left out."""
    found: dict[int, RunningTotals] = {}
    for lo, hi, members in spans(customer_ids):
        wanted = set(members)
        newest = (select(func.max(_S.c.id)).where(_S.c.customer_id.between(lo, hi))
                  .group_by(_S.c.customer_id))
        for r in session.execute(
                select(_S.c.customer_id, _S.c.billed_to_date, _S.c.adjusted_to_date,
                       _S.c.received_to_date, _S.c.reversed_to_date)
                .where(_S.c.id.in_(newest))):
            if r[0] in wanted:
                found[r[0]] = RunningTotals(r[1], r[2], r[3], r[4])
    return found


def last_statements(session: Session, customer_ids: Iterable[int]) -> dict[int, Statement]:
    """Each account's newest statement, whole (for screens that show one account)."""
    found: dict[int, Statement] = {}
    for lo, hi, members in spans(customer_ids):
        wanted = set(members)
        newest = (select(func.max(Statement.id)).where(Statement.customer_id.between(lo, hi))
                  .group_by(Statement.customer_id))
        for st in session.scalars(select(Statement).where(Statement.id.in_(newest))):
            if st.customer_id in wanted:
                found[st.customer_id] = st
    return found


def totals_of(statement: Statement | None) -> RunningTotals:
    if statement is None:
        return RunningTotals()
    return RunningTotals(statement.billed_to_date, statement.adjusted_to_date,
                         statement.received_to_date, statement.reversed_to_date)


def create_statements(session: Session, cycle_id: int, period: str, issued_on: date,
                      due: date, now: datetime, username: str,
                      paid_until: date | None = None) -> int:
    """A statement for every account with issued bills of the cycle that no statement
    carries yet (all of them at the cycle's issue; a late reading's bill later), and the
    bills pointed at it. Returns the number of statements made."""
    unstated = (_B.c.cycle_id == cycle_id) & _B.c.statement_id.is_(None) \
        & (_B.c.status != BillStatus.GENERATED.value)
    charges = _charges_of(session, unstated)
    customers = charges.customers
    columns = ["statement_no", "customer_id", "cycle_id", "seq", "issue_date", "due_date",
               "bills", "previous_balance", "payments", "reversals", "adjustments",
               "current_charges", "total_due", "billed_to_date", "adjusted_to_date",
               "received_to_date", "reversed_to_date", "created_by", "created_at"]
    i = 0
    for lo, hi, part in spans(customers):
        seqs = {r[0]: int(r[1]) for r in session.execute(
            select(_S.c.customer_id, func.max(_S.c.seq))
            .where(_S.c.cycle_id == cycle_id, _S.c.customer_id.between(lo, hi))
            .group_by(_S.c.customer_id))}
        previous = last_totals(session, part)
        totals = running_totals(session, part, paid_until)
        rows = []
        for customer_id in part:
            count, current = charges.at(i)
            i += 1
            seq = seqs.get(customer_id, 0) + 1
            now_totals = totals[customer_id]
            figures = statement_figures(previous.get(customer_id, RunningTotals()),
                                        now_totals, current)
            rows.append({
                "statement_no": statement_no(period, customer_id, seq),
                "customer_id": customer_id, "cycle_id": cycle_id, "seq": seq,
                "issue_date": issued_on, "due_date": due, "bills": count,
                **_figure_columns(figures),
                "billed_to_date": now_totals.billed, "adjusted_to_date": now_totals.adjusted,
                "received_to_date": now_totals.received,
                "reversed_to_date": now_totals.reversed,
                "created_by": username, "created_at": now})
        insert_rows(session.connection(), _S, columns, rows)
    if customers:
        newest = (select(func.max(_S.c.id)).where(_S.c.customer_id == _B.c.customer_id,
                                                  _S.c.cycle_id == _B.c.cycle_id)
                  .scalar_subquery())
        session.execute(update(_B).where(unstated).values(statement_id=newest))
    return len(customers)


class _Charges:
    """Each account's count and total of the bills a statement will carry, from one grouped
    pass over the cycle, held compactly (three integers an account: a million accounts in
    24 MB) so the accounts can then be gone through a span at a time. Per span, the same
    query would walk the whole cycle's index each time on MariaDB."""

    def __init__(self) -> None:
        self.customers = array("q")
        self._counts = array("q")
        self._cents = array("q")

    def add(self, customer_id: int, count: int, total: Decimal) -> None:
        self.customers.append(customer_id)
        self._counts.append(count)
        self._cents.append(int(total.scaleb(2)))

    def at(self, i: int) -> tuple[int, Decimal]:
        """The i-th account's (in customer id order, as `spans` goes through them)."""
        return self._counts[i], Decimal(self._cents[i]).scaleb(-2)


def _charges_of(session: Session, unstated: ColumnElement[bool]) -> _Charges:
    charges = _Charges()
    result = session.execute(
        select(_B.c.customer_id, func.count(), func.sum(_B.c.total)).where(unstated)
        .group_by(_B.c.customer_id).order_by(_B.c.customer_id)
        .execution_options(yield_per=10_000))
    for part in result.partitions():
        for customer_id, count, total in part:
            charges.add(customer_id, int(count), total)
    return charges


def _figure_columns(f: StatementFigures) -> dict[str, Decimal]:
    return {"previous_balance": f.previous_balance, "payments": f.payments,
            "reversals": f.reversals, "adjustments": f.adjustments,
            "current_charges": f.current_charges, "total_due": f.total_due}


def draft_figures(session: Session, customer_id: int, totals: Decimal,
                  adjustments: Decimal) -> StatementFigures:
    """The summary a statement of the account's not-yet-issued bills (of these totals and
    adjustments) would carry if they were issued now: what a draft prints."""
    return draft_figures_of(session, [(customer_id, totals, adjustments)])[0][0]


def draft_figures_of(session: Session, drafts: Sequence[tuple[int, Decimal, Decimal]]
                     ) -> list[tuple[StatementFigures, date | None]]:
    """`draft_figures` of many (customer id, totals, adjustments) at once, in a few queries
    per run of customer ids (a cycle's drafts printed together), each with the issue date of the
    account's last statement (None: its first), which its payments count from."""
    customers = sorted({d[0] for d in drafts})
    previous = last_statements(session, customers)
    now = running_totals(session, customers)
    out = []
    for customer_id, totals, adjustments in drafts:
        last = previous.get(customer_id)
        out.append((statement_figures(totals_of(last),
                                      now[customer_id].plus_bills(totals, adjustments),
                                      totals),
                    None if last is None else last.issue_date))
    return out

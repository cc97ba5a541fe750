"""Making account statements when bills are issued, and the figures of a draft (inside the
caller's transaction; the permissions are the issuing or reading service's).

Running totals per account come from a few grouped queries per 900 accounts (bills,
payments, reversals, the last statement), never a query per account, so a cycle of a
million accounts costs about four thousand short queries and one UPDATE of its bills.
The figures themselves are domain/statement.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select, update
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
from opsmanager_desktop.services.imports import batched

_S = table_of(Statement)
_B = table_of(Bill)
_ISSUED = Bill.status != BillStatus.GENERATED.value


def running_totals(session: Session, customer_ids: Sequence[int],
                   paid_until: date | None = None) -> dict[int, RunningTotals]:
    """Every account's ledger summed as of now (accounts with nothing get zeros).
    `paid_until` leaves out payments dated later: only the demo, which makes a year of
    payments before the next cycle's statements, needs it."""
    sums: dict[int, list[Decimal]] = {c: [NO_MONEY] * 4 for c in customer_ids}
    dated = () if paid_until is None else (Payment.paid_at <= paid_until,)
    for part in batched(customer_ids):
        for b in session.execute(
                select(Bill.customer_id, func.sum(Bill.total), func.sum(Bill.adjustments))
                .where(Bill.customer_id.in_(part), _ISSUED).group_by(Bill.customer_id)):
            sums[b[0]][0], sums[b[0]][1] = b[1] or NO_MONEY, b[2] or NO_MONEY
        for p in session.execute(
                select(Payment.customer_id, func.sum(Payment.amount))
                .where(Payment.customer_id.in_(part), *dated).group_by(Payment.customer_id)):
            sums[p[0]][2] = p[1] or NO_MONEY
        for v in session.execute(
                select(Payment.customer_id, func.sum(Payment.amount))
                .join(PaymentReversal, PaymentReversal.payment_id == Payment.id)
                .where(Payment.customer_id.in_(part), *dated).group_by(Payment.customer_id)):
            sums[v[0]][3] = v[1] or NO_MONEY
    return {c: RunningTotals(*v) for c, v in sums.items()}


def totals_of(statement: Statement | None) -> RunningTotals:
    if statement is None:
        return RunningTotals()
    return RunningTotals(statement.billed_to_date, statement.adjusted_to_date,
                         statement.received_to_date, statement.reversed_to_date)


def last_statements(session: Session, customer_ids: Iterable[int]) -> dict[int, Statement]:
    """Each account's newest statement (by id: statements are made in order)."""
    found: dict[int, Statement] = {}
    for part in batched(sorted(set(customer_ids))):
        newest = (select(func.max(Statement.id)).where(Statement.customer_id.in_(part))
                  .group_by(Statement.customer_id))
        for s in session.scalars(select(Statement).where(Statement.id.in_(newest))):
            found[s.customer_id] = s
    return found


def create_statements(session: Session, cycle_id: int, period: str, issued_on: date,
                      due: date, now: datetime, username: str,
                      paid_until: date | None = None) -> int:
    """A statement for every account with issued bills of the cycle that no statement
    carries yet (all of them at the cycle's issue; a late reading's bill later), and the
    bills pointed at it. Returns the number of statements made."""
    unstated = (_B.c.cycle_id == cycle_id) & _B.c.statement_id.is_(None) \
        & (_B.c.status != BillStatus.GENERATED.value)
    customers = list(session.scalars(select(_B.c.customer_id).where(unstated)
                                     .group_by(_B.c.customer_id)
                                     .order_by(_B.c.customer_id)))
    columns = ["statement_no", "customer_id", "cycle_id", "seq", "issue_date", "due_date",
               "bills", "previous_balance", "payments", "reversals", "adjustments",
               "current_charges", "total_due", "billed_to_date", "adjusted_to_date",
               "received_to_date", "reversed_to_date", "created_by", "created_at"]
    for part in batched(customers):
        current = {r[0]: (int(r[1]), r[2]) for r in session.execute(
            select(_B.c.customer_id, func.count(), func.sum(_B.c.total))
            .where(unstated, _B.c.customer_id.in_(part)).group_by(_B.c.customer_id))}
        seqs = {r[0]: int(r[1]) for r in session.execute(
            select(_S.c.customer_id, func.max(_S.c.seq))
            .where(_S.c.cycle_id == cycle_id, _S.c.customer_id.in_(part))
            .group_by(_S.c.customer_id))}
        previous = last_statements(session, part)
        totals = running_totals(session, part, paid_until)
        rows = []
        for customer_id in part:
            count, charges = current[customer_id]
            seq = seqs.get(customer_id, 0) + 1
            now_totals = totals[customer_id]
            figures = statement_figures(totals_of(previous.get(customer_id)), now_totals,
                                        charges)
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
    per 900 accounts (a cycle's drafts printed together), each with the issue date of the
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

"""Breaking the ledger on purpose, around the services, for the `db check` tests.

Statements go straight to the database (Core, so a money value is bound as the column's
type: cents on SQLite, DECIMAL on MariaDB). Any trigger on the tables written is set aside
for the while and put back, the way append_only.empty_tables empties append-only tables:
the payment tables refuse UPDATE and DELETE by trigger today, and a database guard on the
ledger may refuse more tomorrow; these tests must still be able to break what `db check`
is there to find.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from opsmanager_desktop.db.models import (
    Bill,
    Customer,
    Payment,
    PaymentAllocation,
    Statement,
)
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing_engine import table_of

B, C, P = table_of(Bill), table_of(Customer), table_of(Payment)
A, S = table_of(PaymentAllocation), table_of(Statement)
LEDGER_TABLES = ("bills", "customers", "payments", "payment_allocations",
                 "payment_reversals", "bill_adjustments", "statements")
ONE = Decimal("1.00")


@contextmanager
def triggers_set_aside(conn: Connection, tables: Sequence[str]) -> Iterator[None]:
    """Drop the triggers of `tables`, run the body, create them again (also on failure)."""
    names = ", ".join(f"'{t}'" for t in tables)
    if conn.dialect.name == "sqlite":
        triggers = conn.execute(text(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
            f"({names})")).all()
        saved = [sql for _name, sql in triggers]
        for name, _sql in triggers:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
    else:
        found = conn.execute(text(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE "
            f"EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE IN ({names})")
        ).scalars().all()
        saved = [conn.execute(text(f"SHOW CREATE TRIGGER `{n}`")).one()[2] for n in found]
        for name in found:
            conn.execute(text(f"DROP TRIGGER `{name}`"))
    try:
        yield
    finally:
        for sql in saved:
            conn.exec_driver_sql(sql)


def corrupt(backend: Backend, damage: Callable[[Connection], Any]) -> Any:
    """Run `damage(conn)` with the ledger's triggers set aside; returns what it returns."""
    with backend.engine.begin() as conn, triggers_set_aside(conn, LEDGER_TABLES):
        return damage(conn)


def first(conn: Connection, stmt: Any) -> Any:
    row = conn.execute(stmt.limit(1)).first()
    assert row is not None, f"the demo has no row for {stmt}"
    return row


def bill_where(conn: Connection, *conditions: Any) -> Any:
    """The first bill (id, bill_no, customer_id, account_no) matching, of an account
    without credit (so a change to a bill breaks nothing of the account's credit)."""
    return first(conn, select(B.c.id, B.c.bill_no, B.c.customer_id, C.c.account_no)
                 .join(C, C.c.id == B.c.customer_id)
                 .where(C.c.credit == 0, *conditions).order_by(B.c.id))


def payment_on_a_bill(conn: Connection) -> Any:
    """A payment all on one bill: (id, channel, reference, customer_id, account_no,
    bill_id)."""
    return first(conn, select(P.c.id, P.c.channel, P.c.reference, P.c.customer_id,
                              C.c.account_no, A.c.bill_id)
                 .join(C, C.c.id == P.c.customer_id).join(A, A.c.payment_id == P.c.id)
                 .where(A.c.bill_id.isnot(None)).order_by(P.c.id))


def add_payment(conn: Connection, customer_id: int, amount: Decimal, reference: str,
                on: date, *, rows: Sequence[tuple[int | None, Decimal]] = ()) -> int:
    """A payment as a raw row, with these allocation rows (bill id or None, amount)."""
    key = conn.execute(insert(P).values(
        customer_id=customer_id, amount=amount, channel="CASH", reference=reference,
        paid_at=on, recorded_by="test", recorded_at=on)).inserted_primary_key
    assert key is not None
    add_rows(conn, int(key[0]), rows, on)
    return int(key[0])


def add_rows(conn: Connection, payment_id: int, rows: Sequence[tuple[int | None, Decimal]],
             on: date) -> None:
    for bill_id, amount in rows:
        conn.execute(insert(A).values(payment_id=payment_id, bill_id=bill_id, amount=amount,
                                      kind="PAYMENT", created_at=on))


def later_statement(conn: Connection, earlier_has: Any) -> tuple[int, int, str, str]:
    """A statement whose account's previous statement matches `earlier_has` (a condition
    on statements): (its id, the previous one's id, its number, its account)."""
    rows = conn.execute(select(S.c.id, S.c.customer_id, S.c.statement_no, C.c.account_no,
                               earlier_has.label("match"))
                        .join(C, C.c.id == S.c.customer_id)
                        .order_by(S.c.customer_id, S.c.id)).all()
    for before, after in itertools.pairwise(rows):
        if before.customer_id == after.customer_id and before.match:
            return after.id, before.id, after.statement_no, after.account_no
    raise AssertionError("the demo has no such pair of statements")


def statement_of_account(conn: Connection, not_customer: int | None = None) -> Any:
    """An account's newest statement: (id, statement_no, customer_id, account_no)."""
    newest = select(func.max(S.c.id)).group_by(S.c.customer_id)
    stmt = (select(S.c.id, S.c.statement_no, S.c.customer_id, C.c.account_no)
            .join(C, C.c.id == S.c.customer_id).where(S.c.id.in_(newest)).order_by(S.c.id))
    if not_customer is not None:
        stmt = stmt.where(S.c.customer_id != not_customer)
    return first(conn, stmt)

"""The customers list's search, planned for a million customers (services.customers.
list_customers calls `narrow`, inside its transaction).

The search is a prefix of the account number, name, phone or a meter number: four
branches, each with its own index. How the page of matches is best read depends on how
many customers match, which four index-only counts tell first (one round trip, a few ms):
- few matches (a full name, a meter, a phone): the branches' ids are united and only
  those customers are sorted (the plan list_customers had);
- many matches (a first name alone, "AC00"): uniting and sorting tens of thousands of ids
  by account number to show 200 of them took seconds on MariaDB. Instead the sort column's
  index is walked in order, each customer tested, until the page is full: with many
  matches that is soon. The tests are wrapped in COALESCE so that no planner turns them
  back into index ranges (which would bring the sort back);
- one branch sorted by its own column (names sorted by name): that index's range, in order.
The exact count, when asked for (the desktop asks in a second, background call), counts
the united ids from the indexes alone, without touching the customers' rows.

Measured on 1,000,000 customers (benchmarks/bench_customers_page.py), MariaDB: the first
page of the 25,000 customers called "Amara ..." in 35 ms instead of 810 ms; their count in
30 ms instead of seconds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Connection, Customer
from opsmanager_desktop.services.listing import ListQuery, prefix_pattern

# above this many matches (all branches together) the ordered walk reads less
DENSE = 5000
# list_customers' sort keys whose column has an index to walk (created_at sorts by id)
_WALKABLE = frozenset({"", "account_no", "name", "phone", "created_at"})
_SORT_OF = {"account": "account_no", "name": "name", "phone": "phone"}

Branch = tuple[str, Any, str]  # (name, column, LIKE pattern)


def _branches(text: str) -> list[Branch]:
    upper, plain = prefix_pattern(text.upper()), prefix_pattern(text)
    return [("account", Customer.account_no, upper), ("name", Customer.name, plain),
            ("phone", Customer.phone, plain), ("meter", Connection.meter_number, upper)]


def _ids(column: Any, pattern: str) -> Select[Any]:
    if column is Connection.meter_number:
        return select(Connection.customer_id.label("id")).where(
            column.like(pattern, escape="\\"))
    return select(Customer.id.label("id")).where(column.like(pattern, escape="\\"))


def branch_counts(session: Session, text: str) -> dict[str, int]:
    """Matches per branch, counted on the indexes alone, in one round trip."""
    parts = [select(literal(name).label("branch"), func.count().label("n"))
             .select_from(Connection if column is Connection.meter_number else Customer)
             .where(column.like(pattern, escape="\\"))
             for name, column, pattern in _branches(text)]
    return {str(branch): int(n or 0) for branch, n in session.execute(union_all(*parts))}


def _walk_test(name: str, column: Any, pattern: str) -> ColumnElement[bool]:
    test = func.coalesce(column, "").like(pattern, escape="\\")
    if name == "meter":
        return exists().where(Connection.customer_id == Customer.id, test)
    return test


def narrow(session: Session, stmt: Select[Any], query: ListQuery
           ) -> tuple[Select[Any], int | None]:
    """`stmt` (a select of customers' ids) narrowed to the search, and the exact number of
    matches when `query.count` asks for it (else None: the caller counts nothing)."""
    text = query.search.strip()
    counts = branch_counts(session, text)
    live = [b for b in _branches(text) if counts[b[0]]]
    if not live:
        return stmt.where(false()), (0 if query.count else None)
    only = live[0] if len(live) == 1 else None
    if only is not None and _SORT_OF.get(only[0]) == (query.sort or "account_no"):
        narrowed = stmt.where(only[1].like(only[2], escape="\\"))
    elif query.sort in _WALKABLE and sum(counts.values()) > DENSE:
        narrowed = stmt.where(or_(*(_walk_test(n, c, p) for n, c, p in live)))
    else:
        hits = union(*(_ids(c, p) for _n, c, p in live)).subquery()
        narrowed = stmt.join(hits, hits.c.id == Customer.id)
    total = None
    if query.count:
        matched = union(*(_ids(c, p) for _n, c, p in live)).subquery()
        total = int(session.scalar(select(func.count()).select_from(matched)) or 0)
    return narrowed, total


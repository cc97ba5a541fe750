"""`db check`: every invariant of the ledger (services/ledger_rules.py), checked read-only
over the whole database, each broken one reported with its account (docs/decisions.md 46).

The check reads; it writes nothing, not even an audit entry (the service is read-only and
rolls back). Six grouped queries, each run per range of ids (ledger_rules.py says why),
plus one of counts: a million accounts cost a few thousand queries, not a query each.

Each rule reads everything it compares in one statement (a bill and the rows paid to it,
an account and its payments' rows, all statements of an account), and each statement reads
one consistent moment, READ COMMITTED included: a payment committed while the check runs
is seen whole or not at all by the query checking it, so a busy office makes no false
report. One REPEATABLE READ snapshot over the whole check was not taken: at a million
accounts it would hold the server's undo history for minutes, to buy figures of one
instant that nobody needs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, case, func, or_, select

from opsmanager_desktop.db.models import (
    Bill,
    Customer,
    Payment,
    PaymentAllocation,
    Statement,
)
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.ledger_rules import Part, Pass, Rule, passes

LIMIT = 20  # problems listed per invariant; every one is counted
LIMIT_MAX = 10_000


@dataclass(frozen=True)
class LedgerProblem:
    invariant: str
    account_no: str
    reference: str  # the bill, statement or payment (CHANNEL REFERENCE) that breaks it
    found: str
    expected: str


@dataclass(frozen=True)
class InvariantResult:
    invariant: str
    rule: str
    problems: int  # all of them, listed or not


@dataclass(frozen=True)
class LedgerCheck:
    accounts: int
    bills: int
    payments: int
    allocations: int
    statements: int
    invariants: tuple[InvariantResult, ...]  # every invariant checked, in order
    problems: tuple[LedgerProblem, ...]  # at most `limit` of each invariant
    limit: int
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(i.problems for i in self.invariants)

    @property
    def problem_count(self) -> int:
        return sum(i.problems for i in self.invariants)

    @property
    def accounts_named(self) -> tuple[str, ...]:
        """The accounts of the problems listed, each once."""
        return tuple(sorted({p.account_no for p in self.problems}))


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


class _Columns:
    """The labelled columns of one pass's query; a part given as words stays words."""

    def __init__(self) -> None:
        self.columns: list[Any] = []

    def add(self, expression: Any) -> int:
        self.columns.append(expression.label(f"c{len(self.columns)}"))
        return len(self.columns) - 1

    def parts(self, parts: tuple[Part, ...]) -> list[int | str]:
        return [p if isinstance(p, str) else self.add(p) for p in parts]


def _joined(row: Any, parts: list[int | str]) -> str:
    return " ".join(p if isinstance(p, str) else _text(row[p]) for p in parts)


def _run(conn: Connection, one: Pass, limit: int, counts: dict[str, int],
         found: list[LedgerProblem]) -> None:
    cols = _Columns()
    account = cols.add(one.account)
    reference = cols.parts(one.reference)
    flags = [cols.add(case((rule.broken, 1), else_=0)) for rule in one.rules]
    shown = [(cols.parts(rule.found), cols.parts(rule.expected)) for rule in one.rules]
    stmt = (select(*cols.columns).select_from(one.rows)
            .where(or_(*(rule.broken for rule in one.rules)))
            .execution_options(yield_per=5_000))
    for lo, hi in _ranges(conn, one):
        # a badly broken ledger may send back many rows: streamed, only `limit` kept
        for row in conn.execute(stmt, {"span_lo": lo, "span_hi": hi}):
            for rule, flag, (f, e) in zip(one.rules, flags, shown, strict=True):
                if not row[flag]:
                    continue
                counts[rule.invariant] += 1
                if counts[rule.invariant] <= limit:
                    found.append(LedgerProblem(rule.invariant, row[account],
                                               _joined(row, reference), _joined(row, f),
                                               _joined(row, e)))


def _ranges(conn: Connection, one: Pass) -> list[tuple[int, int]]:
    """Ranges of `one.width` values of its column, from its smallest to its largest."""
    first, last = conn.execute(select(func.min(one.ranged), func.max(one.ranged))).one()
    if first is None:
        return []
    return [(lo, min(lo + one.width - 1, last)) for lo in range(first, last + 1, one.width)]


def _figures(conn: Connection) -> tuple[int, ...]:
    tables = (Customer, Bill, Payment, PaymentAllocation, Statement)
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in tables]
    row = conn.execute(select(*counts)).one()
    return tuple(int(v or 0) for v in row)


def rules(today: date) -> tuple[Rule, ...]:
    return tuple(rule for one in passes(today) for rule in one.rules)


def examine(conn: Connection, today: date, limit: int = LIMIT) -> LedgerCheck:
    """Every invariant over the database `conn` reads, `today` deciding what may be
    OVERDUE. Writes nothing."""
    started = time.perf_counter()
    all_passes = passes(today)
    counts = {rule.invariant: 0 for one in all_passes for rule in one.rules}
    found: list[LedgerProblem] = []
    for one in all_passes:
        _run(conn, one, limit, counts, found)
    accounts, bills, payments, allocations, statements = _figures(conn)
    results = tuple(InvariantResult(rule.invariant, rule.says, counts[rule.invariant])
                    for one in all_passes for rule in one.rules)
    return LedgerCheck(accounts, bills, payments, allocations, statements, results,
                       tuple(found), limit, round(time.perf_counter() - started, 3))


@service(Permission.LEDGER_CHECK, readonly=True)
def check_ledger(ctx: Ctx, limit: int = LIMIT) -> LedgerCheck:
    """Every ledger invariant, read-only; at most `limit` problems listed per invariant
    (all counted)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIMIT_MAX:
        raise invalid("limit", f"must be a whole number from 1 to {LIMIT_MAX:,}")
    return examine(ctx.session.connection(), ctx.now.date(), limit)

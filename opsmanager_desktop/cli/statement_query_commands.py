"""`statements list` and `statements show` (issue 13): the account statements, one per
account per cycle issue, and the bills each carries. A consumer sees their own account's.

The `statements` group is shared with cli/statement_commands.py (its `print`); whichever
module cli/registry.py runs first makes the group, the other adds to it.
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from decimal import Decimal
from typing import Any, Protocol

from opsmanager_desktop.cli.app import CliApp, render_table, to_jsonable
from opsmanager_desktop.cli.paged_output import stream_rows
from opsmanager_desktop.cli.print_commands import subcommands_of
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.services import statements
from opsmanager_desktop.services.bill_queries import LIST_KEYS
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.statements import StatementRow

GROUP = "statements"
# the JSON keys of `statements list` (and of the summary in `statements show`)
STATEMENT_KEYS = (*(f.name for f in fields(StatementRow)), "status")
# what fits a terminal
_TABLE_KEYS = ("statement_no", "account_no", "cycle", "issue_date", "due_date", "bills",
               "total_due", "balance", "status")


def register(commands: Any) -> None:
    if GROUP not in commands.choices:
        commands.add_parser(GROUP, help="account statements: one per account per cycle "
                            "issue, its bills and summary")
    cmds = subcommands_of(commands, GROUP)
    lst = cmds.add_parser(
        "list", help="list statements (a consumer sees only their own)",
        description="JSON: a list of {" + ", ".join(STATEMENT_KEYS) + "}; total_due as "
        "issued (negative: in credit), balance what its bills still owe today, status OPEN "
        "or SETTLED.")
    lst.add_argument("--cycle", metavar="YYYY-MM")
    lst.add_argument("--account")
    lst.add_argument("--search", default="",
                     help="statement number, account number or customer name prefix")
    lst.add_argument("--limit", type=int, default=None, help="at most this many statements")
    lst.set_defaults(handler=statements_list)
    show = cmds.add_parser(
        "show", help="one statement: the account summary and its bills",
        description="JSON: {statement: the keys of `statements list`, bills: the keys of "
        "`bills list` per bill}.")
    show.add_argument("statement_no")
    show.set_defaults(handler=statements_show)


def statements_list(app: CliApp, args: argparse.Namespace) -> int:
    """Paged like `bills list`: a cycle's statements never sit in memory whole."""
    filters = {"cycle": args.cycle, "account": args.account}
    token = app.token()
    stream_rows(app, lambda q: statements.list_statements(app.backend, token, ListQuery(
        search=args.search, sort="statement_no", offset=q.offset, limit=q.limit, count=False,
        filters=filters)), STATEMENT_KEYS, "(no statements)", table_keys=_TABLE_KEYS,
        limit=args.limit)
    return 0


def _summary(s: StatementRow) -> dict[str, Any]:
    return {k: to_jsonable(getattr(s, k)) for k in STATEMENT_KEYS}


class Summary(Protocol):
    """A statement's movements (a stored statement's row, or the figures of a bill's)."""

    @property
    def previous_balance(self) -> Decimal: ...
    @property
    def payments(self) -> Decimal: ...
    @property
    def reversals(self) -> Decimal: ...
    @property
    def adjustments(self) -> Decimal: ...
    @property
    def current_charges(self) -> Decimal: ...


def summary_lines(s: Summary, payments: str = "Payments",
                  charges: str = "Current charges") -> list[str]:
    """One line per movement, as the paper lists them; reversals and adjustments only when
    there are any."""
    rows = [("Previous balance", s.previous_balance), (payments, -s.payments)]
    if s.reversals:
        rows.append(("Payments reversed", s.reversals))
    if s.adjustments:
        rows.append(("Adjustments", s.adjustments))
    rows.append((charges, s.current_charges))
    return [f"  {label:<40} {format_money(value):>14}" for label, value in rows]


def statements_show(app: CliApp, args: argparse.Namespace) -> int:
    detail = statements.get_statement(app.backend, app.token(), args.statement_no)
    s = detail.statement
    bills = [{k: to_jsonable(getattr(b, k)) for k in LIST_KEYS} for b in detail.bills]
    lines = [f"Statement {s.statement_no}  cycle {s.cycle}  {s.status}",
             f"{s.customer_name} ({s.account_no}); issued {s.issue_date}, due {s.due_date}",
             *summary_lines(s),
             f"Total due {format_money(s.total_due)} (payable "
             f"{format_money(s.amount_payable)}); its bills still owe "
             f"{format_money(s.balance)}",
             f"{s.bills} bill{'s' if s.bills != 1 else ''}:"]
    table = [{k: row[k] for k in ("bill_no", "utility", "meter_number", "units", "total",
                                  "amount_paid", "balance", "status")} for row in bills]
    if table:
        lines.append(render_table(table))
    app.emit({"statement": _summary(s), "bills": bills}, "\n".join(lines))
    return 0

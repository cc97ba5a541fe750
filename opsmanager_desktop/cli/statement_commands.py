"""`statements`: account statements (docs/decisions.md 42). This module makes the command
group and its `print`; cli/statement_query_commands.py adds `list` and `show` to the same
group through `statement_subcommands` (whichever module runs first makes it)."""

from __future__ import annotations

import argparse
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.cli.print_commands import (
    add_output_options,
    print_statements,
    subcommands_of,
)
from opsmanager_desktop.services.printing import PrintSelection

GROUP = "statements"


def statement_subcommands(commands: Any) -> Any:
    """The `statements` group's subcommand list, made here with its help when missing."""
    if GROUP not in commands.choices:
        parser = commands.add_parser(GROUP, help="account statements: one per account per "
                                     "cycle issue, its bills and summary")
        return parser.add_subparsers(dest=f"{GROUP}_command", required=True)
    return subcommands_of(commands, GROUP)


def register(commands: Any) -> None:
    prn = statement_subcommands(commands).add_parser(
        "print", help="statements as a PDF, the account summary above a section per bill "
        "(billing officer, supervisor)")
    which = prn.add_mutually_exclusive_group(required=True)
    which.add_argument("--statement", action="extend", nargs="+", metavar="NO",
                       dest="statements", help="statement numbers (S202611-00000042 ...)")
    which.add_argument("--cycle", metavar="YYYY-MM", help="every statement of the cycle")
    prn.add_argument("--status", help="only statements holding a bill in this status "
                     "(GENERATED: drafts, DUE, OVERDUE, PAID)")
    prn.add_argument("--transformer", metavar="CODE",
                     help="only statements of accounts on this distribution transformer")
    prn.add_argument("--out", required=True, metavar="FILE.pdf")
    add_output_options(prn)
    prn.set_defaults(handler=statements_print)


def statements_print(app: CliApp, args: argparse.Namespace) -> int:
    return print_statements(app, args, PrintSelection(
        cycle=args.cycle, statement_nos=tuple(args.statements or ()), status=args.status,
        transformer=args.transformer))

"""Paper: `bills print` (the statements holding bills, as a PDF), `reports workbook` (Excel)
and `reports pack` (PDF of charts and tables for management); `statements print` is in
cli/statement_commands.py and shares `print_statements` here.

They are subcommands of `bills` and `reports`, whose parsers other modules create; this
module is listed after them in cli/registry.py and adds its commands to theirs.
"""

from __future__ import annotations

import argparse
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.services import printing, report_workbooks
from opsmanager_desktop.services.printing import PrintSelection


def subcommands_of(commands: Any, name: str) -> Any:
    """The subcommand list of an existing command (`bills`, `reports`). argparse has no
    public way back to it, so it is found among the parser's actions."""
    parser = commands.choices.get(name)
    if parser is None:
        parser = commands.add_parser(name)
        return parser.add_subparsers(dest=f"{name}_command", required=True)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest=f"{name}_command", required=True)


def register(commands: Any) -> None:
    bills = subcommands_of(commands, "bills")
    prn = bills.add_parser("print", help="the statements holding bills, as a PDF "
                           "(billing officer, supervisor)")
    which = prn.add_mutually_exclusive_group(required=True)
    which.add_argument("--cycle", metavar="YYYY-MM", help="every statement of the cycle")
    which.add_argument("--bill", action="append", metavar="NO", dest="bills",
                       help="the statement holding this bill, all its bills (repeat for "
                       "more)")
    prn.add_argument("--out", required=True, metavar="FILE.pdf")
    prn.add_argument("--status", help="only statements holding a bill in this status "
                     "(GENERATED: drafts, DUE, OVERDUE, PAID)")
    prn.add_argument("--route", metavar="TRANSFORMER",
                     help="only statements of accounts on this distribution transformer")
    add_output_options(prn)
    prn.set_defaults(handler=bills_print)

    reports = subcommands_of(commands, "reports")
    book = reports.add_parser("workbook", help="the year's reports as a formatted Excel "
                              "workbook (accounts officer, admin)")
    book.add_argument("--year", required=True, type=int)
    book.add_argument("--out", required=True, metavar="FILE.xlsx")
    book.set_defaults(handler=reports_workbook)
    pack = reports.add_parser("pack", help="the year's charts and their tables as a PDF for "
                              "management (accounts officer, admin)")
    pack.add_argument("--year", required=True, type=int)
    pack.add_argument("--out", required=True, metavar="FILE.pdf")
    pack.add_argument("--utility", help="only this utility type")
    pack.add_argument("--tariff", help="only this tariff plan")
    pack.set_defaults(handler=reports_pack)


def add_output_options(parser: Any) -> None:
    parser.add_argument("--split", type=int, metavar="N",
                        help="files of N statements each: FILE-001.pdf, FILE-002.pdf, ...")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="processes drawing pages (default: one per processor core)")


def print_statements(app: CliApp, args: argparse.Namespace, selection: PrintSelection) -> int:
    """Print and say what was printed (`bills print`, `statements print`)."""
    if args.split is not None and args.split < 1:
        raise invalid("split", "must be 1 or more statements per file")
    token = app.token()
    result = printing.print_statements(
        app.backend, token, selection, args.out, split=args.split, workers=args.workers,
        progress=lambda done, total: app.progress(done, total, "Printing statements"))
    files = [str(p) for p in result.files]
    app.emit({"bills": result.bills, "files": files, "seconds": round(result.seconds, 2),
              "pages_per_second": round(result.pages_per_second, 1),
              "statements": result.statements, "pages": result.pages,
              "statements_per_second": round(result.statements_per_second, 1)},
             f"{result.statements:,} statements ({result.bills:,} bills, {result.pages:,} "
             f"pages) printed to {', '.join(files)} "
             f"({result.pages_per_second:,.0f} pages a second).")
    return 0


def bills_print(app: CliApp, args: argparse.Namespace) -> int:
    return print_statements(app, args, PrintSelection(
        cycle=args.cycle, bill_nos=tuple(args.bills or ()), status=args.status,
        transformer=args.route))


def reports_workbook(app: CliApp, args: argparse.Namespace) -> int:
    result = report_workbooks.year_workbook(app.backend, app.token(), args.year, args.out)
    app.emit({"year": args.year, "file": str(result.path), "sheets": list(result.sheets)},
             f"Reports of {args.year} written to {result.path} "
             f"({', '.join(result.sheets)}).")
    return 0


def reports_pack(app: CliApp, args: argparse.Namespace) -> int:
    result = report_workbooks.year_pack(app.backend, app.token(), args.year, args.out,
                                        utility=args.utility, tariff=args.tariff)
    app.emit({"year": args.year, "file": str(result.path), "pages": result.pages},
             f"Report pack of {args.year} written to {result.path} ({result.pages} pages).")
    return 0

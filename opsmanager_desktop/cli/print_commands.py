"""Paper: `bills print` (PDF bills), `reports workbook` (Excel) and `reports pack` (PDF of
charts and tables for management).

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
    prn = bills.add_parser("print", help="bills as a PDF, one page each (billing officer, "
                           "supervisor)")
    which = prn.add_mutually_exclusive_group(required=True)
    which.add_argument("--cycle", metavar="YYYY-MM", help="every bill of the cycle")
    which.add_argument("--bill", action="append", metavar="NO", dest="bills",
                       help="one bill (repeat for more)")
    prn.add_argument("--out", required=True, metavar="FILE.pdf")
    prn.add_argument("--status", help="only bills in this status (GENERATED, DUE, OVERDUE, "
                     "PAID)")
    prn.add_argument("--route", metavar="TRANSFORMER",
                     help="only bills of connections on this distribution transformer")
    prn.add_argument("--split", type=int, metavar="N",
                     help="files of N bills each: FILE-001.pdf, FILE-002.pdf, ...")
    prn.add_argument("--workers", type=int, metavar="N",
                     help="processes drawing pages (default: one per processor core)")
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


def bills_print(app: CliApp, args: argparse.Namespace) -> int:
    if args.split is not None and args.split < 1:
        raise invalid("split", "must be 1 or more bills per file")
    selection = PrintSelection(cycle=args.cycle, bill_nos=tuple(args.bills or ()),
                               status=args.status, transformer=args.route)
    token = app.token()
    result = printing.print_bills(
        app.backend, token, selection, args.out, split=args.split, workers=args.workers,
        progress=lambda done, total: app.progress(done, total, "Printing bills"))
    files = [str(p) for p in result.files]
    app.emit({"bills": result.bills, "files": files, "seconds": round(result.seconds, 2),
              "pages_per_second": round(result.pages_per_second, 1)},
             f"{result.bills:,} bills printed to {', '.join(files)} "
             f"({result.pages_per_second:,.0f} pages a second).")
    return 0


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

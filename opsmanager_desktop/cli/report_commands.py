"""reports and export commands (docs/design.md section 4)."""

from __future__ import annotations

import argparse
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.cli.payment_commands import parse_date
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.services import export as export_service
from opsmanager_desktop.services import reports


def register(commands: Any) -> None:
    parser = commands.add_parser("reports", help="financial and consumption reports")
    cmds = parser.add_subparsers(dest="reports_command", required=True)
    rev = cmds.add_parser("revenue", help="money collected per month of a year")
    rev.add_argument("--year", required=True, type=int)
    rev.set_defaults(handler=reports_revenue)
    con = cmds.add_parser("consumption", help="billed consumption per utility in a cycle")
    con.add_argument("--cycle", required=True, metavar="YYYY-MM")
    con.set_defaults(handler=reports_consumption)
    eff = cmds.add_parser("efficiency", help="collected / billed per cycle")
    eff.add_argument("--from", dest="from_cycle", metavar="YYYY-MM")
    eff.add_argument("--to", dest="to_cycle", metavar="YYYY-MM")
    eff.set_defaults(handler=reports_efficiency)
    age = cmds.add_parser("ageing", help="open balances by days past due")
    age.add_argument("--as-of", metavar="DATE", help="YYYY-MM-DD (default today)")
    age.set_defaults(handler=reports_ageing)

    exp = commands.add_parser("export", help="a table to .xlsx or .csv (the rows the "
                              "program's table shows)")
    exp.add_argument("table", choices=sorted(export_service.TABLES))
    exp.add_argument("--out", required=True, metavar="FILE", help="FILE.xlsx or FILE.csv")
    exp.add_argument("--search", default="")
    exp.add_argument("--sort", default="", help="a column the table sorts by")
    exp.add_argument("--desc", action="store_true", help="sort descending")
    for option, help_text in (("account", "account number"), ("cycle", "YYYY-MM"),
                              ("status", "status"), ("channel", "payment channel"),
                              ("utility", "utility type code")):
        exp.add_argument(f"--{option}", help=help_text)
    exp.add_argument("--from", dest="date_from", metavar="DATE")
    exp.add_argument("--to", dest="date_to", metavar="DATE")
    exp.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                     help="any other filter of the table's list")
    exp.set_defaults(handler=export_table)


def reports_revenue(app: CliApp, args: argparse.Namespace) -> int:
    rows = reports.revenue(app.backend, app.token(), args.year)
    app.emit([{"month": r.month, "collected": r.collected} for r in rows])
    return 0


def reports_consumption(app: CliApp, args: argparse.Namespace) -> int:
    rows = reports.consumption(app.backend, app.token(), args.cycle)
    app.emit([{"utility": r.utility, "connections": r.connections,
               "total_units": r.total_units, "average_units": r.average_units} for r in rows])
    return 0


def reports_efficiency(app: CliApp, args: argparse.Namespace) -> int:
    rows = reports.collection_efficiency(app.backend, app.token(), args.from_cycle,
                                         args.to_cycle)
    app.emit([{"cycle": r.cycle, "billed": r.billed, "collected": r.collected,
               "ratio": r.ratio} for r in rows])
    return 0


def reports_ageing(app: CliApp, args: argparse.Namespace) -> int:
    result = reports.ageing(app.backend, app.token(), parse_date(args.as_of, "as_of"))
    app.emit({"as_of": result.as_of,
              "buckets": [{"bucket": b.bucket, "bills": b.bills, "amount": b.amount}
                          for b in result.buckets],
              "total": result.total})
    return 0


def export_filters(args: argparse.Namespace) -> dict[str, Any]:
    """The common options under the table's own filter names, then any --filter KEY=VALUE."""
    filters = export_service.common_filters(args.table, {
        "account": args.account, "cycle": args.cycle, "status": args.status,
        "channel": args.channel, "utility": args.utility,
        "from": parse_date(args.date_from, "from"), "to": parse_date(args.date_to, "to")})
    for item in args.filter:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise invalid("filter", f"{item!r}: write a filter as KEY=VALUE")
        filters[key.strip()] = value.strip()
    return filters


def export_table(app: CliApp, args: argparse.Namespace) -> int:
    result = export_service.export(
        app.backend, app.token(), args.table, args.out, filters=export_filters(args),
        search=args.search, sort=args.sort, descending=args.desc,
        progress=lambda done, total: app.progress(done, total, args.table))
    app.emit({"table": result.table, "file": str(result.path), "rows": result.rows},
             f"{result.rows:,} {result.table} rows written to {result.path}.")
    return 0

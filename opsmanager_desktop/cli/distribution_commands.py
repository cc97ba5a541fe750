"""distribution import/record/status/pending/history: how bills reached their customers.
A bill number or a statement number (the account's one paper per cycle issue) names what
was delivered; status counts both, pending lists bills or, with --statements, papers."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.cli.file_imports import (
    add_file_options,
    done_and_repeated,
    emit_import,
    file_options,
)
from opsmanager_desktop.cli.paged_output import stream_rows
from opsmanager_desktop.domain.distribution import STATUS_CHOICES
from opsmanager_desktop.services import distribution, distribution_import, distribution_query

PENDING_KEYS = ("bill_no", "account_no", "customer_name", "address", "meter_number",
                "transformer", "status", "occurred_at", "officer", "reason", "statement_no")
STATEMENT_KEYS = ("statement_no", "account_no", "customer_name", "address", "bills",
                  "transformer", "status", "occurred_at", "reason")


def register(commands: Any) -> None:
    parser = commands.add_parser("distribution", help="how bills reached their customers")
    cmds = parser.add_subparsers(dest="distribution_command", required=True)
    imp = cmds.add_parser("import", help="the field team's distribution file (billing "
                          "officer, supervisor)")
    imp.add_argument("file", help="CSV or XLSX: bill_no,status,occurred_at and optional "
                     "officer,received_by,latitude,longitude,email,reason; bill_no may be "
                     "a statement number (every bill on it)")
    add_file_options(imp)
    imp.set_defaults(handler=distribution_import_file)
    rec = cmds.add_parser("record", help="one bill or statement handed over, e-mailed or "
                          "not delivered")
    rec.add_argument("bill_no", help="a bill number, or a statement number (S...): the "
                     "event is recorded for every bill on it")
    rec.add_argument("--status", required=True, help=STATUS_CHOICES)
    rec.add_argument("--at", dest="occurred_at", metavar="'YYYY-MM-DD HH:MM'",
                     help="when (default now)")
    rec.add_argument("--officer", help="user name of who handed it over (default you)")
    rec.add_argument("--to", dest="received_by", default="", help="to whom it was handed")
    rec.add_argument("--lat", dest="latitude")
    rec.add_argument("--lon", dest="longitude")
    rec.add_argument("--email", default="", help="address it was sent to (default the "
                     "customer's)")
    rec.add_argument("--reason", default="", help="why it was not delivered")
    rec.set_defaults(handler=distribution_record)
    status = cmds.add_parser("status", help="a cycle's bills and statements counted by "
                             "distribution status")
    status.add_argument("--cycle", required=True, metavar="YYYY-MM")
    status.set_defaults(handler=distribution_status)
    pending = cmds.add_parser("pending", help="bills of a cycle not yet distributed, in "
                              "walking order")
    pending.add_argument("--cycle", required=True, metavar="YYYY-MM")
    pending.add_argument("--route", metavar="TRANSFORMER")
    pending.add_argument("--statements", action="store_true",
                         help="one row per statement (the paper an account gets) instead "
                              "of per bill")
    pending.set_defaults(handler=distribution_pending)
    hist = cmds.add_parser("history", help="every distribution event of one bill (or of "
                           "each bill of a statement)")
    hist.add_argument("bill_no", help="a bill or statement number")
    hist.set_defaults(handler=distribution_history)


def distribution_import_file(app: CliApp, args: argparse.Namespace) -> int:
    result = distribution_import.import_deliveries(
        app.backend, app.token(), args.file,
        **file_options(app, args, "Distribution file: rows"))
    return emit_import(app, result,
                       done_and_repeated(result.recorded, "recorded", result.duplicates))


def distribution_record(app: CliApp, args: argparse.Namespace) -> int:
    row = distribution.record_delivery(
        app.backend, app.token(), args.bill_no, args.status, occurred_at=args.occurred_at,
        officer=args.officer, received_by=args.received_by, latitude=args.latitude,
        longitude=args.longitude, email=args.email, reason=args.reason)
    named = args.bill_no.strip()
    what = (f"Bill {row.bill_no}" if row.bill_no == named
            else f"Statement {named.upper()} (bills {', '.join(row.bills)})")
    app.emit(row, f"{what}: {row.status.label.lower()} at {row.occurred_at:%Y-%m-%d %H:%M}.")
    return 0


def distribution_status(app: CliApp, args: argparse.Namespace) -> int:
    s = distribution_query.distribution_status(app.backend, app.token(), args.cycle)
    data = {"cycle": s.cycle, "issued": s.issued, "not_issued": s.not_issued,
            "handed_over": s.handed_over, "emailed": s.emailed,
            "not_delivered": s.not_delivered, "no_record": s.no_record,
            "distributed": s.distributed, "pending": s.pending,
            "statements": s.statements, "statements_distributed": s.statements_distributed,
            "statements_not_delivered": s.statements_not_delivered,
            "statements_no_record": s.statements_no_record,
            "statements_pending": s.statements_pending}
    share = f" ({100 * s.distributed / s.issued:.1f}%)" if s.issued else ""
    papers = (f" Statements: {s.statements_distributed:,} of {s.statements:,} distributed; "
              f"{s.statements_not_delivered:,} not delivered, {s.statements_no_record:,} "
              "with no record yet." if s.statements else "")
    app.emit(data, f"Cycle {s.cycle}: {s.distributed:,} of {s.issued:,} issued bills "
             f"distributed{share} - {s.handed_over:,} handed over, {s.emailed:,} e-mailed; "
             f"{s.not_delivered:,} not delivered, {s.no_record:,} with no record yet"
             + (f"; {s.not_issued:,} not issued" if s.not_issued else "") + "." + papers)
    return 0


def distribution_pending(app: CliApp, args: argparse.Namespace) -> int:
    """Pages through the service and prints as it goes (a cycle may be 100,000 bills)."""
    token = app.token()
    filters = {"cycle": args.cycle, "status": "pending", "transformer": args.route}
    if args.statements:
        stream_rows(app, lambda q: distribution_query.list_statement_distribution(
            app.backend, token, replace(q, filters=filters)), STATEMENT_KEYS,
            "(every statement of the cycle has been distributed)",
            table_keys=tuple(k for k in STATEMENT_KEYS if k != "address"))
        return 0
    stream_rows(app, lambda q: distribution_query.list_distribution(
        app.backend, token, replace(q, filters=filters)), PENDING_KEYS,
        "(every issued bill of the cycle has been distributed)",
        table_keys=tuple(k for k in PENDING_KEYS if k not in ("address", "statement_no")))
    return 0


def distribution_history(app: CliApp, args: argparse.Namespace) -> int:
    rows = distribution.delivery_history(app.backend, app.token(), args.bill_no)
    app.emit(rows)
    return 0

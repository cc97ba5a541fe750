"""readings commands (docs/design.md section 4)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.cli.customer_commands import parse_date, parse_decimal
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.services import readings
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery
from opsmanager_desktop.services.readings import ReadingRow


def register(commands: Any) -> None:
    parser = commands.add_parser("readings", help="meter readings")
    cmds = parser.add_subparsers(dest="readings_command", required=True)
    imp = cmds.add_parser("import", help="readings file: meter_number,utility,reading,read_at "
                          "and optionally reader,photo (billing officer)")
    imp.add_argument("file")
    imp.add_argument("--cycle", required=True, metavar="YYYY-MM")
    imp.add_argument("--source", default="import", type=str.lower, choices=["import", "amr"])
    imp.add_argument("--skip-invalid", action="store_true",
                     help="import the good rows; write the bad ones to a rejects file")
    imp.add_argument("--rejects", help="where to write rejected rows (default FILE.rejects.csv)")
    imp.set_defaults(handler=readings_import)
    enter = cmds.add_parser("enter", help="one reading typed in (billing officer)")
    enter.add_argument("meter")
    enter.add_argument("--utility", required=True)
    enter.add_argument("--cycle", required=True, metavar="YYYY-MM")
    enter.add_argument("--reading", required=True)
    enter.add_argument("--date", required=True, help="YYYY-MM-DD the meter was read")
    enter.add_argument("--reader", default="")
    enter.add_argument("--photo", help="an image file of the meter")
    enter.set_defaults(handler=readings_enter)
    approve = cmds.add_parser("approve", help="approve submitted readings (supervisor)")
    approve.add_argument("--cycle", required=True, metavar="YYYY-MM")
    which = approve.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every submitted reading of the cycle")
    which.add_argument("--id", type=int, action="append", dest="ids", metavar="N")
    approve.set_defaults(handler=readings_approve)
    reject = cmds.add_parser("reject", help="send a submitted reading back (supervisor)")
    reject.add_argument("--id", type=int, required=True)
    reject.add_argument("--reason", required=True)
    reject.set_defaults(handler=readings_reject)
    lst = cmds.add_parser("list", help="readings of a cycle")
    lst.add_argument("--cycle", required=True, metavar="YYYY-MM")
    lst.add_argument("--status", type=str.upper, choices=["SUBMITTED", "APPROVED", "REJECTED"])
    lst.add_argument("--flag", type=str.upper, choices=["HIGH", "ZERO", "ANY"])
    lst.add_argument("--search", default="", help="meter or account number prefix")
    lst.add_argument("--limit", type=int, default=MAX_PAGE)
    lst.add_argument("--offset", type=int, default=0)
    lst.set_defaults(handler=readings_list)


def _json(row: ReadingRow) -> dict[str, Any]:
    return {"id": row.id, "cycle": row.period, "account_no": row.account_no,
            "utility": row.utility, "meter_number": row.meter_number,
            "previous_reading": row.previous_reading, "current_reading": row.current_reading,
            "units": row.units, "read_at": row.read_at, "source": row.source,
            "status": row.status, "flags": ",".join(row.flags), "reader": row.reader,
            "estimated": row.is_estimated, "photo": row.has_photo,
            "reject_reason": row.reject_reason}


def readings_import(app: CliApp, args: argparse.Namespace) -> int:
    result = readings.import_readings(
        app.backend, app.token(), args.file, args.cycle, source=args.source,
        skip_invalid=args.skip_invalid, rejects_path=args.rejects,
        progress=lambda done, total: app.progress(done, total, "readings"))
    data = {"cycle": result.cycle, "rows": result.rows, "imported": result.imported,
            "replaced_rejected": result.replaced_rejected, "flagged_high": result.flagged_high,
            "flagged_zero": result.flagged_zero, "photos": result.photos,
            "rejected": result.rejected,
            "rejects_file": str(result.rejects_path) if result.rejects_path else None}
    app.emit(data, f"{result.imported:,} readings imported for {result.cycle} "
             f"({result.flagged_high:,} flagged HIGH, {result.flagged_zero:,} ZERO)"
             + (f"; {result.rejected:,} rows rejected (see {result.rejects_path})"
                if result.rejected else "") + ".")
    return 0


def readings_enter(app: CliApp, args: argparse.Namespace) -> int:
    photo = None
    if args.photo:
        path = Path(args.photo)
        if not path.is_file():
            raise invalid("photo", f"{args.photo} does not exist")
        photo = path.read_bytes()
    read_at = parse_date(args.date)
    assert read_at is not None
    row = readings.enter_reading(app.backend, app.token(), args.meter, args.utility,
                                 args.cycle, parse_decimal(args.reading, "reading"), read_at,
                                 reader=args.reader, photo=photo,
                                 photo_name=Path(args.photo).name if args.photo else "photo")
    app.emit(_json(row), f"Reading {row.id}: {row.units} units"
             + (f", flagged {', '.join(row.flags)}" if row.flags else "") + "; awaits approval.")
    return 0


def readings_approve(app: CliApp, args: argparse.Namespace) -> int:
    count = readings.approve_readings(app.backend, app.token(), args.cycle,
                                      None if args.all else args.ids)
    app.emit({"cycle": args.cycle, "approved": count},
             f"{count:,} readings of {args.cycle} approved.")
    return 0


def readings_reject(app: CliApp, args: argparse.Namespace) -> int:
    row = readings.reject_reading(app.backend, app.token(), args.id, args.reason)
    app.emit(_json(row), f"Reading {row.id} rejected.")
    return 0


def readings_list(app: CliApp, args: argparse.Namespace) -> int:
    filters = {k: v for k, v in (("cycle", args.cycle), ("status", args.status),
                                 ("flag", args.flag)) if v}
    page = readings.list_readings(app.backend, app.token(), ListQuery(
        search=args.search, sort="meter_number", limit=min(args.limit, MAX_PAGE),
        offset=args.offset, filters=filters))
    app.emit([_json(r) for r in page.rows])
    return 0

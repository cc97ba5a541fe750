"""assets dss/dt/maintenance/dt-reading/energy-balance: the distribution network register,
its maintenance, and the energy balance of each transformer."""

from __future__ import annotations

import argparse
from typing import Any

from opsmanager_desktop.cli.app import CliApp, to_jsonable
from opsmanager_desktop.cli.file_imports import (
    add_file_options,
    emit_import,
    file_options,
)
from opsmanager_desktop.domain.assets import STATUS_CHOICES
from opsmanager_desktop.services import (
    asset_import,
    assets,
    dt_readings,
    energy_balance,
    maintenance,
)
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery


def _asset_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True)
    parser.add_argument("--kva", required=True, metavar="KVA", help="capacity in kVA")
    parser.add_argument("--location", default="", help="where it stands, in words")
    parser.add_argument("--lat", dest="latitude", help="GPS latitude (with --lon)")
    parser.add_argument("--lon", dest="longitude", help="GPS longitude (with --lat)")
    parser.add_argument("--installed", dest="installed_on", metavar="YYYY-MM-DD")
    parser.add_argument("--status", default="operational", help=STATUS_CHOICES)


def register(commands: Any) -> None:
    parser = commands.add_parser("assets", help="the distribution network: substations, "
                                 "transformers, maintenance, energy balance")
    cmds = parser.add_subparsers(dest="assets_command", required=True)

    dss = cmds.add_parser("dss", help="distribution substations").add_subparsers(
        dest="dss_command", required=True)
    add = dss.add_parser("add", help="a new substation (admin, supervisor)")
    add.add_argument("code")
    _asset_options(add)
    add.set_defaults(handler=dss_add)
    dss.add_parser("list", help="every substation with its transformer count"
                   ).set_defaults(handler=dss_list)

    dt = cmds.add_parser("dt", help="distribution transformers").add_subparsers(
        dest="dt_command", required=True)
    add = dt.add_parser("add", help="a new transformer on a substation (admin, supervisor)")
    add.add_argument("code", help="the code connections carry as their transformer code")
    add.add_argument("--dss", required=True, help="the substation's code")
    _asset_options(add)
    add.set_defaults(handler=dt_add)
    lst = dt.add_parser("list", help="transformers with their connection counts")
    lst.add_argument("--dss", help="only this substation's")
    lst.add_argument("--status", help=STATUS_CHOICES)
    lst.add_argument("--search", default="", help="start of the code or name")
    lst.set_defaults(handler=dt_list)
    show = dt.add_parser("show", help="one transformer: details, maintenance, last balance")
    show.add_argument("code")
    show.set_defaults(handler=dt_show)
    status = dt.add_parser("set-status", help="operational, faulty, under maintenance, "
                           "decommissioned")
    status.add_argument("code")
    status.add_argument("status", help=STATUS_CHOICES)
    status.set_defaults(handler=dt_set_status)
    dt.add_parser("unregistered", help="transformer codes on connections that no "
                  "transformer on the register has").set_defaults(handler=dt_unregistered)

    mnt = cmds.add_parser("maintenance", help="schedules, work done, overdue").add_subparsers(
        dest="maintenance_command", required=True)
    sch = mnt.add_parser("schedule", help="service an asset every N months (admin, "
                         "supervisor)")
    sch.add_argument("kind", help="dss or dt")
    sch.add_argument("code")
    sch.add_argument("--every", dest="months", required=True, metavar="MONTHS")
    sch.add_argument("--from", dest="starts_on", metavar="YYYY-MM-DD",
                     help="before any service is logged the first falls due MONTHS after "
                          "this date (default today)")
    sch.set_defaults(handler=maintenance_schedule)
    log = mnt.add_parser("log", help="work done on an asset (supervisor, field officer)")
    log.add_argument("kind", help="dss or dt")
    log.add_argument("code")
    log.add_argument("--work", required=True, help="what was done")
    log.add_argument("--date", dest="done_on", metavar="YYYY-MM-DD", help="default today")
    log.add_argument("--by", dest="done_by", help="user name of who did it (default you)")
    log.set_defaults(handler=maintenance_log)
    over = mnt.add_parser("overdue", help="assets whose service is overdue")
    over.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help="default today")
    over.set_defaults(handler=maintenance_overdue)

    rd = cmds.add_parser("dt-reading", help="readings of the transformers' own meters "
                         "(billing officer)").add_subparsers(dest="dt_reading_command",
                                                             required=True)
    one = rd.add_parser("add", help="one transformer's reading for a cycle")
    one.add_argument("code")
    one.add_argument("--cycle", required=True, metavar="YYYY-MM")
    one.add_argument("--reading", required=True)
    one.add_argument("--previous", help="default the transformer's last reading")
    one.add_argument("--read-at", dest="read_at", metavar="YYYY-MM-DD")
    one.set_defaults(handler=dt_reading_add)
    imp = rd.add_parser("import", help="a file of transformer readings for a cycle")
    imp.add_argument("file", help="CSV or XLSX: transformer,reading and optional "
                     "previous,read_at")
    imp.add_argument("--cycle", required=True, metavar="YYYY-MM")
    add_file_options(imp)
    imp.set_defaults(handler=dt_reading_import)

    reg = cmds.add_parser("import", help="substations and transformers from a file "
                          "(admin, supervisor)")
    reg.add_argument("file", help="CSV or XLSX: kind,code,name,capacity_kva and optional "
                     "substation,location,latitude,longitude,installed_on,status")
    add_file_options(reg)
    reg.set_defaults(handler=assets_import)

    bal = cmds.add_parser("energy-balance", help="each transformer's input against its "
                          "customers' billed units, worst loss first")
    bal.add_argument("--cycle", required=True, metavar="YYYY-MM")
    bal.set_defaults(handler=energy_balance_cmd)


def _asset_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {"location": args.location, "latitude": args.latitude,
            "longitude": args.longitude, "installed_on": args.installed_on,
            "status": args.status}


def dss_add(app: CliApp, args: argparse.Namespace) -> int:
    row = assets.add_substation(app.backend, app.token(), args.code, args.name, args.kva,
                                **_asset_kwargs(args))
    app.emit(row, f"Substation {row.code} added.")
    return 0


def dss_list(app: CliApp, args: argparse.Namespace) -> int:
    app.emit(assets.list_substations(app.backend, app.token()))
    return 0


def dt_add(app: CliApp, args: argparse.Namespace) -> int:
    row = assets.add_transformer(app.backend, app.token(), args.code, args.name, args.dss,
                                 args.kva, **_asset_kwargs(args))
    app.emit(row, f"Transformer {row.code} added on substation {row.substation} "
             f"({row.connections:,} connections carry its code).")
    return 0


def dt_list(app: CliApp, args: argparse.Namespace) -> int:
    token, rows, offset = app.token(), [], 0
    filters = {"substation": args.dss, "status": args.status}
    while True:
        page = assets.list_transformers(app.backend, token, ListQuery(
            search=args.search, offset=offset, limit=MAX_PAGE, count=False, filters=filters))
        rows += page.rows
        if len(page.rows) < MAX_PAGE:
            break
        offset += MAX_PAGE
    if app.json:
        app.emit(rows)
    else:
        app.emit([{k: to_jsonable(getattr(r, k)) for k in (
            "code", "name", "substation", "capacity_kva", "status", "connections")}
            for r in rows])
    return 0


def dt_show(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    row = assets.get_transformer(app.backend, token, args.code)
    history = maintenance.maintenance_history(app.backend, token, "dt", row.code)
    latest = energy_balance.latest_balance(app.backend, token, row.code)
    data = {**to_jsonable(row), "maintenance": to_jsonable(history),
            "last_energy_balance": to_jsonable(latest)}
    app.emit(data)
    return 0


def dt_set_status(app: CliApp, args: argparse.Namespace) -> int:
    row = assets.set_transformer_status(app.backend, app.token(), args.code, args.status)
    app.emit(row, f"Transformer {row.code} is now {row.status.label.lower()}.")
    return 0


def dt_unregistered(app: CliApp, args: argparse.Namespace) -> int:
    app.emit(assets.unregistered_codes(app.backend, app.token()))
    return 0


def maintenance_schedule(app: CliApp, args: argparse.Namespace) -> int:
    row = maintenance.set_schedule(app.backend, app.token(), args.kind, args.code,
                                   args.months, starts_on=args.starts_on)
    app.emit(row, f"{row.kind.value} {row.code}: serviced every {row.interval_months} "
             f"months; next due {row.next_due}.")
    return 0


def maintenance_log(app: CliApp, args: argparse.Namespace) -> int:
    row = maintenance.log_maintenance(app.backend, app.token(), args.kind, args.code,
                                      args.work, done_on=args.done_on, done_by=args.done_by)
    due = f"; next due {row.next_due}" if row.next_due else " (no schedule)"
    app.emit(row, f"{row.kind.value} {row.code}: work of {row.done_on} logged{due}.")
    return 0


def maintenance_overdue(app: CliApp, args: argparse.Namespace) -> int:
    app.emit(maintenance.overdue_maintenance(app.backend, app.token(), as_of=args.as_of))
    return 0


def dt_reading_add(app: CliApp, args: argparse.Namespace) -> int:
    row = dt_readings.add_dt_reading(app.backend, app.token(), args.code, args.cycle,
                                     args.reading, previous=args.previous,
                                     read_at=args.read_at)
    app.emit(row, f"Transformer {row.transformer}, cycle {row.cycle}: {row.units} kWh "
             f"({row.previous_reading} -> {row.current_reading}).")
    return 0


def dt_reading_import(app: CliApp, args: argparse.Namespace) -> int:
    result = dt_readings.import_dt_readings(
        app.backend, app.token(), args.file, args.cycle,
        **file_options(app, args, "Transformer readings"))
    return emit_import(app, result, f"{result.recorded:,} recorded")


def assets_import(app: CliApp, args: argparse.Namespace) -> int:
    result = asset_import.import_assets(
        app.backend, app.token(), args.file, **file_options(app, args, "Network register"))
    return emit_import(app, result, f"{result.substations:,} substations and "
                       f"{result.transformers:,} transformers added")


def energy_balance_cmd(app: CliApp, args: argparse.Namespace) -> int:
    rows = energy_balance.energy_balance(app.backend, app.token(), args.cycle)
    if app.json:
        app.emit(rows)
    else:
        app.emit([{"transformer": r.transformer, "substation": r.substation,
                   "input_kwh": to_jsonable(r.input_kwh), "billed_kwh": str(r.billed_kwh),
                   "loss_kwh": to_jsonable(r.loss_kwh),
                   "loss_percent": to_jsonable(r.loss_percent), "reason": r.reason}
                  for r in rows])
    return 0

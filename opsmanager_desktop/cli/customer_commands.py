"""customers and connections commands (docs/design.md section 4)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.domain.money import D
from opsmanager_desktop.services import connections, customers
from opsmanager_desktop.services.connections import ConnectionRow, NewConnection
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery


def register(commands: Any) -> None:
    parser = commands.add_parser("customers", help="customers and their connections")
    cmds = parser.add_subparsers(dest="customers_command", required=True)
    imp = cmds.add_parser("import", help="customers file: account_no,name,address,phone,email,"
                          "utility,meter_number,tariff_code,initial_reading,connected_on "
                          "(billing officer)")
    imp.add_argument("file", help="CSV or XLSX: account_no,name,utility,meter_number,"
                     "tariff_code and optional address,phone,email,initial_reading (default "
                     "0),connected_on (YYYY-MM-DD, the day the connection began; default "
                     "today)")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="import the good rows; write the bad ones to a rejects file")
    imp.add_argument("--rejects", help="where to write rejected rows (default FILE.rejects.csv)")
    imp.set_defaults(handler=customers_import)
    add = cmds.add_parser("add", help="one customer, with a first connection if --meter is given")
    add.add_argument("account_no")
    add.add_argument("--name", required=True)
    for option in ("--address", "--phone", "--email"):
        add.add_argument(option, default="")
    _connection_options(add, required=False)
    add.set_defaults(handler=customers_add)
    lst = cmds.add_parser("list", help="customers, searched by account, name, phone or meter "
                          "prefix")
    lst.add_argument("--search", default="")
    lst.add_argument("--sort", default="account_no",
                     choices=["account_no", "name", "phone", "created_at"])
    lst.add_argument("--limit", type=int, default=200)
    lst.add_argument("--offset", type=int, default=0)
    lst.set_defaults(handler=customers_list)
    show = cmds.add_parser("show", help="a customer with its connections")
    show.add_argument("account_no")
    show.set_defaults(handler=customers_show)
    _register_connections(commands)


def _connection_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--utility", required=required, help="utility type code")
    parser.add_argument("--meter", required=required, help="meter number")
    parser.add_argument("--tariff", required=required, help="tariff plan code")
    parser.add_argument("--initial-reading", default="0")
    parser.add_argument("--kw", default="0", help="sanctioned load in kW")


def _register_connections(commands: Any) -> None:
    parser = commands.add_parser("connections", help="connections (billing officer)")
    cmds = parser.add_subparsers(dest="connections_command", required=True)
    add = cmds.add_parser("add", help="a connection for an existing customer")
    add.add_argument("account_no")
    _connection_options(add, required=True)
    add.set_defaults(handler=connections_add)
    load = cmds.add_parser("set-load", help="sanctioned load used by per-kW fixed charges")
    load.add_argument("meter")
    load.add_argument("--utility", required=True)
    load.add_argument("--kw", required=True)
    load.set_defaults(handler=connections_set_load)
    status = cmds.add_parser("set-status", help="ACTIVE, DISCONNECTED or CLOSED (final)")
    status.add_argument("meter")
    status.add_argument("--utility", required=True)
    status.add_argument("--status", required=True, type=str.upper,
                        choices=["ACTIVE", "DISCONNECTED", "CLOSED"])
    status.set_defaults(handler=connections_set_status)
    tariff = cmds.add_parser("change-tariff", help="another tariff plan of the same utility")
    tariff.add_argument("meter")
    tariff.add_argument("--utility", required=True)
    tariff.add_argument("--tariff", required=True)
    tariff.set_defaults(handler=connections_change_tariff)
    rep = cmds.add_parser("replace-meter", help="old meter out at its final reading, new one "
                          "in at its initial reading")
    rep.add_argument("meter", help="the old meter's number")
    rep.add_argument("--utility", required=True)
    rep.add_argument("--final", required=True, help="the old meter's final reading")
    rep.add_argument("--new-meter", required=True)
    rep.add_argument("--new-initial", default="0", help="the new meter's initial reading")
    rep.add_argument("--date", help="YYYY-MM-DD (default today)")
    rep.set_defaults(handler=connections_replace_meter)
    lst = cmds.add_parser("list", help="connections")
    lst.add_argument("--search", default="", help="meter or account number prefix")
    lst.add_argument("--utility")
    lst.add_argument("--status", type=str.upper)
    lst.add_argument("--account")
    lst.add_argument("--limit", type=int, default=200)
    lst.set_defaults(handler=connections_list)


def parse_date(text: str | None, field: str = "date") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise invalid(field, f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def parse_decimal(text: str, field: str) -> Any:
    try:
        return D(text)
    except ValueError as exc:
        raise invalid(field, str(exc)) from None


def _connection_json(row: ConnectionRow) -> dict[str, Any]:
    return {"account_no": row.account_no, "utility": row.utility,
            "meter_number": row.meter_number, "tariff_code": row.tariff_code,
            "status": row.status, "sanctioned_load_kw": row.sanctioned_load_kw,
            "initial_reading": row.initial_reading, "transformer_code": row.transformer_code,
            "connected_on": row.connected_on}


def customers_import(app: CliApp, args: argparse.Namespace) -> int:
    result = customers.import_customers(
        app.backend, app.token(), args.file, skip_invalid=args.skip_invalid,
        rejects_path=args.rejects,
        progress=lambda done, total: app.progress(done, total, "customers"))
    data = {"rows": result.rows, "customers_created": result.customers_created,
            "connections_created": result.connections_created, "rejected": result.rejected,
            "rejects_file": str(result.rejects_path) if result.rejects_path else None}
    app.emit(data, f"{result.customers_created:,} customers with "
             f"{result.connections_created:,} connections imported from {result.rows:,} rows"
             + (f"; {result.rejected:,} rows rejected (see {result.rejects_path})"
                if result.rejected else "") + ".")
    return 0


def customers_add(app: CliApp, args: argparse.Namespace) -> int:
    connection = _new_connection(args) if args.meter else None
    detail = customers.create_customer(app.backend, app.token(), args.account_no, args.name,
                                       address=args.address, phone=args.phone,
                                       email=args.email, connection=connection)
    app.emit(_detail_json(detail), f"Customer {detail.account_no} added.")
    return 0


def _new_connection(args: argparse.Namespace) -> NewConnection:
    if not (args.utility and args.tariff):
        raise invalid("connection", "a connection needs --utility, --meter and --tariff")
    return NewConnection(args.utility, args.meter, args.tariff,
                         parse_decimal(args.initial_reading, "initial_reading"),
                         parse_decimal(args.kw, "kw"))


def _detail_json(detail: customers.CustomerDetail) -> dict[str, Any]:
    return {"account_no": detail.account_no, "name": detail.name, "address": detail.address,
            "phone": detail.phone, "email": detail.email, "credit": detail.credit,
            "version": detail.version,
            "connections": [_connection_json(c) for c in detail.connections]}


def customers_list(app: CliApp, args: argparse.Namespace) -> int:
    page = customers.list_customers(app.backend, app.token(), ListQuery(
        search=args.search, sort=args.sort, limit=min(args.limit, MAX_PAGE),
        offset=args.offset))
    app.emit([{"account_no": r.account_no, "name": r.name, "phone": r.phone,
               "email": r.email, "connections": r.connections,
               "meters": ",".join(r.meter_numbers)} for r in page.rows])
    return 0


def customers_show(app: CliApp, args: argparse.Namespace) -> int:
    detail = customers.get_customer(app.backend, app.token(), args.account_no)
    data = _detail_json(detail)
    if app.json:
        app.emit(data)
    else:
        app.emit({k: v for k, v in data.items() if k != "connections"})
        print()
        app.emit([_connection_json(c) for c in detail.connections])
    return 0


def connections_add(app: CliApp, args: argparse.Namespace) -> int:
    row = connections.add_connection(app.backend, app.token(), args.account_no,
                                     _new_connection(args))
    app.emit(_connection_json(row), f"Connection {row.utility} {row.meter_number} added to "
             f"{row.account_no}.")
    return 0


def connections_set_load(app: CliApp, args: argparse.Namespace) -> int:
    row = connections.set_load(app.backend, app.token(), args.meter, args.utility, args.kw)
    app.emit(_connection_json(row), f"Meter {row.meter_number}: sanctioned load "
             f"{row.sanctioned_load_kw} kW.")
    return 0


def connections_set_status(app: CliApp, args: argparse.Namespace) -> int:
    row = connections.set_status(app.backend, app.token(), args.meter, args.utility,
                                 args.status)
    app.emit(_connection_json(row), f"Meter {row.meter_number} is now {row.status.value}.")
    return 0


def connections_change_tariff(app: CliApp, args: argparse.Namespace) -> int:
    row = connections.change_tariff(app.backend, app.token(), args.meter, args.utility,
                                    args.tariff)
    app.emit(_connection_json(row), f"Meter {row.meter_number} is now on {row.tariff_code}.")
    return 0


def connections_replace_meter(app: CliApp, args: argparse.Namespace) -> int:
    row = connections.replace_meter(
        app.backend, app.token(), args.meter, args.utility,
        old_final=parse_decimal(args.final, "final"), new_meter=args.new_meter,
        new_initial=parse_decimal(args.new_initial, "new_initial"),
        replaced_on=parse_date(args.date) or date.today())
    app.emit(_connection_json(row), f"Meter {args.meter.upper()} replaced by "
             f"{row.meter_number} on account {row.account_no}.")
    return 0


def connections_list(app: CliApp, args: argparse.Namespace) -> int:
    filters = {k: v for k, v in (("utility", args.utility), ("status", args.status),
                                 ("account_no", args.account)) if v}
    page = connections.list_connections(app.backend, app.token(), ListQuery(
        search=args.search, sort="meter_number", limit=min(args.limit, MAX_PAGE),
        filters=filters))
    app.emit([_connection_json(r) for r in page.rows])
    return 0

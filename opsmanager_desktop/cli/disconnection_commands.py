"""disconnection rules/list/create/lists/entries/approve/cancel/tickets/assign/close/import and
reconnection list/create/close: cutting off for dues and putting supply back."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from opsmanager_desktop.cli.app import CliApp, render_table, to_jsonable
from opsmanager_desktop.cli.file_imports import (
    add_file_options,
    done_and_repeated,
    emit_import,
    file_options,
)
from opsmanager_desktop.cli.paged_output import stream_rows
from opsmanager_desktop.domain.disconnection import COMMON_REASONS
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.services import disconnection as dis
from opsmanager_desktop.services import disconnection_import
from opsmanager_desktop.services import disconnection_tickets as tickets
from opsmanager_desktop.services.listing import ListQuery

ENTRY_KEYS = ("account_no", "customer_name", "meter_number", "utility", "transformer_code",
              "outstanding", "oldest_due", "days_overdue")
TICKET_KEYS = ("id", "kind", "status", "account_no", "meter_number", "utility",
               "transformer_code", "outstanding", "fee", "team", "assigned_to",
               "executed_by", "executed_at", "outcome", "reason")
RECONNECTION_KEYS = ("account_no", "customer_name", "meter_number", "utility",
                     "transformer_code", "disconnected_at")


def register(commands: Any) -> None:
    parser = commands.add_parser("disconnection", help="disconnection for unpaid bills")
    cmds = parser.add_subparsers(dest="disconnection_command", required=True)
    rules = cmds.add_parser("rules", help="the rules lists are made by")
    rcmds = rules.add_subparsers(dest="rules_command", required=True)
    rcmds.add_parser("show", help="the rules in force").set_defaults(handler=rules_show)
    rset = rcmds.add_parser("set", help="a new version of the rules (supervisor); options "
                            "left out keep their value")
    rset.add_argument("--min-outstanding", metavar="AMOUNT", help="overdue amount at least")
    rset.add_argument("--min-days", metavar="DAYS", help="days overdue at least (1 or more)")
    rset.add_argument("--grace-days", metavar="DAYS", help="a payment dated in the last DAYS "
                      "days (or later) keeps the customer off the list; 0: no grace")
    rset.add_argument("--exclude-complaints", choices=("yes", "no"),
                      help="leave out customers with an open billing complaint")
    rset.add_argument("--fee", metavar="AMOUNT", help="reconnection fee")
    rset.set_defaults(handler=rules_set)
    preview = cmds.add_parser("list", help="preview the list of a date (nothing saved)")
    preview.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    preview.set_defaults(handler=list_preview)
    create = cmds.add_parser("create", help="save the list of a date as a draft (supervisor)")
    create.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    create.set_defaults(handler=list_create)
    cmds.add_parser("lists", help="saved lists, newest first").set_defaults(handler=lists)
    entries = cmds.add_parser("entries", help="the connections a saved list named")
    entries.add_argument("list_id")
    entries.set_defaults(handler=list_entries)
    approve = cmds.add_parser("approve", help="approve a draft: tickets for the field teams")
    approve.add_argument("list_id")
    approve.add_argument("--team", help="give every ticket to this team (default: spread "
                         "over the field teams by transformer)")
    approve.set_defaults(handler=list_approve)
    cancel = cmds.add_parser("cancel", help="throw a draft away")
    cancel.add_argument("list_id")
    cancel.set_defaults(handler=list_cancel)
    tick = cmds.add_parser("tickets", help="disconnection and reconnection tickets")
    tick.add_argument("--kind", help="DISCONNECT or RECONNECT")
    tick.add_argument("--status", help="OPEN or CLOSED")
    tick.add_argument("--team", help="team code")
    tick.add_argument("--list", dest="list_id", help="tickets of one list")
    tick.set_defaults(handler=tickets_list)
    assign = cmds.add_parser("assign", help="give an open ticket to a team and/or person")
    assign.add_argument("ticket")
    assign.add_argument("--team")
    assign.add_argument("--to", dest="assigned_to", help="user name")
    assign.set_defaults(handler=ticket_assign)
    _close_parser(cmds, "DISCONNECTED or NOT_DISCONNECTED")
    imp = cmds.add_parser("import", help="close the tickets a field file reports (field "
                          "officer, supervisor)")
    imp.add_argument("file", help="CSV or XLSX: ticket,outcome,executed_at and optional "
                     "reason,executed_by")
    add_file_options(imp, "close the good rows; write the bad ones to a rejects file")
    imp.set_defaults(handler=tickets_import)

    rparser = commands.add_parser("reconnection", help="putting supply back after payment")
    rc = rparser.add_subparsers(dest="reconnection_command", required=True)
    rc.add_parser("list", help="disconnected connections with their dues settled"
                  ).set_defaults(handler=reconnection_list)
    rcreate = rc.add_parser("create", help="a reconnection ticket; charges the fee")
    rcreate.add_argument("meter")
    rcreate.add_argument("--utility", default="electricity")
    rcreate.add_argument("--team")
    rcreate.add_argument("--to", dest="assigned_to", help="user name")
    rcreate.set_defaults(handler=reconnection_create)
    _close_parser(rc, "RECONNECTED or NOT_RECONNECTED")


def _close_parser(cmds: Any, outcomes: str) -> None:
    close = cmds.add_parser("close", help="close a ticket with what the field found")
    close.add_argument("ticket")
    close.add_argument("--outcome", required=True, help=outcomes)
    close.add_argument("--reason", default="", help="why not done, e.g. "
                       + "; ".join(COMMON_REASONS[:3]))
    close.add_argument("--by", dest="executed_by", help="officer who did it (default you)")
    close.add_argument("--at", dest="executed_at", metavar="'YYYY-MM-DD HH:MM'",
                       help="when it was done (default now)")
    close.set_defaults(handler=ticket_close)


def rules_show(app: CliApp, args: argparse.Namespace) -> int:
    row = dis.get_rules(app.backend, app.token())
    r = row.rules
    source = (f"version {row.version}, set by {row.set_by} on {row.set_at:%Y-%m-%d %H:%M}"
              if row.version is not None and row.set_at else "built-in defaults")
    app.emit(row, f"Disconnection rules ({source}):\n"
             f"  overdue amount at least   {r.min_outstanding}\n"
             f"  days overdue at least     {r.min_days_overdue}\n"
             f"  grace for payments (days) {r.grace_days}\n"
             f"  open billing complaints   {'excluded' if r.exclude_open_complaints else 'listed'}"
             f"\n  reconnection fee          {r.reconnection_fee}")
    return 0


def rules_set(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    now = dis.get_rules(app.backend, token).rules
    exclude = now.exclude_open_complaints if args.exclude_complaints is None \
        else args.exclude_complaints == "yes"
    row = dis.set_rules(
        app.backend, token,
        min_outstanding=_or(args.min_outstanding, now.min_outstanding),
        min_days_overdue=_or(args.min_days, now.min_days_overdue),
        grace_days=_or(args.grace_days, now.grace_days),
        exclude_open_complaints=exclude, reconnection_fee=_or(args.fee, now.reconnection_fee))
    app.emit(row, f"Disconnection rules version {row.version} in force.")
    return 0


def _or(given: str | None, current: Any) -> Any:
    return current if given is None else given


def list_preview(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    stream_rows(app, lambda q: dis.preview_list(app.backend, token, args.date,
                                            _sorted(q, "account_no")),
            ENTRY_KEYS, f"(nobody is due for disconnection on {args.date})")
    return 0


def _sorted(query: ListQuery, key: str) -> ListQuery:
    return ListQuery(sort=key, offset=query.offset, limit=query.limit, count=False)


def list_create(app: CliApp, args: argparse.Namespace) -> int:
    row = dis.create_list(app.backend, app.token(), args.date)
    app.emit(row, f"Draft list #{row.id} for {row.list_date}: {row.entries:,} connections, "
             f"{row.total_outstanding} overdue. Approve it with `disconnection approve "
             f"{row.id}`.")
    return 0


def lists(app: CliApp, args: argparse.Namespace) -> int:
    rows = dis.list_lists(app.backend, app.token())
    keys = ("id", "list_date", "status", "entries", "total_outstanding", "tickets",
            "created_by", "approved_by")
    app.emit(rows, render_table([{k: to_jsonable(getattr(r, k)) for k in keys} for r in rows])
             if rows else "(no lists yet)")
    return 0


def list_entries(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    stream_rows(app, lambda q: dis.list_entries(app.backend, token, args.list_id,
                                            _sorted(q, "account_no")),
            ENTRY_KEYS, "(the list is empty)")
    return 0


def list_approve(app: CliApp, args: argparse.Namespace) -> int:
    row = dis.approve_list(app.backend, app.token(), args.list_id, team=args.team)
    dropped = row.entries - row.tickets
    app.emit(row, f"List #{row.id} approved: {row.tickets:,} tickets for the field"
             + (f" ({dropped:,} left out: no longer due)" if dropped else "") + ".")
    return 0


def list_cancel(app: CliApp, args: argparse.Namespace) -> int:
    row = dis.cancel_list(app.backend, app.token(), args.list_id)
    app.emit(row, f"List #{row.id} cancelled.")
    return 0


def tickets_list(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    filters = {"kind": args.kind, "status": args.status, "team": args.team,
               "list": args.list_id}
    stream_rows(app, lambda q: tickets.list_tickets(app.backend, token, ListQuery(
        offset=q.offset, limit=q.limit, count=False, filters=filters)),
        TICKET_KEYS, "(no tickets)")
    return 0


def ticket_assign(app: CliApp, args: argparse.Namespace) -> int:
    row = tickets.assign_ticket(app.backend, app.token(), args.ticket, team=args.team,
                                assigned_to=args.assigned_to)
    app.emit(row, f"Ticket #{row.id}: team {row.team or '-'}, assigned to "
             f"{row.assigned_to or '-'}.")
    return 0


def ticket_close(app: CliApp, args: argparse.Namespace) -> int:
    when = None
    if args.executed_at:
        try:
            when = datetime.fromisoformat(args.executed_at.strip())
        except ValueError:
            raise invalid("executed_at", f"{args.executed_at!r} is not a time; write it as "
                          "'YYYY-MM-DD HH:MM'") from None
    row = tickets.close_ticket(app.backend, app.token(), args.ticket, args.outcome,
                               args.reason, executed_at=when, executed_by=args.executed_by)
    app.emit(row, f"Ticket #{row.id} closed: {row.outcome} (meter {row.meter_number}).")
    return 0


def tickets_import(app: CliApp, args: argparse.Namespace) -> int:
    result = disconnection_import.import_executed(
        app.backend, app.token(), args.file, **file_options(app, args, "Field file: rows"))
    return emit_import(app, result,
                       done_and_repeated(result.closed, "closed", result.duplicates))


def reconnection_list(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    stream_rows(app, lambda q: tickets.reconnection_list(app.backend, token, _sorted(
        q, "account_no")), RECONNECTION_KEYS, "(no disconnected connection has settled dues)")
    return 0


def reconnection_create(app: CliApp, args: argparse.Namespace) -> int:
    row = tickets.create_reconnection(app.backend, app.token(), args.meter, args.utility,
                                      team=args.team, assigned_to=args.assigned_to)
    fee = f"; reconnection fee {row.fee} charged" if row.fee else ""
    app.emit(row, f"Reconnection ticket #{row.id} for meter {row.meter_number}{fee}.")
    return 0

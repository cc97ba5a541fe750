"""complaints log/list/show/assign/move/import/categories and tickets open/list/show/
assign/move: the complaint desk and the support queues from the command line."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from opsmanager_desktop.cli.app import CliApp, render_table, to_jsonable
from opsmanager_desktop.cli.file_imports import (
    add_file_options,
    done_and_repeated,
    emit_import,
    file_options,
)
from opsmanager_desktop.domain import complaints as flow
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.services import complaint_import, complaints, support_tickets
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery

STATUSES = ", ".join(s.value for s in flow.WorkStatus)
COMPLAINT_KEYS = ("number", "account_no", "category", "subcategory", "status", "assigned_to",
                  "team", "created_at", "due_at", "overdue")
TICKET_KEYS = ("number", "kind", "subject", "account_no", "contact", "status", "assigned_to",
               "team", "created_at", "due_at", "overdue")


def register(commands: Any) -> None:
    _complaints(commands)
    _tickets(commands)


def _queue_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", action="append", help=f"one of {STATUSES} (repeatable)")
    parser.add_argument("--assignee", metavar="USER")
    parser.add_argument("--team", metavar="CODE")
    parser.add_argument("--overdue", action="store_true", help="only the overdue ones")
    parser.add_argument("--mine", action="store_true",
                        help="my queue: mine and my team's waiting ones")
    parser.add_argument("--unassigned", action="store_true")
    parser.add_argument("--search", default="")
    parser.add_argument("--limit", type=int, default=200)


def _move_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("number")
    parser.add_argument("status", help="IN_PROGRESS, INFO_NEEDED, RESOLVED or CLOSED")
    parser.add_argument("--note", default="", help="required to resolve, ask for "
                        "information or reopen")


def _assign_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("number")
    parser.add_argument("--to", dest="assignee", metavar="USER", help="a person")
    parser.add_argument("--team", metavar="CODE", help="a team's queue")
    parser.add_argument("--note", default="")


def _complaints(commands: Any) -> None:
    parser = commands.add_parser("complaints", help="customer complaints")
    cmds = parser.add_subparsers(dest="complaints_command", required=True)
    log = cmds.add_parser("log", help="log a complaint (desk, phone, e-mail)")
    log.add_argument("account_no")
    log.add_argument("--category", required=True)
    log.add_argument("--sub", dest="subcategory", help="sub-category code")
    log.add_argument("--text", dest="description", required=True, help="what is wrong")
    log.add_argument("--channel", default="DESK", help=", ".join(flow.CHANNELS))
    log.add_argument("--meter", dest="meter_number")
    log.add_argument("--at", dest="logged_at", metavar="'YYYY-MM-DD HH:MM'",
                     help="when the customer complained (default now)")
    log.set_defaults(handler=complaints_log)
    lst = cmds.add_parser("list", help="complaints, soonest due first")
    _queue_options(lst)
    lst.add_argument("--category")
    lst.add_argument("--account", dest="account_no")
    lst.set_defaults(handler=complaints_list)
    show = cmds.add_parser("show", help="one complaint with its history")
    show.add_argument("number")
    show.set_defaults(handler=complaints_show)
    assign = cmds.add_parser("assign", help="give a complaint to a person or team "
                             "(supervisor)")
    _assign_options(assign)
    assign.set_defaults(handler=complaints_assign)
    move = cmds.add_parser("move", help="move a complaint on (its assignee or a supervisor)")
    _move_options(move)
    move.set_defaults(handler=complaints_move)
    imp = cmds.add_parser("import", help="a field file of complaints")
    imp.add_argument("file", help="CSV or XLSX: account_no,category,description,logged_at,"
                     "officer and optional sub_category,meter_number,channel")
    add_file_options(imp)
    imp.set_defaults(handler=complaints_import)
    cats = cmds.add_parser("categories", help="categories with due hours and sub-categories; "
                           "with --set, add or change one (supervisor)")
    cats.add_argument("--set", dest="code", metavar="CODE")
    cats.add_argument("--name")
    cats.add_argument("--due-hours", type=int)
    cats.add_argument("--billing", action="store_true",
                      help="a billing complaint (holds disconnection back while open)")
    cats.add_argument("--inactive", action="store_true", help="no new complaints in it")
    cats.add_argument("--sub", action="append", default=[], metavar="CODE:NAME")
    cats.set_defaults(handler=complaints_categories)


def _tickets(commands: Any) -> None:
    parser = commands.add_parser("tickets", help="support tickets for enquiries")
    cmds = parser.add_subparsers(dest="tickets_command", required=True)
    opn = cmds.add_parser("open", help="open a ticket")
    opn.add_argument("--kind", required=True, help=", ".join(flow.TICKET_KINDS))
    opn.add_argument("--subject", required=True)
    opn.add_argument("--account", dest="account_no")
    opn.add_argument("--contact", default="", help="who asks, when not a customer")
    opn.add_argument("--text", dest="description", default="")
    opn.add_argument("--channel", default="DESK", help=", ".join(flow.CHANNELS))
    opn.set_defaults(handler=tickets_open)
    lst = cmds.add_parser("list", help="tickets, soonest due first")
    _queue_options(lst)
    lst.add_argument("--kind")
    lst.set_defaults(handler=tickets_list)
    show = cmds.add_parser("show", help="one ticket with its history")
    show.add_argument("number")
    show.set_defaults(handler=tickets_show)
    assign = cmds.add_parser("assign", help="give a ticket to a person or team (supervisor)")
    _assign_options(assign)
    assign.set_defaults(handler=tickets_assign)
    move = cmds.add_parser("move", help="move a ticket on (its assignee or a supervisor)")
    _move_options(move)
    move.set_defaults(handler=tickets_move)


def _query(args: argparse.Namespace, **extra: Any) -> ListQuery:
    if not 1 <= args.limit <= MAX_PAGE:
        raise invalid("limit", f"must be between 1 and {MAX_PAGE}")
    filters = {"status": args.status, "assignee": args.assignee, "team": args.team,
               "overdue": args.overdue, "mine": args.mine, "unassigned": args.unassigned,
               **extra}
    return ListQuery(search=args.search, sort="due_at", limit=args.limit,
                     filters={k: v for k, v in filters.items() if v})


def _emit_rows(app: CliApp, rows: list[Any], keys: tuple[str, ...]) -> None:
    data = [{k: to_jsonable(getattr(r, k)) for k in keys} for r in rows]
    app.emit(data, render_table(data) if data else "(nothing)")


def _emit_detail(app: CliApp, item: Any, headline: str | None = None) -> None:
    data = to_jsonable(asdict(item))
    if headline is not None and not app.json:
        print(headline)
        return
    lines = [f"{item.number}  {item.status}  due {item.due_at:%Y-%m-%d %H:%M}"
             + ("  OVERDUE" if item.overdue else "")]
    lines += [f"  {h.at:%Y-%m-%d %H:%M}  {h.status:<11} {h.author:<12} "
              f"{'-> ' + (h.assigned_to or h.team or '') if h.assigned_to or h.team else ''}"
              f"  {h.note}".rstrip() for h in item.history]
    app.emit(data, "\n".join(lines))


def complaints_log(app: CliApp, args: argparse.Namespace) -> int:
    row = complaints.log_complaint(app.backend, app.token(), args.account_no, args.category,
                                   args.description, subcategory=args.subcategory,
                                   channel=args.channel, meter_number=args.meter_number,
                                   logged_at=args.logged_at)
    _emit_detail(app, row, f"Complaint {row.number} logged; due {row.due_at:%Y-%m-%d %H:%M}.")
    return 0


def complaints_list(app: CliApp, args: argparse.Namespace) -> int:
    page = complaints.list_complaints(app.backend, app.token(), _query(
        args, category=args.category, account_no=args.account_no))
    _emit_rows(app, page.rows, COMPLAINT_KEYS)
    return 0


def complaints_show(app: CliApp, args: argparse.Namespace) -> int:
    _emit_detail(app, complaints.get_complaint(app.backend, app.token(), args.number))
    return 0


def complaints_assign(app: CliApp, args: argparse.Namespace) -> int:
    row = complaints.assign_complaint(app.backend, app.token(), args.number,
                                      assignee=args.assignee, team=args.team, note=args.note)
    _emit_detail(app, row, f"{row.number} assigned to {row.assigned_to or row.team}.")
    return 0


def complaints_move(app: CliApp, args: argparse.Namespace) -> int:
    row = complaints.move_complaint(app.backend, app.token(), args.number, args.status,
                                    args.note)
    _emit_detail(app, row, f"{row.number} is now {row.status}.")
    return 0


def complaints_import(app: CliApp, args: argparse.Namespace) -> int:
    result = complaint_import.import_complaints(
        app.backend, app.token(), args.file, **file_options(app, args, "Complaints file: rows"))
    return emit_import(app, result,
                       done_and_repeated(result.logged, "logged", result.duplicates))


def complaints_categories(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    if args.code:
        if not args.name or args.due_hours is None:
            raise invalid("categories", "--set needs --name and --due-hours")
        subs = []
        for text in args.sub:
            code, _, name = text.partition(":")
            subs.append((code, name or code))
        row = complaints.save_category(app.backend, token, args.code, args.name,
                                       args.due_hours, is_billing=args.billing,
                                       is_active=not args.inactive, subcategories=subs)
        app.emit(row, f"Category {row.code} saved: due in {row.due_hours} h.")
        return 0
    rows = complaints.list_categories(app.backend, token, include_inactive=True)
    data = [{"code": r.code, "name": r.name, "due_hours": r.due_hours,
             "is_billing": r.is_billing, "is_active": r.is_active,
             "subcategories": [{"code": c, "name": n} for c, n in r.subcategories]}
            for r in rows]
    text = render_table([{**d, "subcategories": " ".join(c for c, _ in r.subcategories)}
                         for d, r in zip(data, rows, strict=True)]) if data else "(none)"
    app.emit(data, text)
    return 0


def tickets_open(app: CliApp, args: argparse.Namespace) -> int:
    row = support_tickets.open_ticket(app.backend, app.token(), args.kind, args.subject,
                                      account_no=args.account_no, contact=args.contact,
                                      description=args.description, channel=args.channel)
    _emit_detail(app, row, f"Ticket {row.number} opened; due {row.due_at:%Y-%m-%d %H:%M}.")
    return 0


def tickets_list(app: CliApp, args: argparse.Namespace) -> int:
    page = support_tickets.list_tickets(app.backend, app.token(), _query(args, kind=args.kind))
    _emit_rows(app, page.rows, TICKET_KEYS)
    return 0


def tickets_show(app: CliApp, args: argparse.Namespace) -> int:
    _emit_detail(app, support_tickets.get_ticket(app.backend, app.token(), args.number))
    return 0


def tickets_assign(app: CliApp, args: argparse.Namespace) -> int:
    row = support_tickets.assign_ticket(app.backend, app.token(), args.number,
                                        assignee=args.assignee, team=args.team,
                                        note=args.note)
    _emit_detail(app, row, f"{row.number} assigned to {row.assigned_to or row.team}.")
    return 0


def tickets_move(app: CliApp, args: argparse.Namespace) -> int:
    row = support_tickets.move_ticket(app.backend, app.token(), args.number, args.status,
                                      args.note)
    _emit_detail(app, row, f"{row.number} is now {row.status}.")
    return 0

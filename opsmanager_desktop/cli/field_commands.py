"""enumerations / evaluations list, show, approve, reject; field import: the field team's
records and the handheld files they bring back."""

from __future__ import annotations

import argparse
from typing import Any

from opsmanager_desktop.cli.app import CliApp, render_table, to_jsonable
from opsmanager_desktop.cli.file_imports import (
    add_file_options,
    done_and_repeated,
    emit_import,
    file_options,
)
from opsmanager_desktop.services import enumerations, evaluations, field_files
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery

ENUMERATION_KEYS = ("id", "kind", "status", "account_no", "name", "phone", "utility",
                    "meter_number", "tariff_code", "recorded_by", "recorded_at")
EVALUATION_KEYS = ("id", "status", "account_no", "utility", "meter_number", "inspected_at",
                   "tariff_found", "tariff_billed", "meter_condition", "estimated_loss",
                   "penalty", "recorded_by", "effective_period")


def _decide_parsers(cmds: Any, what: str, approve: Any, reject: Any) -> None:
    app_ = cmds.add_parser("approve", help=f"approve {what} (supervisor); all or none")
    app_.add_argument("ids", nargs="+", type=int, metavar="ID")
    app_.set_defaults(handler=approve)
    rej = cmds.add_parser("reject", help=f"reject {what} with a reason (supervisor)")
    rej.add_argument("ids", nargs="+", type=int, metavar="ID")
    rej.add_argument("--reason", required=True)
    rej.set_defaults(handler=reject)


def register(commands: Any) -> None:
    en = commands.add_parser("enumerations", help="customers found on the ground (new, or "
                             "an existing account whose details differ)")
    cmds = en.add_subparsers(dest="enumerations_command", required=True)
    lst = cmds.add_parser("list", help="enumerations, newest first")
    lst.add_argument("--status", choices=("pending", "approved", "rejected"))
    lst.add_argument("--kind", choices=("new", "update"))
    lst.add_argument("--officer", help="user name of the officer who recorded them")
    lst.add_argument("--search", default="", help="meter, account, name or phone prefix")
    lst.set_defaults(handler=enumerations_list)
    show = cmds.add_parser("show", help="one enumeration with its possible duplicates")
    show.add_argument("id", type=int)
    show.set_defaults(handler=enumerations_show)
    _decide_parsers(cmds, "enumerations (NEW creates the customer and connection, UPDATE "
                    "corrects them)", enumerations_approve, enumerations_reject)
    cmds.choices["approve"].add_argument(
        "--account", help="the account number a single NEW record creates (default the one "
        "recorded, else EN + the record id)")
    ev = commands.add_parser("evaluations", help="revenue-protection inspections of "
                             "connections")
    cmds = ev.add_subparsers(dest="evaluations_command", required=True)
    lst = cmds.add_parser("list", help="inspections, newest first")
    lst.add_argument("--status", choices=("pending", "approved", "rejected"))
    lst.add_argument("--condition", choices=("ok", "damaged", "tampered", "bypassed",
                                             "missing"))
    lst.add_argument("--officer", help="user name of the officer who recorded them")
    lst.add_argument("--search", default="", help="meter or account prefix")
    lst.set_defaults(handler=evaluations_list)
    show = cmds.add_parser("show", help="one inspection: tariff found vs billed, evidence")
    show.add_argument("id", type=int)
    show.set_defaults(handler=evaluations_show)
    _decide_parsers(cmds, "inspections (a plan found bills from the next cycle; a penalty "
                    "is debited to the account)", evaluations_approve, evaluations_reject)
    field = commands.add_parser("field", help="the handheld files a field team brings back")
    fcmds = field.add_subparsers(dest="field_command", required=True)
    imp = fcmds.add_parser("import", help="a handheld export: distribution log, "
                           "enumerations, evaluations or complaints (CSV/XLSX; photos in a "
                           "folder beside it)")
    imp.add_argument("file")
    imp.add_argument("--kind", choices=field_files.KINDS,
                     help="what the file holds (default: told by its header columns)")
    add_file_options(imp)
    imp.set_defaults(handler=field_import)


def _list(app: CliApp, fn: Any, filters: dict[str, Any], search: str,
          keys: tuple[str, ...]) -> int:
    token = app.token()
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = fn(app.backend, token, ListQuery(
            search=search, sort="id", descending=True, offset=offset, limit=MAX_PAGE,
            count=False, filters={k: v for k, v in filters.items() if v}))
        rows += [{k: to_jsonable(getattr(r, k)) for k in keys} for r in page.rows]
        if len(page.rows) < MAX_PAGE:
            break
        offset += MAX_PAGE
    app.emit(rows, render_table(rows) if rows else "(none)")
    return 0


def enumerations_list(app: CliApp, args: argparse.Namespace) -> int:
    return _list(app, enumerations.list_enumerations,
                 {"status": args.status, "kind": args.kind, "officer": args.officer},
                 args.search, ENUMERATION_KEYS)


def enumerations_show(app: CliApp, args: argparse.Namespace) -> int:
    detail = enumerations.get_enumeration(app.backend, app.token(), args.id)
    r = detail.record
    lines = [f"Enumeration {r.id} ({r.kind.value}, {r.status.value}) by {r.recorded_by} at "
             f"{r.recorded_at:%Y-%m-%d %H:%M}",
             f"  {r.name}, {r.address or '-'}; phone {r.phone or '-'}; e-mail {r.email or '-'}",
             f"  {r.utility} meter {r.meter_number}; tariff {r.tariff_code or '-'}; DT "
             f"{r.transformer_code or '-'}; account {r.account_no or '(new)'}"]
    if r.reject_reason:
        lines.append(f"  rejected: {r.reject_reason}")
    lines.append(f"  photos: {len(detail.photos)}")
    lines.append("  possible duplicates: " + (", ".join(
        f"{d.account_no} {d.name} ({'+'.join(d.matched_by)})" for d in detail.duplicates)
        or "none"))
    app.emit(detail, "\n".join(lines))
    return 0


def enumerations_approve(app: CliApp, args: argparse.Namespace) -> int:
    rows = enumerations.approve_enumerations(app.backend, app.token(), args.ids,
                                             account_no=args.account)
    app.emit(rows, "Approved: " + ", ".join(f"{r.id} ({r.kind.value} {r.account_no})"
                                            for r in rows) + ".")
    return 0


def enumerations_reject(app: CliApp, args: argparse.Namespace) -> int:
    rows = enumerations.reject_enumerations(app.backend, app.token(), args.ids, args.reason)
    app.emit(rows, f"Rejected {len(rows)} enumeration{'s' if len(rows) != 1 else ''}.")
    return 0


def evaluations_list(app: CliApp, args: argparse.Namespace) -> int:
    return _list(app, evaluations.list_evaluations,
                 {"status": args.status, "meter_condition": args.condition,
                  "officer": args.officer}, args.search, EVALUATION_KEYS)


def evaluations_show(app: CliApp, args: argparse.Namespace) -> int:
    detail = evaluations.get_evaluation(app.backend, app.token(), args.id)
    r = detail.record
    lines = [f"Evaluation {r.id} ({r.status.value}) of {r.utility} meter {r.meter_number}, "
             f"account {r.account_no}, inspected {r.inspected_at:%Y-%m-%d %H:%M} by "
             f"{r.recorded_by}",
             f"  tariff found {r.tariff_found}, billed {r.tariff_billed} (now "
             f"{detail.current_tariff})"
             + (f"; the found plan bills from {r.effective_period}" if r.effective_period
                else ""),
             f"  meter {r.meter_condition.value}; evidence: {r.evidence or '-'}",
             f"  estimated loss {r.estimated_loss}; penalty {r.penalty}; photos "
             f"{len(detail.photos)}"]
    if r.reject_reason:
        lines.append(f"  rejected: {r.reject_reason}")
    app.emit(detail, "\n".join(lines))
    return 0


def evaluations_approve(app: CliApp, args: argparse.Namespace) -> int:
    rows = evaluations.approve_evaluations(app.backend, app.token(), args.ids)
    parts = [f"{r.id}" + (f" (plan {r.tariff_found} from {r.effective_period})"
                          if r.effective_period else "") for r in rows]
    app.emit(rows, "Approved: " + ", ".join(parts) + ".")
    return 0


def evaluations_reject(app: CliApp, args: argparse.Namespace) -> int:
    rows = evaluations.reject_evaluations(app.backend, app.token(), args.ids, args.reason)
    app.emit(rows, f"Rejected {len(rows)} evaluation{'s' if len(rows) != 1 else ''}.")
    return 0


def field_import(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    kind = args.kind or field_files.detect_kind(args.file)
    result = field_files.import_field_file(
        app.backend, token, args.file, kind=kind,
        **file_options(app, args, f"Field file ({kind}): rows"))
    return emit_import(app, result,
                       done_and_repeated(result.recorded, "recorded", result.duplicates),
                       head=f"{result.kind} file, ")

"""billing run, bills issue/mark-overdue/list/adjust/show, and demo (docs/design.md section 4)."""

from __future__ import annotations

import argparse
from typing import Any

from opsmanager_desktop.cli.app import CliApp, render_table, to_jsonable
from opsmanager_desktop.cli.paged_output import stream_rows
from opsmanager_desktop.cli.statement_query_commands import summary_lines
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.services import billing, bills, demo
from opsmanager_desktop.services.bill_queries import LIST_KEYS, BillDetail, BillRow
from opsmanager_desktop.services.listing import ListQuery


def register(commands: Any) -> None:
    run_parser = commands.add_parser("billing", help="the billing run of a cycle")
    run_cmds = run_parser.add_subparsers(dest="billing_command", required=True)
    run = run_cmds.add_parser("run", help="bill every active connection with an approved "
                              "reading (billing officer)")
    run.add_argument("--cycle", required=True, metavar="YYYY-MM")
    run.set_defaults(handler=billing_run)

    parser = commands.add_parser("bills", help="issue, list, adjust and show bills")
    cmds = parser.add_subparsers(dest="bills_command", required=True)
    issue = cmds.add_parser("issue", help="GENERATED -> DUE for a cycle (billing officer)")
    issue.add_argument("--cycle", required=True, metavar="YYYY-MM")
    issue.add_argument("--issue-date", metavar="DATE", help="YYYY-MM-DD (default today)")
    issue.set_defaults(handler=bills_issue)
    overdue = cmds.add_parser("mark-overdue", help="DUE bills past their due date with a "
                              "balance -> OVERDUE")
    overdue.add_argument("--as-of", metavar="DATE", help="YYYY-MM-DD (default today)")
    overdue.set_defaults(handler=bills_mark_overdue)
    lst = cmds.add_parser("list", help="list bills (a consumer sees only their own)",
                          description="JSON keys: " + ", ".join(LIST_KEYS) + " (the "
                          "statement the bill was issued on; null before issue).")
    lst.add_argument("--cycle", metavar="YYYY-MM")
    lst.add_argument("--account")
    lst.add_argument("--status", help="GENERATED, DUE, OVERDUE or PAID")
    lst.add_argument("--utility")
    lst.add_argument("--limit", type=int, default=None, help="at most this many bills")
    lst.set_defaults(handler=bills_list)
    adjust = cmds.add_parser("adjust", help="a debit (+) or credit (-) on a bill, with reason")
    adjust.add_argument("bill_no")
    adjust.add_argument("--amount", required=True, help="e.g. 25.00 or -12.50")
    adjust.add_argument("--reason", required=True)
    adjust.set_defaults(handler=bills_adjust)
    show = cmds.add_parser(
        "show", help="one bill with its lines, and the figures of the account statement it "
        "was issued on",
        description="previous_balance, payments_since_last_bill, current_charges and "
        "total_due are the ACCOUNT's: those of the statement the bill was issued on "
        "(figures_of STATEMENT, statement_no, last_bill_no the previous statement), of a "
        "draft statement for a bill not issued yet (DRAFT), or of the account as at today "
        "for a bill issued before statements (EARLIER); `statement` has them line by line.")
    show.add_argument("bill_no")
    show.set_defaults(handler=bills_show)

    gen = commands.add_parser("demo", help="fill an empty database with demo data (admin)")
    gen.add_argument("--customers", type=int, required=True)
    gen.add_argument("--seed", type=int, default=1)
    gen.set_defaults(handler=demo_generate)


def billing_run(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()

    def progress(done: int, total: int) -> None:
        app.progress(done, total, f"Billing {args.cycle}: connections")

    result = billing.run_billing(app.backend, token, args.cycle, progress)
    missing = [{"account_no": m.account_no, "utility": m.utility,
                "meter_number": m.meter_number, "reason": m.reason}
               for m in result.missing_readings]
    data = {"cycle": result.cycle, "bills_created": result.bills_created,
            "skipped_existing": result.skipped_existing, "missing_readings": missing,
            "estimated": result.estimated, "total_amount": result.total_amount}
    text = (f"Cycle {result.cycle}: {result.bills_created:,} bills created for "
            f"{format_money(result.total_amount)} ({result.estimated:,} estimated), "
            f"{result.skipped_existing:,} already billed, {len(missing):,} not billed.")
    if missing:
        text += "\n" + render_table(missing)
    app.emit(data, text)
    return 0


def bills_issue(app: CliApp, args: argparse.Namespace) -> int:
    result = bills.issue_bills(app.backend, app.token(), args.cycle, args.issue_date)
    text = (f"Cycle {result.cycle}: {result.issued:,} bills issued on "
            f"{result.issue_date.isoformat()}, due {result.due_date.isoformat()}, on "
            f"{result.statements:,} account statements; {result.paid_on_issue:,} paid at "
            f"once, account credit applied {format_money(result.credit_applied)}.")
    if result.credit_skipped:
        text += "\n" + bills.skipped_text(result.credit_skipped)
    app.emit(result, text)
    return 0


def bills_mark_overdue(app: CliApp, args: argparse.Namespace) -> int:
    result = bills.mark_overdue(app.backend, app.token(), args.as_of)
    app.emit(result, f"{result.marked:,} bills marked overdue as of "
             f"{result.as_of.isoformat()}.")
    return 0


def _list_row(row: BillRow) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(row)
    return {key: data[key] for key in LIST_KEYS}


def bills_list(app: CliApp, args: argparse.Namespace) -> int:
    """Pages through the service and prints as it goes, so a cycle of a million bills
    never sits in memory whole."""
    filters = {"cycle": args.cycle, "account": args.account, "status": args.status,
               "utility": args.utility}
    token = app.token()
    stream_rows(app, lambda q: bills.list_bills(app.backend, token, ListQuery(
        sort="bill_no", offset=q.offset, limit=q.limit, count=False, filters=filters)),
        LIST_KEYS, "(no bills)", limit=args.limit)
    return 0


def bills_adjust(app: CliApp, args: argparse.Namespace) -> int:
    result = bills.adjust_bill(app.backend, app.token(), args.bill_no, args.amount,
                               args.reason)
    data = {**_list_row(result.bill), "adjustments": str(result.bill.adjustments),
            "adjustment": str(result.amount), "reason": result.reason}
    app.emit(data, f"Bill {result.bill.bill_no} adjusted by {format_money(result.amount)}; "
             f"balance {format_money(result.bill.balance)}, {result.bill.status.value}.")
    return 0


def _detail_text(d: BillDetail) -> str:
    b = d.bill
    lines = [f"Bill {b.bill_no}  cycle {b.cycle}  {b.status.value}",
             f"{d.customer.name} ({d.customer.account_no}), {d.customer.address}",
             f"{b.utility} meter {b.meter_number}, tariff {d.tariff.plan_code} "
             f"(version from {d.tariff.effective_from.isoformat()})"]
    if d.reading is not None:
        lines.append(f"reading {d.reading.previous_reading} -> {d.reading.current_reading}: "
                     f"{d.reading.units} units" + (" (estimated)" if d.reading.is_estimated
                                                   else ""))
    lines += [f"  {ln.description:<50} {format_money(ln.amount):>14}" for ln in d.lines]
    lines += [f"  Adjustment: {a.reason:<38} {format_money(a.amount):>14}"
              for a in d.adjustments]
    lines.append(f"This bill: charges {format_money(b.total + b.adjustments)}, paid "
                 f"{format_money(b.amount_paid)}, balance {format_money(b.balance)}; issued "
                 f"{b.issue_date or '-'}, due {b.due_date or '-'}")
    lines += _account_text(d)
    return "\n".join(lines)


def _account_text(d: BillDetail) -> list[str]:
    """The account's figures, worded so nobody reads them as this bill's own."""
    f, account = d.statement, d.customer.account_no
    if d.figures_of == "EARLIER":
        head = (f"Issued before account statements; account {account} as at {d.as_at}, "
                "everything to date:")
        tail = f"Account {account}: total due {format_money(f.total_due)} today"
    elif d.figures_of == "DRAFT":
        head = f"Draft statement of account {account} (if issued today, {d.as_at}):"
        tail = f"Draft statement: total due {format_money(f.total_due)} (account)"
    else:
        head = f"Statement {d.statement_no} of account {account}, issued {d.as_at}:"
        tail = f"Statement {d.statement_no}: total due {format_money(f.total_due)} (account)"
    since = f" since {d.last_bill_no}" if d.last_bill_no else ""
    return [head, *summary_lines(f, f"Payments{since}", "Current charges (all its bills)"),
            tail]


def bills_show(app: CliApp, args: argparse.Namespace) -> int:
    detail = bills.get_bill(app.backend, app.token(), args.bill_no)
    app.emit(detail, _detail_text(detail))
    return 0


def demo_generate(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()

    def progress(done: int, total: int) -> None:
        app.progress(done, total, "Demo data: steps")

    result = demo.generate_demo(app.backend, token, customers=args.customers, seed=args.seed,
                                progress=progress)
    app.emit(result, f"Demo data: {result.customers:,} customers, {result.connections:,} "
             f"connections, {result.cycles} cycles, {result.bills:,} bills, "
             f"{result.payments:,} payments.")
    return 0

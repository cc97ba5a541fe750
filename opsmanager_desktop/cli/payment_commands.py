"""payments, dues and history commands (docs/design.md section 4)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.payment_rules import Channel
from opsmanager_desktop.services import dues, payments
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery
from opsmanager_desktop.services.payments import PaymentResult, PaymentRow

# checked by the service (exit 2 with the list), not by argparse (which would exit itself)
CHANNEL_HELP = "one of " + ", ".join(c.value for c in Channel)


def register(commands: Any) -> None:
    parser = commands.add_parser("payments", help="record, import, reverse and list payments")
    cmds = parser.add_subparsers(dest="payments_command", required=True)
    rec = cmds.add_parser("record", help="one payment (accounts officer)",
                          description="JSON: the payment (bill_no or statement_no: what it "
                          "named), applied, kept_as_credit, account_credit, outstanding, "
                          "already_recorded.")
    rec.add_argument("--account", required=True, help="account number")
    rec.add_argument("--bill", help="the bill number, or account statement number (S...), "
                     "the payment is for: its open bills are paid first")
    rec.add_argument("--amount", required=True)
    rec.add_argument("--channel", required=True, help=CHANNEL_HELP)
    rec.add_argument("--reference", required=True, help="receipt, transaction or cheque no.")
    rec.add_argument("--date", help="payment date YYYY-MM-DD (default today)")
    rec.set_defaults(handler=payments_record)
    imp = cmds.add_parser("import", help="a settlement file: reference,channel,account_no,"
                          "amount,paid_at[,bill_no]",
                          description="bill_no: a bill number or an account statement "
                          "number (S...); the money goes to its open bills first.")
    imp.add_argument("file")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="post the good rows; write the bad ones to a rejects file")
    imp.add_argument("--rejects", help="where to write rejected rows (default FILE.rejects.csv)")
    imp.set_defaults(handler=payments_import)
    rev = cmds.add_parser("reverse", help="undo a payment (a bounced cheque), audited")
    rev.add_argument("--channel", required=True, help=CHANNEL_HELP)
    rev.add_argument("--reference", required=True)
    rev.add_argument("--reason", required=True)
    rev.set_defaults(handler=payments_reverse)
    lst = cmds.add_parser("list", help="list payments (newest first)")
    lst.add_argument("--account")
    lst.add_argument("--channel", help=CHANNEL_HELP)
    lst.add_argument("--from", dest="date_from", metavar="DATE")
    lst.add_argument("--to", dest="date_to", metavar="DATE")
    lst.add_argument("--reversed", action="store_true", default=None,
                     help="only reversed payments")
    lst.add_argument("--search", default="", help="reference or account number prefix")
    lst.add_argument("--limit", type=int, default=1000)
    lst.set_defaults(handler=payments_list)

    due = commands.add_parser(
        "dues", help="outstanding dues and credit of an account",
        description="JSON: account_no, outstanding, credit, open_bills, latest_statement "
        "({statement_no, cycle, issue_date, due_date, total_due} as issued, or null).")
    due.add_argument("account")
    due.set_defaults(handler=dues_show)
    hist = commands.add_parser("history", help="every bill and payment of an account")
    hist.add_argument("account")
    hist.set_defaults(handler=history_show)


def parse_date(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise invalid(field, f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _payment_json(row: PaymentRow) -> dict[str, Any]:
    return {"reference": row.reference, "channel": row.channel, "account_no": row.account_no,
            "amount": row.amount, "paid_at": row.paid_at, "bill_no": row.bill_no,
            "recorded_by": row.recorded_by, "reversed": row.reversed,
            "reversal_reason": row.reversal_reason, "statement_no": row.statement_no}


def _result_json(result: PaymentResult) -> dict[str, Any]:
    return {**_payment_json(result.payment),
            "applied": [{"bill_no": p.bill_no, "amount": p.amount} for p in result.applied],
            "kept_as_credit": result.kept_as_credit, "account_credit": result.account_credit,
            "outstanding": result.outstanding, "already_recorded": result.already_recorded}


def payments_record(app: CliApp, args: argparse.Namespace) -> int:
    result = payments.record_payment(
        app.backend, app.token(), args.account, args.amount, args.channel, args.reference,
        paid_at=parse_date(args.date, "date"), bill_no=args.bill)
    p = result.payment
    if result.already_recorded:
        text = (f"{p.channel} {p.reference} was already posted on {p.recorded_at:%Y-%m-%d} "
                "by " + p.recorded_by + "; nothing posted again.")
    else:
        parts = [f"{format_money(a.amount)} to {a.bill_no}" for a in result.applied]
        if result.kept_as_credit:
            parts.append(f"{format_money(result.kept_as_credit)} kept as credit")
        text = (f"Payment {p.channel} {p.reference} of {format_money(p.amount)} posted"
                f"{': ' + ', '.join(parts) if parts else ''}."
                f"\nAccount {p.account_no}: outstanding {format_money(result.outstanding)}, "
                f"credit {format_money(result.account_credit)}.")
    app.emit(_result_json(result), text)
    return 0


def payments_import(app: CliApp, args: argparse.Namespace) -> int:
    result = payments.import_payments(
        app.backend, app.token(), args.file, skip_invalid=args.skip_invalid,
        rejects_path=args.rejects,
        progress=lambda done, total: app.progress(done, total, "payments"))
    data = {"posted": result.posted, "duplicates": result.duplicates,
            "rejected": result.rejected, "rows": result.rows,
            "amount_posted": result.amount_posted,
            "rejects_file": str(result.rejects_path) if result.rejects_path else None}
    text = (f"{result.posted:,} payments posted ({format_money(result.amount_posted)}), "
            f"{result.duplicates:,} duplicates not posted again, {result.rejected:,} rejected"
            + (f" (see {result.rejects_path})" if result.rejects_path else "") + ".")
    app.emit(data, text)
    return 0


def payments_reverse(app: CliApp, args: argparse.Namespace) -> int:
    result = payments.reverse_payment(app.backend, app.token(), args.channel, args.reference,
                                      args.reason)
    data = {**_payment_json(result.payment),
            "taken_back": [{"bill_no": p.bill_no, "amount": p.amount}
                           for p in result.taken_back],
            "account_credit": result.account_credit, "outstanding": result.outstanding}
    app.emit(data, f"Payment {args.channel} {args.reference} reversed. Account "
             f"{result.payment.account_no}: outstanding {format_money(result.outstanding)}, "
             f"credit {format_money(result.account_credit)}.")
    return 0


def payments_list(app: CliApp, args: argparse.Namespace) -> int:
    filters: dict[str, Any] = {}
    if args.account:
        filters["account"] = args.account
    if args.channel:
        filters["channel"] = args.channel
    if args.date_from:
        filters["date_from"] = parse_date(args.date_from, "from")
    if args.date_to:
        filters["date_to"] = parse_date(args.date_to, "to")
    if args.reversed:
        filters["reversed"] = True
    if not 1 <= args.limit <= MAX_PAGE:
        raise invalid("limit", f"must be between 1 and {MAX_PAGE}")
    page = payments.list_payments(app.backend, app.token(), ListQuery(
        search=args.search, sort="paid_at", descending=True, limit=args.limit,
        filters=filters))
    app.emit([_payment_json(r) for r in page.rows])
    return 0


def dues_show(app: CliApp, args: argparse.Namespace) -> int:
    result = dues.dues(app.backend, app.token(), args.account)
    latest = result.latest_statement
    data = {"account_no": result.account_no, "outstanding": result.outstanding,
            "credit": result.credit,
            "open_bills": [{"bill_no": b.bill_no, "balance": b.balance, "status": b.status,
                            "due_date": b.due_date} for b in result.open_bills],
            "latest_statement": latest}
    lines = [f"Account {result.account_no}: outstanding {format_money(result.outstanding)}, "
             f"credit {format_money(result.credit)}"]
    lines += [f"  {b.bill_no}  {format_money(b.balance):>14}  {b.status:<8} due "
              f"{b.due_date.isoformat() if b.due_date else '-'}" for b in result.open_bills]
    lines.append("No statement issued yet." if latest is None else
                 f"Latest statement {latest.statement_no} (cycle {latest.cycle}, issued "
                 f"{latest.issue_date}, due {latest.due_date}): total due "
                 f"{format_money(latest.total_due)} as issued")
    app.emit(data, "\n".join(lines))
    return 0


def history_show(app: CliApp, args: argparse.Namespace) -> int:
    entries = dues.history(app.backend, app.token(), args.account)
    app.emit([{"date": e.on, "kind": e.kind, "reference": e.reference,
               "description": e.description, "amount": e.amount, "status": e.status,
               "balance": e.balance} for e in entries])
    return 0

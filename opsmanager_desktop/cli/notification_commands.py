"""notify templates/outbox/send/remind-overdue/opt-out/opt-in/test-email: customer
notifications (services/notify*.py, notifications.py)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.services import notifications, notify_dispatch, notify_templates
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.notify_channels import SendError


def register(commands: Any) -> None:
    parser = commands.add_parser("notify", help="customer notifications: e-mail and SMS")
    cmds = parser.add_subparsers(dest="notify_command", required=True)
    templates = cmds.add_parser("templates", help="message templates")
    tcmds = templates.add_subparsers(dest="templates_command", required=True)
    tlist = tcmds.add_parser("list", help="every template and channel (default or saved)")
    tlist.set_defaults(handler=templates_list)
    tset = tcmds.add_parser("set", help="save a template (admin); {placeholders} checked")
    tset.add_argument("template", help="bill_issued, payment_received, overdue_reminder, "
                      "disconnection_notice or reconnection")
    tset.add_argument("channel", help="EMAIL or SMS")
    tset.add_argument("--body", required=True)
    tset.add_argument("--subject", default="", help="e-mail subject")
    tset.set_defaults(handler=templates_set)
    outbox = cmds.add_parser("outbox", help="queued, sent and failed messages, newest first")
    outbox.add_argument("--status", help="QUEUED, SENDING, SENT or FAILED")
    outbox.add_argument("--template")
    outbox.add_argument("--channel", help="EMAIL or SMS")
    outbox.add_argument("--limit", type=int, default=200)
    outbox.set_defaults(handler=outbox_list)
    send = cmds.add_parser("send", help="send the messages that are due now")
    send.add_argument("--limit", type=int, help="at most N messages")
    send.set_defaults(handler=send_due)
    remind = cmds.add_parser("remind-overdue",
                             help="queue a reminder for every overdue bill (once a week)")
    remind.add_argument("--send", action="store_true", help="and send what is due at once")
    remind.set_defaults(handler=remind_overdue)
    retry = cmds.add_parser("retry-failed", help="queue the FAILED messages again")
    retry.set_defaults(handler=retry_failed)
    for name, value in (("opt-out", True), ("opt-in", False)):
        opt = cmds.add_parser(name, help=f"the customer {'no longer' if value else 'again'}"
                              " receives notifications")
        opt.add_argument("account_no")
        opt.set_defaults(handler=opt_out_in, opted_out=value)
    channel = cmds.add_parser("channel", help="the customer's channel: EMAIL, SMS or NONE")
    channel.add_argument("account_no")
    channel.add_argument("channel")
    channel.set_defaults(handler=set_channel)
    test = cmds.add_parser("test-email", help="send a test e-mail through the SMTP server")
    test.add_argument("address")
    test.set_defaults(handler=test_email)
    settings = cmds.add_parser(
        "settings", help="the SMTP and SMS gateway settings; KEY=VALUE sets one (admin), "
        "KEY= removes it")
    settings.add_argument("values", nargs="*", metavar="KEY=VALUE",
                          help="e.g. notify.smtp_host=mail.example.com")
    settings.set_defaults(handler=gateway_settings)


def templates_list(app: CliApp, args: argparse.Namespace) -> int:
    rows = notify_templates.list_templates(app.backend, app.token())
    text = "\n".join(f"{r.code:22} {r.channel:5} {'default' if r.is_default else 'saved  '} "
                     f"{r.length}" for r in rows)
    app.emit([asdict(r) for r in rows], text)
    return 0


def templates_set(app: CliApp, args: argparse.Namespace) -> int:
    row = notify_templates.set_template(app.backend, app.token(), args.template,
                                        args.channel, args.body, subject=args.subject)
    app.emit(asdict(row), f"Template {row.code} ({row.channel}) saved: {row.length}.")
    return 0


def outbox_list(app: CliApp, args: argparse.Namespace) -> int:
    filters = {k: v for k, v in (("status", args.status), ("template", args.template),
                                 ("channel", args.channel)) if v}
    page = notifications.list_outbox(app.backend, app.token(), ListQuery(
        limit=args.limit, filters=filters))
    text = "\n".join(f"{r.id:>7} {r.created_at:%Y-%m-%d %H:%M} {r.template:20} {r.channel:5} "
                     f"{r.account_no:12} {r.status:8} {r.attempts} {r.last_error}".rstrip()
                     for r in page.rows) or "No messages."
    app.emit([asdict(r) for r in page.rows], text)
    return 0


def _send(app: CliApp, limit: int | None) -> notify_dispatch.DispatchResult:
    return notify_dispatch.send_due(
        app.backend, app.token(), limit=limit,
        progress=lambda done, total: app.progress(done, total, "Messages sent"))


def _summary(result: notify_dispatch.DispatchResult) -> str:
    return (f"{result.sent} sent, {result.retrying} to be tried again later, "
            f"{result.failed} failed.")


def send_due(app: CliApp, args: argparse.Namespace) -> int:
    result = _send(app, args.limit)
    app.emit(asdict(result), _summary(result))
    return 0


def remind_overdue(app: CliApp, args: argparse.Namespace) -> int:
    queued = notifications.remind_overdue(app.backend, app.token())
    data: dict[str, Any] = {"queued": queued}
    text = f"{queued} overdue reminders queued."
    if args.send:
        result = _send(app, None)
        data["sent"] = asdict(result)
        text += " " + _summary(result)
    app.emit(data, text)
    return 0


def retry_failed(app: CliApp, args: argparse.Namespace) -> int:
    count = notifications.retry_failed(app.backend, app.token())
    app.emit({"requeued": count}, f"{count} failed messages queued again.")
    return 0


def _prefs_text(p: notifications.Preferences) -> str:
    state = f"opted out on {p.opted_out_on}" if p.opted_out else "receives notifications"
    return f"{p.account_no}: {state}; channel {p.channel}."


def opt_out_in(app: CliApp, args: argparse.Namespace) -> int:
    prefs = notifications.set_preferences(app.backend, app.token(), args.account_no,
                                          opted_out=args.opted_out)
    app.emit(asdict(prefs), _prefs_text(prefs))
    return 0


def set_channel(app: CliApp, args: argparse.Namespace) -> int:
    prefs = notifications.set_preferences(app.backend, app.token(), args.account_no,
                                          channel=args.channel)
    app.emit(asdict(prefs), _prefs_text(prefs))
    return 0


def test_email(app: CliApp, args: argparse.Namespace) -> int:
    try:
        done = notify_templates.send_test_email(app.backend, app.token(), args.address)
    except SendError as exc:
        sys.stderr.write(f"error: the test e-mail was not sent: {exc}\n")
        return 1
    app.emit({"sent": True, "detail": done}, f"Test e-mail {done}.")
    return 0


def gateway_settings(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    if args.values:
        pairs: dict[str, str] = {}
        for item in args.values:
            key, sep, value = item.partition("=")
            if not sep:
                raise invalid("values", f"{item!r} is not KEY=VALUE")
            pairs[key.strip()] = value
        notify_templates.set_settings(app.backend, token, pairs)
    current = notify_templates.get_settings(app.backend, token)
    app.emit(current, "\n".join(f"{k} = {v}" for k, v in sorted(current.items()))
             or "No gateway is configured: messages wait in the outbox.")
    return 0

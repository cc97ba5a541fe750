"""Message templates (admins edit them; the built-in defaults of domain/notifications.py
apply until one is saved), the notification settings, and the test e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from opsmanager_desktop.db.models import NotificationTemplate, Setting
from opsmanager_desktop.domain.errors import FieldProblem, ValidationError, invalid
from opsmanager_desktop.domain.notifications import (
    DEFAULTS,
    SAMPLE,
    SMS_MAX_PARTS,
    TEMPLATES,
    Channel,
    render,
    sms_length,
    unknown_placeholders,
)
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.auth import require_permission
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.notify_channels import (
    KEYS,
    EmailAdapter,
    SendError,
    adapters_from,
    read_settings,
)
from opsmanager_desktop.services.notify_dispatch import template_texts
from opsmanager_desktop.services.print_data import company_of


@dataclass(frozen=True)
class TemplateRow:
    code: str
    channel: str
    subject: str
    body: str
    is_default: bool
    length: str  # SMS: characters and parts; e-mail: characters


@dataclass(frozen=True)
class Preview:
    subject: str
    body: str
    length: str


def _length(channel: str, body: str) -> str:
    if channel == Channel.SMS:
        return sms_length(body).describe()
    return f"{len(body)} characters"


def _code_channel(code: str, channel: str) -> tuple[str, str]:
    problems = []
    code, channel = str(code).strip().lower(), str(channel).strip().upper()
    if code not in TEMPLATES:
        problems.append(FieldProblem("template", f"{code!r} is not a template; one of "
                                     + ", ".join(TEMPLATES)))
    if channel not in Channel.__members__:
        problems.append(FieldProblem("channel", f"{channel!r} is not a channel; EMAIL or SMS"))
    if problems:
        raise ValidationError(problems)
    return code, channel


@service(Permission.NOTIFICATIONS_VIEW, readonly=True)
def list_templates(ctx: Ctx) -> list[TemplateRow]:
    saved = {(t.code, t.channel) for t in ctx.session.scalars(select(NotificationTemplate))}
    out = []
    for code in TEMPLATES:
        for channel in Channel:
            subject, body = template_texts(ctx.session, code, channel.value)
            out.append(TemplateRow(code, channel.value, subject, body,
                                   (code, channel.value) not in saved,
                                   _length(channel.value, render(body, _sample(ctx)))))
    return out


def _sample(ctx: Ctx) -> dict[str, str]:
    return SAMPLE | {"company": company_of(ctx.session).name}


def _check(channel: str, subject: str, body: str) -> None:
    problems = []
    try:
        unknown = unknown_placeholders(subject, body)
    except ValueError as exc:
        raise invalid("body", str(exc)) from None
    if unknown:
        problems.append(FieldProblem("body", "unknown placeholder"
                                     f"{'s' if len(unknown) > 1 else ''} "
                                     + ", ".join(f"{{{n}}}" for n in unknown)
                                     + "; use " + ", ".join(
                                         f"{{{n}}}" for n in [*sorted(SAMPLE), "company"])))
    if not body.strip():
        problems.append(FieldProblem("body", "write the message"))
    if channel == Channel.EMAIL and not subject.strip():
        problems.append(FieldProblem("subject", "an e-mail needs a subject"))
    if channel == Channel.SMS and not unknown and body.strip():
        length = sms_length(render(body, SAMPLE | {"company": "X" * 24}))
        if length.parts > SMS_MAX_PARTS:
            problems.append(FieldProblem("body", f"too long for SMS: {length.describe()}, "
                                         f"at most {SMS_MAX_PARTS} parts"))
    if problems:
        raise ValidationError(problems)


@service(Permission.NOTIFICATIONS_VIEW, readonly=True)
def preview_template(ctx: Ctx, template: str, channel: str, body: str,
                     subject: str = "") -> Preview:
    """The message with sample values, and its length (SMS parts)."""
    _, channel = _code_channel(template, channel)
    _check(channel, subject, body)
    values = _sample(ctx)
    shown = render(body, values)
    return Preview(render(subject, values), shown, _length(channel, shown))


@service(Permission.NOTIFICATIONS_MANAGE)
def set_template(ctx: Ctx, template: str, channel: str, body: str,
                 subject: str = "") -> TemplateRow:
    """Save a template; unknown placeholders, an e-mail without subject or an SMS over
    SMS_MAX_PARTS parts are refused."""
    code, channel = _code_channel(template, channel)
    subject = subject.strip() if channel == Channel.EMAIL else ""
    _check(channel, subject, body)
    row = ctx.session.scalars(select(NotificationTemplate).where(
        NotificationTemplate.code == code, NotificationTemplate.channel == channel)).first()
    before = None if row is None else {"subject": row.subject, "body": row.body}
    if row is None:
        row = NotificationTemplate(code=code, channel=channel)
        ctx.session.add(row)
    row.subject, row.body = subject, body
    row.updated_by, row.updated_at = ctx.username, ctx.now
    ctx.audit("notification_templates", f"{code}/{channel}", "set", before=before,
              after={"subject": subject, "body": body})
    return TemplateRow(code, channel, subject, body, False,
                       _length(channel, render(body, _sample(ctx))))


@service(Permission.NOTIFICATIONS_MANAGE)
def reset_template(ctx: Ctx, template: str, channel: str) -> TemplateRow:
    """Back to the built-in default."""
    code, channel = _code_channel(template, channel)
    row = ctx.session.scalars(select(NotificationTemplate).where(
        NotificationTemplate.code == code, NotificationTemplate.channel == channel)).first()
    if row is not None:
        ctx.session.delete(row)
        ctx.audit("notification_templates", f"{code}/{channel}", "reset")
    default = DEFAULTS[code]
    subject, body = (default.subject, default.email) if channel == Channel.EMAIL else (
        "", default.sms)
    return TemplateRow(code, channel, subject, body, True,
                       _length(channel, render(body, _sample(ctx))))


@service(Permission.NOTIFICATIONS_VIEW, readonly=True)
def get_settings(ctx: Ctx) -> dict[str, str]:
    return read_settings(ctx.session)


@service(Permission.NOTIFICATIONS_MANAGE)
def set_settings(ctx: Ctx, values: dict[str, str]) -> dict[str, str]:
    """Set notify.* settings (an empty value removes one). Secrets are not settings."""
    if not isinstance(values, dict):
        raise invalid("values", "a mapping of notify.* keys to values")
    problems = [FieldProblem(k, f"not a notification setting; one of {', '.join(KEYS)}")
                for k in values if k not in KEYS]
    port = str(values.get("notify.smtp_port", "") or "").strip()
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        problems.append(FieldProblem("notify.smtp_port", f"{port!r} is not a port number"))
    url = str(values.get("notify.sms_url", "") or "").strip()
    if url and not url.startswith(("http://", "https://")):
        problems.append(FieldProblem("notify.sms_url", "must begin with http:// or https://"))
    if problems:
        raise ValidationError(problems)
    for key, value in values.items():
        row = ctx.session.get(Setting, key)
        text = str(value or "").strip()
        if not text:
            if row is not None:
                ctx.session.delete(row)
        elif row is None:
            ctx.session.add(Setting(key=key, value=text))
        else:
            row.value = text
    ctx.audit("settings", "notify", "set", after={k: str(v) for k, v in values.items()})
    ctx.session.flush()
    return read_settings(ctx.session)


def send_test_email(backend: Backend, token: str, address: str) -> str:
    """Send one e-mail through the configured server now (not through the outbox);
    returns what was done, raises SendError with the server's answer."""
    require_permission(backend, token, Permission.NOTIFICATIONS_MANAGE)
    address = str(address).strip()
    if "@" not in address or " " in address:
        raise invalid("address", f"{address!r} is not an e-mail address")
    adapter = adapters_from(get_settings(backend, token)).get(Channel.EMAIL)
    if not isinstance(adapter, EmailAdapter):
        raise SendError("no SMTP server is configured (set notify.smtp_host)", permanent=True)
    adapter.send(address, "Ops Manager test message",
                 "This is a test message from Ops Manager Desktop: e-mail works.")
    return f"sent to {address} through {adapter.host}:{adapter.port}"

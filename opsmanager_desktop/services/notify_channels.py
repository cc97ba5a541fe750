"""Channel adapters: e-mail through an SMTP server, SMS through an HTTP gateway.

Where they go is in the settings table (notify.*, shared by every workstation). Secrets are
never stored on disk: the SMTP password comes from OPSMANAGER_SMTP_PASSWORD or the OS
keyring, the gateway's API key from OPSMANAGER_SMS_API_KEY or the keyring (the same store
as saved database passwords, db/security/credentials.py).
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Setting
from opsmanager_desktop.domain.notifications import Channel

ENV_SMTP_PASSWORD = "OPSMANAGER_SMTP_PASSWORD"
ENV_SMS_API_KEY = "OPSMANAGER_SMS_API_KEY"
KEYS = ("notify.smtp_host", "notify.smtp_port", "notify.smtp_user", "notify.smtp_from",
        "notify.smtp_starttls", "notify.sms_url", "notify.sms_key_header",
        "notify.sms_sender", "notify.timeout")
DEFAULT_TIMEOUT = 15.0


class SendError(Exception):
    """The message did not go; `permanent` when trying again cannot help (no retries)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Adapter(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None: ...


def read_settings(session: Session) -> dict[str, str]:
    return {r.key: r.value for r in session.execute(
        select(Setting.key, Setting.value).where(Setting.key.in_(KEYS)))}


def _secret(env: str, kind: str, user: str, where: str) -> str | None:
    """The environment first (services and tests), else the OS keyring; never a file."""
    if os.environ.get(env):
        return os.environ[env]
    try:
        from opsmanager_desktop.db.security.credentials import CredentialStore

        return CredentialStore().load(f"{kind}://{where}", user or kind)
    except Exception:  # no keyring on this machine: no secret (the server says so)
        return None


@dataclass(frozen=True)
class EmailAdapter:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str | None = None
    starttls: bool = True
    timeout: float = DEFAULT_TIMEOUT

    def send(self, recipient: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    if not self.password:
                        raise SendError(f"no SMTP password for {self.user}: set "
                                        f"{ENV_SMTP_PASSWORD} or save it in the keyring",
                                        permanent=False)
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(f"the mail server refused {recipient}: {exc.recipients}",
                            permanent=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"mail server {self.host}:{self.port}: {exc}") from None


@dataclass(frozen=True)
class SmsAdapter:
    url: str
    api_key: str | None
    key_header: str = "X-API-Key"
    sender: str = ""
    timeout: float = DEFAULT_TIMEOUT

    def send(self, recipient: str, subject: str, body: str) -> None:
        payload = json.dumps({"to": recipient, "from": self.sender, "text": body}).encode()
        request = urllib.request.Request(self.url, data=payload, method="POST", headers={
            "Content-Type": "application/json", self.key_header: self.api_key or ""})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SendError(f"SMS gateway {self.url}: {reason}") from None
        if not 200 <= status < 300:
            raise SendError(f"SMS gateway {self.url} answered HTTP {status}")


def adapters_from(settings: dict[str, str]) -> dict[Channel, Adapter]:
    """The adapters the settings configure; a channel without settings is missing (its
    messages wait, QUEUED, until it is configured)."""
    out: dict[Channel, Adapter] = {}
    timeout = float(settings.get("notify.timeout") or DEFAULT_TIMEOUT)
    host = settings.get("notify.smtp_host", "").strip()
    if host:
        user = settings.get("notify.smtp_user", "").strip()
        port = int(settings.get("notify.smtp_port") or 587)
        out[Channel.EMAIL] = EmailAdapter(
            host, port, settings.get("notify.smtp_from", "").strip() or f"billing@{host}",
            user, _secret(ENV_SMTP_PASSWORD, "smtp", user, f"{host}:{port}") if user else None,
            settings.get("notify.smtp_starttls", "yes").strip().lower() in ("1", "yes", "true"),
            timeout)
    url = settings.get("notify.sms_url", "").strip()
    if url:
        out[Channel.SMS] = SmsAdapter(
            url, _secret(ENV_SMS_API_KEY, "sms", "sms", url.split("//")[-1].split("/")[0]),
            settings.get("notify.sms_key_header", "").strip() or "X-API-Key",
            settings.get("notify.sms_sender", "").strip(), timeout)
    return out

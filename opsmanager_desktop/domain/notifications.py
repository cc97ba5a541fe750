"""Notification rules without SQL: which channel reaches a customer, template placeholders,
SMS length, and when a failed message is tried again."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"


class Preference(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    NONE = "NONE"  # nothing at all (the office keeps its record of the choice)


class OutboxStatus(StrEnum):
    QUEUED = "QUEUED"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"


TEMPLATES = ("bill_issued", "payment_received", "overdue_reminder", "disconnection_notice",
             "reconnection")
PLACEHOLDERS = frozenset({"name", "account_no", "bill_no", "amount", "due_date", "balance",
                          "reference", "paid_at", "date", "meter_no", "company",
                          # the account statement a bill is on (docs/decisions.md 45)
                          "statement_no", "total_due", "amount_payable", "bill_count"})
# what a preview and the SMS length check fill the placeholders with ({company} is the
# letterhead's); long on purpose, so a template that fits here fits when sent
SAMPLE = {"name": "Ada Obi", "account_no": "ACC-000123", "bill_no": "B-2026-11-000123",
          "amount": "12,345.60", "due_date": "2026-12-20", "balance": "12,345.60",
          "reference": "TRX-55120", "paid_at": "2026-12-02", "date": "2026-12-09",
          "meter_no": "MTR-44012", "statement_no": "S202611-00000123-2",
          "total_due": "23,456.70", "amount_payable": "23,456.70", "bill_count": "2"}

# attempts before a message is FAILED, and the back-off between them
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=2)


def choose_channel(preference: str | None, opted_out: bool, email: str, phone: str
                   ) -> Channel | None:
    """The customer's preferred channel when its address is known, else the other one;
    None for an opted-out customer, a NONE preference or no address at all. (services/
    notify.py says the same in SQL for the set-based queueing; a test holds them equal.)"""
    if opted_out or preference == Preference.NONE:
        return None
    has_email, has_phone = bool(email.strip()), bool(phone.strip())
    if preference == Preference.SMS and has_phone:
        return Channel.SMS
    if has_email:
        return Channel.EMAIL
    if has_phone:
        return Channel.SMS
    return None


def backoff(attempts: int, base: timedelta = BACKOFF_BASE, cap: timedelta = BACKOFF_CAP
            ) -> timedelta:
    """Wait after the `attempts`-th failed attempt: base, 2 base, 4 base, ... never over cap."""
    if attempts < 1:
        raise ValueError("backoff is for a message that has failed at least once")
    # 2**n overflows timedelta long before the cap matters: stop doubling at the cap
    delay = base
    for _ in range(attempts - 1):
        if delay >= cap:
            break
        delay *= 2
    return min(delay, cap)


def placeholders_of(text: str) -> list[str]:
    """The {names} in a template, in order; refuses format specs, conversions and
    attribute access (a template is data typed by an admin, not code)."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"unbalanced braces ({exc}); write {{{{ or }}}} for a brace") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if spec or conversion or not field.isidentifier():
            raise ValueError(f"{{{field}}} is not a plain placeholder; write it as {{name}}")
        names.append(field)
    return names


def unknown_placeholders(*texts: str) -> list[str]:
    found: list[str] = []
    for text in texts:
        found += [n for n in placeholders_of(text) if n not in PLACEHOLDERS and n not in found]
    return found


def render(text: str, values: dict[str, str]) -> str:
    """The template with its placeholders filled; one with no value becomes empty."""
    out: list[str] = []
    for literal, field, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if field is not None:
            out.append(values.get(field, ""))
    return "".join(out)


# GSM 03.38: the basic set is one septet; the extension set two (escape + char)
_GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                 "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    units: int  # septets (GSM) or UCS-2 characters
    encoding: str  # GSM | UCS-2
    parts: int

    def describe(self) -> str:
        limit = 160 if self.encoding == "GSM" else 70
        return (f"{self.units} {self.encoding} characters: {self.parts} SMS part"
                f"{'s' if self.parts != 1 else ''} (one part holds {limit})")


def sms_length(text: str) -> SmsLength:
    """A single SMS holds 160 GSM characters (70 UCS-2); a longer one is split in parts of
    153 (67) because each part carries a header."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text):
        units = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        single, part, encoding = 160, 153, "GSM"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, part, encoding = 70, 67, "UCS-2"
    parts = 1 if units <= single else -(-units // part)
    return SmsLength(units, encoding, parts)


# longest SMS a template may give (rendered values add to it; checked again when sent)
SMS_MAX_PARTS = 3


@dataclass(frozen=True)
class DefaultTemplate:
    subject: str
    email: str
    sms: str


DEFAULTS: dict[str, DefaultTemplate] = {
    # one message per statement: the account's total, not one connection's bill
    "bill_issued": DefaultTemplate(
        "Your statement {statement_no}",
        "Dear {name},\n\nYour statement {statement_no} for account {account_no} is ready: "
        "{bill_count} bill(s) this cycle, amount payable {amount_payable}, due on "
        "{due_date}.\n\n{company}",
        "{company}: statement {statement_no} for {account_no}: {amount_payable} payable by "
        "{due_date}."),
    "payment_received": DefaultTemplate(
        "Payment received: {amount}",
        "Dear {name},\n\nWe received your payment of {amount} (reference {reference}) on "
        "{paid_at} for account {account_no}. Thank you.\n\n{company}",
        "{company}: payment of {amount} for {account_no} received ({reference}). Thank you."),
    "overdue_reminder": DefaultTemplate(
        "Overdue bill {bill_no}",
        "Dear {name},\n\nBill {bill_no} for account {account_no} was due on {due_date} and "
        "{amount} is still unpaid. Please pay it to avoid disconnection.\n\n{company}",
        "{company}: bill {bill_no} ({account_no}) was due {due_date}; {amount} unpaid. "
        "Please pay to avoid disconnection."),
    "disconnection_notice": DefaultTemplate(
        "Disconnection notice for account {account_no}",
        "Dear {name},\n\nAccount {account_no} owes {amount}. Unless it is paid, the supply "
        "will be disconnected on or after {date}.\n\n{company}",
        "{company}: {account_no} owes {amount}; supply may be disconnected from {date}."),
    "reconnection": DefaultTemplate(
        "Supply reconnected for account {account_no}",
        "Dear {name},\n\nThe supply of account {account_no} was reconnected on {date}.\n\n"
        "{company}",
        "{company}: supply of {account_no} reconnected on {date}."),
}

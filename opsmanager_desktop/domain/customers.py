"""Customer and connection fields: how they are spelled and what a connection's status may
become.

Account and meter numbers are stored in upper case: MySQL compares text without regard to
case and SQLite with it, so normalising once keeps "m-100" and "M-100" the same meter on
both databases (one unique key, one search).
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

ACCOUNT_MAX = 32
METER_MAX = 40
NAME_MAX = 120
ADDRESS_MAX = 255
PHONE_MAX = 32
EMAIL_MAX = 254
TRANSFORMER_MAX = 32

_IDENT = re.compile(r"^[A-Z0-9][A-Z0-9/._-]*$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


class ConnectionStatus(StrEnum):
    ACTIVE = "ACTIVE"  # supplied and billed
    DISCONNECTED = "DISCONNECTED"  # supply cut (e.g. for dues); the meter stays fitted
    CLOSED = "CLOSED"  # ended for good; its meter number is free for another connection


_NEXT: dict[ConnectionStatus, frozenset[ConnectionStatus]] = {
    ConnectionStatus.ACTIVE: frozenset({ConnectionStatus.DISCONNECTED, ConnectionStatus.CLOSED}),
    ConnectionStatus.DISCONNECTED: frozenset({ConnectionStatus.ACTIVE, ConnectionStatus.CLOSED}),
    ConnectionStatus.CLOSED: frozenset(),
}


def status_change_problem(old: ConnectionStatus, new: ConnectionStatus) -> str | None:
    if old == new:
        return f"the connection is already {old.value}"
    if new not in _NEXT[old]:
        return (f"a {old.value} connection cannot become {new.value}"
                + ("; a closed connection stays closed, add a new one instead"
                   if old is ConnectionStatus.CLOSED else ""))
    return None


def account_no(text: str) -> str:
    return text.strip().upper()


def meter_number(text: str) -> str:
    return text.strip().upper()


def _ident_problem(value: str, what: str, max_len: int) -> str | None:
    if not value:
        return "is required"
    if len(value) > max_len:
        return f"may have at most {max_len} characters"
    if not _IDENT.match(value.upper()):
        return (f"{value!r} is not a valid {what}: use letters, digits, '/', '.', '_' or '-', "
                "starting with a letter or digit")
    return None


def account_problem(value: str) -> str | None:
    return _ident_problem(value.strip(), "account number", ACCOUNT_MAX)


def meter_problem(value: str) -> str | None:
    return _ident_problem(value.strip(), "meter number", METER_MAX)


def name_problem(value: str) -> str | None:
    if not value.strip():
        return "is required"
    if len(value.strip()) > NAME_MAX:
        return f"may have at most {NAME_MAX} characters"
    return None


def address_problem(value: str) -> str | None:
    return f"may have at most {ADDRESS_MAX} characters" if len(value.strip()) > ADDRESS_MAX \
        else None


def phone_problem(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    if len(text) > PHONE_MAX:
        return f"may have at most {PHONE_MAX} characters"
    if not _PHONE.match(text) or sum(c.isdigit() for c in text) < 5:
        return f"{text!r} is not a phone number (digits, spaces, '+', '-', '(' and ')')"
    return None


def email_problem(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    if len(text) > EMAIL_MAX:
        return f"may have at most {EMAIL_MAX} characters"
    if not _EMAIL.match(text):
        return f"{text!r} is not an e-mail address"
    return None


def connected_on_problem(value: date, today: date) -> str | None:
    """A connection may be recorded after it began (a migration from another system states
    when) but not before: a date still to come is a slip that would refuse its readings
    until then (no reading is dated before its connection: domain/readings.py)."""
    if value > today:
        return f"{value.isoformat()} is in the future"
    return None

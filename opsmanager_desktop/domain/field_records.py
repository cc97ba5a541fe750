"""Field records (enumerations and evaluations): statuses, kinds, meter conditions, and the
rules that hold without a database: what a decision may be, when a tariff found on an
inspection starts to bill, and the checks of the amounts and positions a handheld sends.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

NOTES_MAX = 500
EVIDENCE_MAX = 1000
REASON_MAX = 255
MONEY_MAX = Decimal("999999999999.99")


class RecordStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class EnumerationKind(StrEnum):
    NEW = "NEW"  # a customer not on the books
    UPDATE = "UPDATE"  # an existing account whose details differ on the ground


class MeterCondition(StrEnum):
    OK = "OK"
    DAMAGED = "DAMAGED"
    TAMPERED = "TAMPERED"
    BYPASSED = "BYPASSED"
    MISSING = "MISSING"


# conditions that mean energy was (or may have been) taken unmetered: evidence is required
NEEDS_EVIDENCE = frozenset({MeterCondition.TAMPERED, MeterCondition.BYPASSED})


def parse_choice(enum: type[StrEnum], text: str) -> StrEnum | None:
    """`new`, ` New ` and `NEW` are the same choice; None for anything else."""
    value = text.strip().upper().replace(" ", "_").replace("-", "_")
    try:
        return enum(value)
    except ValueError:
        return None


def decide_problem(what: str, status: RecordStatus) -> str | None:
    """A record is decided once: approving or rejecting a decided one is a conflict."""
    if status is RecordStatus.PENDING:
        return None
    return f"{what} was already {status.value.lower()}; a decided record is not decided again"


def next_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


def effective_period(latest_started: str | None, today_period: str) -> str:
    """The cycle a tariff found on an inspection bills from: the first cycle after the
    latest one that already has bills or is open (that one, and every earlier one, keeps the
    plan it was billed on). With no such cycle yet, the current month's cycle."""
    if latest_started is None:
        return today_period
    return next_period(latest_started)


def money_problem(value: Decimal) -> str | None:
    if value < 0:
        return "must not be negative"
    if value != value.quantize(Decimal("0.01")):
        return f"{value} has more than 2 decimal places"
    if value > MONEY_MAX:
        return f"{value} is too large"
    return None


def coordinate_problem(field: str, value: Decimal | None) -> str | None:
    if value is None:
        return None
    limit = 90 if field == "latitude" else 180
    if abs(value) > limit:
        return f"{value} is not a {field} (between -{limit} and {limit})"
    if value != value.quantize(Decimal("0.000001")):
        return f"{value} has more than 6 decimal places"
    return None


def text_problem(value: str, limit: int) -> str | None:
    return f"may have at most {limit} characters" if len(value.strip()) > limit else None

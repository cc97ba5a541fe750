"""How a bill reaches its customer: the delivery statuses and what each must say.

- HANDED_OVER: by whom (the officer's user name), to whom, when; GPS position optional.
- EMAILED: to which address, when.
- NOT_DELIVERED: why (house locked, address not found, refused...), when; a later visit
  may still hand it over.
A bill has one current status: its latest event by the time it happened (an event recorded
late does not overwrite a newer one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from opsmanager_desktop.domain.errors import FieldProblem

OFFICER_MAX = 64
RECEIVER_MAX = 120
EMAIL_MAX = 254
REASON_MAX = 255
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COORDINATE_PLACES = 6


class DeliveryStatus(StrEnum):
    HANDED_OVER = "HANDED_OVER"
    EMAILED = "EMAILED"
    NOT_DELIVERED = "NOT_DELIVERED"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def delivered(self) -> bool:
        return self is not DeliveryStatus.NOT_DELIVERED


def parse_status(text: object) -> DeliveryStatus | None:
    """`handed over`, `Handed-Over` and `HANDED_OVER` are the same status."""
    if isinstance(text, DeliveryStatus):
        return text
    if not isinstance(text, str):
        return None
    key = re.sub(r"[\s\-]+", "_", text.strip()).upper()
    return DeliveryStatus.__members__.get(key)


STATUS_CHOICES = ", ".join(s.value.lower() for s in DeliveryStatus)


@dataclass(frozen=True)
class DeliveryEvent:
    """One event as entered or imported, before it is checked."""

    status: DeliveryStatus
    occurred_at: datetime
    officer: str = ""
    received_by: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    email: str = ""
    reason: str = ""


def event_problems(event: DeliveryEvent, issued_on: date | None, now: datetime,
                   row: int | None = None) -> list[FieldProblem]:
    """What is wrong with the event for a bill issued on `issued_on` (None: not issued)."""
    problems: list[FieldProblem] = []

    def add(field: str, reason: str) -> None:
        problems.append(FieldProblem(field, reason, row))

    if issued_on is None:
        add("bill_no", "this bill has not been issued yet; issue its cycle before "
                       "recording how it was delivered")
    elif event.occurred_at.date() < issued_on:
        add("occurred_at", f"{event.occurred_at:%Y-%m-%d %H:%M} is before the bill was "
                           f"issued ({issued_on.isoformat()})")
    if event.occurred_at > now:
        add("occurred_at", f"{event.occurred_at:%Y-%m-%d %H:%M} is in the future")
    if event.status is DeliveryStatus.HANDED_OVER:
        if not event.officer:
            add("officer", "is required: who handed the bill over (their user name)")
        if not event.received_by:
            add("received_by", "is required: to whom the bill was handed")
    if event.status is DeliveryStatus.EMAILED and not _EMAIL.match(event.email or ""):
        add("email", f"{event.email!r} is not an e-mail address" if event.email
            else "is required: the address the bill was sent to")
    if event.status is DeliveryStatus.NOT_DELIVERED and not event.reason:
        add("reason", "is required: why the bill could not be delivered")
    for field, value, limit in (("officer", event.officer, OFFICER_MAX),
                                ("received_by", event.received_by, RECEIVER_MAX),
                                ("email", event.email, EMAIL_MAX),
                                ("reason", event.reason, REASON_MAX)):
        if value and len(value) > limit:
            add(field, f"has {len(value)} characters; at most {limit} fit")
    problems += position_problems(event.latitude, event.longitude, row)
    return problems


def position_problems(latitude: Decimal | None, longitude: Decimal | None,
                      row: int | None = None) -> list[FieldProblem]:
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        return [FieldProblem(missing, "give both latitude and longitude, or neither", row)]
    problems = []
    for field, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value is None:
            continue
        if abs(value) > limit:
            problems.append(FieldProblem(field, f"{value} is outside -{limit} to {limit}", row))
        elif value != value.quantize(Decimal(1).scaleb(-COORDINATE_PLACES)):
            problems.append(FieldProblem(field, f"{value} has more than "
                                         f"{COORDINATE_PLACES} decimal places", row))
    return problems


def replaces_current(new_at: datetime, current_at: datetime | None) -> bool:
    """The new event becomes the bill's status unless a later one is already known (an
    event at the same moment, recorded after, wins: it is the newer news)."""
    return current_at is None or new_at >= current_at

"""Network asset rules: statuses, maintenance intervals and when a service falls due.

Next due = the last service (or, before any, the schedule's start) + the interval in
months; a month-end start keeps to the month's end when the target month is shorter
(31 Jan + 1 month = 28/29 Feb). Overdue as of a date: due strictly before it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from opsmanager_desktop.domain.codes import code_problems
from opsmanager_desktop.domain.errors import FieldProblem
from opsmanager_desktop.domain.money import has_at_most_places

MAX_INTERVAL_MONTHS = 120


class AssetStatus(StrEnum):
    OPERATIONAL = "OPERATIONAL"
    FAULTY = "FAULTY"
    UNDER_MAINTENANCE = "UNDER_MAINTENANCE"
    DECOMMISSIONED = "DECOMMISSIONED"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class AssetKind(StrEnum):
    DSS = "DSS"
    DT = "DT"


STATUS_CHOICES = ", ".join(s.value.lower() for s in AssetStatus)


def parse_status(text: object) -> AssetStatus | None:
    if isinstance(text, AssetStatus):
        return text
    value = str(text or "").strip().upper().replace(" ", "_").replace("-", "_")
    return AssetStatus.__members__.get(value)


def parse_kind(text: object) -> AssetKind | None:
    value = str(text or "").strip().upper()
    return AssetKind.__members__.get(value)


def add_months(start: date, months: int) -> date:
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def next_due(last_done: date | None, starts_on: date, interval_months: int) -> date:
    return add_months(last_done if last_done is not None else starts_on, interval_months)


def is_overdue(due: date, as_of: date) -> bool:
    return due < as_of


def days_overdue(due: date, as_of: date) -> int:
    return max(0, (as_of - due).days)


NAME_MAX = 80
LOCATION_MAX = 160
WORK_MAX = 500
MAX_CAPACITY_KVA = Decimal("10000000")


@dataclass(frozen=True)
class AssetFields:
    """What a substation and a transformer both have (the DT adds its substation)."""

    code: str
    name: str
    location: str
    latitude: Decimal | None
    longitude: Decimal | None
    capacity_kva: Decimal | None
    installed_on: date | None


def asset_problems(f: AssetFields, today: date, row: int | None = None) -> list[FieldProblem]:
    problems = [FieldProblem(p.field, p.reason, row) for p in code_problems("code", f.code)]

    def add(field: str, reason: str) -> None:
        problems.append(FieldProblem(field, reason, row))

    if not f.name.strip():
        add("name", "is required")
    elif len(f.name.strip()) > NAME_MAX:
        add("name", f"may have at most {NAME_MAX} characters")
    if len(f.location.strip()) > LOCATION_MAX:
        add("location", f"may have at most {LOCATION_MAX} characters")
    if f.capacity_kva is not None:
        if f.capacity_kva <= 0:
            add("capacity_kva", "must be more than 0 kVA")
        elif f.capacity_kva > MAX_CAPACITY_KVA or not has_at_most_places(f.capacity_kva, 3):
            add("capacity_kva", f"must be at most {MAX_CAPACITY_KVA:,} kVA with at most 3 "
                "decimals")
    for field, value, limit in (("latitude", f.latitude, 90), ("longitude", f.longitude, 180)):
        if value is not None and (abs(value) > limit or not has_at_most_places(value, 6)):
            add(field, f"must be between -{limit} and {limit} degrees with at most 6 decimals")
    if (f.latitude is None) != (f.longitude is None):
        add("longitude" if f.longitude is None else "latitude",
            "give both latitude and longitude, or neither")
    if f.installed_on is not None and f.installed_on > today:
        add("installed_on", f"{f.installed_on} is in the future")
    return problems

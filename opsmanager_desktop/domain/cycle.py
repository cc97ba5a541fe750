"""Billing periods: a cycle is one calendar month, written YYYY-MM."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from opsmanager_desktop.domain.errors import invalid

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class CycleStatus(StrEnum):
    OPEN = "OPEN"  # readings, billing and issuing go on
    CLOSED = "CLOSED"  # finished: no more readings or billing runs for it


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, field: str = "period") -> Period:
        match = _PERIOD.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise invalid(field, f"{text!r} is not a period; write the month as YYYY-MM, "
                          "e.g. 2026-01")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise invalid(field, f"{text!r}: the month must be 01 to 12")
        if year < 1900:
            raise invalid(field, f"{text!r}: the year must be 1900 or later")
        return cls(year, month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

"""The field team's distribution file: `bill_no,status,occurred_at` and optional
`officer,received_by,latitude,longitude,email,reason` (CSV or XLSX).

Follows the import pattern of services/imports.py: the whole file is checked first, every
bad row reported by row and column, nothing written unless all rows are good (or, with
skip_invalid, the good rows written and the bad ones copied to a rejects file). An event
already recorded (same bill, status and time), in the database or earlier in the file, is
a duplicate: counted, not written again, not an error, so importing the same file twice
records nothing twice. A chunk costs a few queries whatever its size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from opsmanager_desktop.domain.distribution import (
    STATUS_CHOICES,
    DeliveryEvent,
    DeliveryStatus,
    event_problems,
    parse_status,
)
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.distribution import (
    NewEvent,
    bills_by_number,
    existing_keys,
    known_users,
    normalize_time,
    write_events,
)
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    decimal_cell,
    read_table,
    run_import,
    text_cell,
)

REQUIRED = ("bill_no", "status", "occurred_at")
OPTIONAL = ("officer", "received_by", "latitude", "longitude", "email", "reason")
CHUNK = 2000
_WHEN = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2})(:\d{2}(\.\d+)?)?)?$")


@dataclass(frozen=True)
class DistributionImportResult:
    rows: int
    recorded: int
    duplicates: int
    rejected: int
    rejects_path: Path | None


def datetime_cell(row: Row, column: str, problems: Problems) -> datetime | None:
    """YYYY-MM-DD HH:MM[:SS] (or a date alone: midnight), as a handheld or a spreadsheet
    writes it; whole seconds."""
    text = row[column]
    if not text:
        problems.add(row, column, "is required")
        return None
    match = _WHEN.match(text)
    if match is not None:
        clock = match.group(2) or "00:00"
        try:
            return normalize_time(datetime.fromisoformat(
                f"{match.group(1)} {clock.zfill(5)}{match.group(3) or ''}"))
        except ValueError:
            pass
    problems.add(row, column, f"{text!r} is not a date and time; write it as "
                 "YYYY-MM-DD HH:MM, e.g. 2026-02-03 14:30")
    return None


class _Run:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.seen: set[tuple[int, str, datetime]] = set()
        self.duplicates = 0
        self.recorded = 0

    def check(self, rows: list[Row], problems: Problems) -> list[NewEvent]:
        session, now = self.ctx.session, normalize_time(self.ctx.now)
        parsed = []
        for row in rows:
            number = text_cell(row, "bill_no", problems, max_length=32)
            status = parse_status(row["status"])
            if status is None:
                problems.add(row, "status", f"{row['status']!r} is not a delivery status; "
                             f"use one of {STATUS_CHOICES}" if row["status"] else "is required")
            when = datetime_cell(row, "occurred_at", problems)
            latitude = decimal_cell(row, "latitude", problems, places=6, digits=10,
                                    negative=True, required=False)
            longitude = decimal_cell(row, "longitude", problems, places=6, digits=10,
                                     negative=True, required=False)
            parsed.append((row, number, status, when, latitude, longitude))
        bills = bills_by_number(session, {p[1] for p in parsed if p[1]})
        users = known_users(session, {row["officer"] for row in rows})
        known = existing_keys(session, {b.id for b in bills.values()})
        items: list[NewEvent] = []
        for row, number, status, when, latitude, longitude in parsed:
            bill = bills.get(number or "")
            if number and bill is None:
                problems.add(row, "bill_no", f"no bill {number!r}")
            officer = row["officer"]
            if officer and officer not in users:
                problems.add(row, "officer", f"no user {officer!r}; the officer column "
                             "holds the user name of the officer who delivered the bill")
            if problems.has(row) or bill is None or status is None or when is None:
                continue
            email = row["email"] or (bill.email if status is DeliveryStatus.EMAILED else "")
            event = DeliveryEvent(status, when, officer, row["received_by"], latitude,
                                  longitude, email, row["reason"])
            found = event_problems(event, bill.issued_on, now, row.number)
            for problem in found:
                problems.add(row, problem.field, problem.reason)
            if found:
                continue
            key = (bill.id, status.value, when)
            if key in known or key in self.seen:
                self.duplicates += 1
                continue
            self.seen.add(key)
            items.append(NewEvent(bill, event, "IMPORT"))
        return items

    def write(self, items: Sequence[NewEvent]) -> None:
        write_events(self.ctx, items)
        self.recorded += len(items)


@service(Permission.DISTRIBUTION_RECORD)
def import_deliveries(ctx: Ctx, path: str | Path, *, skip_invalid: bool = False,
                      rejects_path: str | Path | None = None,
                      progress: Progress | None = None,
                      cancelled: Cancelled | None = None) -> DistributionImportResult:
    """Record the events of a distribution file (see the module docstring)."""
    table = read_table(path, REQUIRED, OPTIONAL)
    run = _Run(ctx)
    summary = run_import(table, run.check, run.write, skip_invalid=skip_invalid,
                         rejects_path=rejects_path, progress=progress, cancelled=cancelled,
                         chunk_size=CHUNK)
    ctx.audit("bill_deliveries", Path(path).name[:64], "import", after={
        "file": str(path), "rows": summary.rows, "recorded": run.recorded,
        "duplicates": run.duplicates, "rejected": summary.rejected})
    return DistributionImportResult(summary.rows, run.recorded, run.duplicates,
                                    summary.rejected, summary.rejects_path)

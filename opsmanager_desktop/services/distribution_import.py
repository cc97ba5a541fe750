"""The field team's distribution file: `bill_no,status,occurred_at` and optional
`officer,received_by,latitude,longitude,email,reason` (CSV or XLSX). `bill_no` holds a bill
number or a statement number: a statement's row is an event for each of its bills
(docs/decisions.md 45), and the counts are the bills' events.

Follows the import pattern of services/imports.py: the whole file is checked first, every
bad row reported by row and column, nothing written unless all rows are good (or, with
skip_invalid, the good rows written and the bad ones copied to a rejects file). An event
already recorded for a bill (same bill, status and time), in the database or earlier in
the file, is a duplicate: counted, not written again, not an error, so importing the same file twice
records nothing twice. A chunk costs a few queries whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    existing_keys,
    known_users,
    normalize_time,
    papers_by_number,
    unknown_paper,
    write_events,
)
from opsmanager_desktop.services.file_import import (
    FieldImportResult,
    FileKind,
    KeyedRun,
    datetime_cell,
    import_file,
)
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    decimal_cell,
    text_cell,
)

REQUIRED = ("bill_no", "status", "occurred_at")
OPTIONAL = ("officer", "received_by", "latitude", "longitude", "email", "reason")
CHUNK = 2000
FILE = FileKind(REQUIRED, OPTIONAL, CHUNK, "bill_deliveries", "recorded")


DistributionImportResult = FieldImportResult  # the name the distribution page imports


class _Run(KeyedRun[tuple[int, str, datetime]]):
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
        papers = papers_by_number(session, {p[1] for p in parsed if p[1]})
        users = known_users(session, {row["officer"] for row in rows})
        known = existing_keys(session, {b.id for p in papers.values() for b in p.bills})
        items: list[NewEvent] = []
        for row, number, status, when, latitude, longitude in parsed:
            paper = papers.get(number or "")
            if number and paper is None:
                problems.add(row, "bill_no", unknown_paper(number))
            officer = row["officer"]
            if officer and officer not in users:
                problems.add(row, "officer", f"no user {officer!r}; the officer column "
                             "holds the user name of the officer who delivered the bill")
            if problems.has(row) or paper is None or status is None or when is None:
                continue
            email = row["email"] or (paper.bills[0].email
                                     if status is DeliveryStatus.EMAILED else "")
            event = DeliveryEvent(status, when, officer, row["received_by"], latitude,
                                  longitude, email, row["reason"])
            found = event_problems(event, paper.issued_on, now, row.number)
            for problem in found:
                problems.add(row, problem.field, problem.reason)
            if found:
                continue
            items += [NewEvent(bill, event, "IMPORT") for bill in paper.bills
                      if self.is_new((bill.id, status.value, when), known)]
        return items

    def write(self, items: Sequence[NewEvent]) -> None:
        write_events(self.ctx, items)
        self.written += len(items)


@service(Permission.DISTRIBUTION_RECORD)
def import_deliveries(ctx: Ctx, path: str | Path, *, skip_invalid: bool = False,
                      rejects_path: str | Path | None = None,
                      progress: Progress | None = None,
                      cancelled: Cancelled | None = None) -> DistributionImportResult:
    """Record the events of a distribution file (see the module docstring)."""
    return import_file(ctx, path, FILE, _Run(ctx), DistributionImportResult,
                       skip_invalid=skip_invalid, rejects_path=rejects_path,
                       progress=progress, cancelled=cancelled)

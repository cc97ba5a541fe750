"""The field team's complaints file: `account_no,category,description,logged_at,officer`
and optional `sub_category,meter_number,channel` (CSV or XLSX; channel defaults to FIELD).

The import pattern of services/imports.py (as services/distribution_import.py): the whole
file is checked first, every bad row reported by row and column, nothing written unless
all rows are good (or, with skip_invalid, the good rows written and the bad ones copied to
a rejects file). A complaint already imported (same account, category, logged_at and
officer), in the database or earlier in the file, is a duplicate: counted, not written
again, so importing the same file twice logs nothing twice. Each complaint is credited to
the officer who took it (logged_by) and is due its category's hours after logged_at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Table, insert, select

from opsmanager_desktop.db.models import (
    Complaint,
    ComplaintCategory,
    ComplaintHistory,
    ComplaintSubcategory,
    Connection,
    Customer,
)
from opsmanager_desktop.domain import complaints as flow
from opsmanager_desktop.domain.complaints import WorkStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services import work_items as wi
from opsmanager_desktop.services.complaints import DESCRIPTION_MAX
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.distribution import known_users
from opsmanager_desktop.services.file_import import (
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
    batched,
    text_cell,
)

REQUIRED = ("account_no", "category", "description", "logged_at", "officer")
OPTIONAL = ("sub_category", "meter_number", "channel")
CHUNK = 900  # every IN list of a chunk stays short (services/imports.py)
FILE = FileKind(REQUIRED, OPTIONAL, CHUNK, "complaints", "logged")
_COMPLAINTS = cast(Table, Complaint.__table__)
_HISTORY = cast(Table, ComplaintHistory.__table__)


@dataclass(frozen=True)
class ComplaintImportResult:
    rows: int
    logged: int
    duplicates: int
    rejected: int
    rejects_path: Path | None


@dataclass(frozen=True)
class _Item:
    customer: Customer
    connection: Connection | None
    category: ComplaintCategory
    sub: ComplaintSubcategory | None
    description: str
    channel: str
    officer: str
    logged_at: datetime
    key: str


def import_key(account_no: str, category: str, logged_at: datetime, officer: str) -> str:
    return f"{account_no}|{category}|{logged_at:%Y-%m-%d %H:%M:%S}|{officer}"


class _Run(KeyedRun[str]):
    def __init__(self, ctx: Ctx) -> None:
        super().__init__(ctx)
        session = ctx.session
        self.categories = {c.code: c for c in session.scalars(
            select(ComplaintCategory).where(ComplaintCategory.is_active.is_(True)))}
        self.subs = {(s.category_id, s.code): s for s in session.scalars(
            select(ComplaintSubcategory).where(ComplaintSubcategory.is_active.is_(True)))}

    def _lookups(self, rows: list[Row]) -> tuple[dict[str, Customer],
                                                 dict[tuple[int, str], Connection], set[str]]:
        session = self.ctx.session
        accounts = sorted({r["account_no"].upper() for r in rows if r["account_no"]})
        customers: dict[str, Customer] = {}
        for part in batched(accounts):
            customers.update((c.account_no, c) for c in session.scalars(
                select(Customer).where(Customer.account_no.in_(part))))
        meters = sorted({r["meter_number"].upper() for r in rows if r["meter_number"]})
        connections: dict[tuple[int, str], Connection] = {}
        for part in batched(meters):
            connections.update(((c.customer_id, c.meter_number), c) for c in session.scalars(
                select(Connection).where(Connection.meter_number.in_(part))))
        return customers, connections, known_users(session, {r["officer"] for r in rows})

    def check(self, rows: list[Row], problems: Problems) -> list[_Item]:
        customers, connections, users = self._lookups(rows)
        now = wi.whole_seconds(self.ctx.now)
        candidates: list[_Item] = []
        for row in rows:
            account = (text_cell(row, "account_no", problems, max_length=32) or "").upper()
            customer = customers.get(account)
            if account and customer is None:
                problems.add(row, "account_no", f"no customer account {account!r}")
            category = self._category(row, problems)
            sub = self._sub(row, category, problems)
            description = text_cell(row, "description", problems, max_length=DESCRIPTION_MAX)
            when = datetime_cell(row, "logged_at", problems)
            if when is not None and when > now:
                problems.add(row, "logged_at", "is in the future")
            officer = text_cell(row, "officer", problems, max_length=64)
            if officer and officer not in users:
                problems.add(row, "officer", f"no user {officer!r}; the officer column holds "
                             "the user name of the officer who took the complaint")
            channel = (row["channel"] or "FIELD").upper()
            if channel not in flow.CHANNELS:
                problems.add(row, "channel", f"{row['channel']!r} is not a channel; use one "
                             "of " + ", ".join(flow.CHANNELS))
            connection = None
            meter = row["meter_number"].upper()
            if meter and customer is not None:
                connection = connections.get((customer.id, meter))
                if connection is None:
                    problems.add(row, "meter_number", f"account {account} has no meter "
                                 f"{meter!r}")
            if problems.has(row) or customer is None or category is None \
                    or description is None or when is None or not officer:
                continue
            candidates.append(_Item(customer, connection, category, sub, description, channel,
                                    officer, when,
                                    import_key(account, category.code, when, officer)))
        return self._new_only(candidates)

    def _category(self, row: Row, problems: Problems) -> ComplaintCategory | None:
        code = row["category"].upper()
        if not code:
            problems.add(row, "category", "is required")
            return None
        category = self.categories.get(code)
        if category is None:
            problems.add(row, "category", f"{row['category']!r} is not a complaint category; "
                         "use one of " + ", ".join(sorted(self.categories)))
        return category

    def _sub(self, row: Row, category: ComplaintCategory | None,
             problems: Problems) -> ComplaintSubcategory | None:
        code = row["sub_category"].upper()
        if not code or category is None:
            return None  # a blank sub-category is allowed: the officer may not know it
        sub = self.subs.get((category.id, code))
        if sub is None:
            known = sorted(c for (cid, c) in self.subs if cid == category.id)
            problems.add(row, "sub_category", f"{row['sub_category']!r} is not a "
                         f"sub-category of {category.code}; use one of "
                         + (", ".join(known) or "(none)"))
        return sub

    def _new_only(self, candidates: list[_Item]) -> list[_Item]:
        known: set[str] = set()
        for part in batched(sorted({c.key for c in candidates})):
            known.update(k for k in self.ctx.session.scalars(
                select(Complaint.import_key).where(Complaint.import_key.in_(part))) if k)
        return [item for item in candidates if self.is_new(item.key, known)]

    def write(self, items: Sequence[_Item]) -> None:
        """A chunk in two multi-row INSERTs (complaints, then their first history rows),
        not ORM objects flushed one by one: a 5,000-row file went from minutes to seconds."""
        session, now = self.ctx.session, wi.whole_seconds(self.ctx.now)
        rows = [{"customer_id": i.customer.id,
                 "connection_id": i.connection.id if i.connection else None,
                 "category_id": i.category.id, "subcategory_id": i.sub.id if i.sub else None,
                 "description": i.description.strip(), "channel": i.channel,
                 "logged_by": i.officer, "created_at": i.logged_at, "recorded_at": now,
                 "due_at": flow.due_at(i.logged_at, i.category.due_hours),
                 "status": WorkStatus.OPEN.value, "assigned_to": None, "team_id": None,
                 "import_key": i.key} for i in items]
        # the Core tables, not the ORM entities: an ORM bulk INSERT fetches each new id
        # and ran row by row on MariaDB (27 s instead of 4 s for 5,000 rows); the new ids
        # are read back by their unique import key
        session.execute(insert(_COMPLAINTS), rows)
        ids: dict[str | None, int] = {key: cid for key, cid in session.execute(
            select(Complaint.import_key, Complaint.id).where(
                Complaint.import_key.in_([r["import_key"] for r in rows])))}
        session.execute(insert(_HISTORY), [
            {"complaint_id": ids[str(row["import_key"])], "status": WorkStatus.OPEN.value,
             "note": "logged", "author": row["logged_by"], "at": row["created_at"],
             "assigned_to": None, "team_id": None} for row in rows])
        self.written += len(items)


@service(Permission.COMPLAINTS_LOG)
def import_complaints(ctx: Ctx, path: str | Path, *, skip_invalid: bool = False,
                      rejects_path: str | Path | None = None,
                      progress: Progress | None = None,
                      cancelled: Cancelled | None = None) -> ComplaintImportResult:
    """Log the complaints of a field file (see the module docstring)."""
    return import_file(ctx, path, FILE, _Run(ctx), ComplaintImportResult,
                       skip_invalid=skip_invalid, rejects_path=rejects_path,
                       progress=progress, cancelled=cancelled)

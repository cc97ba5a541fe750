"""The handheld's enumeration file (CSV or XLSX): `kind,name,utility,meter_number,recorded_at`
and optional `account_no,address,phone,email,tariff_code,dt_code,latitude,longitude,photo,
notes,officer`.

Follows services/imports.py: the whole file is checked first with the same rules as a record
entered by hand (services/enumerations.check_enumeration), every bad row reported by row and
column, nothing written unless every row is good (or, with skip_invalid, the good rows
written and the bad ones copied to a rejects file). `photo` names an image beside the file
or in a `photos` folder next to it (services/reading_photos.resolve).

A record's natural key is (officer, meter number, recorded_at): a row whose key is already
stored, or came earlier in the file, is a duplicate, counted and not written again, so a
file imported twice records nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, tuple_

from opsmanager_desktop.db.models import Enumeration
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.distribution_import import datetime_cell
from opsmanager_desktop.services.enumerations import NewEnumeration, check_enumeration, record_key
from opsmanager_desktop.services.field_common import RefCache, known_users, store_photos
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    decimal_cell,
    read_table,
    run_import,
)
from opsmanager_desktop.services.reading_photos import resolve

REQUIRED = ("kind", "name", "utility", "meter_number", "recorded_at")
OPTIONAL = ("account_no", "address", "phone", "email", "tariff_code", "dt_code", "latitude",
            "longitude", "photo", "notes", "officer")
CHUNK = 500

Key = tuple[str, str, datetime]


@dataclass(frozen=True)
class FieldImportResult:
    rows: int
    recorded: int
    duplicates: int
    rejected: int
    rejects_path: Path | None


@dataclass(frozen=True)
class _Item:
    values: dict[str, object]
    photo: tuple[str, Path] | None


def stored_keys(ctx: Ctx, model: type, columns: tuple[str, str, str],
                keys: set[Key]) -> set[Key]:
    """Which of these natural keys are stored already."""
    found: set[Key] = set()
    cols = [getattr(model, c) for c in columns]
    wanted = sorted(keys)
    for start in range(0, len(wanted), 300):
        part = wanted[start:start + 300]
        found.update((a, b, c) for a, b, c in ctx.session.execute(
            select(*cols).where(tuple_(*cols).in_(part))))
    return found


class _Run:
    def __init__(self, ctx: Ctx, folder: Path) -> None:
        self.ctx = ctx
        self.folder = folder
        self.seen: set[Key] = set()
        self.duplicates = 0
        self.recorded = 0
        self.refs = RefCache(ctx.session)

    def check(self, rows: list[Row], problems: Problems) -> list[_Item]:
        users = known_users(self.ctx.session, {r["officer"] for r in rows})
        parsed: list[tuple[Row, _Item]] = []
        for row in rows:
            when = datetime_cell(row, "recorded_at", problems)
            latitude = decimal_cell(row, "latitude", problems, places=6, digits=10,
                                    negative=True, required=False)
            longitude = decimal_cell(row, "longitude", problems, places=6, digits=10,
                                     negative=True, required=False)
            photo = None
            if name := row["photo"]:
                found = resolve(self.folder, name)
                if isinstance(found, str):
                    problems.add(row, "photo", found)
                else:
                    photo = (name, found)
            spec = NewEnumeration(
                row["kind"], row["name"], row["utility"], row["meter_number"],
                account_no=row["account_no"], address=row["address"], phone=row["phone"],
                email=row["email"], tariff_code=row["tariff_code"],
                transformer_code=row["dt_code"], latitude=latitude, longitude=longitude,
                notes=row["notes"], recorded_by=row["officer"], recorded_at=when)
            found_problems, checked = check_enumeration(self.ctx, spec, users=users,
                                            refs=self.refs)
            for problem in found_problems:
                if problem.field != "recorded_at" or when is not None:
                    problems.add(row, problem.field, problem.reason)
            if checked is not None and not problems.has(row):
                parsed.append((row, _Item({**checked.values, "source": "IMPORT"}, photo)))
        known = stored_keys(self.ctx, Enumeration, ("recorded_by", "meter_number",
                                                    "recorded_at"),
                            {record_key(i.values) for _r, i in parsed})
        items = []
        for _row, item in parsed:
            key = record_key(item.values)
            if key in known or key in self.seen:
                self.duplicates += 1
                continue
            self.seen.add(key)
            items.append(item)
        return items

    def write(self, items: Sequence[_Item]) -> None:
        records = [Enumeration(**i.values) for i in items]
        self.ctx.session.add_all(records)
        self.ctx.session.flush()
        store_photos(self.ctx.session, "enumeration_id",
                     [(r.id, i.photo[0], i.photo[1]) for r, i in zip(records, items, strict=True)
                      if i.photo], self.ctx.now)
        self.recorded += len(items)


@service(Permission.FIELD_RECORD)
def import_enumerations(ctx: Ctx, path: str | Path, *, skip_invalid: bool = False,
                        rejects_path: str | Path | None = None,
                        progress: Progress | None = None,
                        cancelled: Cancelled | None = None) -> FieldImportResult:
    """Record the enumerations of a handheld file (see the module docstring)."""
    table = read_table(path, REQUIRED, OPTIONAL)
    run = _Run(ctx, Path(path).parent)
    summary = run_import(table, run.check, run.write, skip_invalid=skip_invalid,
                         rejects_path=rejects_path, progress=progress, cancelled=cancelled,
                         chunk_size=CHUNK)
    ctx.audit("enumerations", Path(path).name[:64], "import", after={
        "file": str(path), "rows": summary.rows, "recorded": run.recorded,
        "duplicates": run.duplicates, "rejected": summary.rejected})
    return FieldImportResult(summary.rows, run.recorded, run.duplicates, summary.rejected,
                             summary.rejects_path)

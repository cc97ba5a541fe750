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

from opsmanager_desktop.db.models import Enumeration
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.distribution import known_users
from opsmanager_desktop.services.enumerations import NewEnumeration, check_enumeration, record_key
from opsmanager_desktop.services.field_common import RefCache, store_photos
from opsmanager_desktop.services.file_import import (
    FieldImportResult,
    FileKind,
    KeyedRun,
    datetime_cell,
    import_file,
    stored_keys,
)
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    decimal_cell,
)
from opsmanager_desktop.services.reading_photos import resolve

REQUIRED = ("kind", "name", "utility", "meter_number", "recorded_at")
OPTIONAL = ("account_no", "address", "phone", "email", "tariff_code", "dt_code", "latitude",
            "longitude", "photo", "notes", "officer")
CHUNK = 500
FILE = FileKind(REQUIRED, OPTIONAL, CHUNK, "enumerations", "recorded")

Key = tuple[str, str, datetime]


@dataclass(frozen=True)
class _Item:
    values: dict[str, object]
    photo: tuple[str, Path] | None


class _Run(KeyedRun[Key]):
    def __init__(self, ctx: Ctx, folder: Path) -> None:
        super().__init__(ctx)
        self.folder = folder
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
        return [item for _row, item in parsed if self.is_new(record_key(item.values), known)]

    def write(self, items: Sequence[_Item]) -> None:
        records = [Enumeration(**i.values) for i in items]
        self.ctx.session.add_all(records)
        self.ctx.session.flush()
        store_photos(self.ctx.session, "enumeration_id",
                     [(r.id, i.photo[0], i.photo[1]) for r, i in zip(records, items, strict=True)
                      if i.photo], self.ctx.now)
        self.written += len(items)


@service(Permission.FIELD_RECORD)
def import_enumerations(ctx: Ctx, path: str | Path, *, skip_invalid: bool = False,
                        rejects_path: str | Path | None = None,
                        progress: Progress | None = None,
                        cancelled: Cancelled | None = None) -> FieldImportResult:
    """Record the enumerations of a handheld file (see the module docstring)."""
    return import_file(ctx, path, FILE, _Run(ctx, Path(path).parent), FieldImportResult,
                       skip_invalid=skip_invalid, rejects_path=rejects_path,
                       progress=progress, cancelled=cancelled)

"""The handheld's inspection file (CSV or XLSX): `meter_number,utility,inspected_at,
tariff_found,meter_condition` and optional `evidence,estimated_loss,penalty,photos,notes,
officer`.

The import pattern of services/imports.py with the rules of a record entered by hand
(services/evaluations.check_evaluation). `photos` names one or more images (separated by
`;`) beside the file or in a `photos` folder next to it. The natural key is (officer,
connection, inspected_at): a row already stored, or earlier in the file, is a duplicate,
counted and not written twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from opsmanager_desktop.db.models import Evaluation
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.distribution import known_users
from opsmanager_desktop.services.evaluations import NewEvaluation, check_evaluation
from opsmanager_desktop.services.field_common import MAX_PHOTOS, RefCache, store_photos
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

REQUIRED = ("meter_number", "utility", "inspected_at", "tariff_found", "meter_condition")
OPTIONAL = ("evidence", "estimated_loss", "penalty", "photos", "notes", "officer")
CHUNK = 500
FILE = FileKind(REQUIRED, OPTIONAL, CHUNK, "evaluations", "recorded")

Key = tuple[str, int, datetime]


@dataclass(frozen=True)
class _Item:
    values: dict[str, object]
    photos: tuple[tuple[str, Path], ...]

    @property
    def key(self) -> Key:
        when = self.values["inspected_at"]
        assert isinstance(when, datetime)
        return str(self.values["recorded_by"]), int(str(self.values["connection_id"])), when


class _Run(KeyedRun[Key]):
    def __init__(self, ctx: Ctx, folder: Path) -> None:
        super().__init__(ctx)
        self.folder = folder
        self.refs = RefCache(ctx.session)

    def _photos(self, row: Row, problems: Problems) -> tuple[tuple[str, Path], ...]:
        names = [n.strip() for n in row["photos"].split(";") if n.strip()]
        if len(names) > MAX_PHOTOS:
            problems.add(row, "photos", f"at most {MAX_PHOTOS} photos per inspection")
            return ()
        found: list[tuple[str, Path]] = []
        for name in names:
            place = resolve(self.folder, name)
            if isinstance(place, str):
                problems.add(row, "photos", place)
            else:
                found.append((name, place))
        return tuple(found)

    def check(self, rows: list[Row], problems: Problems) -> list[_Item]:
        users = known_users(self.ctx.session, {r["officer"] for r in rows})
        parsed: list[_Item] = []
        for row in rows:
            when = datetime_cell(row, "inspected_at", problems)
            loss = decimal_cell(row, "estimated_loss", problems, required=False, default=ZERO)
            penalty = decimal_cell(row, "penalty", problems, required=False, default=ZERO)
            photos = self._photos(row, problems)
            spec = NewEvaluation(
                row["meter_number"], row["utility"], row["tariff_found"],
                row["meter_condition"], inspected_at=when, evidence=row["evidence"],
                estimated_loss=loss if loss is not None else ZERO,
                penalty=penalty if penalty is not None else ZERO, notes=row["notes"],
                recorded_by=row["officer"])
            found, values = check_evaluation(self.ctx, spec, users=users,
                                           refs=self.refs)
            for problem in found:
                problems.add(row, problem.field, problem.reason)
            if values is not None and not problems.has(row):
                parsed.append(_Item({**values, "source": "IMPORT"}, photos))
        known = {(a, int(b), c) for a, b, c in stored_keys(
            self.ctx, Evaluation, ("recorded_by", "connection_id", "inspected_at"),
            {i.key for i in parsed})}  # type: ignore[misc]
        return [item for item in parsed if self.is_new(item.key, known)]

    def write(self, items: Sequence[_Item]) -> None:
        records = [Evaluation(**i.values) for i in items]
        self.ctx.session.add_all(records)
        self.ctx.session.flush()
        store_photos(self.ctx.session, "evaluation_id",
                     [(r.id, name, place) for r, i in zip(records, items, strict=True)
                      for name, place in i.photos], self.ctx.now)
        self.written += len(items)


@service(Permission.FIELD_RECORD)
def import_evaluations(ctx: Ctx, path: str | Path, *, skip_invalid: bool = False,
                       rejects_path: str | Path | None = None,
                       progress: Progress | None = None,
                       cancelled: Cancelled | None = None) -> FieldImportResult:
    """Record the inspections of a handheld file (see the module docstring)."""
    return import_file(ctx, path, FILE, _Run(ctx, Path(path).parent), FieldImportResult,
                       skip_invalid=skip_invalid, rejects_path=rejects_path,
                       progress=progress, cancelled=cancelled)

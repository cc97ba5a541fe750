"""What enumerations and evaluations share: their photos (checked and stored like reading
photos, services/reading_photos.py), the officer they are credited to and the time they
were seen, the tariff plan they name, how a record is stored, found and rejected, and the
decision bookkeeping."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Enumeration,
    Evaluation,
    FieldPhoto,
    TariffPlan,
    UtilityType,
)
from opsmanager_desktop.domain.codes import plan_code
from opsmanager_desktop.domain.errors import Conflict, NotFound, invalid
from opsmanager_desktop.domain.field_records import (
    REASON_MAX,
    RecordStatus,
    decide_problem,
)
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.core import Ctx
from opsmanager_desktop.services.distribution import known_users, normalize_time
from opsmanager_desktop.services.imports import batched
from opsmanager_desktop.services.reading_photos import content_type, data_problem

MAX_PHOTOS = 10
Record = TypeVar("Record", Enumeration, Evaluation)


@dataclass(frozen=True)
class PhotoInfo:
    id: int
    file_name: str
    content_type: str
    size: int


def officer_of(session: Session, name: str | None, caller: str) -> str:
    """The user a record is credited to: the caller unless another (existing) user is
    named (a supervisor entering a field officer's sheet)."""
    wanted = (name or "").strip()
    if not wanted or wanted == caller:
        return caller
    if not known_users(session, [wanted]):
        raise invalid("recorded_by", f"no user {wanted!r}; name the officer by user name")
    return wanted


def officer_problem(ctx: Ctx, officer: str, users: set[str] | None) -> str | None:
    """Why a record cannot be credited to `officer` (looked up in `users`, the names an
    import found for its chunk, else in the database)."""
    if officer != ctx.username and officer not in (users if users is not None
                                                   else known_users(ctx.session, [officer])):
        return f"no user {officer!r}; name the officer by user name"
    return None


def field_time(ctx: Ctx, given: datetime | None) -> tuple[datetime, str | None]:
    """When a record was seen (now when not given, whole seconds) and why it may not be."""
    when = normalize_time(given or ctx.now)
    return when, f"{when:%Y-%m-%d %H:%M} is in the future" if when > ctx.now else None


def add_record(ctx: Ctx, what: str, record: Record,
               photos: Sequence[tuple[str, bytes]]) -> None:
    """Store a record entered by hand (`what`: "enumeration" or "evaluation"), its photos
    (file name, bytes) and its audit row."""
    ctx.session.add(record)
    ctx.session.flush()
    store_photos(ctx.session, f"{what}_id", [(record.id, n, d) for n, d in photos], ctx.now)
    ctx.audit(what, record.id, "record", after=snapshot(record))


def get_record(ctx: Ctx, model: type[Record], what: str, record_id: int,
               lock: bool = False) -> Record:
    stmt = select(model).where(model.id == int(record_id))
    record = ctx.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if record is None:
        raise NotFound(f"no {what} {record_id}")
    return record


def mark_decided(ctx: Ctx, record: Record, status: RecordStatus) -> None:
    record.status = status.value
    record.decided_by = ctx.username
    record.decided_at = ctx.now
    ctx.session.flush()


def reject_records(ctx: Ctx, model: type[Record], what: str, ids: Sequence[int] | int,
                   reason: str) -> list[Record]:
    """Reject the pending records, all or none, each with its audit row."""
    why = reject_reason(reason)
    records = [get_record(ctx, model, what, i, lock=True) for i in decided_ids(ids)]
    for record in records:
        ensure_pending(f"{what} {record.id}", record.status)
        before = snapshot(record)
        record.reject_reason = why
        mark_decided(ctx, record, RecordStatus.REJECTED)
        ctx.audit(what, record.id, "reject", before=before, after=snapshot(record))
    return records


def plans_by_code(session: Session, codes: Iterable[str]) -> dict[str, TariffPlan]:
    wanted = sorted({plan_code(c) for c in codes if c})
    found: dict[str, TariffPlan] = {}
    for part in batched(wanted):
        found.update((p.code, p) for p in session.scalars(
            select(TariffPlan).where(TariffPlan.code.in_(part))))
    return found


class RefCache:
    """Utility types and tariff plans by code, read once per import (a file names the same
    few codes on every row)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._plans: dict[str, TariffPlan | None] = {}
        self._utilities: dict[str, UtilityType | None] = {}

    def plan(self, code: str) -> TariffPlan | None:
        if code not in self._plans:
            self._plans[code] = plans_by_code(self.session, [code]).get(code)
        return self._plans[code]

    def utility(self, code: str) -> UtilityType | None:
        if code not in self._utilities:
            self._utilities[code] = self.session.scalars(select(UtilityType).where(
                UtilityType.code == code)).first()
        return self._utilities[code]


def plan_problem(plan: TariffPlan | None, code: str, utility_type_id: int | None) -> str | None:
    if plan is None:
        return f"no tariff plan {code!r}"
    if not plan.is_active:
        return f"tariff plan {plan.code} is no longer offered"
    if utility_type_id is not None and plan.utility_type_id != utility_type_id:
        return f"tariff plan {plan.code} is for another utility type"
    return None


def checked_photos(photos: Sequence[tuple[str, bytes]] | None) -> list[tuple[str, bytes]]:
    items = list(photos or ())
    if len(items) > MAX_PHOTOS:
        raise invalid("photos", f"at most {MAX_PHOTOS} photos per record")
    for name, data in items:
        problem = data_problem(data)
        if problem:
            raise invalid("photos", f"{name}: {problem}")
    return items


def store_photos(session: Session, owner: str, rows: Sequence[tuple[int, str, bytes | Path]],
                 now: datetime) -> None:
    """Insert (record id, file name, bytes or file) photos of `owner` ("enumeration_id" or
    "evaluation_id"), one file read at a time."""
    for record_id, name, source in rows:
        data = source.read_bytes() if isinstance(source, Path) else source
        session.execute(insert(FieldPhoto), [{
            owner: record_id, "file_name": name[:255],
            "content_type": content_type(data[:16]) or "application/octet-stream",
            "size": len(data), "data": data, "created_at": now}])


def photo_infos(session: Session, owner_column: Any, record_id: int) -> tuple[PhotoInfo, ...]:
    return tuple(PhotoInfo(r.id, r.file_name, r.content_type, r.size) for r in session.execute(
        select(FieldPhoto.id, FieldPhoto.file_name, FieldPhoto.content_type, FieldPhoto.size)
        .where(owner_column == record_id).order_by(FieldPhoto.id)))


def reject_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise invalid("reason", "is required: say why the record is rejected")
    if len(text) > REASON_MAX:
        raise invalid("reason", f"may have at most {REASON_MAX} characters")
    return text


def ensure_pending(what: str, status: str) -> None:
    problem = decide_problem(what, RecordStatus(status))
    if problem:
        raise Conflict(problem)


def decided_ids(ids: Sequence[int] | int) -> list[int]:
    wanted = [ids] if isinstance(ids, int) else list(ids)
    if not wanted:
        raise invalid("ids", "choose at least one record")
    try:
        return sorted({int(i) for i in wanted})
    except (TypeError, ValueError):
        raise invalid("ids", "record ids are whole numbers") from None

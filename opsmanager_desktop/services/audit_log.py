"""The audit log for administrators: who changed what, when, with the record before and
after (services/audit.py writes it; this module only reads it).

Entries are listed newest first by default; filters: user (username), entity, action,
date_from / date_to (the day of the change, inclusive), record (the changed record's id).
The search is a prefix of the changed record's id or of the username.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from opsmanager_desktop.db.models import AuditEntry
from opsmanager_desktop.domain.errors import NotFound, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import (
    ListQuery,
    Page,
    chosen_filters,
    prefix_pattern,
    run_page,
)

RECENT = 50_000  # the newest entries whose actions fill the filter's choices


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    username: str
    db_user: str
    entity: str
    record: str  # the changed record's id within its entity (entity_id in the table)
    action: str
    changed: tuple[str, ...]  # fields whose value differs between before and after
    before: str | None  # JSON as stored
    after: str | None


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None  # None: the field was not in that side of the entry
    after: str | None
    changed: bool


@dataclass(frozen=True)
class AuditDetail:
    row: AuditRow
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class AuditChoices:
    """What the filters offer: users, entities and actions that occur in the log."""

    users: tuple[str, ...]
    entities: tuple[str, ...]
    actions: tuple[str, ...]


def _load(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return {"(text)": text}
    return value if isinstance(value, dict) else {"(value)": value}


def _text(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def field_changes(before: str | None, after: str | None) -> tuple[FieldChange, ...]:
    """Every field of either side, in name order, with its two values."""
    old, new = _load(before), _load(after)
    names = sorted(set(old or {}) | set(new or {}))
    out = []
    for name in names:
        has_old = old is not None and name in old
        has_new = new is not None and name in new
        a = _text(old[name]) if has_old and old is not None else None
        b = _text(new[name]) if has_new and new is not None else None
        changed = (has_old and has_new and a != b) or (old is not None and new is not None
                                                       and has_old != has_new)
        out.append(FieldChange(name, a, b, changed))
    return tuple(out)


def _row(e: AuditEntry) -> AuditRow:
    changed = tuple(c.field for c in field_changes(e.before, e.after) if c.changed)
    return AuditRow(e.id, e.at, e.username, e.db_user, e.entity, e.entity_id, e.action,
                    changed, e.before, e.after)


def _day(value: object, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise invalid(field, f"{value!r} is not a date; write it as YYYY-MM-DD") from None


_SORT = {"at": AuditEntry.at, "id": AuditEntry.id, "username": AuditEntry.username,
         "entity": AuditEntry.entity, "action": AuditEntry.action}
_FILTERS = frozenset({"user", "entity", "action", "date_from", "date_to", "record"})


@service(Permission.AUDIT_VIEW, readonly=True)
def list_audit(ctx: Ctx, query: ListQuery = ListQuery(sort="id", descending=True)
               ) -> Page[AuditRow]:
    """Audit entries for the table (see the module docstring for filters and search)."""
    filters = chosen_filters(query, _FILTERS, "the audit log")
    stmt = select(AuditEntry)
    if "user" in filters:
        stmt = stmt.where(AuditEntry.username == str(filters["user"]).strip())
    if "entity" in filters:
        stmt = stmt.where(AuditEntry.entity == str(filters["entity"]).strip())
    if "action" in filters:
        stmt = stmt.where(AuditEntry.action == str(filters["action"]).strip())
    if "record" in filters:
        stmt = stmt.where(AuditEntry.entity_id == str(filters["record"]).strip())
    if "date_from" in filters:
        start = datetime.combine(_day(filters["date_from"], "date_from"), time.min)
        stmt = stmt.where(AuditEntry.at >= start)
    if "date_to" in filters:
        end = datetime.combine(_day(filters["date_to"], "date_to") + timedelta(days=1), time.min)
        stmt = stmt.where(AuditEntry.at < end)
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip())
        stmt = stmt.where(AuditEntry.entity_id.like(pattern, escape="\\")
                          | AuditEntry.username.like(pattern, escape="\\"))
    return run_page(ctx.session, stmt, query, _SORT, AuditEntry.id, lambda r: _row(r[0]))


@service(Permission.AUDIT_VIEW, readonly=True)
def get_audit_entry(ctx: Ctx, entry_id: int) -> AuditDetail:
    """One entry with its fields side by side (before, after, changed or not)."""
    entry = ctx.session.get(AuditEntry, entry_id)
    if entry is None:
        raise NotFound(f"no audit entry {entry_id}")
    return AuditDetail(_row(entry), field_changes(entry.before, entry.after))


@service(Permission.AUDIT_VIEW, readonly=True)
def audit_choices(ctx: Ctx) -> AuditChoices:
    """Users and entities from their indexes; actions from the newest entries (a full scan
    of a years-long log would cost more than the filter is worth)."""
    session = ctx.session
    users = session.scalars(select(AuditEntry.username).distinct()
                            .order_by(AuditEntry.username)).all()
    entities = session.scalars(select(AuditEntry.entity).distinct()
                               .order_by(AuditEntry.entity)).all()
    recent = (select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(RECENT)
              .subquery())
    actions = session.scalars(select(recent.c.action).distinct().order_by(recent.c.action)
                              ).all()
    return AuditChoices(tuple(users), tuple(entities), tuple(actions))

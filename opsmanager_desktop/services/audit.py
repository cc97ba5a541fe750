"""Audit entries, written in the same transaction as the change they describe."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import AuditEntry

_SECRET_COLUMNS = frozenset({"password_hash"})


def snapshot(obj: Any) -> dict[str, Any]:
    """The mapped columns of a row, secrets left out, for the before/after of an entry."""
    mapper = inspect(obj).mapper
    return {
        attr.key: getattr(obj, attr.key)
        for attr in mapper.column_attrs
        if attr.key not in _SECRET_COLUMNS
    }


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _dump(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, default=_default, sort_keys=True, ensure_ascii=False)


def write_audit(
    session: Session,
    *,
    at: datetime,
    username: str,
    entity: str,
    entity_id: object,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    db_user: str = "",
) -> None:
    session.add(AuditEntry(
        at=at, username=username, db_user=db_user, entity=entity,
        entity_id=str(entity_id), action=action, before=_dump(before), after=_dump(after)))

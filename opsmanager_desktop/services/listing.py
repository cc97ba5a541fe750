"""Paged, sorted, filtered lists for tables: sorting and filtering run in the database and
sort keys come from an allow-list (never from user text into SQL)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsmanager_desktop.domain.errors import invalid

T = TypeVar("T")

MAX_PAGE = 5000


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int | None  # None when the caller did not ask for a count
    offset: int


@dataclass(frozen=True)
class ListQuery:
    """What a table asks for: text search, sort key, direction, window."""

    search: str = ""
    sort: str = ""
    descending: bool = False
    offset: int = 0
    limit: int = 200
    count: bool = True
    filters: Mapping[str, Any] | None = None


def like_pattern(text: str) -> str:
    """A LIKE pattern that matches `text` literally (%, _ and \\ escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def prefix_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def run_page(session: Session, stmt: Any, query: ListQuery,
             sort_columns: Mapping[str, Any], tiebreak: Any,
             to_row: Callable[[Any], T]) -> Page[T]:
    if query.sort and query.sort not in sort_columns:
        raise invalid("sort", f"cannot sort by {query.sort!r}; choose one of "
                      + ", ".join(sorted(sort_columns)))
    if query.limit < 1 or query.limit > MAX_PAGE:
        raise invalid("limit", f"must be between 1 and {MAX_PAGE}")
    if query.offset < 0:
        raise invalid("offset", "must not be negative")
    total = None
    if query.count:
        total = session.scalar(select(func.count()).select_from(
            stmt.order_by(None).subquery())) or 0
    order: list[Any] = []
    if query.sort:
        column = sort_columns[query.sort]
        order.append(column.desc() if query.descending else column.asc())
    order.append(tiebreak.desc() if query.descending and query.sort else tiebreak.asc())
    result = session.execute(stmt.order_by(*order).offset(query.offset).limit(query.limit))
    rows: Sequence[Any] = result.all()
    return Page([to_row(r) for r in rows], total, query.offset)

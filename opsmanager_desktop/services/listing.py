"""Paged, sorted, filtered lists for tables: sorting and filtering run in the database and
sort keys come from an allow-list (never from user text into SQL).

Tables page by OFFSET (a row number is what a scroll bar asks for). A whole-list read
(services/export.py) runs the same list services inside `walk`, and their run_page then
reads differently: OFFSET re-reads every row before the page, so page after page of a
million rows costs a quadratic time. In a walk, run_page either
- streams: one SELECT in the page's order, no LIMIT, read through a server-side cursor and
  handed to the walker chunk by chunk during the list call (one sort, flat memory); or
- pages by keyset: each page starts after the previous page's last (sort key, tiebreak),
  for the list services that read more after choosing the page (customers: the page's ids
  first, then their rows), which a stream would bypass.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, func, or_, select
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


def chosen_filters(query: ListQuery, allowed: Collection[str], what: str) -> dict[str, Any]:
    """The query's filters that hold a value; one it does not know is refused by name, so a
    misspelt filter is an error and not a list that quietly ignores it."""
    filters = {k: v for k, v in (query.filters or {}).items() if v not in (None, "")}
    unknown = sorted(set(filters) - set(allowed))
    if unknown:
        raise invalid("filters", f"cannot filter {what} by {', '.join(unknown)}; use "
                      + ", ".join(sorted(allowed)))
    return filters


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
    walking = _WALK.get()
    if walking is not None:
        return _walk_page(session, stmt, query, sort_columns, tiebreak, to_row, total,
                          walking)
    order: list[Any] = []
    if query.sort:
        column = sort_columns[query.sort]
        order.append(column.desc() if query.descending else column.asc())
    order.append(tiebreak.desc() if query.descending and query.sort else tiebreak.asc())
    result = session.execute(stmt.order_by(*order).offset(query.offset).limit(query.limit))
    rows: Sequence[Any] = result.all()
    return Page([to_row(r) for r in rows], total, query.offset)


STREAM_CHUNK = 2000  # rows per chunk a stream hands over (a server-side cursor's fetch)
Sink = Callable[[list[Any], int | None], None]  # (rows, the list's count)


@dataclass
class Walk:
    """A whole-list read in progress (see the module docstring). Streaming: `sink` gets
    every row, in chunks, with the count (None when the query asked for none), during the
    list call, which then returns an empty page. Keyset paging: the walker sets `after`
    (None: from the start) before each list call and reads `reached` (the page's last
    keys; None after an empty page) after it: two fields, so that a transaction retried
    after a deadlock reads the same page again, not the next one."""

    sink: Sink | None = None
    after: tuple[Any, ...] | None = None
    reached: tuple[Any, ...] | None = None


# set only inside `walk`, in the walker's own thread (a context variable): list services
# called there read as the walk says; every other caller's paging is unchanged
_WALK: ContextVar[Walk | None] = ContextVar("listing_walk", default=None)


@contextmanager
def walk(sink: Sink | None = None) -> Iterator[Walk]:
    """List services called in this block stream their rows to `sink` or, without one,
    page by keyset; the rows, filters, order and rights are the list's own either way, and
    the query's offset is not applied."""
    walking = Walk(sink)
    token = _WALK.set(walking)
    try:
        yield walking
    finally:
        _WALK.reset(token)


def _walk_page(session: Session, stmt: Any, query: ListQuery,
               sort_columns: Mapping[str, Any], tiebreak: Any,
               to_row: Callable[[Any], T], total: int | None, walking: Walk) -> Page[T]:
    """run_page's rows in run_page's order, streamed or one keyset page."""
    keys = [tiebreak]
    if query.sort and sort_columns[query.sort] is not tiebreak:
        keys.insert(0, sort_columns[query.sort])
    descending = query.descending and bool(query.sort)  # run_page's direction, both keys
    order = [k.desc() if descending else k.asc() for k in keys]
    if walking.sink is not None:
        # a server-side cursor: neither this process nor the driver holds the whole result
        with session.execute(stmt.order_by(*order).execution_options(
                yield_per=STREAM_CHUNK)) as result:  # closed (drained) if the sink stops it
            for part in result.partitions():
                walking.sink([to_row(r) for r in part], total)
        return Page([], total, query.offset)
    if walking.after is not None:
        stmt = stmt.where(_after(keys, walking.after, descending))
    stmt = stmt.add_columns(*(k.label(f"_walk_key_{n}") for n, k in enumerate(keys)))
    rows: Sequence[Any] = session.execute(stmt.order_by(*order).limit(query.limit)).all()
    walking.reached = tuple(rows[-1][-len(keys):]) if rows else None
    return Page([to_row(r) for r in rows], total, query.offset)


def _after(keys: list[Any], values: tuple[Any, ...], descending: bool) -> Any:
    """Rows after `values` in ORDER BY keys (all ascending, or all descending); the
    tiebreak (last key) is unique and never NULL. Written as key >= v AND (key > v OR ...)
    so that both databases read the sort key's index as a range."""
    *sort, last = keys
    *sort_value, last_value = values
    beyond = last < last_value if descending else last > last_value
    if not sort:
        return beyond
    column, value = sort[0], sort_value[0]
    nullable = getattr(getattr(column, "expression", column), "nullable", True)
    if value is None:  # inside the NULLs: first ascending, last descending
        rest = and_(column.is_(None), beyond)
        return rest if descending else or_(rest, column.is_not(None))
    if descending:
        after = and_(column <= value, or_(column < value, beyond))
        return or_(after, column.is_(None)) if nullable else after
    return and_(column >= value, or_(column > value, beyond))

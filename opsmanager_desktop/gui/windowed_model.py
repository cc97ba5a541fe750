"""A table model for lists of any length: the scroll bar spans every row, rows are read
where the user looks.

`PagedTableModel` (gui/table_model.py) appends pages as the view scrolls down, which is
right for lists of hundreds. For the million-customer list a user must also be able to
drag the scroll bar to the middle or press Ctrl+End. `WindowedTableModel` keeps the same
columns, roles, sorting and signals, but:

- `rowCount()` is the whole (counted) list; a row not read yet shows empty cells and asks
  for its page (coalesced: only the pages in view are read, one request at a time);
- the first page is read WITHOUT a count, so the first rows show at once; the count
  follows in a second background call (typing in the search box never waits for a
  COUNT over a million rows before showing what matches);
- a page beyond the middle is read from the other end (the service's order reversed,
  OFFSET counted from the end) so the last rows cost what the first rows cost;
- at most `max_pages` pages are kept (least recently used dropped), so memory stays flat
  however far the user scrolls.

The mirrored read needs a sort key (the tie-break then follows the direction, see
services/listing.run_page); without one the model reads forward only.

A page uses it by naming it: `model_class = WindowedTableModel` in its ListPage subclass.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer

from opsmanager_desktop.gui.table_model import (
    AnyIndex,
    Column,
    Fetch,
    PagedTableModel,
    RowRole,
    SortRole,
)
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services.listing import ListQuery, Page

T = TypeVar("T")


class WindowedTableModel(PagedTableModel[T]):
    def __init__(self, columns: Sequence[Column[T]], fetch: Fetch[T],
                 owner: QObject | None = None, page_size: int = 200,
                 max_pages: int = 40) -> None:
        super().__init__(columns, fetch, owner, page_size)
        self.max_pages = max_pages
        self._pages: OrderedDict[int, list[T]] = OrderedDict()
        self._count = 0  # rows the view has (the total once counted)
        self._wanted: set[int] = set()
        self._stale: set[int] = set()  # held pages being read again (auto-refresh)
        self._in_flight: int | None = None
        self._gen = 0
        self.counting = False
        self.page_reads = 0  # pages read since the last query (benchmarks, tests)
        self._ask_timer = QTimer(self)
        self._ask_timer.setSingleShot(True)
        self._ask_timer.setInterval(15)  # let a scroll settle before reading its pages
        self._ask_timer.timeout.connect(self._read_next)

    # --- queries ---------------------------------------------------------------------
    def reload(self) -> None:
        self._started = True
        self._gen += 1
        gen = self._gen
        self.page_reads = 0
        query = self._query(0, self.page_size, count=False)
        self._set_loading(True)
        fetch = self._fetch

        def work(_job: Job) -> Page[T]:
            return fetch(query)

        run_task(self, work, on_result=lambda page: self._on_first(gen, page),
                 on_error=lambda exc: self._failed(gen, exc))

    def _query(self, offset: int, limit: int, *, count: bool,
               descending: bool | None = None) -> ListQuery:
        s = self._state
        return ListQuery(search=s.search, sort=s.sort,
                         descending=s.descending if descending is None else descending,
                         offset=offset, limit=limit, count=count, filters=dict(s.filters))

    def _on_first(self, gen: int, page: Page[T]) -> None:
        if gen != self._gen:
            return
        self.beginResetModel()
        self._pages.clear()
        self._wanted.clear()
        self._stale.clear()
        self._in_flight = None
        self._pages[0] = list(page.rows)
        self._count = len(page.rows)
        self._total = len(page.rows) if len(page.rows) < self.page_size else None
        self.endResetModel()
        self.page_reads = 1
        if self._total is not None:
            self._set_loading(False)
            self.total_changed.emit(self._total)
            return
        self._start_count(gen)

    def _start_count(self, gen: int) -> None:
        self.counting = True
        query = self._query(0, 1, count=True)
        fetch = self._fetch

        def work(_job: Job) -> int:
            return fetch(query).total or 0

        run_task(self, work, on_result=lambda total: self._on_count(gen, total),
                 on_error=lambda exc: self._failed(gen, exc))

    def _on_count(self, gen: int, total: int) -> None:
        if gen != self._gen:
            return
        self.counting = False
        self._set_loading(False)
        self._set_total(max(total, len(self._pages.get(0, []))))

    def _set_total(self, total: int) -> None:
        self._total = total  # before the row signals: their slots read it
        if total > self._count:
            self.beginInsertRows(QModelIndex(), self._count, total - 1)
            self._count = total
            self.endInsertRows()
        elif total < self._count:
            self.beginRemoveRows(QModelIndex(), total, self._count - 1)
            self._count = total
            for number in [p for p in self._pages if p * self.page_size >= total]:
                del self._pages[number]
            self.endRemoveRows()
        self.total_changed.emit(total)

    def _failed(self, gen: int, exc: BaseException) -> None:
        if gen != self._gen:
            return
        self.counting = False
        self._in_flight = None
        self._set_loading(False)
        self.failed.emit(exc)

    # --- pages on demand --------------------------------------------------------------
    def _want(self, number: int) -> None:
        if number in self._wanted or number == self._in_flight:
            return
        self._wanted.add(number)
        if self._in_flight is None and not self._ask_timer.isActive():
            self._ask_timer.start()

    def _read_next(self) -> None:
        if self._in_flight is not None or not self._wanted:
            return
        number = min(self._wanted)
        self._wanted.discard(number)
        if number in self._pages and number not in self._stale:
            self._read_next()
            return
        gen = self._gen
        self._in_flight = number
        offset = number * self.page_size
        total = self._total if self._total is not None else self._count
        end = min(offset + self.page_size, total)
        if end <= offset:
            self._in_flight = None
            return
        mirrored = bool(self._state.sort) and offset > total // 2
        if mirrored:  # the same rows, read from the other end
            query = self._query(total - end, end - offset, count=False,
                                descending=not self._state.descending)
        else:
            query = self._query(offset, end - offset, count=False)
        fetch = self._fetch

        def work(_job: Job) -> list[T]:
            rows = list(fetch(query).rows)
            if mirrored:
                rows.reverse()
            return rows

        run_task(self, work, on_result=lambda rows: self._on_rows(gen, number, rows),
                 on_error=lambda exc: self._failed(gen, exc))

    def _on_rows(self, gen: int, number: int, rows: list[T]) -> None:
        if gen != self._gen:
            return
        self._in_flight = None
        self.page_reads += 1
        self._stale.discard(number)
        self._pages[number] = rows
        self._pages.move_to_end(number)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        first = number * self.page_size
        last = min(first + self.page_size, self._count) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))
        if self._wanted:
            self._ask_timer.start()

    def _row(self, row: int, ask: bool = True) -> T | None:
        number, at = divmod(row, self.page_size)
        page = self._pages.get(number)
        if page is None:
            if ask:
                self._want(number)
            return None
        self._pages.move_to_end(number)
        if at < len(page):
            return page[at]
        if ask and len(page) < self.page_size and row < self._count:
            # a short page read before the list grew (auto-refresh): read it again
            self._stale.add(number)
            self._want(number)
        return None

    # --- what pages and the auto-refresh use -----------------------------------------
    @property
    def loaded_rows(self) -> int:
        return self._count

    def row_at(self, row: int) -> T:
        found = self._row(row, ask=False)
        if found is None:
            raise IndexError(f"row {row} is not loaded")
        return found

    def is_loaded(self, row: int) -> bool:
        return self._row(row, ask=False) is not None

    def rows(self) -> list[T]:
        """The rows held from the top down, as far as they are contiguous."""
        out: list[T] = []
        number = 0
        while number in self._pages:
            out.extend(self._pages[number])
            number += 1
        return out

    def cached_pages(self) -> list[int]:
        return sorted(self._pages)

    def refresh_window(self) -> None:
        """Read again the pages held and the count (another workstation changed data):
        rows repaint in place, the scroll bar and selection stay."""
        if not self._started:
            return
        self._stale = set(self._pages)
        for number in sorted(self._pages):
            self._want(number)
        self._start_count(self._gen)

    # --- Qt model interface --------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return False

    def fetchMore(self, parent: AnyIndex) -> None:
        return

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self._count:
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip or None
        if role not in (Qt.ItemDataRole.DisplayRole, SortRole, RowRole):
            return None
        row = self._row(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return column.formatter(column.value(row))
        if role == SortRole:
            return column.value(row)
        return row

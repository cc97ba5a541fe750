"""A table model over a paged list service: the shape of every table in the program.

The services list rows as `f(backend, token, ListQuery) -> Page[Row]` where the database
searches, filters, sorts (by a key from the service's allow-list) and cuts a window of
`limit` rows. `PagedTableModel` asks for one window at a time, in the background:

    columns = [
        Column("username", "Username", lambda r: r.username, sort_key="username"),
        money_column("balance", "Balance", lambda r: r.balance, sort_key="balance"),
        date_column("created", "Created", lambda r: r.created_at, sort_key="created_at"),
    ]
    model = PagedTableModel(columns, lambda q: users.list_users(backend, token, q), owner)
    model.set_query(search="ann", filters={"role": "admin"})   # first page, re-counted

- the first page of a query is asked with `count=True` (the total drives `canFetchMore`);
  later pages with `count=False`, at offset = rows held, as the view scrolls (`fetchMore`);
- `sort()` (the header click) re-queries with the column's `sort_key`; a column without
  one keeps the current order (the view puts the indicator back);
- the model never holds more than the pages scrolled through, so a table of a million
  customers costs one page (default 200 rows) to open;
- `SortRole` gives the native value (Decimal, date, int) for anything that compares rows;
  `RowRole` gives the row object itself; DisplayRole is the formatted text;
- a failed fetch emits `failed(exc)` (the page shows a banner or message) and keeps the
  rows already shown; `loading_changed(bool)` drives a busy indicator.

The fetch function runs on a worker thread (gui/tasks.py): it must only call the service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services.listing import ListQuery, Page

T = TypeVar("T")

SortRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter

AnyIndex = QModelIndex | QPersistentModelIndex


def format_value(value: Any) -> str:
    """Plain text for a cell: dates ISO, datetimes to the minute, yes/no, enum labels."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        label = getattr(value, "label", None)
        return str(label) if label is not None else str(value.value)
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def format_money_cell(value: Any) -> str:
    return "" if value is None else format_money(value)


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: what it shows, how, and which service sort key orders it."""

    key: str
    header: str
    value: Callable[[T], Any]
    sort_key: str | None = None
    align: Qt.AlignmentFlag = LEFT
    formatter: Callable[[Any], str] = format_value
    width: int | None = None  # initial width in pixels; the user's own width wins
    tooltip: str = ""


def money_column(key: str, header: str, value: Callable[[T], Any],
                 sort_key: str | None = None, width: int | None = 110) -> Column[T]:
    return Column(key, header, value, sort_key, RIGHT, format_money_cell, width)


def number_column(key: str, header: str, value: Callable[[T], Any],
                  sort_key: str | None = None, width: int | None = 90) -> Column[T]:
    return Column(key, header, value, sort_key, RIGHT, format_value, width)


def date_column(key: str, header: str, value: Callable[[T], Any],
                sort_key: str | None = None, width: int | None = 110) -> Column[T]:
    return Column(key, header, value, sort_key, LEFT, format_value, width)


class ColumnsModel(QAbstractTableModel, Generic[T]):
    """Rows shown through `Column`s: the roles every table of the program answers
    (DisplayRole the formatted text, SortRole the native value, RowRole the row itself,
    alignment, tooltips). `PagedTableModel` fills it from a service page by page;
    bills_widgets.RowsModel holds rows already in memory."""

    def __init__(self, columns: Sequence[Column[T]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[T] = []

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def rows(self) -> list[T]:
        return list(self._rows)

    def column_index(self, key: str) -> int:
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise KeyError(key)

    def cell_tooltip(self, column: Column[T], row: T) -> str | None:
        """A cell's tooltip: the column's own, if any."""
        return column.tooltip or None

    def header_tooltip(self, column: Column[T]) -> str | None:
        return column.tooltip or None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        column = self.columns[index.column()]
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.formatter(column.value(row))
        if role == SortRole:
            return column.value(row)
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.cell_tooltip(column, row)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align.value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tooltip(column)
        return None


Fetch = Callable[[ListQuery], Page[T]]


@dataclass
class _State:
    search: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    sort: str = ""
    descending: bool = False


class PagedTableModel(ColumnsModel[T]):
    loading_changed = Signal(bool)
    failed = Signal(object)
    total_changed = Signal(int)
    sort_changed = Signal(int, Qt.SortOrder)  # the column actually sorted by (-1: none)

    def __init__(self, columns: Sequence[Column[T]], fetch: Fetch[T],
                 owner: QObject | None = None, page_size: int = 200) -> None:
        super().__init__(columns, owner)
        self._fetch = fetch
        self.page_size = page_size
        self._total: int | None = None
        self._state = _State()
        self._generation = 0
        self._loading = False
        self._started = False

    # --- what the page calls ---------------------------------------------------------
    def set_query(self, search: str = "", filters: Mapping[str, Any] | None = None) -> None:
        self._state.search = search.strip()
        self._state.filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
        self.reload()

    def set_sort(self, sort_key: str, descending: bool = False) -> None:
        """Choose the order without loading (used before the first load)."""
        self._state.sort = sort_key
        self._state.descending = descending

    def reload(self) -> None:
        """Ask for the first page again; the rows shown stay until it arrives."""
        self._started = True
        self._generation += 1
        self._start(offset=0)

    @property
    def total(self) -> int | None:
        return self._total

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def loaded_rows(self) -> int:
        return len(self._rows)

    @property
    def query(self) -> ListQuery:
        s = self._state
        return ListQuery(search=s.search, sort=s.sort, descending=s.descending,
                         offset=0, limit=self.page_size, filters=dict(s.filters))

    def replace_rows(self, rows: Sequence[T], total: int | None) -> bool:
        """Put a fresh read of the rows held in their place without a reset (auto-refresh,
        gui/auto_refresh.py): changed rows are repainted, rows beyond the new end removed,
        new ones appended, so the view keeps its scroll position and selection. Returns
        whether anything changed."""
        old = self._rows
        changed = False
        common = min(len(old), len(rows))
        first = next((i for i in range(common) if old[i] != rows[i]), None)
        if first is not None:
            last = max(i for i in range(common) if old[i] != rows[i])
            self._rows[first:last + 1] = rows[first:last + 1]
            self.dataChanged.emit(self.index(first, 0),
                                  self.index(last, len(self.columns) - 1))
            changed = True
        if len(rows) < len(old):
            self.beginRemoveRows(QModelIndex(), len(rows), len(old) - 1)
            del self._rows[len(rows):]
            self.endRemoveRows()
            changed = True
        elif len(rows) > len(old):
            self.beginInsertRows(QModelIndex(), len(old), len(rows) - 1)
            self._rows.extend(rows[len(old):])
            self.endInsertRows()
            changed = True
        if total is not None and total != self._total:
            self._total = total
            self.total_changed.emit(total)
            changed = True
        return changed

    # --- loading ---------------------------------------------------------------------
    def _start(self, offset: int) -> None:
        generation = self._generation
        s = self._state
        query = ListQuery(search=s.search, sort=s.sort, descending=s.descending,
                          offset=offset, limit=self.page_size, count=offset == 0,
                          filters=dict(s.filters))
        self._set_loading(True)
        fetch = self._fetch

        def work(_job: Job) -> Page[T]:
            return fetch(query)

        run_task(self, work,
                 on_result=lambda page: self._on_page(generation, page),
                 on_error=lambda exc: self._on_error(generation, exc))

    def _on_page(self, generation: int, page: Page[T]) -> None:
        if generation != self._generation:
            return  # an answer to a query that has since changed
        self._set_loading(False)
        if page.offset == 0:
            self.beginResetModel()
            self._rows = list(page.rows)
            self._total = page.total if page.total is not None else len(page.rows)
            self.endResetModel()
            self.total_changed.emit(self._total)
            return
        if page.offset != len(self._rows) or not page.rows:
            if not page.rows:  # the table shrank since the count: stop asking
                self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
        self._rows.extend(page.rows)
        self.endInsertRows()
        if self._total is not None and len(self._rows) > self._total:
            self._total = len(self._rows)

    def _on_error(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self.failed.emit(exc)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    # --- Qt model interface ----------------------------------------------------------
    def canFetchMore(self, parent: AnyIndex) -> bool:
        if parent.isValid() or self._loading or self._total is None:
            return False
        return len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex) -> None:
        if self.canFetchMore(parent):
            self._start(offset=len(self._rows))

    def header_tooltip(self, column: Column[T]) -> str | None:
        return column.tooltip or (
            f"Sort by {column.header.lower()}" if column.sort_key else None)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column].sort_key if 0 <= column < len(self.columns) else None
        if key is None:
            self.sort_changed.emit(self.sorted_column(), self.sort_order())
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._state.sort and descending == self._state.descending and self._started:
            return
        self._state.sort = key
        self._state.descending = descending
        self.sort_changed.emit(column, order)
        if self._started:
            self.reload()

    def sorted_column(self) -> int:
        for i, column in enumerate(self.columns):
            if column.sort_key and column.sort_key == self._state.sort:
                return i
        return -1

    def sort_order(self) -> Qt.SortOrder:
        return (Qt.SortOrder.DescendingOrder if self._state.descending
                else Qt.SortOrder.AscendingOrder)

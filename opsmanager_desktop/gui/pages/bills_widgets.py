"""Widgets shared by the billing-area pages (readings, billing run, bills, payments, dues).

- `status_column` / `colour_statuses`: statuses and reading flags as the coloured labels
  of gui/status_colors.py, on paged tables and in-memory ones alike.
- `RowsModel` + `rows_view()`: a small table over rows already in memory (a billing run's
  exceptions, an import preview, an account's open bills), with the same `Column`s as the
  paged tables; it sorts in memory by the columns' native values (money as numbers).
  Database tables never go through it: they use the paged, service-sorted model.
- `Facts`: label/value lines of a detail pane; money values right-aligned; a value may
  be a link to what it names.
- `side_pane()`: a titled panel laid out on the page itself (Billing run, Dues), and
  `filter_caption()`: the caption before a control in a page's own filter row, styled as
  the filter bar's.
- `load_cycles()` / `load_utilities()`: reference lists for combos, in the background.
- `date_range()` / `PERIODS`: "this month", "last 90 days"... as a from/to pair for the
  list services' date filters; `account_filter()`: an exact account number box in a
  filter bar.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.status_colors import color_status_column
from opsmanager_desktop.gui.table_model import Column, ColumnsModel
from opsmanager_desktop.gui.table_view import style_rows
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import cycles, utilities
from opsmanager_desktop.services.cycles import CycleRow
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.utilities import UtilityRow

T = TypeVar("T")


def status_text(value: object) -> str:
    """`OVERDUE` -> `Overdue`; a tuple of flags the same way, comma-separated."""
    if value is None:
        return ""
    raw = getattr(value, "value", value)
    if isinstance(raw, tuple | list):
        return ", ".join(status_text(v) for v in raw)
    return str(raw).replace("_", " ").capitalize()


def flag_value(flags: tuple[Any, ...]) -> str | None:
    """A reading's flags as one value the status palette knows (HIGH and ZERO never come
    together: a reading is either far above the average or zero)."""
    return ", ".join(str(getattr(f, "value", f)) for f in flags) or None


def status_column(key: str, header: str, value: Callable[[T], Any],
                  sort_key: str | None = None, width: int = 100) -> Column[T]:
    """A status shown as a coloured label (gui/status_colors.py) once the page calls
    `colour_statuses`; the value stays the status itself (the colour follows it)."""
    return Column(key, header, value, sort_key, formatter=status_text, width=width)


def colour_statuses(view: QTableView, columns: Sequence[Column[Any]],
                    keys: Iterable[str]) -> None:
    """status_colors.color_status_column on those of `keys` that `columns` has (a view
    whose columns vary, such as an import preview's, names them all)."""
    wanted = set(keys)
    color_status_column(view, *(c.key for c in columns if c.key in wanted))


def _sortable(value: Any) -> tuple[int, Any]:
    """None last; numbers, dates and text each compared among themselves."""
    if value is None:
        return (3, 0)
    if isinstance(value, bool | int | float | Decimal):
        return (0, value)
    if isinstance(value, date):
        return (1, value.toordinal())
    return (2, str(getattr(value, "value", value)).lower())


class RowsModel(ColumnsModel[T]):
    """The shared column roles (gui/table_model.ColumnsModel) over rows in memory; the
    header sorts them here, and a cell too long for its column says itself as a tooltip."""

    def __init__(self, columns: Sequence[Column[T]], rows: Sequence[T] = (),
                 parent: QObject | None = None) -> None:
        super().__init__(columns, parent)
        self._rows = list(rows)

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def cell_tooltip(self, column: Column[T], row: T) -> str | None:
        text = column.formatter(column.value(row))
        return text if len(text) > 30 else (column.tooltip or None)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        value = self.columns[column].value
        self.layoutAboutToBeChanged.emit()
        self._rows.sort(key=lambda r: _sortable(value(r)),
                        reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()


def rows_view(model: RowsModel[Any], *, statuses: Iterable[str] = (),
              sortable: bool = True) -> QTableView:
    view = QTableView()
    view.setObjectName("rowsTable")
    view.setModel(model)
    style_rows(view, model.columns, row_height=26)  # a little denser than the list pages
    view.setSortingEnabled(sortable)
    if sortable:
        view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    colour_statuses(view, model.columns, statuses)
    return view


def money_text(value: Decimal | None) -> str:
    return "" if value is None else format_money(value)


class Facts(QWidget):
    """Label/value lines; `set_facts` replaces them all. Money (a Decimal) is right-aligned
    in a column as wide as the widest amount, next to its label, so amounts line up like a
    statement; text values take the rest of the width and wrap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(3)
        self.grid.setColumnStretch(2, 1)
        self.values: dict[str, QLabel] = {}
        self.links: dict[str, str] = {}

    def set_facts(self, facts: Sequence[tuple[str, str | Decimal | None]]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.values = {}
        self.links = {}
        for row, (label, value) in enumerate(facts):
            caption = QLabel(label)
            caption.setObjectName("factLabel")
            caption.setStyleSheet("color: #5a6878;")
            money = isinstance(value, Decimal)
            text = money_text(value) if isinstance(value, Decimal) else (value or "")
            shown = QLabel(text)
            shown.setObjectName("factValue")
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            if money:
                shown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.grid.addWidget(shown, row, 1)
            else:
                shown.setWordWrap(True)
                self.grid.addWidget(shown, row, 1, 1, 2)
            self.values[label] = shown

    def value(self, label: str) -> str:
        if label in self.links:
            return self.links[label]
        found = self.values.get(label)
        return found.text() if found is not None else ""

    def set_link(self, label: str, on_click: Callable[[], object]) -> None:
        """Make the value of `label` a link to what it names (a statement number leading to
        the Statements page); `value(label)` still gives the plain text."""
        shown = self.values[label]
        text = shown.text()
        shown.setTextFormat(Qt.TextFormat.RichText)
        shown.setText(f'<a href="#">{html.escape(text)}</a>')
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        shown.setToolTip(f"Show {text}")
        shown.linkActivated.connect(lambda _href: on_click())
        self.links[label] = text


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def filter_caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("filterCaption")
    return label


def side_pane(title: str, *, wrap: bool = False) -> tuple[QFrame, QVBoxLayout, QLabel]:
    """A panel framed like a detail pane, its title on top; returns (frame, its column,
    the title). Its top margin is a little tighter than a detail pane's (no subtitle)."""
    frame = QFrame()
    frame.setObjectName("detailPane")
    column = QVBoxLayout(frame)
    column.setContentsMargins(14, 10, 14, 12)
    label = QLabel(title)
    label.setObjectName("detailTitle")
    label.setWordWrap(wrap)
    column.addWidget(label)
    return frame, column, label


ALL_CYCLES = ListQuery(sort="period", descending=True, limit=1000, count=False)


def load_cycles(owner: QObject, ctx: AppContext, on_rows: Callable[[list[CycleRow]], object],
                on_error: Callable[[BaseException], object]) -> None:
    """The billing cycles, newest first (a thousand months is 80 years: all of them)."""
    backend, token = ctx.backend, ctx.token
    run_task(owner, lambda _job: cycles.list_cycles(backend, token, ALL_CYCLES).rows,
             on_result=on_rows, on_error=on_error)


def load_utilities(owner: QObject, ctx: AppContext,
                   on_rows: Callable[[list[UtilityRow]], object],
                   on_error: Callable[[BaseException], object]) -> None:
    backend, token = ctx.backend, ctx.token
    run_task(owner, lambda _job: utilities.list_utilities(backend, token),
             on_result=on_rows, on_error=on_error)


def fill_combo(combo: QComboBox, items: Iterable[tuple[str, Any]], keep: Any = None) -> None:
    """Append items without firing `currentIndexChanged`; select `keep` when present."""
    combo.blockSignals(True)
    for text, value in items:
        combo.addItem(text, value)
    if keep is not None and combo.findData(keep) >= 0:
        combo.setCurrentIndex(combo.findData(keep))
    combo.blockSignals(False)


PERIODS = [("this month", "this_month"), ("last month", "last_month"),
           ("last 90 days", "last_90"), ("this year", "this_year")]


def date_range(choice: str, today: date) -> tuple[date, date] | None:
    """The first and last day of a PERIODS choice (None: any date)."""
    first = today.replace(day=1)
    if choice == "this_month":
        return first, today
    if choice == "last_month":
        end = first - timedelta(days=1)
        return end.replace(day=1), end
    if choice == "last_90":
        return today - timedelta(days=90), today
    if choice == "this_year":
        return today.replace(month=1, day=1), today
    return None


def account_filter(bar: FilterBar) -> QLineEdit:
    """An exact account number box beside the bar's combos (before its closing stretch);
    the page reads it into its query and saves it with the filter state. The search box is
    narrowed a little so a bar with several combos still fits a 1280-pixel window."""
    edit = QLineEdit()
    edit.setObjectName("accountFilter")
    edit.setPlaceholderText("Account no.")
    edit.setToolTip("Only this account's rows (the exact account number)")
    edit.setClearButtonEnabled(True)
    edit.setFixedWidth(120)
    row = bar.layout()
    assert isinstance(row, QBoxLayout)
    row.insertWidget(row.count() - 1, edit)
    compact_search(bar)
    return edit


def compact_search(bar: FilterBar) -> None:
    bar.search.setMinimumWidth(170)


def channel_text(value: object) -> str:
    """CASH -> Cash, but POS stays POS."""
    text = str(getattr(value, "value", value))
    return text if text == "POS" else text.capitalize()

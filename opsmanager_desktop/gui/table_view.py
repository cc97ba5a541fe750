"""The table view every list page uses, wired to a PagedTableModel.

- header clicks sort through the model (the service sorts); a column the service cannot
  sort by keeps the previous indicator;
- column widths, order and sort are saved to and restored from QSettings per page
  (`save_state` / `restore_state`, called by ListPage);
- an empty result paints a short sentence in the viewport instead of a blank grid;
- Enter or a double click emits `activated_row(row_object)`.

`style_rows()` is the look and behaviour every table of whole rows shares (the list pages'
DataTable and the in-memory tables of gui/pages/bills_widgets.rows_view): one row selected
at a time, read-only, striped, no grid, no row numbers, columns at their `Column.width`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from opsmanager_desktop.gui.table_model import Column, PagedTableModel, RowRole


def style_rows(view: QTableView, columns: Sequence[Column[Any]], row_height: int) -> None:
    """Whole-row, read-only, striped; the last column takes what width is left."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setShowGrid(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(row_height)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for i, column in enumerate(columns):
        if column.width:
            view.setColumnWidth(i, column.width)


class DataTable(QTableView):
    activated_row = Signal(object)
    selection_changed = Signal(object)  # the selected row object or None

    def __init__(self, model: PagedTableModel[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paged_model = model
        self.empty_text = "Nothing to show."
        self.setModel(model)
        self.setObjectName("dataTable")
        style_rows(self, model.columns, row_height=28)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicatorClearable(False)
        self._apply_indicator(model.sorted_column(), model.sort_order())
        self.setSortingEnabled(True)
        model.sort_changed.connect(self._apply_indicator)
        model.modelReset.connect(self.viewport().update)
        self.doubleClicked.connect(self._on_double_clicked)
        self.selectionModel().currentRowChanged.connect(self._on_current_changed)
        model.modelReset.connect(lambda: self.selection_changed.emit(None))

    def _apply_indicator(self, column: int, order: Qt.SortOrder) -> None:
        header = self.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(False)
        header.viewport().update()

    def current_row(self) -> Any:
        index = self.currentIndex()
        if not index.isValid() or not self.selectionModel().isRowSelected(index.row()):
            return None
        return self.paged_model.data(index, RowRole)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.activated_row.emit(self.paged_model.data(index, RowRole))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.selection_changed.emit(
            self.paged_model.data(current, RowRole) if current.isValid() else None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            row = self.current_row()
            if row is not None:
                self.activated_row.emit(row)
                return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.paged_model.rowCount() == 0:
            text = "Loading..." if self.paged_model.loading else self.empty_text
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect().adjusted(0, 24, 0, 0),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
            painter.end()

    # --- remembered layout -------------------------------------------------------------
    def save_state(self) -> QByteArray:
        return self.horizontalHeader().saveState()

    def restore_state(self, state: QByteArray | None) -> None:
        """Widths and order from the saved header; the sort too, before the first load."""
        header = self.horizontalHeader()
        if state is None or not header.restoreState(state):
            return
        column = header.sortIndicatorSection()
        model = self.paged_model
        if 0 <= column < len(model.columns) and model.columns[column].sort_key:
            key = model.columns[column].sort_key
            assert key is not None
            model.set_sort(key, header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
        self._apply_indicator(model.sorted_column(), model.sort_order())

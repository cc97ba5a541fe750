"""Statuses in colour: a small rounded label per cell, the same colours on every page.

    from opsmanager_desktop.gui.status_colors import color_status_column
    color_status_column(page.table, "status")      # the Column key

The colour follows the cell's value (SortRole: a BillStatus, ReadingStatus,
ConnectionStatus or plain text such as "REVERSED"), so it never depends on how the text is
worded. Unknown values are drawn as plain text. `status_colors(value)` gives the pair
(text, background) for other widgets (detail panes, the dashboard).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from opsmanager_desktop.gui.table_model import ColumnsModel, SortRole
from opsmanager_desktop.gui.table_view import DataTable

_GREEN = ("#1d5f31", "#dff2e5")
_BLUE = ("#134a7c", "#dde9f6")
_AMBER = ("#6b4a00", "#fdf0cf")
_RED = ("#8f1d16", "#fbe1de")
_GREY = ("#4a5866", "#e9edf1")

STATUS_COLORS: dict[str, tuple[str, str]] = {
    # bills
    "GENERATED": _GREY, "DUE": _BLUE, "OVERDUE": _RED, "PAID": _GREEN,
    # readings
    "SUBMITTED": _AMBER, "APPROVED": _GREEN, "REJECTED": _RED,
    # connections
    "ACTIVE": _GREEN, "DISCONNECTED": _AMBER, "CLOSED": _GREY,
    # payments and account history
    "POSTED": _GREEN, "REVERSED": _RED,
    # billing cycles; account statements (OPEN: its bills still owe something)
    "OPEN": _BLUE, "SETTLED": _GREEN,
    # bill distribution (NO_RECORD: nobody has reported the bill's delivery yet)
    "HANDED_OVER": _GREEN, "EMAILED": _BLUE, "NOT_DELIVERED": _RED, "NO_RECORD": _GREY,
    # reading plausibility flags; import preview rows (what an import would do with them)
    "HIGH": _RED, "ZERO": _AMBER, "OK": _GREEN, "PROBLEM": _RED, "SKIPPED": _GREY,
    # field records (enumerations, evaluations) and the meter conditions an inspection finds
    "PENDING": _AMBER, "DAMAGED": _AMBER, "TAMPERED": _RED, "BYPASSED": _RED, "MISSING": _RED,
    # complaints and support tickets (OPEN and CLOSED as above)
    "ASSIGNED": _BLUE, "IN_PROGRESS": _AMBER, "INFO_NEEDED": _AMBER, "RESOLVED": _GREEN,
    # notifications outbox
    "QUEUED": _BLUE, "SENDING": _AMBER, "SENT": _GREEN, "FAILED": _RED,
    # disconnection lists and ticket outcomes (OPEN, APPROVED, CLOSED, DISCONNECTED as above)
    "DRAFT": _GREY, "CANCELLED": _GREY, "NOT_DISCONNECTED": _AMBER, "RECONNECTED": _GREEN,
    "NOT_RECONNECTED": _AMBER,
    # network assets (substations, transformers)
    "OPERATIONAL": _GREEN, "FAULTY": _RED, "UNDER_MAINTENANCE": _AMBER, "DECOMMISSIONED": _GREY,
}


def _key(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    return str(value).strip().upper() if value is not None else ""


def status_text(value: Any) -> str:
    """A stored status as words (OPEN -> Open, IN_PROGRESS -> In progress), the way every
    page shows them; a Column formatter (the colour follows the stored value)."""
    return _key(value).replace("_", " ").capitalize()


def status_colors(value: Any) -> tuple[str, str] | None:
    """(text colour, background colour) of a status, or None for an unknown one."""
    return STATUS_COLORS.get(_key(value))


AnyIndex = QModelIndex | QPersistentModelIndex


class StatusDelegate(QStyledItemDelegate):
    """Draws the cell's text in a rounded label coloured by the status."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        colors = status_colors(index.data(SortRole))
        if colors is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:  # background, selection and focus as for any cell
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        metrics = opt.fontMetrics
        width = metrics.horizontalAdvance(text) + 14
        height = min(opt.rect.height() - 6, metrics.height() + 6)
        box = QRect(opt.rect.left() + 5, opt.rect.top() + (opt.rect.height() - height) // 2,
                    min(width, opt.rect.width() - 10), height)
        fore, back = colors
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(back))
        painter.drawRoundedRect(box, height / 2, height / 2)
        painter.setPen(QColor(fore))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter,
                         metrics.elidedText(text, Qt.TextElideMode.ElideRight, box.width() - 8))
        painter.restore()


def color_status_column(view: QTableView, *keys: str) -> StatusDelegate:
    """Give the columns named `keys` (Column.key) the status labels: a page's table or
    any view over a table_model.ColumnsModel (bills_widgets.RowsModel)."""
    model = view.paged_model if isinstance(view, DataTable) else view.model()
    if not isinstance(model, ColumnsModel):
        raise TypeError("status colours need a view over a ColumnsModel")
    delegate = StatusDelegate(view)
    for key in keys:
        view.setItemDelegateForColumn(model.column_index(key), delegate)
    return delegate

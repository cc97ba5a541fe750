"""The pane right of the readings table: the selected reading, its meter photo and the
meter's last 3 readings before it (services.readings.get_reading_context /
get_reading_photo), what a supervisor needs to approve or reject without leaving the
queue."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.errors import NotFound
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import scrolled_detail
from opsmanager_desktop.gui.pages.bills_widgets import (
    Facts,
    RowsModel,
    flag_value,
    rows_view,
    section_title,
    status_column,
    status_text,
)
from opsmanager_desktop.gui.table_model import Column, format_value
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import readings
from opsmanager_desktop.services.readings import ReadingContext, ReadingRow

PHOTO_WIDTH, PHOTO_HEIGHT = 300, 200


def units_text(value: Decimal | None) -> str:
    """Meter values with thousands separators and no trailing zeros: 12,345.5."""
    if value is None:
        return ""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def units_column(key: str, header: str, value: Callable[[ReadingRow], Decimal | None],
                 sort_key: str | None = None, width: int = 90) -> Column[ReadingRow]:
    return Column(key, header, value, sort_key, Qt.AlignmentFlag.AlignRight
                  | Qt.AlignmentFlag.AlignVCenter, units_text, width)


class ReadingDetail(QFrame):
    def __init__(self, ctx: AppContext, on_error: Callable[[BaseException], object]) -> None:
        super().__init__()
        self.ctx = ctx
        self._on_error = on_error
        self._asked: int | None = None  # the reading whose context is on its way
        self.context: ReadingContext | None = None
        layout, self.title, self.subtitle = scrolled_detail(
            self, "Select a reading to see its photo and the meter's history.", 360)
        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 4, 0, 0)
        top = QHBoxLayout()
        top.setSpacing(12)
        self.facts = Facts()
        top.addWidget(self.facts, 1)
        column.addLayout(top)
        column.addWidget(section_title("Photo"))
        self.photo = QLabel()
        self.photo.setObjectName("readingPhoto")
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setMinimumHeight(80)
        self.photo.setStyleSheet("background: #eef2f6; border-radius: 4px; color: #5a6878;")
        column.addWidget(self.photo)
        column.addWidget(section_title("Last 3 readings of this meter"))
        self.history_model: RowsModel[ReadingRow] = RowsModel([
            Column("period", "Cycle", lambda r: r.period, width=65),
            units_column("current", "Reading", lambda r: r.current_reading, width=80),
            units_column("units", "Units", lambda r: r.units, width=60),
            status_column("status", "Status", lambda r: r.status, width=92),
            status_column("flags", "Flags", lambda r: flag_value(r.flags), width=55),
        ], parent=self)
        self.history = rows_view(self.history_model, statuses=["status", "flags"],
                                 sortable=False)
        self.history.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history.setFixedHeight(  # three readings, no scrolling
            self.history.horizontalHeader().sizeHint().height() + 3 * 26 + 4)
        column.addWidget(self.history)
        self.average = QLabel()
        self.average.setObjectName("hint")
        self.average.setWordWrap(True)
        column.addWidget(self.average)
        column.addStretch(1)
        self.content.setVisible(False)
        layout.addWidget(self.content, 1)

    def clear(self) -> None:
        self._asked = None
        self.context = None
        self.title.setText("Select a reading to see its photo and the meter's history.")
        self.subtitle.clear()
        self.content.setVisible(False)

    def show_reading(self, row: ReadingRow) -> None:
        self._asked = row.id
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: readings.get_reading_context(backend, token, row.id),
                 on_result=self._on_context, on_error=self._on_failed)
        self.photo.setPixmap(QPixmap())
        if row.has_photo:
            self.photo.setText("Loading the photo...")
            run_task(self, lambda _job: readings.get_reading_photo(backend, token, row.id),
                     on_result=lambda data: self._on_photo(row.id, data),
                     on_error=lambda exc: self._on_photo_failed(row.id, exc))
        else:
            self.photo.setText("No photo was taken with this reading.")

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFound):  # deleted or replaced since the list was loaded
            self.clear()
            return
        self._on_error(exc)

    def _on_context(self, context: ReadingContext) -> None:
        r = context.reading
        if r.id != self._asked:
            return
        self.context = context
        self.title.setText(f"Meter {r.meter_number} · {r.account_no} {r.customer_name}")
        state = status_text(r.status)
        flags = f", flagged {status_text(r.flags)}" if r.flags else ""
        self.subtitle.setText(f"Reading {r.id} of {r.period}, {r.utility}: {state}{flags}")
        decided = ""
        if r.decided_by:
            decided = f"{r.decided_by}, {format_value(r.decided_at)}"
        facts: list[tuple[str, str | Decimal | None]] = [
            ("Read on", format_value(r.read_at)),
            ("Previous", units_text(r.previous_reading)),
            ("Current", units_text(r.current_reading)),
            ("Units", units_text(r.units)),
            ("Source", status_text(r.source) + (" (estimated)" if r.is_estimated else "")),
            ("Reader", r.reader or "-"),
            ("Entered by", f"{r.entered_by}, {format_value(r.entered_at)}"),
        ]
        if decided:
            facts.append(("Decided by", decided))
        if r.reject_reason:
            facts.append(("Rejected because", r.reject_reason))
        self.facts.set_facts(facts)
        self.history_model.set_rows(context.history)
        if context.average_units is None:
            self.average.setText("No approved readings yet to compare with.")
        else:
            self.average.setText(f"Average of the last approved readings: "
                                 f"{units_text(context.average_units)} units; this one: "
                                 f"{units_text(r.units)}.")
        self.content.setVisible(True)

    def _on_photo(self, reading_id: int, data: bytes) -> None:
        if reading_id != self._asked:
            return
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            self.photo.setText("The photo could not be shown (not an image this program "
                               "can read).")
            return
        self.photo.setPixmap(pixmap.scaled(
            PHOTO_WIDTH, PHOTO_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))

    def _on_photo_failed(self, reading_id: int, exc: BaseException) -> None:
        if reading_id != self._asked:
            return
        if isinstance(exc, NotFound):
            self.photo.setText("No photo was taken with this reading.")
            return
        self.photo.setText("The photo could not be loaded.")
        self._on_error(exc)

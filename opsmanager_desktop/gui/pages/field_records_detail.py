"""The panes right of the field-record tables: the selected enumeration with its possible
duplicates, or the selected inspection with the tariff found against the one billed; the
first photo of each as a thumbnail. What a supervisor needs to decide without leaving the
queue."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from opsmanager_desktop.domain.errors import NotFound
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import scrolled_detail
from opsmanager_desktop.gui.pages.bills_widgets import (
    Facts,
    RowsModel,
    money_text,
    rows_view,
    section_title,
    status_column,
    status_text,
)
from opsmanager_desktop.gui.table_model import Column, format_value
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import enumerations, evaluations
from opsmanager_desktop.services.enumerations import Duplicate, EnumerationDetail
from opsmanager_desktop.services.evaluations import EvaluationDetail

PHOTO_WIDTH, PHOTO_HEIGHT = 300, 200
Facts_ = list[tuple[str, str | Decimal | None]]


def decided_facts(r: Any) -> Facts_:
    facts: Facts_ = [("Recorded by", f"{r.recorded_by}, {format_value(r.recorded_at)}")]
    if r.decided_by:
        facts.append(("Decided by", f"{r.decided_by}, {format_value(r.decided_at)}"))
    if r.reject_reason:
        facts.append(("Rejected because", r.reject_reason))
    return facts


class RecordDetail(QFrame):
    """Title, facts, a section the subclass fills, and the first photo."""

    empty = "Select a record."

    def __init__(self, ctx: AppContext, on_error: Callable[[BaseException], object]) -> None:
        super().__init__()
        self.ctx = ctx
        self._on_error = on_error
        self._asked: int | None = None
        layout, self.title, self.subtitle = scrolled_detail(self, self.empty, 360)
        self.content = QWidget()
        self.column = QVBoxLayout(self.content)
        self.column.setContentsMargins(0, 4, 0, 0)
        self.facts = Facts()
        self.column.addWidget(self.facts)
        self.add_section()
        self.column.addWidget(section_title("Photo"))
        self.photo = QLabel()
        self.photo.setObjectName("fieldPhoto")
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setMinimumHeight(80)
        self.photo.setStyleSheet("background: #eef2f6; border-radius: 4px; color: #5a6878;")
        self.column.addWidget(self.photo)
        self.column.addStretch(1)
        self.content.setVisible(False)
        layout.addWidget(self.content, 1)

    def add_section(self) -> None:
        """Widgets between the facts and the photo."""

    def load(self, record_id: int) -> object:
        raise NotImplementedError

    def clear(self) -> None:
        self._asked = None
        self.title.setText(self.empty)
        self.subtitle.clear()
        self.content.setVisible(False)

    def show_record(self, record_id: int) -> None:
        self._asked = record_id
        run_task(self, lambda _job: self.load(record_id),
                 on_result=self._loaded, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFound):
            self.clear()
            return
        self._on_error(exc)

    def _loaded(self, detail: Any) -> None:
        if detail.record.id != self._asked:
            return
        self.fill(detail)
        self.content.setVisible(True)
        self.photo.setPixmap(QPixmap())
        if not detail.photos:
            self.photo.setText("No photo was taken.")
            return
        first = detail.photos[0]
        more = len(detail.photos) - 1
        self.photo.setText("Loading the photo...")
        self.photo.setToolTip(first.file_name + (f" (and {more} more)" if more else ""))
        backend, token = self.ctx.backend, self.ctx.token
        record_id = detail.record.id
        run_task(self, lambda _job: enumerations.get_field_photo(backend, token, first.id),
                 on_result=lambda data: self._photo(record_id, data),
                 on_error=lambda exc: self.photo.setText("The photo could not be loaded."))

    def fill(self, detail: Any) -> None:
        raise NotImplementedError

    def _photo(self, record_id: int, data: bytes) -> None:
        if record_id != self._asked:
            return
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            self.photo.setText("The photo could not be shown.")
            return
        self.photo.setPixmap(pixmap.scaled(
            PHOTO_WIDTH, PHOTO_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))


class EnumerationPane(RecordDetail):
    empty = "Select an enumeration to see it with its possible duplicates."

    def add_section(self) -> None:
        self.column.addWidget(section_title("Possible duplicates"))
        self.duplicates_model: RowsModel[Duplicate] = RowsModel([
            Column("account", "Account", lambda d: d.account_no, width=86),
            Column("name", "Name", lambda d: d.name, width=88),
            Column("match", "Same", lambda d: "+".join(d.matched_by), width=100),
            Column("meter", "Meter", lambda d: d.meter_number or "", width=88),
            status_column("status", "Status", lambda d: d.connection_status or "",
                          width=72),
        ], parent=self)
        self.duplicates = rows_view(self.duplicates_model, statuses=["status"],
                                    sortable=False)
        self.duplicates.setObjectName("duplicatesView")
        self.duplicates.setFixedHeight(130)
        self.column.addWidget(self.duplicates)
        self.no_duplicates = QLabel("No customer or connection has this account number, "
                                    "meter or phone.")
        self.no_duplicates.setObjectName("hint")
        self.no_duplicates.setWordWrap(True)
        self.column.addWidget(self.no_duplicates)

    def load(self, record_id: int) -> EnumerationDetail:
        return enumerations.get_enumeration(self.ctx.backend, self.ctx.token, record_id)

    def fill(self, detail: EnumerationDetail) -> None:
        r = detail.record
        self.title.setText(f"{r.name} · meter {r.meter_number}")
        what = "new customer" if r.kind.value == "NEW" else f"update of {r.account_no}"
        self.subtitle.setText(f"Enumeration {r.id}, {what}: {status_text(r.status)}")
        gps = (f"{r.latitude}, {r.longitude}" if r.latitude is not None
               and r.longitude is not None else "-")
        facts: Facts_ = [
            ("Account", r.account_no or "(given on approval)"),
            ("Address", r.address or "-"), ("Phone", r.phone or "-"),
            ("E-mail", r.email or "-"), ("Utility", r.utility),
            ("Tariff proposed", r.tariff_code or "-"), ("DT", r.transformer_code or "-"),
            ("GPS", gps), ("Notes", r.notes or "-"), *decided_facts(r)]
        self.facts.set_facts(facts)
        self.duplicates_model.set_rows(detail.duplicates)
        self.duplicates.setVisible(bool(detail.duplicates))
        self.no_duplicates.setVisible(not detail.duplicates)


class EvaluationPane(RecordDetail):
    empty = "Select an inspection to see the tariff found against the one billed."

    def add_section(self) -> None:
        self.tariffs = QLabel()
        self.tariffs.setObjectName("tariffCompare")
        self.tariffs.setWordWrap(True)
        self.column.addWidget(self.tariffs)

    def load(self, record_id: int) -> EvaluationDetail:
        return evaluations.get_evaluation(self.ctx.backend, self.ctx.token, record_id)

    def fill(self, detail: EvaluationDetail) -> None:
        r = detail.record
        self.title.setText(f"Meter {r.meter_number} · {r.account_no} {r.customer_name}")
        self.subtitle.setText(f"Inspection {r.id} of {format_value(r.inspected_at)}: "
                              f"{status_text(r.status)}")
        self.facts.set_facts([
            ("Meter", status_text(r.meter_condition)), ("Evidence", r.evidence or "-"),
            ("Estimated loss", money_text(r.estimated_loss)),
            ("Penalty", money_text(r.penalty)), ("Notes", r.notes or "-"),
            *decided_facts(r)])
        if not r.tariff_differs:
            text = f"Tariff found {r.tariff_found} is the one billed: no change."
            colour = "#1d5f31"
        else:
            text = f"Tariff found {r.tariff_found}, billed {r.tariff_billed}."
            if r.tariff_applied_at is not None:
                text += f" Billed on {r.tariff_found} since cycle {r.effective_period}."
            elif r.effective_period:
                text += (f" {r.tariff_found} bills from cycle {r.effective_period}; the "
                         "cycles before keep their plan.")
            else:
                text += " On approval the plan found bills from the next cycle."
            colour = "#8f1d16"
        if detail.current_tariff not in (r.tariff_found, r.tariff_billed):
            text += f" The connection is now on {detail.current_tariff}."
        self.tariffs.setText(text)
        self.tariffs.setStyleSheet(f"color: {colour}; font-weight: 600;")

"""Reading dialogs: enter one reading (billing officers), reject with a reason
(supervisors), and the import of a handheld or AMR file with its preview."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.errors import OpsError, invalid
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.errors import error_message
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.bills_import_preview import ImportPreviewDialog
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import readings
from opsmanager_desktop.services.cycles import CycleRow
from opsmanager_desktop.services.import_preview import ImportPreview
from opsmanager_desktop.services.reading_import import check_readings_file
from opsmanager_desktop.services.readings import ReadingImportResult, ReadingRow
from opsmanager_desktop.services.utilities import UtilityRow

REASON_MAX = readings.REASON_MAX


def cycle_combo(cycles: Sequence[CycleRow], chosen: str | None) -> QComboBox:
    """The open cycles (readings go only to open ones), `chosen` or the newest first."""
    combo = QComboBox()
    for row in cycles:
        if row.status is CycleStatus.OPEN:
            combo.addItem(row.period, row.period)
    if chosen is not None and combo.findData(chosen) >= 0:
        combo.setCurrentIndex(combo.findData(chosen))
    return combo


def date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def picked_date(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


class ReadingEntryDialog(FormDialog):
    """One reading typed in from a meter card (source MANUAL), with an optional photo."""

    def __init__(self, ctx: AppContext, cycles: Sequence[CycleRow],
                 utilities: Sequence[UtilityRow], cycle: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Enter a meter reading", ok_text="Save reading",
                         intro="The reading goes to a supervisor for approval; only approved "
                               "readings are billed.")
        self.setObjectName("readingEntryDialog")
        self.ctx = ctx
        self.cycle = self.add_field("Billing cycle", cycle_combo(cycles, cycle), "period",
                                    "cycle")
        self.utility = self.add_field("Utility", QComboBox(), "utility")
        for utility in utilities:
            if utility.is_active:
                self.utility.addItem(utility.name, utility.code)
        self.meter = self.add_field("Meter number", QLineEdit(), "meter", "meter_number")
        self.reading = self.add_field("Reading", QLineEdit(), "reading")
        self.reading.setPlaceholderText("the value on the meter, e.g. 12345.6")
        self.read_at = self.add_field("Read on", date_edit(ctx.backend.now().date()),
                                      "read_at", "read on")
        self.reader = self.add_field("Read by", QLineEdit(), "reader")
        self.reader.setPlaceholderText("the meter reader (optional)")
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        self.photo = QLineEdit()
        self.photo.setPlaceholderText("optional: a JPEG or PNG of the meter")
        browse = QPushButton("Browse...")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        row.addWidget(self.photo, 1)
        row.addWidget(browse)
        self.add_field("Photo", holder, "photo")
        self.meter.setFocus()
        self.setMinimumWidth(480)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Photo of the meter", "", "Images (*.jpg *.jpeg *.png *.gif *.webp)")
        if path:
            self.photo.setText(path)

    def collect(self) -> dict[str, Any]:
        if self.cycle.currentData() is None:
            raise invalid("cycle", "no billing cycle is open; ask an administrator to open "
                          "one")
        return {"period": self.cycle.currentData(), "utility": self.utility.currentData(),
                "meter": self.meter.text().strip(), "reading": self.reading.text().strip(),
                "read_at": picked_date(self.read_at), "reader": self.reader.text(),
                "photo": self.photo.text().strip()}

    def submit(self, values: dict[str, Any], job: Job) -> ReadingRow:
        photo: bytes | None = None
        name = "photo"
        if values["photo"]:
            path = Path(values["photo"])
            try:
                photo = path.read_bytes()
            except OSError as exc:
                raise invalid("photo", f"cannot read {path.name}: {exc.strerror}") from None
            name = path.name
        return readings.enter_reading(
            self.ctx.backend, self.ctx.token, values["meter"], values["utility"] or "",
            values["period"], values["reading"], values["read_at"], reader=values["reader"],
            photo=photo, photo_name=name)


@dataclass(frozen=True)
class Rejected:
    done: tuple[int, ...]
    failed: tuple[tuple[int, str], ...]  # reading id, the service's message


class RejectDialog(FormDialog):
    """Send one or more SUBMITTED readings back with a reason; the billing officer enters
    them again."""

    def __init__(self, ctx: AppContext, rows: Sequence[ReadingRow],
                 parent: QWidget | None = None) -> None:
        one = len(rows) == 1
        what = (f"the reading of meter {rows[0].meter_number} ({rows[0].period})" if one
                else f"{len(rows)} readings")
        super().__init__(parent, "Reject reading" if one else "Reject readings",
                         ok_text="Reject",
                         intro=f"Reject {what}? The billing officer sees the reason and "
                               "enters the reading again.")
        self.setObjectName("rejectDialog")
        self.ctx = ctx
        self.ids = [r.id for r in rows]
        self.reason = self.add_field("Reason", QLineEdit(), "reason")
        self.reason.setMaxLength(REASON_MAX)
        self.reason.setPlaceholderText("e.g. digits misread: photo shows 12,480")
        self.setMinimumWidth(540)

    def collect(self) -> str:
        return str(self.reason.text())

    def submit(self, values: str, job: Job) -> Rejected:
        backend, token = self.ctx.backend, self.ctx.token
        done: list[int] = []
        failed: list[tuple[int, str]] = []
        first: OpsError | None = None
        # one transaction per reading (the service decides one at a time): say which failed
        for reading_id in self.ids:
            try:
                readings.reject_reading(backend, token, reading_id, values)
                done.append(reading_id)
            except OpsError as exc:
                first = first or exc
                failed.append((reading_id, error_message(exc)))
        if not done and first is not None:
            raise first  # nothing rejected: the message goes to the form (e.g. the reason)
        return Rejected(tuple(done), tuple(failed))


class ReadingImportDialog(ImportPreviewDialog):
    noun = ("reading", "readings")

    def __init__(self, ctx: AppContext, path: Path, cycles: Sequence[CycleRow],
                 cycle: str | None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, path, "Import meter readings", parent)
        self.cycle = cycle_combo(cycles, cycle)
        self.form.addRow("Billing cycle", self.cycle)
        self.source = QComboBox()
        self.source.addItem("Handheld file (IMPORT)", "import")
        self.source.addItem("Automatic meter reading export (AMR)", "amr")
        self.form.addRow("Source", self.source)
        self.cycle.currentIndexChanged.connect(lambda _i: self.settings_changed())
        self.source.currentIndexChanged.connect(lambda _i: self.settings_changed())

    def capture(self) -> tuple[str, str]:
        period = self.cycle.currentData()
        if period is None:
            raise invalid("cycle", "no billing cycle is open; ask an administrator to open one")
        return str(period), str(self.source.currentData())

    def check(self, job: Job) -> ImportPreview:
        period, source = self.values
        return check_readings_file(self.ctx.backend, self.ctx.token, self.path, period,
                                   source=source, progress=self.progress_hook(job, "Checking"),
                                   cancelled=lambda: job.cancelled)

    def run_import(self, job: Job, skip_invalid: bool) -> ReadingImportResult:
        period, source = self.values
        return readings.import_readings(
            self.ctx.backend, self.ctx.token, self.path, period, source=source,
            skip_invalid=skip_invalid, progress=self.progress_hook(job, "Importing"),
            cancelled=lambda: job.cancelled)

    def done_text(self, result: Any) -> str:
        r: ReadingImportResult = result
        text = f"{r.imported:,} reading{'' if r.imported == 1 else 's'} of {r.cycle} imported"
        flagged = r.flagged_high + r.flagged_zero
        if flagged:
            text += f" ({flagged:,} flagged for review)"
        if r.replaced_rejected:
            text += f"; {r.replaced_rejected:,} replace rejected ones"
        if r.rejected and r.rejects_path is not None:
            text += f"; {r.rejected:,} rows with problems written to {r.rejects_path.name}"
        return text + ". They wait for a supervisor's approval."

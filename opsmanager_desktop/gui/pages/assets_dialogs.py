"""Dialogs of the Network page: add or edit a substation or a transformer, change a
transformer's status, set a maintenance schedule, log maintenance work."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from opsmanager_desktop.domain.assets import AssetStatus
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import assets, maintenance
from opsmanager_desktop.services.assets import SubstationRow, TransformerRow


def _date_edit(value: date | None) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day) if value is not None
                     else QDate.currentDate())
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    return edit


def _picked(edit: QDateEdit) -> date:
    value = edit.date().toPython()
    assert isinstance(value, date)
    return value


def _text(value: object) -> str:
    return "" if value is None else f"{value}".rstrip("0").rstrip(".") if "." in f"{value}" \
        else f"{value}"


class AssetDialog(FormDialog):
    """The fields a substation and a transformer share; a transformer adds its DSS."""

    kind = "substation"

    def __init__(self, ctx: AppContext, row: SubstationRow | TransformerRow | None,
                 substations: list[SubstationRow] | None = None,
                 parent: QWidget | None = None) -> None:
        editing = row is not None
        noun = self.kind
        super().__init__(parent, f"Edit {noun}" if editing else f"Add {noun}",
                         ok_text="Save" if editing else "Add",
                         intro=(f"{noun.capitalize()} {row.code}" if row is not None else
                                "Codes are kept as written; a transformer's code is the one "
                                "its connections carry."))
        self.setObjectName(f"{noun}Dialog")
        self.ctx, self.row = ctx, row
        self.code = self.add_field("Code", QLineEdit(row.code if row else ""), "code")
        self.code.setEnabled(not editing)
        self.name = self.add_field("Name", QLineEdit(row.name if row else ""), "name")
        self.substation: QComboBox | None = None
        if substations is not None:
            self.substation = self.add_field("Substation", QComboBox(), "substation")
            for s in substations:
                if s.status is not AssetStatus.DECOMMISSIONED or (
                        isinstance(row, TransformerRow) and row.substation == s.code):
                    self.substation.addItem(f"{s.code} - {s.name}", s.code)
            if isinstance(row, TransformerRow):
                self.substation.setCurrentIndex(max(0, self.substation.findData(
                    row.substation)))
        self.capacity = self.add_field("Capacity (kVA)", QLineEdit(
            _text(row.capacity_kva) if row else ""), "capacity_kva")
        self.location = self.add_field("Location", QLineEdit(row.location if row else ""),
                                       "location")
        self.location.setPlaceholderText("street, landmark")
        self.latitude = self.add_field("Latitude", QLineEdit(
            _text(row.latitude) if row else ""), "latitude")
        self.longitude = self.add_field("Longitude", QLineEdit(
            _text(row.longitude) if row else ""), "longitude")
        for edit in (self.latitude, self.longitude):
            edit.setPlaceholderText("optional, e.g. 6.524379")
        holder = QWidget()
        line = QHBoxLayout(holder)
        line.setContentsMargins(0, 0, 0, 0)
        self.has_date = QCheckBox("known:")
        self.has_date.setChecked(bool(row and row.installed_on))
        self.installed = _date_edit(row.installed_on if row else None)
        line.addWidget(self.has_date)
        line.addWidget(self.installed, 1)
        self.add_field("Installed on", holder, "installed_on")
        self.installed.setEnabled(self.has_date.isChecked())
        self.has_date.toggled.connect(self.installed.setEnabled)
        self.status: QComboBox | None = None
        if not editing:
            self.status = self.add_field("Status", QComboBox(), "status")
            for status in AssetStatus:
                self.status.addItem(status.label, status.value)
        self.setMinimumWidth(480)

    def collect(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": self.name.text(), "capacity_kva": self.capacity.text().strip(),
            "location": self.location.text(), "latitude": self.latitude.text().strip(),
            "longitude": self.longitude.text().strip(),
            "installed_on": _picked(self.installed) if self.has_date.isChecked() else None}
        if self.substation is not None:
            values["substation"] = self.substation.currentData() or ""
        if self.status is not None:
            values["status"] = self.status.currentData()
        return values


class SubstationDialog(AssetDialog):
    kind = "substation"

    def submit(self, values: dict[str, Any], job: Job) -> SubstationRow:
        backend, token = self.ctx.backend, self.ctx.token
        if self.row is None:
            return assets.add_substation(backend, token, self.code.text(),
                                         values.pop("name"), values.pop("capacity_kva"),
                                         **values)
        return assets.update_substation(backend, token, self.row.code,
                                        version=self.row.version, **values)


class TransformerDialog(AssetDialog):
    kind = "transformer"

    def submit(self, values: dict[str, Any], job: Job) -> TransformerRow:
        backend, token = self.ctx.backend, self.ctx.token
        if self.row is None:
            return assets.add_transformer(backend, token, self.code.text(),
                                          values.pop("name"), values.pop("substation"),
                                          values.pop("capacity_kva"), **values)
        return assets.update_transformer(backend, token, self.row.code,
                                         version=self.row.version, **values)


class StatusDialog(FormDialog):
    def __init__(self, ctx: AppContext, row: TransformerRow,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Transformer status", ok_text="Save",
                         intro=f"Transformer {row.code} ({row.name}) is "
                               f"{row.status.label.lower()}.")
        self.setObjectName("transformerStatusDialog")
        self.ctx, self.row = ctx, row
        self.status = self.add_field("New status", QComboBox(), "status")
        for status in AssetStatus:
            self.status.addItem(status.label, status.value)
        self.status.setCurrentIndex(self.status.findData(row.status.value))

    def collect(self) -> str:
        return str(self.status.currentData())

    def submit(self, values: str, job: Job) -> TransformerRow:
        return assets.set_transformer_status(self.ctx.backend, self.ctx.token, self.row.code,
                                             values, version=self.row.version)


class ScheduleDialog(FormDialog):
    def __init__(self, ctx: AppContext, kind: str, code: str, months: int = 6,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Maintenance schedule", ok_text="Save",
                         intro=f"How often {kind} {code} is serviced. Before any work is "
                               "logged the first service falls due one interval after the "
                               "start date.")
        self.setObjectName("scheduleDialog")
        self.ctx, self.kind, self.code = ctx, kind, code
        self.months = self.add_field("Every (months)", QSpinBox(), "interval_months")
        self.months.setRange(1, 120)
        self.months.setValue(months)
        self.starts = self.add_field("Starting", _date_edit(None), "starts_on")

    def collect(self) -> tuple[int, date]:
        return self.months.value(), _picked(self.starts)

    def submit(self, values: tuple[int, date], job: Job) -> maintenance.ScheduleRow:
        return maintenance.set_schedule(self.ctx.backend, self.ctx.token, self.kind,
                                        self.code, values[0], starts_on=values[1])


class LogMaintenanceDialog(FormDialog):
    def __init__(self, ctx: AppContext, kind: str, code: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Log maintenance", ok_text="Log",
                         intro=f"Work done on {kind} {code}. The next service falls due "
                               "one schedule interval after it.")
        self.setObjectName("logMaintenanceDialog")
        self.ctx, self.kind, self.code = ctx, kind, code
        self.done_on = self.add_field("Done on", _date_edit(None), "done_on")
        self.work = self.add_field("Work done", QLineEdit(), "work_done")
        self.work.setPlaceholderText("oil topped up, fuses replaced, bushings cleaned...")
        self.done_by = self.add_field("Done by", QLineEdit(ctx.username), "done_by")
        self.done_by.setPlaceholderText("user name")
        self.setMinimumWidth(480)

    def collect(self) -> dict[str, Any]:
        return {"work_done": self.work.text(), "done_on": _picked(self.done_on),
                "done_by": self.done_by.text()}

    def submit(self, values: dict[str, Any], job: Job) -> maintenance.LogRow:
        return maintenance.log_maintenance(self.ctx.backend, self.ctx.token, self.kind,
                                           self.code, values.pop("work_done"), **values)

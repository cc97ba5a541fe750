"""Billing cycles page: the months (services.cycles.list_cycles); admins open the next one
and close finished ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit, QMessageBox, QSpinBox, QWidget

from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.table_model import Column, date_column, number_column
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import cycles
from opsmanager_desktop.services.cycles import DEFAULT_DUE_DAYS, MAX_DUE_DAYS, CycleRow
from opsmanager_desktop.services.listing import ListQuery, Page


class OpenCycleDialog(FormDialog):
    def __init__(self, ctx: AppContext, period: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Open billing cycle", ok_text="Open cycle",
                         intro="A billing cycle is one calendar month. Readings, the billing "
                               "run and bills of that month hang on it.")
        self.setObjectName("openCycleDialog")
        self.ctx = ctx
        self.period = self.add_field("Month (YYYY-MM)", QLineEdit(period), "period", "cycle")
        self.due_days = self.add_field("Days to pay", QSpinBox(), "due_days", "due days")
        self.due_days.setRange(0, MAX_DUE_DAYS)
        self.due_days.setValue(DEFAULT_DUE_DAYS)
        self.due_days.setSuffix(" days after issue")
        self.estimation = self.add_field(
            "", QCheckBox("Estimate connections without a reading"), "estimation")
        self.setMinimumWidth(440)

    def collect(self) -> tuple[str, int, bool]:
        return self.period.text().strip(), self.due_days.value(), self.estimation.isChecked()

    def submit(self, values: tuple[str, int, bool], job: Job) -> CycleRow:
        period, due_days, estimation = values
        return cycles.open_cycle(self.ctx.backend, self.ctx.token, period, due_days,
                                 estimation)


def next_period(rows: list[CycleRow], today: date) -> str:
    """A suggestion for the dialog: the month after the newest cycle, else this month."""
    if not rows:
        return f"{today:%Y-%m}"
    newest = max(row.period for row in rows)
    year, month = int(newest[:4]), int(newest[5:7])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


class CyclesPage(ListPage):
    noun = ("billing cycle", "billing cycles")
    search_placeholder = "Month, e.g. 2026-03 or 2026"
    default_sort = ("period", True)

    def row_key(self, row: Any) -> object:
        return row.period

    def make_columns(self) -> Sequence[Column[CycleRow]]:
        return [
            Column("period", "Month", lambda r: r.period, "period", width=90),
            date_column("start", "From", lambda r: r.start_date),
            date_column("end", "To", lambda r: r.end_date),
            number_column("due", "Days to pay", lambda r: r.due_days, "due_days", width=100),
            Column("status", "Status", lambda r: r.status.value.capitalize(), "status",
                   width=90),
            Column("estimation", "Estimates", lambda r: r.estimation_enabled, width=90,
                   tooltip="Whether the billing run estimates connections with no reading"),
            date_column("created", "Opened", lambda r: r.created_at.date(), "created_at"),
        ]

    def fetch(self, query: ListQuery) -> Page[CycleRow]:
        return cycles.list_cycles(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        bar.add_choice("status", "Status", [("Open and closed", None)]
                       + [(s.value.capitalize(), s.value) for s in CycleStatus])

    def setup_actions(self) -> None:
        self.add_action("Open cycle...", "cycles", self.open_cycle, shortcut="Ctrl+N",
                        permission=Permission.CYCLES_MANAGE)
        self.close_action = self.add_action(
            "Close cycle", "lock", self.close_selected, needs_row=True,
            permission=Permission.CYCLES_MANAGE,
            tip="No more readings or billing runs for the selected month")

    def open_cycle(self) -> OpenCycleDialog:
        period = next_period(self.model.rows(), self.ctx.backend.now().date())
        dialog = OpenCycleDialog(self.ctx, period, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_open(dialog.result_value))
        dialog.open()
        return dialog

    def _after_open(self, row: CycleRow) -> None:
        self.notify(f"Billing cycle {row.period} is open; bills fall due {row.due_days} days "
                    "after they are issued.")
        self.refresh()

    def close_selected(self) -> QMessageBox | None:
        row = self.selected()
        if not isinstance(row, CycleRow):
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Close billing cycle",
                          f"Close {row.period}? No more readings or billing runs can be "
                          "done for it; its bills stay as they are.",
                          QMessageBox.StandardButton.Cancel, self)
        close = box.addButton("Close cycle", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: self._close(row.period) if button is close else None)
        box.open()
        return box

    def _close(self, period: str) -> None:
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: cycles.close_cycle(backend, token, period),
                 on_result=lambda _row: self._after_close(period), on_error=self.handle_error)

    def _after_close(self, period: str) -> None:
        self.notify(f"Billing cycle {period} closed.")
        self.refresh()

    def on_selection(self, row: Any) -> None:
        if self.close_action is not None and isinstance(row, CycleRow):
            self.close_action.setEnabled(row.status is CycleStatus.OPEN)


def _make(ctx: AppContext) -> CyclesPage:
    return CyclesPage(ctx, PAGE)


PAGE = PageSpec("cycles", "Billing cycles", "cycles", Permission.REFERENCE_VIEW, _make,
                order=40, description="The monthly billing periods")

"""Readings page: a cycle's meter readings (services.readings.list_readings), by default
the review queue (SUBMITTED, flagged ones first), the selected reading's photo and history
beside it. Supervisors approve one, many or all, or reject with a reason; billing officers
enter a reading or import a handheld/AMR file after a preview."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QMessageBox, QWidget

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.readings import Flag, ReadingSource, ReadingStatus
from opsmanager_desktop.gui.auto_refresh import AutoRefresher
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.bills_widgets import (
    compact_search,
    flag_value,
    status_column,
    status_text,
)
from opsmanager_desktop.gui.pages.common_filters import ReferenceFilters, newest_open_cycle
from opsmanager_desktop.gui.pages.readings_detail import ReadingDetail, units_column, units_text
from opsmanager_desktop.gui.pages.readings_dialogs import (
    ReadingEntryDialog,
    ReadingImportDialog,
    RejectDialog,
    Rejected,
)
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.status_colors import color_status_column
from opsmanager_desktop.gui.table_actions import TableActions
from opsmanager_desktop.gui.table_model import Column, RowRole, date_column, number_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import readings
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.readings import ReadingImportResult, ReadingRow


class ReadingsPage(ListPage):
    detail_width = 420
    noun = ("reading", "readings")
    search_placeholder = "Meter or account number"
    default_sort = ("flags", True)  # flagged readings first: they need a look

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_args: self._update_approve_text())
        color_status_column(self.table, "flags", "status")
        self.auto_refresh = AutoRefresher(self)  # another supervisor's decisions show up
        self.auto_refresh.changed.connect(self._reload_detail)
        self.refs.load()

    def row_key(self, row: Any) -> object:
        return row.id

    def make_columns(self) -> Sequence[Column[ReadingRow]]:
        return [
            number_column("id", "No.", lambda r: r.id, "id", width=60),
            Column("meter", "Meter", lambda r: r.meter_number, "meter_number", width=105),
            Column("account", "Account", lambda r: r.account_no, "account_no", width=90),
            Column("customer", "Customer", lambda r: r.customer_name, width=140),
            units_column("units", "Units", lambda r: r.units, "units", width=75),
            status_column("flags", "Flags", lambda r: flag_value(r.flags), "flags", width=70),
            status_column("status", "Status", lambda r: r.status, "status", width=100),
            units_column("previous", "Previous", lambda r: r.previous_reading),
            units_column("current", "Current", lambda r: r.current_reading),
            date_column("read_at", "Read on", lambda r: r.read_at, "read_at", width=95),
            Column("utility", "Utility", lambda r: r.utility, width=85),
            Column("source", "Source", lambda r: status_text(r.source), "source", width=80),
            Column("photo", "Photo", lambda r: "Yes" if r.has_photo else "", width=55),
            Column("reader", "Reader", lambda r: r.reader, width=100),
            Column("cycle", "Cycle", lambda r: r.period, "period", width=70),
            Column("entered_by", "Entered by", lambda r: r.entered_by, "entered_at",
                   width=100),
        ]

    def fetch(self, query: ListQuery) -> Page[ReadingRow]:
        return readings.list_readings(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        self.cycle_filter = bar.add_choice("cycle", "Cycle", [("All cycles", None)])
        status = bar.add_choice("status", "Status", [("All statuses", None)] + [
            (status_text(s), s.value) for s in ReadingStatus])
        # the review queue unless the user chose otherwise last time
        status.blockSignals(True)
        status.setCurrentIndex(status.findData(ReadingStatus.SUBMITTED.value))
        status.blockSignals(False)
        bar.add_choice("flag", "Flags", [("Any", None), ("Flagged", "ANY")] + [
            (status_text(f), f.value) for f in Flag])
        # no captions: "All utilities", "Electricity", "Manual" say what they are, and the
        # bar has to fit a 1280-pixel window
        self.utility_filter = bar.add_choice("utility", "", [("All utilities", None)])
        bar.add_choice("source", "", [("All sources", None)] + [
            (status_text(s), s.value) for s in ReadingSource])
        self.refs = ReferenceFilters(self, self.cycle_filter, self.utility_filter,
                                     default_cycle=newest_open_cycle)
        compact_search(bar)

    def setup_actions(self) -> None:
        self.approve_action = self.add_action(
            "Approve", "approve", self.approve_selected, shortcut="Ctrl+Shift+A",
            needs_row=True, permission=Permission.READINGS_APPROVE,
            tip="Approve the selected readings")
        self.reject_action = self.add_action(
            "Reject...", "remove", self.reject_selected, shortcut="Ctrl+Shift+R",
            needs_row=True, permission=Permission.READINGS_APPROVE,
            tip="Send the selected readings back with a reason")
        self.add_action("Approve all...", "check", self.approve_all,
                        permission=Permission.READINGS_APPROVE,
                        tip="Approve every submitted reading of the chosen cycle")
        self.add_action("Enter reading...", "add", self.enter_reading, shortcut="Ctrl+N",
                        permission=Permission.READINGS_ENTER)
        self.add_action("Import...", "import", self.choose_file, shortcut="Ctrl+I",
                        permission=Permission.READINGS_ENTER,
                        tip="Readings from a handheld or AMR file, checked before import")
        self.table_actions = TableActions(self, "readings")

    def make_detail(self) -> QWidget:
        self.detail = ReadingDetail(self.ctx, self.handle_error)
        return self.detail

    # --- reference lists ---------------------------------------------------------------
    def refresh(self) -> None:
        if self.refs.ready():  # else the cycles' arrival loads the page
            super().refresh()

    def chosen_cycle(self) -> str | None:
        return self.refs.chosen_cycle()

    # --- selection ---------------------------------------------------------------------
    def selected_rows(self) -> list[ReadingRow]:
        indexes = self.table.selectionModel().selectedRows()
        rows = [self.model.data(i, RowRole) for i in sorted(indexes, key=lambda i: i.row())]
        return [r for r in rows if isinstance(r, ReadingRow)]

    def _update_approve_text(self) -> None:
        count = len(self.selected_rows())
        if self.approve_action is not None:
            self.approve_action.setText(f"Approve {count}" if count > 1 else "Approve")
            self.approve_action.setEnabled(count > 0)
        if self.reject_action is not None:
            self.reject_action.setText(f"Reject {count}..." if count > 1 else "Reject...")
            self.reject_action.setEnabled(count > 0)

    def _reload_detail(self) -> None:
        row = self.selected()
        if isinstance(row, ReadingRow):
            self.detail.show_reading(row)

    def on_selection(self, row: Any) -> None:
        self._update_approve_text()
        if isinstance(row, ReadingRow):
            self.detail.show_reading(row)
        else:
            self.detail.clear()

    # --- approve and reject ------------------------------------------------------------
    def approve_selected(self) -> None:
        rows = [r for r in self.selected_rows() if r.status is ReadingStatus.SUBMITTED]
        if not rows:
            self.notify("Only submitted readings can be approved; the selected ones are "
                        "already decided.")
            return
        by_cycle: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            by_cycle[row.period].append(row.id)
        backend, token = self.ctx.backend, self.ctx.token

        def work(_job: object) -> int:
            # per cycle, all or nothing: the service names every reading it refuses
            return sum(readings.approve_readings(backend, token, period, ids)
                       for period, ids in sorted(by_cycle.items()))

        run_task(self, work, on_result=self._after_approve, on_error=self.handle_error)

    def _after_approve(self, count: int) -> None:
        self.notify(f"{count:,} reading{'s' if count != 1 else ''} approved; they will be "
                    "billed in the next billing run.")
        self.refresh()

    def approve_all(self) -> QMessageBox | None:
        period = self.chosen_cycle()
        if period is None:
            self.notify("Choose a cycle in the filter first: Approve all works on one "
                        "cycle at a time.")
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Approve all readings",
                          f"Counting the submitted readings of {period}...",
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("approveAllBox")
        approve = box.addButton("Approve all", QMessageBox.ButtonRole.AcceptRole)
        approve.setEnabled(False)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: self._approve_all(period) if button is approve else None)
        backend, token = self.ctx.backend, self.ctx.token

        def count(_job: object) -> tuple[int, int]:
            def total(**filters: str) -> int:
                page = readings.list_readings(backend, token, ListQuery(
                    limit=1, filters={"cycle": period, "status": "SUBMITTED", **filters}))
                return page.total or 0
            return total(), total(flag="ANY")

        def counted(numbers: tuple[int, int]) -> None:
            waiting, flagged = numbers
            if not waiting:
                box.setText(f"No reading of {period} is waiting for approval.")
                return
            text = f"Approve all {waiting:,} submitted readings of {period}?"
            if flagged:
                text += (f"\n\n{flagged:,} of them are flagged (unusually high or zero "
                         "consumption). Set the Flags filter to Flagged to look at those "
                         "first.")
            box.setText(text)
            approve.setEnabled(True)

        run_task(box, count, on_result=counted, on_error=self.handle_error)
        box.open()
        return box

    def _approve_all(self, period: str) -> None:
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: readings.approve_readings(backend, token, period),
                 on_result=self._after_approve, on_error=self.handle_error)

    def reject_selected(self) -> RejectDialog | None:
        rows = [r for r in self.selected_rows() if r.status is ReadingStatus.SUBMITTED]
        if not rows:
            self.notify("Only submitted readings can be rejected; the selected ones are "
                        "already decided.")
            return None
        dialog = RejectDialog(self.ctx, rows, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_reject(dialog.result_value))
        dialog.open()
        return dialog

    def _after_reject(self, result: Rejected) -> None:
        done = len(result.done)
        text = f"{done:,} reading{'s' if done != 1 else ''} rejected; the billing officer " \
               "enters them again."
        if result.failed:
            text += " Not rejected: " + "; ".join(
                f"reading {rid}: {message}" for rid, message in result.failed[:5])
        self.notify(text, seconds=15 if result.failed else 8)
        self.refresh()

    # --- entry and import --------------------------------------------------------------
    def enter_reading(self) -> ReadingEntryDialog:
        dialog = ReadingEntryDialog(self.ctx, self.refs.cycles, self.refs.utilities,
                                    self.chosen_cycle(), self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_entry(dialog.result_value))
        dialog.open()
        return dialog

    def _after_entry(self, row: ReadingRow) -> None:
        flags = f", flagged {status_text(row.flags)}" if row.flags else ""
        self.notify(f"Reading of meter {row.meter_number} saved for {row.period}: "
                    f"{units_text(row.units)} units{flags}. It waits for a supervisor's approval.")
        self.refresh()

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import meter readings", "",
            "Reading files (*.csv *.xlsx);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> ReadingImportDialog:
        dialog = ReadingImportDialog(self.ctx, path, self.refs.cycles, self.chosen_cycle(), self)
        dialog.accepted.connect(lambda: self._after_import(dialog))
        dialog.open()
        dialog.start_check()
        return dialog

    def _after_import(self, dialog: ReadingImportDialog) -> None:
        result: ReadingImportResult = dialog.result_value
        self.notify(dialog.done_text(result), seconds=15)
        self.refresh()


def _make(ctx: AppContext) -> ReadingsPage:
    return ReadingsPage(ctx, PAGE)


PAGE = PageSpec("readings", "Readings", "readings", Permission.READINGS_VIEW, _make, order=30,
                description="Meter readings of a cycle: review, approve, enter, import")

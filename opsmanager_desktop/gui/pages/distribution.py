"""Distribution page: a cycle's issued bills and how each reached its customer
(services.distribution_query), the cycle at a glance above the table (bills and
statements, the papers the field team carries), by default the bills not yet distributed
in the order the field team walks. Billing officers and supervisors record a delivery (of a
bill's whole statement when it carries several), import the field team's file, and print
bill batches (a cycle, a status, a route) with progress and Cancel."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.distribution import DeliveryStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.bills_widgets import (
    fill_combo,
    load_cycles,
    status_column,
)
from opsmanager_desktop.gui.pages.distribution_dialogs import (
    PrintBillsDialog,
    PrintChoice,
    RecordDeliveryDialog,
)
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.print_job import start_print
from opsmanager_desktop.gui.progress import JobProgressDialog, run_with_progress
from opsmanager_desktop.gui.status_colors import color_status_column
from opsmanager_desktop.gui.table_model import Column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import distribution_import, distribution_query
from opsmanager_desktop.services.cycles import CycleRow
from opsmanager_desktop.services.distribution import RecordedDelivery
from opsmanager_desktop.services.distribution_import import DistributionImportResult
from opsmanager_desktop.services.distribution_query import DistributionRow, DistributionSummary
from opsmanager_desktop.services.listing import ListQuery, Page

STATUS_FILTERS = [("Not yet distributed", "pending"), ("All issued bills", None),
                  ("No record", "no_record"), ("Distributed", "distributed")] + [
    (s.label, s.value.lower()) for s in DeliveryStatus]


def summary_text(s: DistributionSummary) -> str:
    if not s.issued:
        return (f"Cycle {s.cycle}: no bill issued yet"
                + (f" ({s.not_issued:,} waiting to be issued)." if s.not_issued else "."))
    share = 100 * s.distributed / s.issued
    papers = (f" Statements: {s.statements_distributed:,} of {s.statements:,} distributed, "
              f"{s.statements_pending:,} still to do." if s.statements else "")
    return (f"Cycle {s.cycle}: {s.distributed:,} of {s.issued:,} bills distributed "
            f"({share:.1f}%): {s.handed_over:,} handed over, {s.emailed:,} e-mailed. "
            f"Still to do: {s.not_delivered:,} not delivered, {s.no_record:,} with no record."
            + papers)


class DistributionPage(ListPage):
    noun = ("bill", "bills")
    search_placeholder = "Bill, statement, account or name"

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        self.cycles: list[CycleRow] = []
        self._cycles_loaded = False
        super().__init__(ctx, spec, parent)
        self.summary = QLabel("")
        self.summary.setObjectName("distributionSummary")
        self.summary.setWordWrap(True)
        self.layout_.insertWidget(self.layout_.indexOf(self.filter_bar), self.summary)
        color_status_column(self.table, "status")
        load_cycles(self, ctx, self._on_cycles, lambda exc: self.handle_error(exc))

    def row_key(self, row: Any) -> object:
        return row.bill_no

    def make_columns(self) -> Sequence[Column[DistributionRow]]:
        return [
            Column("bill_no", "Bill", lambda r: r.bill_no, "bill_no", width=130),
            Column("account", "Account", lambda r: r.account_no, "account_no", width=95),
            Column("customer", "Customer", lambda r: r.customer_name, "customer_name",
                   width=160),
            Column("route", "Route", lambda r: r.transformer or "", "transformer", width=70),
            # the raw status (NO_RECORD when none) so the shared status colours can key on
            # it; the cell shows it as words
            status_column("status", "Status", lambda r: r.status.value if r.status
                          else "NO_RECORD", "status", width=120),
            Column("when", "When", lambda r: r.occurred_at, "occurred_at", width=130),
            Column("officer", "Officer", lambda r: r.officer, width=90),
            Column("reason", "Reason", lambda r: r.reason, width=140),
            Column("statement", "Statement", lambda r: r.statement_no or "", "statement_no",
                   width=150),
            Column("meter", "Meter", lambda r: r.meter_number, width=100),
            Column("address", "Address", lambda r: r.address, width=200),
        ]

    def fetch(self, query: ListQuery) -> Page[DistributionRow]:
        return distribution_query.list_distribution(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        self.cycle_filter = bar.add_choice("cycle", "Cycle", [])
        bar.add_choice("status", "Show", STATUS_FILTERS)

    def setup_actions(self) -> None:
        self.add_action("Record...", "edit", self.record_selected, needs_row=True,
                        shortcut="Ctrl+R", permission=Permission.DISTRIBUTION_RECORD,
                        tip="How the selected bill reached its customer")
        self.add_action("Import field file...", "import", self.choose_file,
                        shortcut="Ctrl+I", permission=Permission.DISTRIBUTION_RECORD,
                        tip="The distribution file of the field team (CSV or Excel)")
        self.add_action("Print bills...", "print", self.print_dialog, shortcut="Ctrl+P",
                        permission=Permission.BILLS_PRINT,
                        tip="A cycle's bills as PDF, in walking order")

    # --- the cycle ---------------------------------------------------------------------
    def _on_cycles(self, rows: list[CycleRow]) -> None:
        self.cycles = rows
        saved = self.ctx.settings.filter_state(self.spec.key).get("cycle")
        newest = next((r.period for r in rows if r.status is CycleStatus.OPEN),
                      rows[0].period if rows else None)
        fill_combo(self.cycle_filter, [(r.period, r.period) for r in rows], saved or newest)
        self._cycles_loaded = True
        if self._shown_once:
            self.refresh()

    def chosen_cycle(self) -> str | None:
        value = self.cycle_filter.currentData()
        return None if value is None else str(value)

    def refresh(self) -> None:
        cycle = self.chosen_cycle()
        if not self._cycles_loaded or cycle is None:
            self.summary.setText("" if not self._cycles_loaded else
                                 "No billing cycle yet: nothing to distribute.")
            return
        super().refresh()
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: distribution_query.distribution_status(backend, token,
                                                                           cycle),
                 on_result=lambda s: self.summary.setText(summary_text(s)),
                 on_error=lambda exc: self.handle_error(exc))

    # --- record --------------------------------------------------------------------------
    def record_selected(self) -> RecordDeliveryDialog | None:
        row = self.selected()
        if not isinstance(row, DistributionRow):
            return None
        dialog = RecordDeliveryDialog(self.ctx, row, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_record(dialog.result_value))
        dialog.open()
        return dialog

    def on_row_activated(self, row: Any) -> None:
        if self.ctx.can(Permission.DISTRIBUTION_RECORD):
            self.record_selected()

    def _after_record(self, row: RecordedDelivery) -> None:
        what = (f"Statement {row.statement_no} ({len(row.bills)} bills)"
                if len(row.bills) > 1 else f"Bill {row.bill_no}")
        self.notify(f"{what}: {row.status.label.lower()} at "
                    f"{row.occurred_at:%Y-%m-%d %H:%M}.")
        self.refresh()

    # --- import --------------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import the distribution file", "",
            "Distribution files (*.csv *.xlsx);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path, skip_invalid: bool = False) -> JobProgressDialog:
        backend, token = self.ctx.backend, self.ctx.token
        return run_with_progress(
            self, "Distribution file", f"Checking {path.name}...",
            lambda job: distribution_import.import_deliveries(
                backend, token, path, skip_invalid=skip_invalid, progress=job.progress,
                cancelled=lambda: job.cancelled),
            on_result=self._after_import, on_error=self.handle_error)

    def _after_import(self, result: DistributionImportResult) -> None:
        rows = "1 row" if result.rows == 1 else f"{result.rows:,} rows"
        self.notify(f"{rows}: {result.recorded:,} recorded, "
                    f"{result.duplicates:,} already recorded"
                    + (f", {result.rejected:,} rejected (see {result.rejects_path})"
                       if result.rejected else "") + ".", seconds=15)
        self.refresh()

    # --- print ---------------------------------------------------------------------------
    def print_dialog(self) -> PrintBillsDialog:
        dialog = PrintBillsDialog([r.period for r in self.cycles], self.chosen_cycle(), self)
        dialog.accepted.connect(lambda: self.print_bills(dialog.result_value))
        dialog.open()
        return dialog

    def print_bills(self, choice: PrintChoice) -> JobProgressDialog:
        return start_print(self, choice.selection, choice.out, choice.split)

def _make(ctx: AppContext) -> DistributionPage:
    return DistributionPage(ctx, PAGE)


PAGE = PageSpec("distribution", "Distribution", "bills", Permission.DISTRIBUTION_VIEW, _make,
                order=55, description="How each bill reached its customer; print batches")

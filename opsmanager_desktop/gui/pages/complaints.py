"""Complaints page: customer complaints soonest due first, overdue ones in red, filters by
queue (mine, unassigned, overdue), status, team and category; the selected complaint's
details and history beside the table. Officers log complaints and import field files,
supervisors assign them, the assignee (or a supervisor) moves them on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.pages.work_dialogs import LogComplaintDialog, label_of
from opsmanager_desktop.gui.pages.work_queue import (
    WorkQueuePage,
    fill_keeping,
    state_columns,
    state_fields,
    when,
)
from opsmanager_desktop.gui.progress import JobProgressDialog, run_with_progress
from opsmanager_desktop.gui.table_model import Column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import complaint_import, complaints
from opsmanager_desktop.services.complaint_import import ComplaintImportResult
from opsmanager_desktop.services.complaints import CategoryRow, ComplaintDetail, ComplaintRow
from opsmanager_desktop.services.listing import ListQuery, Page


class ComplaintsPage(WorkQueuePage):
    noun = ("complaint", "complaints")
    search_placeholder = "Number, account or name"
    get_item = complaints.get_complaint
    assign_item = complaints.assign_complaint
    move_item = complaints.move_complaint

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        self.categories: list[CategoryRow] = []
        super().__init__(ctx, spec, parent)
        backend, token = ctx.backend, ctx.token
        run_task(self, lambda _job: complaints.list_categories(backend, token),
                 on_result=self._on_categories, on_error=lambda exc: self.handle_error(exc))

    def make_columns(self) -> Sequence[Column[ComplaintRow]]:
        return [
            Column("number", "Number", lambda r: r.number, "number", width=100),
            Column("account", "Account", lambda r: r.account_no, "account_no", width=90),
            Column("customer", "Customer", lambda r: r.customer_name, width=140),
            Column("category", "Category", lambda r: label_of(r.category), "category",
                   width=80),
            Column("sub", "Sub-category", lambda r: label_of(r.subcategory or ""), width=120),
            *state_columns(),
            Column("logged", "Logged", lambda r: r.created_at, "created_at", width=125),
            Column("channel", "Channel", lambda r: label_of(r.channel), width=70),
            Column("description", "Description", lambda r: r.description, width=220),
        ]

    def fetch(self, query: ListQuery) -> Page[ComplaintRow]:
        return complaints.list_complaints(self.ctx.backend, self.ctx.token, query)

    def setup_more_filters(self, bar: FilterBar) -> None:
        self.category_filter = bar.add_choice("category", "Category", [("Any category", None)])

    def setup_actions(self) -> None:
        self.add_action("Log complaint...", "add", self.log_dialog, shortcut="Ctrl+N",
                        permission=Permission.COMPLAINTS_LOG)
        self.add_action("Import field file...", "import", self.choose_file, shortcut="Ctrl+I",
                        permission=Permission.COMPLAINTS_LOG,
                        tip="Complaints taken in the field (CSV or Excel)")
        self.setup_work_actions()

    def _on_categories(self, rows: list[CategoryRow]) -> None:
        self.categories = rows
        fill_keeping(self.category_filter, [(c.name, c.code) for c in rows],
                     self.ctx.settings.filter_state(self.spec.key).get("category"))

    # --- detail --------------------------------------------------------------------------
    def headline(self, item: ComplaintDetail) -> str:
        sub = f" / {label_of(item.subcategory)}" if item.subcategory else ""
        return f"{label_of(item.category)}{sub}"

    def detail_fields(self, item: ComplaintDetail) -> list[tuple[str, str]]:
        return [("Customer", f"{item.customer_name} ({item.account_no})"),
                ("Meter", item.meter_number or "-"),
                ("Complaint", item.description),
                ("Channel", f"{label_of(item.channel)}, logged by {item.logged_by}"),
                ("Logged", when(item.created_at)),
                *state_fields(item)]

    # --- log and import ------------------------------------------------------------------
    def log_dialog(self) -> LogComplaintDialog:
        dialog = LogComplaintDialog(self.ctx, self.categories, self)
        self._open(dialog, "logged")
        return dialog

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import field complaints", "", "Complaint files (*.csv *.xlsx);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path, skip_invalid: bool = False) -> JobProgressDialog:
        backend, token = self.ctx.backend, self.ctx.token
        return run_with_progress(
            self, "Field complaints", f"Checking {path.name}...",
            lambda job: complaint_import.import_complaints(
                backend, token, path, skip_invalid=skip_invalid, progress=job.progress,
                cancelled=lambda: job.cancelled),
            on_result=self._after_import, on_error=self.handle_error)

    def _after_import(self, result: ComplaintImportResult) -> None:
        rows = "1 row" if result.rows == 1 else f"{result.rows:,} rows"
        self.notify(f"{rows}: {result.logged:,} logged, {result.duplicates:,} already logged"
                    + (f", {result.rejected:,} rejected (see {result.rejects_path})"
                       if result.rejected else "") + ".", seconds=15)
        self.refresh()


def _make(ctx: AppContext) -> ComplaintsPage:
    return ComplaintsPage(ctx, PAGE)


PAGE = PageSpec("complaints", "Complaints", "tickets", Permission.COMPLAINTS_VIEW, _make,
                order=130, description="Customer complaints: who holds them, what is overdue")



"""Field records page: what the field teams found, waiting for a supervisor. Two tabs, each a
paged table with filters and a detail pane: enumerations (customers found on the ground,
with their possible duplicates) and evaluations (inspections, with the tariff found
against the one billed). Supervisors approve (Ctrl+Enter) or reject with a reason, one or
many at a time; anyone who records field work imports a handheld file of any kind (the
kind is told by its header) with progress and Cancel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLineEdit,
    QTabWidget,
    QWidget,
)

from opsmanager_desktop.domain.field_records import (
    REASON_MAX,
    EnumerationKind,
    MeterCondition,
    RecordStatus,
)
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.base import BasePage, ListPage
from opsmanager_desktop.gui.pages.bills_widgets import (
    colour_statuses,
    status_column,
    status_text,
)
from opsmanager_desktop.gui.pages.field_records_detail import (
    EnumerationPane,
    EvaluationPane,
    RecordDetail,
)
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.progress import JobProgressDialog, run_with_progress
from opsmanager_desktop.gui.table_actions import TableActions
from opsmanager_desktop.gui.table_model import Column, RowRole, money_column, number_column
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import enumerations, evaluations, field_files
from opsmanager_desktop.services.enumerations import EnumerationRow
from opsmanager_desktop.services.evaluations import EvaluationRow
from opsmanager_desktop.services.field_files import FieldFileResult
from opsmanager_desktop.services.listing import ListQuery, Page

Decide = Callable[[Any, str, list[int]], list[Any]]


class RejectRecordsDialog(FormDialog):
    """Reject the chosen PENDING records with one reason (all or none)."""

    def __init__(self, ctx: AppContext, noun: str, ids: list[int],
                 reject: Callable[[Any, str, list[int], str], list[Any]],
                 parent: QWidget | None = None) -> None:
        what = f"{noun} {ids[0]}" if len(ids) == 1 else f"{len(ids)} {noun}s"
        super().__init__(parent, f"Reject {noun}s" if len(ids) > 1 else f"Reject {noun}",
                         ok_text="Reject",
                         intro=f"Reject {what}? The officer who recorded it sees the reason.")
        self.setObjectName("rejectRecordsDialog")
        self.ctx = ctx
        self.ids = ids
        self._reject = reject
        self.reason = self.add_field("Reason", QLineEdit(), "reason")
        self.reason.setMaxLength(REASON_MAX)
        self.reason.setPlaceholderText("e.g. the same customer as account A001234")
        self.setMinimumWidth(520)

    def collect(self) -> str:
        return str(self.reason.text())

    def submit(self, values: str, job: Job) -> list[Any]:
        return self._reject(self.ctx.backend, self.ctx.token, self.ids, values)


class RecordList(ListPage):
    """One tab: a paged list of records with Approve / Reject for supervisors."""

    detail_width = 470
    noun_one = "record"
    default_sort = ("id", True)  # newest first
    coloured: Sequence[str] = ("status",)
    export_table = ""  # services/export.py TABLES name
    approve_fn: Decide
    reject_fn: Callable[[Any, str, list[int], str], list[Any]]

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.title.setVisible(False)  # the tab says what it is
        self.layout_.setContentsMargins(0, 8, 0, 0)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_args: self._update_decide_text())
        colour_statuses(self.table, self.model.columns, self.coloured)
        # a wider window widens the table, not the pane (the pane has its width)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)

    def row_key(self, row: Any) -> object:
        return row.id

    def setup_actions(self) -> None:
        self.approve_action = self.add_action(
            "Approve", "approve", self.approve_selected, shortcut="Ctrl+Return",
            needs_row=True, permission=Permission.FIELD_APPROVE,
            tip=f"Approve the selected {self.noun[1]}")
        self.reject_action = self.add_action(
            "Reject...", "remove", self.reject_selected, shortcut="Ctrl+Shift+R",
            needs_row=True, permission=Permission.FIELD_APPROVE,
            tip=f"Reject the selected {self.noun[1]} with a reason")
        self.table_actions = TableActions(self, self.export_table)

    def make_detail(self) -> QWidget:
        self.detail = self.make_pane()
        return self.detail

    def make_pane(self) -> RecordDetail:
        raise NotImplementedError

    def selected_rows(self) -> list[Any]:
        indexes = self.table.selectionModel().selectedRows()
        rows = [self.model.data(i, RowRole) for i in sorted(indexes, key=lambda i: i.row())]
        return [r for r in rows if r is not None]

    def pending_ids(self) -> list[int]:
        return [r.id for r in self.selected_rows() if r.status is RecordStatus.PENDING]

    def _update_decide_text(self) -> None:
        count = len(self.selected_rows())
        for action, text in ((self.approve_action, "Approve"),
                             (self.reject_action, "Reject")):
            if action is not None:
                suffix = "..." if text == "Reject" else ""
                action.setText(f"{text} {count}{suffix}" if count > 1 else text + suffix)
                action.setEnabled(count > 0)

    def on_selection(self, row: Any) -> None:
        self._update_decide_text()
        if row is None:
            self.detail.clear()
        else:
            self.detail.show_record(row.id)

    def approve_selected(self) -> None:
        ids = self.pending_ids()
        if not ids:
            self.notify(f"Only pending {self.noun[1]} can be approved; the selected ones "
                        "are already decided.")
            return
        backend, token, approve = self.ctx.backend, self.ctx.token, type(self).approve_fn
        run_task(self, lambda _job: approve(backend, token, ids),
                 on_result=self._after_approve, on_error=self.handle_error)

    def _after_approve(self, rows: list[Any]) -> None:
        self.notify(self.approved_text(rows), seconds=12)
        self.refresh()

    def approved_text(self, rows: list[Any]) -> str:
        return f"{len(rows)} {self.noun[0] if len(rows) == 1 else self.noun[1]} approved."

    def reject_selected(self) -> RejectRecordsDialog | None:
        ids = self.pending_ids()
        if not ids:
            self.notify(f"Only pending {self.noun[1]} can be rejected; the selected ones "
                        "are already decided.")
            return None
        dialog = RejectRecordsDialog(self.ctx, self.noun_one, ids, type(self).reject_fn, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_reject(dialog.result_value))
        dialog.open()
        return dialog

    def _after_reject(self, rows: list[Any]) -> None:
        self.notify(f"{len(rows)} {self.noun[0] if len(rows) == 1 else self.noun[1]} "
                    "rejected.")
        self.refresh()


def _status_choices() -> list[tuple[str, Any]]:
    return [("All statuses", None)] + [(status_text(s), s.value) for s in RecordStatus]


class EnumerationList(RecordList):
    noun = ("enumeration", "enumerations")
    noun_one = "enumeration"
    export_table = "enumerations"
    search_placeholder = "Meter, account, name or phone"
    approve_fn = staticmethod(enumerations.approve_enumerations)
    reject_fn = staticmethod(enumerations.reject_enumerations)

    def make_columns(self) -> Sequence[Column[EnumerationRow]]:
        return [
            number_column("id", "No.", lambda r: r.id, "id", width=55),
            status_column("status", "Status", lambda r: r.status, "status", width=95),
            Column("kind", "Kind", lambda r: status_text(r.kind), "kind", width=70),
            Column("name", "Name", lambda r: r.name, "name", width=140),
            Column("meter", "Meter", lambda r: r.meter_number, "meter_number", width=100),
            Column("account", "Account", lambda r: r.account_no, width=90),
            Column("phone", "Phone", lambda r: r.phone, width=110),
            Column("tariff", "Tariff", lambda r: r.tariff_code, width=65),
            Column("officer", "Officer", lambda r: r.recorded_by, "recorded_by", width=85),
            Column("recorded_at", "Recorded", lambda r: r.recorded_at, "recorded_at",
                   width=125),
            Column("address", "Address", lambda r: r.address, width=180),
        ]

    def fetch(self, query: ListQuery) -> Page[EnumerationRow]:
        return enumerations.list_enumerations(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        status = bar.add_choice("status", "Status", _status_choices())
        status.setCurrentIndex(status.findData(RecordStatus.PENDING.value))
        bar.add_choice("kind", "Kind", [("New and updates", None)] + [
            (status_text(k), k.value) for k in EnumerationKind])
        self.officer_filter = bar.add_choice("officer", "Officer", [("Every officer", None)])

    def make_pane(self) -> RecordDetail:
        return EnumerationPane(self.ctx, self.handle_error)

    def approved_text(self, rows: list[Any]) -> str:
        new = [r.account_no for r in rows if r.kind is EnumerationKind.NEW]
        text = super().approved_text(rows)
        if new:
            text += " New accounts: " + ", ".join(new[:8]) + ("..." if len(new) > 8 else "")
        return text


class EvaluationList(RecordList):
    noun = ("inspection", "inspections")
    noun_one = "inspection"
    export_table = "evaluations"
    search_placeholder = "Meter or account number"
    coloured = ("status", "condition")
    approve_fn = staticmethod(evaluations.approve_evaluations)
    reject_fn = staticmethod(evaluations.reject_evaluations)

    def make_columns(self) -> Sequence[Column[EvaluationRow]]:
        return [
            number_column("id", "No.", lambda r: r.id, "id", width=55),
            status_column("status", "Status", lambda r: r.status, "status", width=95),
            Column("meter", "Meter", lambda r: r.meter_number, "meter_number", width=100),
            Column("account", "Account", lambda r: r.account_no, width=90),
            status_column("condition", "Meter found", lambda r: r.meter_condition,
                          "meter_condition", width=112),
            Column("found", "Found", lambda r: r.tariff_found, width=70),
            Column("billed", "Billed", lambda r: r.tariff_billed, width=70),
            money_column("loss", "Est. loss", lambda r: r.estimated_loss, "estimated_loss",
                         width=95),
            money_column("penalty", "Penalty", lambda r: r.penalty, "penalty", width=85),
            Column("officer", "Officer", lambda r: r.recorded_by, "recorded_by", width=85),
            Column("inspected_at", "Inspected", lambda r: r.inspected_at, "inspected_at",
                   width=125),
            Column("from", "New plan from", lambda r: r.effective_period or "", width=95),
        ]

    def fetch(self, query: ListQuery) -> Page[EvaluationRow]:
        return evaluations.list_evaluations(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        status = bar.add_choice("status", "Status", _status_choices())
        status.setCurrentIndex(status.findData(RecordStatus.PENDING.value))
        bar.add_choice("meter_condition", "Meter", [("Any condition", None)] + [
            (status_text(c), c.value) for c in MeterCondition])
        self.officer_filter = bar.add_choice("officer", "Officer", [("Every officer", None)])

    def make_pane(self) -> RecordDetail:
        return EvaluationPane(self.ctx, self.handle_error)

    def approved_text(self, rows: list[Any]) -> str:
        changes = [r for r in rows if r.effective_period]
        penalties = [r for r in rows if r.penalty > 0]
        text = super().approved_text(rows)
        if changes:
            text += (f" {len(changes)} tariff change{'s' if len(changes) > 1 else ''} from "
                     f"cycle {changes[0].effective_period}.")
        if penalties:
            text += f" {len(penalties)} penalt{'ies' if len(penalties) > 1 else 'y'} debited."
        return text


class FieldRecordsPage(BasePage):
    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("fieldTabs")
        self.enumerations = EnumerationList(ctx, _inner("enumerations", "Enumerations"))
        self.evaluations = EvaluationList(ctx, _inner("evaluations", "Evaluations"))
        self.tabs.addTab(self.enumerations, "Enumerations")
        self.tabs.addTab(self.evaluations, "Evaluations")
        self.tabs.currentChanged.connect(lambda _i: self.current().on_shown())
        self.layout_.addWidget(self.tabs, 1)
        self.add_action("Import field file...", "import", self.choose_file,
                        shortcut="Ctrl+I", permission=Permission.FIELD_RECORD,
                        tip="A handheld export: enumerations, evaluations, distribution or "
                            "complaints (CSV or Excel)")
        self._load_officers()

    def current(self) -> RecordList:
        widget = self.tabs.currentWidget()
        assert isinstance(widget, RecordList)
        return widget

    def on_shown(self) -> None:
        self._shown_once = True
        self.current().on_shown()

    def refresh(self) -> None:
        self.current().refresh()

    def focus_search(self) -> None:
        self.current().focus_search()

    def save_state(self) -> None:
        self.enumerations.save_state()
        self.evaluations.save_state()

    def _load_officers(self) -> None:
        """The officer filters list the people who hold field records (from the team
        register: a list of names, not of records)."""
        from opsmanager_desktop.services import teams

        backend, token = self.ctx.backend, self.ctx.token
        if not self.ctx.can(Permission.REFERENCE_VIEW):
            return

        def names(_job: object) -> list[str]:
            return sorted(s.username for s in teams.list_staff(backend, token)
                          if s.role in ("field_officer", "supervisor"))

        def fill(found: list[str]) -> None:
            for page in (self.enumerations, self.evaluations):
                combo = page.officer_filter
                for name in found:
                    if combo.findData(name) < 0:
                        combo.addItem(name, name)

        run_task(self, names, on_result=fill, on_error=lambda _exc: None)

    # --- import --------------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import a field file", "", "Field files (*.csv *.xlsx);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path, kind: str | None = None) -> JobProgressDialog:
        backend, token = self.ctx.backend, self.ctx.token
        return run_with_progress(
            self, "Field file", f"Checking {path.name}...",
            lambda job: field_files.import_field_file(
                backend, token, path, kind=kind, progress=job.progress,
                cancelled=lambda: job.cancelled),
            on_result=self._after_import, on_error=self.handle_error)

    def _after_import(self, result: FieldFileResult) -> None:
        rows = "1 row" if result.rows == 1 else f"{result.rows:,} rows"
        self.notify(f"{result.kind.capitalize()} file, {rows}: {result.recorded:,} recorded, "
                    f"{result.duplicates:,} already recorded.", seconds=15)
        if result.kind == "evaluations":
            self.tabs.setCurrentWidget(self.evaluations)
        elif result.kind == "enumerations":
            self.tabs.setCurrentWidget(self.enumerations)
        self.refresh()


def _inner(key: str, title: str) -> PageSpec:
    return PageSpec(f"field_records.{key}", title, "check", Permission.FIELD_VIEW,
                    lambda ctx: FieldRecordsPage(ctx, PAGE))


def _make(ctx: AppContext) -> FieldRecordsPage:
    return FieldRecordsPage(ctx, PAGE)


PAGE = PageSpec("field_records", "Field records", "check", Permission.FIELD_VIEW, _make,
                order=120, description="Enumerations and inspections from the field: review, "
                "approve, reject, import")

"""Billing run page (billing officers): choose an open cycle, see what it holds (approved
readings, readings still waiting, bills already made), run services.billing.run_billing in
the background with a progress dialog and Cancel, then the result and the connections the
run could not bill, each with its reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QWidget,
)

from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.bills_widgets import (
    Facts,
    RowsModel,
    fill_combo,
    filter_caption,
    load_cycles,
    rows_view,
    section_title,
    side_pane,
)
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.progress import JobProgressDialog, run_with_progress
from opsmanager_desktop.gui.table_model import Column
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import billing, bills, readings
from opsmanager_desktop.services.billing import RunResult
from opsmanager_desktop.services.billing_engine import MissingReading
from opsmanager_desktop.services.cycles import CycleRow
from opsmanager_desktop.services.listing import ListQuery


def _count(page: Any) -> int:
    return int(page.total or 0)


class CycleState:
    """What the page shows about a cycle before a run (counts from the list services)."""

    def __init__(self, approved: int, submitted: int, billed: int) -> None:
        self.approved = approved
        self.submitted = submitted
        self.billed = billed


class BillingRunPage(BasePage):
    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.cycles: list[CycleRow] = []
        self.state: CycleState | None = None
        self.result: RunResult | None = None
        self.run_action = self.add_action("Run billing", "bills", self.run_billing,
                                          shortcut="Ctrl+R",
                                          permission=Permission.BILLING_RUN,
                                          tip="Bill the chosen cycle")
        self.add_action("Refresh", "refresh", self.refresh, shortcut="F5")
        choose = QHBoxLayout()
        choose.addWidget(filter_caption("Billing cycle"))
        self.cycle = QComboBox()
        self.cycle.setObjectName("runCycle")
        self.cycle.setMinimumWidth(140)
        self.cycle.currentIndexChanged.connect(lambda _i: self._load_state())
        choose.addWidget(self.cycle)
        self.cycle_hint = QLabel()
        self.cycle_hint.setObjectName("hint")
        choose.addWidget(self.cycle_hint, 1)
        self.layout_.addLayout(choose)
        panes = QHBoxLayout()
        panes.setSpacing(12)
        self.before, self.before_hint = self._pane(panes, "Before the run", "")
        self.after, self.after_hint = self._pane(panes, "Last run",
                                                 "No billing run from this window yet.")
        self.layout_.addLayout(panes)
        self.missing_title = section_title("Connections not billed")
        self.layout_.addWidget(self.missing_title)
        self.missing_model: RowsModel[MissingReading] = RowsModel([
            Column("account", "Account", lambda m: m.account_no, width=110),
            Column("utility", "Utility", lambda m: m.utility, width=110),
            Column("meter", "Meter", lambda m: m.meter_number, width=130),
            Column("reason", "Why it was not billed", lambda m: m.reason),
        ], parent=self)
        self.missing = rows_view(self.missing_model)
        self.missing.setObjectName("missingTable")
        self.layout_.addWidget(self.missing, 1)
        self.missing_count = QLabel("Run billing to list the connections it could not bill, "
                                    "each with the reason.")
        self.missing_count.setObjectName("countLabel")
        self.layout_.addWidget(self.missing_count)

    @staticmethod
    def _pane(row: QHBoxLayout, title: str, hint: str) -> tuple[Facts, QLabel]:
        frame, column, _title = side_pane(title)
        facts = Facts()
        column.addWidget(facts)
        note = QLabel(hint)
        note.setObjectName("hint")
        note.setWordWrap(True)
        column.addWidget(note)
        column.addStretch(1)
        row.addWidget(frame, 1)
        return facts, note

    # --- loading -----------------------------------------------------------------------
    def refresh(self) -> None:
        self.banner.clear()
        load_cycles(self, self.ctx, self._on_cycles,
                    lambda exc: self.handle_error(exc, self.refresh))

    def chosen(self) -> str | None:
        value = self.cycle.currentData()
        return None if value is None else str(value)

    def _on_cycles(self, rows: list[CycleRow]) -> None:
        self.cycles = [r for r in rows if r.status is CycleStatus.OPEN]
        keep = self.chosen() or self.ctx.settings.filter_state(self.spec.key).get("cycle")
        self.cycle.blockSignals(True)
        self.cycle.clear()
        self.cycle.blockSignals(False)
        fill_combo(self.cycle, [(r.period, r.period) for r in self.cycles], keep)
        if not self.cycles:
            self.cycle_hint.setText("No billing cycle is open; an administrator opens one "
                                    "on the Billing cycles page.")
        self._load_state()

    def _load_state(self) -> None:
        period = self.chosen()
        if self.run_action is not None:
            self.run_action.setEnabled(period is not None)
        if period is None:
            self.before.set_facts([])
            return
        cycle = next((c for c in self.cycles if c.period == period), None)
        estimates = cycle is not None and cycle.estimation_enabled
        self.cycle_hint.setText(
            f"{cycle.start_date.isoformat()} to {cycle.end_date.isoformat()}; "
            + ("connections without a reading are estimated" if estimates
               else "connections without an approved reading are listed, not billed")
            if cycle is not None else "")
        backend, token = self.ctx.backend, self.ctx.token

        def work(_job: Job) -> CycleState:
            def readings_with(status: str) -> int:
                return _count(readings.list_readings(backend, token, ListQuery(
                    limit=1, filters={"cycle": period, "status": status})))
            billed = _count(bills.list_bills(backend, token, ListQuery(
                limit=1, filters={"cycle": period})))
            return CycleState(readings_with("APPROVED"), readings_with("SUBMITTED"), billed)

        run_task(self, work, on_result=lambda state: self._on_state(period, state),
                 on_error=lambda exc: self.handle_error(exc, self._load_state))

    def _on_state(self, period: str, state: CycleState) -> None:
        if period != self.chosen():
            return
        self.state = state
        self.before.set_facts([
            ("Approved readings", f"{state.approved:,}"),
            ("Waiting for approval", f"{state.submitted:,}"),
            ("Bills already made", f"{state.billed:,}"),
        ])
        if state.submitted:
            self.before_hint.setText(f"{state.submitted:,} readings still wait for a "
                                     "supervisor: they are not billed by this run.")
        else:
            self.before_hint.setText("Every connection with an approved reading and no bill "
                                     "yet gets one; running again makes nothing twice.")

    def save_state(self) -> None:
        self.ctx.settings.set_filter_state(self.spec.key, {"cycle": self.chosen()})

    # --- the run -----------------------------------------------------------------------
    def run_billing(self) -> QMessageBox | JobProgressDialog | None:
        period = self.chosen()
        if period is None:
            return None
        if self.state is not None and self.state.submitted:
            box = QMessageBox(
                QMessageBox.Icon.Question, "Run billing",
                f"{self.state.submitted:,} readings of {period} still wait for approval and "
                "will not be billed now (a later run bills them). Run billing anyway?",
                QMessageBox.StandardButton.Cancel, self)
            go = box.addButton("Run billing", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(go)
            box.buttonClicked.connect(
                lambda button: self.start_run(period) if button is go else None)
            box.open()
            return box
        return self.start_run(period)

    def start_run(self, period: str) -> JobProgressDialog:
        backend, token = self.ctx.backend, self.ctx.token

        def work(job: Job) -> RunResult:
            def progress(done: int, total: int) -> None:
                job.progress(done, total, f"Billing {period}: {done:,} of {total:,} "
                                          "connections gone through...")
            return billing.run_billing(backend, token, period, progress=progress,
                                       cancelled=lambda: job.cancelled)

        if self.run_action is not None:
            self.run_action.setEnabled(False)
        return run_with_progress(self, "Billing run", f"Starting the billing run of {period}...",
                                 work, on_result=self._on_result, on_error=self._on_failed)

    def _on_failed(self, exc: BaseException) -> None:
        if self.run_action is not None:
            self.run_action.setEnabled(self.chosen() is not None)
        self.handle_error(exc)

    def _on_result(self, result: RunResult) -> None:
        self.result = result
        if self.run_action is not None:
            self.run_action.setEnabled(True)
        self.after.set_facts([
            ("Cycle", result.cycle),
            ("Bills created", f"{result.bills_created:,}"),
            ("Amount billed", Decimal(result.total_amount)),
            ("Already billed before", f"{result.skipped_existing:,}"),
            ("Estimated readings", f"{result.estimated:,}"),
            ("Not billed", f"{len(result.missing_readings):,}"),
        ])
        if result.cancelled:
            self.after_hint.setText(
                f"Cancelled after {result.bills_created:,} bills. The bills made so far stay; "
                "run billing again to finish the cycle.")
            self.notify(f"Billing run of {result.cycle} cancelled; "
                        f"{result.bills_created:,} bills were made.")
        else:
            self.after_hint.setText("Issue the bills on the Bills page when they are checked.")
            self.notify(f"Billing run of {result.cycle} finished: {result.bills_created:,} "
                        f"bills created.")
        self.missing_model.set_rows(result.missing_readings)
        count = len(result.missing_readings)
        self.missing_count.setText(
            "Every active connection of the cycle has a bill." if count == 0 and
            not result.cancelled else f"{count:,} connection{'s' if count != 1 else ''} "
            "not billed" if count else "")
        self.missing.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self._load_state()


def _make(ctx: AppContext) -> BillingRunPage:
    return BillingRunPage(ctx, PAGE)


PAGE = PageSpec("billing_run", "Billing run", "calculator", Permission.BILLING_RUN, _make,
                order=45, description="Bill a cycle's approved readings, with progress")

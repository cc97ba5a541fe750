"""Bills page: bills filtered by cycle, status, utility, issue date and account
(services.bills.list_bills, filtered and sorted in the database), the selected bill's lines
and the account statement it is on beside them (a link to it on the Statements page);
billing officers issue a cycle, billing and accounts officers adjust a bill and mark
overdue bills."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.account_list import AccountListPage, open_record
from opsmanager_desktop.gui.pages.bills_detail import BillDetailPane, signed_money
from opsmanager_desktop.gui.pages.bills_dialogs import (
    AdjustBillDialog,
    IssueCycleDialog,
    issue_text,
)
from opsmanager_desktop.gui.pages.bills_widgets import (
    PERIODS,
    date_range,
    money_text,
    status_column,
    status_text,
)
from opsmanager_desktop.gui.pages.common_filters import ReferenceFilters, newest_cycle
from opsmanager_desktop.gui.pages.readings_detail import units_text
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.print_job import start_print
from opsmanager_desktop.gui.progress import JobProgressDialog
from opsmanager_desktop.gui.table_actions import TableActions
from opsmanager_desktop.gui.table_model import RIGHT, Column, date_column, money_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import bills
from opsmanager_desktop.services.bills import AdjustmentResult, BillRow, IssueResult, OverdueResult
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.printing import PrintSelection

OPEN = "OPEN"  # the status choice "due or overdue" (the list's open_only filter)
ISSUED = [("Any issue date", None)] + [(f"Issued {text}", key) for text, key in PERIODS]


class BillsPage(AccountListPage):
    detail_width = 420
    noun = ("bill", "bills")
    search_placeholder = "Bill number, account, meter or name"
    default_sort = ("bill_no", True)
    detail: BillDetailPane

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.refs.load()

    def row_key(self, row: Any) -> object:
        return row.bill_no

    def make_columns(self) -> Sequence[Column[BillRow]]:
        # what an officer looks for first (who, state, money) before the detail pane
        return [
            Column("bill_no", "Bill", lambda r: r.bill_no, "bill_no", width=140),
            Column("account", "Account", lambda r: r.account_no, "account_no", width=90),
            Column("customer", "Customer", lambda r: r.customer_name, "customer_name",
                   width=130),
            status_column("status", "Status", lambda r: r.status, "status", width=90),
            money_column("total", "Total", lambda r: r.total, "total", width=95),
            money_column("balance", "Balance", lambda r: r.balance, "balance", width=95),
            date_column("due", "Due", lambda r: r.due_date, "due_date", width=90),
            Column("cycle", "Cycle", lambda r: r.cycle, "cycle", width=70),
            Column("statement", "Statement", lambda r: r.statement_no or "", width=140,
                   tooltip="The account statement the bill was issued on"),
            Column("utility", "Utility", lambda r: r.utility, "utility", width=85),
            Column("units", "Units", lambda r: r.units, "units", RIGHT, units_text, 75),
            money_column("paid", "Paid", lambda r: r.amount_paid, "amount_paid", width=95),
            Column("adjustments", "Adjusted", lambda r: r.adjustments or None, None, RIGHT,
                   lambda v: "" if v is None else signed_money(v), 85),
            date_column("issued", "Issued", lambda r: r.issue_date, "issue_date", width=90),
            Column("meter", "Meter", lambda r: r.meter_number, width=100),
            Column("estimated", "Estimated", lambda r: "Yes" if r.is_estimated else "",
                   width=75),
        ]

    def fetch(self, query: ListQuery) -> Page[BillRow]:
        return bills.list_bills(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        self.cycle_filter = bar.add_choice("cycle", "Cycle", [("All cycles", None)])
        # captions only where the choices do not say what they are (the bar must fit)
        bar.add_choice("status", "", [("All statuses", None), ("Due or overdue", OPEN)]
                       + [(status_text(s), s.value) for s in BillStatus])
        self.utility_filter = bar.add_choice("utility", "", [("All utilities", None)])
        bar.add_choice("issued", "", ISSUED)
        self.refs = ReferenceFilters(self, self.cycle_filter, self.utility_filter,
                                     default_cycle=newest_cycle)
        self.add_account_box(bar)

    def setup_actions(self) -> None:
        self.add_action("Issue bills...", "print", self.issue_cycle,
                        permission=Permission.BILLS_ISSUE,
                        tip="Give a cycle's new bills their issue and due dates")
        self.adjust_action = self.add_action(
            "Adjust...", "edit", self.adjust_selected, needs_row=True,
            shortcut="Ctrl+J", permission=Permission.BILLS_ADJUST,
            tip="A debit or credit on the selected bill, with a reason")
        self.add_action("Print...", "print", self.print_selected, needs_row=True,
                        shortcut="Ctrl+P", permission=Permission.BILLS_PRINT,
                        tip="Print the selected bills to one PDF, a page each")
        self.add_action("Mark overdue", "warning", self.mark_overdue,
                        permission=Permission.BILLS_MARK_OVERDUE,
                        tip="Due bills past their due date with a balance become overdue")
        self.table_actions = TableActions(self, "bills")

    def make_detail(self) -> QWidget:
        self.detail = BillDetailPane(self.ctx, self.handle_error, self.show_statement)
        return self.detail

    def show_statement(self, statement_no: str, account_no: str) -> None:
        open_record(self.window(), "statements", statement_no, account_no)

    # --- filters -----------------------------------------------------------------------
    def query_filters(self) -> dict[str, Any]:
        filters = dict(self.filter_bar.filters())
        issued = date_range(str(filters.pop("issued", "")), self.ctx.backend.now().date())
        if issued is not None:
            filters["issued_from"], filters["issued_to"] = issued
        if filters.get("status") == OPEN:
            del filters["status"]
            filters["open_only"] = True
        return self.account_box.add_to(filters)

    def refresh(self) -> None:
        if self.refs.ready():  # else the cycles' arrival loads the page
            super().refresh()

    def on_selection(self, row: Any) -> None:
        if isinstance(row, BillRow):
            self.detail.show_bill(row.bill_no)
            if self.adjust_action is not None:
                self.adjust_action.setEnabled(row.status is not BillStatus.PAID)
        else:
            self.detail.clear()

    # --- actions -----------------------------------------------------------------------
    def issue_cycle(self) -> IssueCycleDialog:
        open_first = sorted(self.refs.cycles, key=lambda c: c.status is not CycleStatus.OPEN)
        chosen = self.cycle_filter.currentData()
        return self.open_form(IssueCycleDialog(self.ctx, open_first, chosen, self),
                              self._after_issue)

    def _after_issue(self, result: IssueResult) -> None:
        self.notify(issue_text(result), seconds=12)
        self.refresh()

    def adjust_selected(self) -> AdjustBillDialog | None:
        row = self.selected()
        if not isinstance(row, BillRow):
            return None
        return self.open_form(AdjustBillDialog(self.ctx, row, self), self._after_adjust)

    def selected_bill_nos(self) -> tuple[str, ...]:
        """The selected rows' bill numbers in table order (else the current row's)."""
        return tuple(r.bill_no for r in self.chosen_rows() if isinstance(r, BillRow))

    def print_selected(self, out: Path | None = None) -> JobProgressDialog | None:
        numbers = self.selected_bill_nos()
        if not numbers:
            return None
        if out is None:
            name, _filter = QFileDialog.getSaveFileName(
                self, "Print bills", f"bills-{numbers[0]}.pdf", "PDF files (*.pdf)")
            if not name:
                return None
            out = Path(name)
        return start_print(self, PrintSelection(bill_nos=numbers), out)

    def _after_adjust(self, result: AdjustmentResult) -> None:
        kind = "credit" if result.amount < 0 else "debit"
        self.notify(f"Bill {result.bill.bill_no}: {kind} of {money_text(abs(result.amount))} "
                    f"recorded; balance now {money_text(result.bill.balance)} "
                    f"({status_text(result.bill.status)}).")
        self.refresh()
        self.detail.show_bill(result.bill.bill_no)

    def mark_overdue(self) -> None:
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: bills.mark_overdue(backend, token),
                 on_result=self._after_overdue, on_error=self.handle_error)

    def _after_overdue(self, result: OverdueResult) -> None:
        if result.marked:
            self.notify(f"{result.marked:,} bill{'s' if result.marked != 1 else ''} due "
                        f"before {result.as_of.isoformat()} with a balance marked overdue.")
        else:
            self.notify("No bill was due before today with a balance left: nothing to mark.")
        self.refresh()


def _make(ctx: AppContext) -> BillsPage:
    return BillsPage(ctx, PAGE)


PAGE = PageSpec("bills", "Bills", "bills", Permission.BILLS_VIEW, _make, order=50,
                description="Bills by cycle, status and account; issue, adjust, overdue")

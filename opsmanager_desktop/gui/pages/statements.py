"""Statements page: account statements, one per account per cycle issue
(services.statements.list_statements, filtered and sorted in the database), by cycle,
account and search; the selected statement's account summary and bills beside them;
officers who print bills print the chosen statements.

A statement's figures are as issued; "Balance now" and the status (OPEN while its bills
still owe something, else SETTLED) follow the payments made since.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.account_list import AccountListPage, open_record
from opsmanager_desktop.gui.pages.bills_detail import signed_money
from opsmanager_desktop.gui.pages.bills_widgets import status_column
from opsmanager_desktop.gui.pages.common_filters import ReferenceFilters, newest_cycle
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.pages.statements_detail import StatementDetailPane
from opsmanager_desktop.gui.print_job import start_print
from opsmanager_desktop.gui.progress import JobProgressDialog
from opsmanager_desktop.gui.table_actions import TableActions
from opsmanager_desktop.gui.table_model import (
    RIGHT,
    Column,
    date_column,
    format_money_cell,
    money_column,
)
from opsmanager_desktop.services import statements
from opsmanager_desktop.services.bill_queries import BillRow
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.printing import PrintSelection
from opsmanager_desktop.services.statements import StatementRow


class StatementsPage(AccountListPage):
    detail_width = 480
    noun = ("statement", "statements")
    search_placeholder = "Statement number, account or name"
    default_sort = ("statement_no", True)
    detail: StatementDetailPane

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.refs.load()

    def row_key(self, row: Any) -> object:
        return row.statement_no

    def make_columns(self) -> Sequence[Column[StatementRow]]:
        # who, what is owed and whether it is settled first, as on the Bills page; the
        # summary's parts after them (the pane shows them added up)
        return [
            Column("statement_no", "Statement", lambda r: r.statement_no, "statement_no",
                   width=140),
            Column("account", "Account", lambda r: r.account_no, "account_no", width=90),
            Column("customer", "Customer", lambda r: r.customer_name, "customer_name",
                   width=130),
            Column("total_due", "Total due", lambda r: r.total_due, "total_due", RIGHT,
                   format_money_cell, 95, "As issued; below zero the account was in credit"),
            money_column("balance", "Balance now", lambda r: r.balance, width=110),
            status_column("status", "Status", lambda r: r.status, width=85),
            date_column("due", "Due", lambda r: r.due_date, "due_date", width=90),
            Column("cycle", "Cycle", lambda r: r.cycle, "cycle", width=70),
            date_column("issued", "Issued", lambda r: r.issue_date, "issue_date", width=90),
            Column("bills", "Bills", lambda r: r.bills, None, RIGHT, width=50),
            money_column("previous", "Previous balance", lambda r: r.previous_balance,
                         width=115),
            money_column("payments", "Payments", lambda r: r.payments, width=95),
            Column("adjustments", "Adjusted", lambda r: r.adjustments or None, None, RIGHT,
                   lambda v: "" if v is None else signed_money(v), 85),
            money_column("current", "Current charges", lambda r: r.current_charges,
                         "current_charges", width=115),
        ]

    def fetch(self, query: ListQuery) -> Page[StatementRow]:
        return statements.list_statements(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        self.cycle_filter = bar.add_choice("cycle", "Cycle", [("All cycles", None)])
        self.refs = ReferenceFilters(self, self.cycle_filter, None, default_cycle=newest_cycle)
        self.add_account_box(bar)

    def setup_actions(self) -> None:
        self.add_action("Print...", "print", self.print_selected, needs_row=True,
                        shortcut="Ctrl+P", permission=Permission.BILLS_PRINT,
                        tip="Print the selected statements to one PDF")
        self.table_actions = TableActions(self, "statements")

    def make_detail(self) -> QWidget:
        self.detail = StatementDetailPane(self.ctx, self.handle_error, self.show_bill)
        return self.detail

    def query_filters(self) -> dict[str, Any]:
        return self.account_box.add_to(dict(self.filter_bar.filters()))

    def refresh(self) -> None:
        if self.refs.ready():  # else the cycles' arrival loads the page
            super().refresh()

    def on_selection(self, row: Any) -> None:
        if isinstance(row, StatementRow):
            self.detail.show_statement(row.statement_no)
        else:
            self.detail.clear()

    def show_bill(self, bill: BillRow) -> None:
        open_record(self.window(), "bills", bill.bill_no, bill.account_no)

    # --- printing ----------------------------------------------------------------------
    def selected_statement_nos(self) -> tuple[str, ...]:
        """The selected rows' statement numbers in table order (else the current row's)."""
        return tuple(r.statement_no for r in self.chosen_rows()
                     if isinstance(r, StatementRow))

    def print_selected(self, out: Path | None = None) -> JobProgressDialog | None:
        numbers = self.selected_statement_nos()
        if not numbers:
            return None
        if out is None:
            name, _filter = QFileDialog.getSaveFileName(
                self, "Print statements", f"statements-{numbers[0]}.pdf", "PDF files (*.pdf)")
            if not name:
                return None
            out = Path(name)
        return start_print(self, PrintSelection(statement_nos=numbers), out)


def _make(ctx: AppContext) -> StatementsPage:
    return StatementsPage(ctx, PAGE)


PAGE = PageSpec("statements", "Statements", "bills", Permission.BILLS_VIEW, _make, order=52,
                description="Account statements: one per account and cycle, with its bills")

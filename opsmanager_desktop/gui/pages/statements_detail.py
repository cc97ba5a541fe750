"""The pane right of the statements table: one account statement as its paper shows it
(services.statements.get_statement): the account summary, what its bills still owe today,
and the bills it carries (a double click opens one on the Bills page).

The summary reads down like the paper: previous balance, minus the payments since the last
statement, plus payments reversed since (only when there were any), plus adjustments and
this cycle's charges, equals the total due; a negative total is shown as the account's
credit. Every figure is the statement's own, as issued; only "owed on its bills now" moves.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from opsmanager_desktop.domain.errors import NotFound
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import scrolled_detail
from opsmanager_desktop.gui.pages.bills_detail import statement_total, status_label
from opsmanager_desktop.gui.pages.bills_widgets import (
    Facts,
    RowsModel,
    rows_view,
    section_title,
    status_column,
)
from opsmanager_desktop.gui.pages.readings_detail import units_text
from opsmanager_desktop.gui.table_model import RIGHT, Column, money_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import statements
from opsmanager_desktop.services.bill_queries import BillRow
from opsmanager_desktop.services.statements import StatementDetail, StatementRow

PLACEHOLDER = "Select a statement to see the account summary and its bills."


def summary_facts(s: StatementRow) -> list[tuple[str, str | Decimal | None]]:
    """The account summary as signed amounts that add up to the last line."""
    facts: list[tuple[str, str | Decimal | None]] = [
        ("Previous balance", s.previous_balance),
        ("Payments received", -s.payments)]
    if s.reversals:
        facts.append(("Payments reversed", s.reversals))
    facts += [("Adjustments", s.adjustments), ("Current charges", s.current_charges)]
    facts.append(statement_total(s))
    return facts


def bill_columns() -> list[Column[BillRow]]:
    # what a pane of the first width shows without scrolling: which bill, what is left
    # of it; the reading's units and the meter after them
    return [
        Column("bill_no", "Bill", lambda r: r.bill_no, width=135),
        Column("utility", "Utility", lambda r: r.utility, width=72),
        money_column("total", "Total", lambda r: r.total, width=76),
        money_column("balance", "Balance", lambda r: r.balance, width=76),
        status_column("status", "Status", lambda r: r.status, width=76),
        Column("units", "Units", lambda r: r.units, None, RIGHT, units_text, 60),
        Column("meter", "Meter", lambda r: r.meter_number, width=90),
    ]


class StatementDetailPane(QFrame):
    def __init__(self, ctx: AppContext, on_error: Callable[[BaseException], object],
                 on_bill: Callable[[BillRow], object] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._on_error = on_error
        self._on_bill = on_bill
        self._asked: str | None = None
        self.detail: StatementDetail | None = None
        layout, self.title, self.subtitle = scrolled_detail(self, PLACEHOLDER, 380)
        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 4, 0, 0)
        self.status_holder = QVBoxLayout()
        column.addLayout(self.status_holder)
        self.facts = Facts()
        column.addWidget(self.facts)
        column.addWidget(section_title("Account summary"))
        self.summary = Facts()
        column.addWidget(self.summary)
        column.addWidget(section_title("Bills on this statement"))
        self.bills: RowsModel[BillRow] = RowsModel(bill_columns(), parent=self)
        self.bills_view = rows_view(self.bills, statuses=("status",))
        self.bills_view.setToolTip("Double-click a bill to open it on the Bills page")
        self.bills_view.doubleClicked.connect(self._bill_activated)
        column.addWidget(self.bills_view, 1)
        self.content.setVisible(False)
        layout.addWidget(self.content, 1)
        self._status: QLabel | None = None

    def clear(self) -> None:
        self._asked = None
        self.detail = None
        self.title.setText(PLACEHOLDER)
        self.subtitle.clear()
        self.content.setVisible(False)

    def show_statement(self, statement_no: str) -> None:
        self._asked = statement_no
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: statements.get_statement(backend, token, statement_no),
                 on_result=self._on_detail, on_error=self._on_failed)

    def reload(self) -> None:
        if self._asked is not None:
            self.show_statement(self._asked)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFound):
            self.clear()
            return
        self._on_error(exc)

    def _on_detail(self, detail: StatementDetail) -> None:
        s = detail.statement
        if s.statement_no != self._asked:
            return
        self.detail = detail
        self.title.setText(f"Statement {s.statement_no}")
        self.subtitle.setText(f"{s.account_no} {s.customer_name} · cycle {s.cycle}")
        if self._status is not None:
            self._status.deleteLater()
        self._status = status_label(s.status)
        self.status_holder.addWidget(self._status, 0, Qt.AlignmentFlag.AlignLeft)
        word = "bill" if s.bills == 1 else "bills"
        self.facts.set_facts([
            ("Issued", s.issue_date.isoformat()), ("Due", s.due_date.isoformat()),
            ("Bills", f"{s.bills} {word}"), ("Owed on its bills now", s.balance)])
        self.summary.set_facts(summary_facts(s))
        self.summary.values[statement_total(s)[0]].setStyleSheet("font-weight: bold;")
        self.bills.set_rows(detail.bills)
        self.content.setVisible(True)

    def _bill_activated(self, index: QModelIndex) -> None:
        if self._on_bill is not None and index.isValid():
            self._on_bill(self.bills.row_at(index.row()))

"""Dues page: one account's outstanding dues, credit, open bills and full history
(services.dues.dues / history), beside the ageing of every open balance (dues.ageing) and,
for the roles with the financial reports, the top defaulters (analytics.top_defaulters); a
defaulter opens with a double click. Accounts officers record a payment from here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QWidget,
)

from opsmanager_desktop.domain.errors import NotFound, PermissionDenied
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.errors import error_message
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.bills_widgets import (
    Facts,
    RowsModel,
    filter_caption,
    money_text,
    rows_view,
    section_title,
    side_pane,
    status_column,
)
from opsmanager_desktop.gui.pages.payments_dialogs import RecordPaymentDialog, recorded_text
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.table_model import (
    RIGHT,
    Column,
    RowRole,
    date_column,
    money_column,
    number_column,
)
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.reports.figures import Defaulter
from opsmanager_desktop.services import analytics, customers, dues
from opsmanager_desktop.services.dues import Ageing, AgeingBucket, Dues, HistoryEntry, OpenBillDue
from opsmanager_desktop.services.payments import PaymentResult


class AccountView:
    """An account as the page shows it (one background read)."""

    def __init__(self, name: str, dues: Dues, history: list[HistoryEntry]) -> None:
        self.name = name
        self.dues = dues
        self.history = history


class Overview:
    def __init__(self, ageing: Ageing, defaulters: list[Defaulter] | None) -> None:
        self.ageing = ageing
        self.defaulters = defaulters


class DuesPage(BasePage):
    detail_width = 440  # room for the defaulters' four columns on the right
    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.view: AccountView | None = None
        self.overview: Overview | None = None
        self.financial = ctx.can(Permission.REPORTS_FINANCIAL)
        self.pay_action = self.add_action("Record payment...", "payments", self.record_payment,
                                          shortcut="Ctrl+N",
                                          permission=Permission.PAYMENTS_RECORD,
                                          tip="A payment for the account shown")
        self.add_action("Refresh", "refresh", self.refresh, shortcut="F5")
        row = QHBoxLayout()
        row.addWidget(filter_caption("Account"))
        self.account = QLineEdit()
        self.account.setObjectName("searchBox")
        self.account.setPlaceholderText("account number, then Enter")
        self.account.setMaximumWidth(220)
        self.account.returnPressed.connect(self.show_typed)
        row.addWidget(self.account)
        show = QPushButton("Show")
        show.clicked.connect(self.show_typed)
        row.addWidget(show)
        row.addStretch(1)
        self.layout_.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._account_pane())
        splitter.addWidget(self._overview_pane())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter
        self.layout_.addWidget(splitter, 1)
        saved = ctx.settings.filter_state(spec.key).get("account")
        if saved:
            self.account.setText(str(saved))

    def _account_pane(self) -> QWidget:
        frame, column, self.account_title = side_pane(
            "Type an account number to see what it owes.", wrap=True)
        self.facts = Facts()
        column.addWidget(self.facts)
        column.addWidget(section_title("Open bills"))
        self.open_model: RowsModel[OpenBillDue] = RowsModel([
            Column("bill", "Bill", lambda b: b.bill_no, width=130),
            status_column("status", "Status", lambda b: b.status, width=95),
            date_column("due", "Due", lambda b: b.due_date, width=95),
            money_column("balance", "Balance", lambda b: b.balance),
        ], parent=self)
        self.open_view = rows_view(self.open_model, statuses=["status"])
        self.open_view.setMaximumHeight(170)
        column.addWidget(self.open_view)
        column.addWidget(section_title("History"))
        self.history_model: RowsModel[HistoryEntry] = RowsModel([
            date_column("on", "Date", lambda h: h.on, width=95),
            Column("kind", "What", lambda h: h.kind.capitalize(), width=80),
            Column("reference", "Reference", lambda h: h.reference, width=140),
            money_column("amount", "Amount", lambda h: h.amount),
            status_column("status", "Status", lambda h: h.status, width=95),
            money_column("balance", "Balance", lambda h: h.balance),
            Column("description", "", lambda h: h.description),
        ], parent=self)
        self.history_view = rows_view(self.history_model, statuses=["status"])
        column.addWidget(self.history_view, 1)
        return frame

    def _overview_pane(self) -> QWidget:
        frame, column, _title = side_pane("Ageing of dues")
        self.ageing_hint = QLabel()
        self.ageing_hint.setObjectName("pageSubtitle")
        self.ageing_hint.setWordWrap(True)
        column.addWidget(self.ageing_hint)
        self.ageing_model: RowsModel[AgeingBucket] = RowsModel([
            Column("bucket", "Days past due", lambda a: a.bucket, width=115),
            number_column("bills", "Bills", lambda a: a.bills, width=70),
            money_column("amount", "Amount", lambda a: a.amount, width=110),
        ], parent=self)
        self.ageing_view = rows_view(self.ageing_model, sortable=False)
        self.ageing_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.ageing_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.ageing_view.setFixedHeight(  # the four buckets, no scrolling
            self.ageing_view.horizontalHeader().sizeHint().height() + 4 * 26 + 4)
        column.addWidget(self.ageing_view)
        self.ageing_total = QLabel()
        self.ageing_total.setObjectName("totalLabel")
        self.ageing_total.setAlignment(Qt.AlignmentFlag.AlignRight)
        column.addWidget(self.ageing_total)
        self.defaulters_model: RowsModel[Defaulter] = RowsModel([
            Column("account", "Account", lambda d: d.account_no, width=88),
            Column("name", "Customer", lambda d: d.name, width=120),
            money_column("owed", "Overdue", lambda d: d.overdue_amount, width=100),
            Column("days", "Days", lambda d: d.days_overdue, None, RIGHT, width=50),
        ], parent=self)
        self.defaulters_view = rows_view(self.defaulters_model)
        self.defaulters_view.doubleClicked.connect(self._on_defaulter)
        if self.financial:
            column.addWidget(section_title("Top defaulters (double-click to open)"))
            column.addWidget(self.defaulters_view, 1)
        else:
            self.defaulters_view.setVisible(False)
            column.addStretch(1)
        return frame

    # --- loading -----------------------------------------------------------------------
    def refresh(self) -> None:
        self.banner.clear()
        backend, token, financial = self.ctx.backend, self.ctx.token, self.financial

        def work(_job: Job) -> Overview:
            top = analytics.top_defaulters(backend, token) if financial else None
            return Overview(dues.ageing(backend, token), top)

        run_task(self, work, on_result=self._on_overview,
                 on_error=lambda exc: self.handle_error(exc, self.refresh))
        if self.account.text().strip():
            self.show_account(self.account.text().strip())

    def _on_overview(self, overview: Overview) -> None:
        self.overview = overview
        a = overview.ageing
        self.ageing_hint.setText(f"Open balances on {a.as_of.isoformat()} by days past their "
                                 "due date (0-30 includes bills not due yet).")
        self.ageing_model.set_rows(a.buckets)
        self.ageing_total.setText(f"Total open: {money_text(a.total)}")
        if overview.defaulters is not None:
            self.defaulters_model.set_rows(overview.defaulters)

    def show_typed(self) -> None:
        number = self.account.text().strip()
        if number:
            self.show_account(number)

    def show_account(self, account_no: str) -> None:
        self.account.setText(account_no)
        backend, token = self.ctx.backend, self.ctx.token

        def work(_job: Job) -> AccountView:
            name = customers.get_customer(backend, token, account_no).name
            return AccountView(name, dues.dues(backend, token, account_no),
                               dues.history(backend, token, account_no))

        run_task(self, work, on_result=lambda view: self._on_account(account_no, view),
                 on_error=lambda exc: self._on_account_failed(account_no, exc))

    def _on_account_failed(self, account_no: str, exc: BaseException) -> None:
        if isinstance(exc, NotFound | PermissionDenied):  # said where the answer goes
            self.view = None
            self.account_title.setText(error_message(exc))
            self.facts.set_facts([])
            self.open_model.set_rows([])
            self.history_model.set_rows([])
            return
        self.handle_error(exc, lambda: self.show_account(account_no))

    def _on_account(self, account_no: str, view: AccountView) -> None:
        if account_no != self.account.text().strip():
            return
        self.view = view
        d = view.dues
        self.account_title.setText(f"{d.account_no} {view.name}")
        self.facts.set_facts([("Outstanding", d.outstanding), ("Credit", d.credit),
                              ("Open bills", f"{len(d.open_bills):,}")])
        self.open_model.set_rows(d.open_bills)
        self.history_model.set_rows(list(reversed(view.history)))  # newest first

    def _on_defaulter(self, index: Any) -> None:
        row = self.defaulters_model.data(index, RowRole)
        if isinstance(row, Defaulter):
            self.show_account(row.account_no)

    def save_state(self) -> None:
        self.ctx.settings.set_filter_state(self.spec.key,
                                           {"account": self.account.text().strip()})

    def focus_search(self) -> None:
        self.account.setFocus()
        self.account.selectAll()

    # --- actions -----------------------------------------------------------------------
    def record_payment(self) -> RecordPaymentDialog:
        number = self.view.dues.account_no if self.view is not None else ""
        return self.open_form(RecordPaymentDialog(self.ctx, number, self),
                              self._after_payment)

    def _after_payment(self, result: PaymentResult) -> None:
        self.notify(recorded_text(result), seconds=15)
        self.account.setText(result.payment.account_no)
        self.refresh()


def _make(ctx: AppContext) -> DuesPage:
    return DuesPage(ctx, PAGE)


PAGE = PageSpec("dues", "Dues", "dues", Permission.DUES_VIEW, _make, order=70,
                description="What an account owes, its history, and the ageing of dues")

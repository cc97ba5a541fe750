"""The pane right of the customers table: the selected customer's details, connections and
full history (readings, bills, payments, adjustments), each history a tab of its own; My
account shows a consumer their statements through the same history lists.

Each history tab is a paged, service-sorted table (the same PagedTableModel as the pages)
filtered to the account, so a customer with twenty years of bills costs one page to show.
A tab reads only when it is looked at; a role without the list's permission gets no tab
(ctx.can, from the permission matrix). Column layout of each tab is remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.bills_widgets import Facts, RowsModel, rows_view
from opsmanager_desktop.gui.status_colors import StatusDelegate, color_status_column
from opsmanager_desktop.gui.table_model import (
    RIGHT,
    Column,
    PagedTableModel,
    date_column,
    format_money_cell,
    money_column,
    number_column,
)
from opsmanager_desktop.gui.table_view import DataTable
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import (
    adjustments,
    bills,
    customers,
    dues,
    payments,
    readings,
    statements,
)
from opsmanager_desktop.services.connections import ConnectionRow
from opsmanager_desktop.services.customers import CustomerDetail
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.payments import PaymentRow
from opsmanager_desktop.services.readings import ReadingRow

ListFn = Callable[..., Page[Any]]


@dataclass(frozen=True)
class HistorySpec:
    key: str
    title: str
    permission: tuple[Permission, ...]
    list_fn: ListFn
    account_filter: str  # the list service's filter name for the account
    sort: tuple[str, bool]
    columns: Sequence[Column[Any]]
    statuses: tuple[str, ...] = ()
    # the customers pane has no room for a sixth tab at 1280 pixels; officers find an
    # account's statements on the Statements page (its account box)
    in_customer_pane: bool = True


def status_label(value: Any) -> str:
    """OVERDUE -> Overdue (the colour comes from the value, see gui/status_colors.py)."""
    text = value.value if hasattr(value, "value") else str(value or "")
    return str(text).capitalize()


def _flags(row: ReadingRow) -> str:
    return ", ".join(f.value.capitalize() for f in row.flags)


def _payment_state(row: PaymentRow) -> str:
    return "REVERSED" if row.reversed else "POSTED"


def history_specs() -> list[HistorySpec]:
    return [
        HistorySpec("readings", "Readings", (Permission.READINGS_VIEW,),
                    readings.list_readings, "account_no", ("period", True), [
                        Column("period", "Cycle", lambda r: r.period, "period", width=75),
                        Column("meter", "Meter", lambda r: r.meter_number, "meter_number",
                               width=95),
                        Column("utility", "Utility", lambda r: r.utility, width=80),
                        number_column("current", "Reading", lambda r: r.current_reading),
                        number_column("units", "Units", lambda r: r.units, "units", width=75),
                        Column("status", "Status", lambda r: r.status, "status", width=95,
                               formatter=status_label),
                        Column("flags", "Flags", _flags, "flags", width=70),
                        date_column("read_at", "Read on", lambda r: r.read_at, "read_at")],
                    ("status",)),
        HistorySpec("bills", "Bills", (Permission.BILLS_VIEW, Permission.OWN_ACCOUNT_VIEW),
                    bills.list_bills, "account", ("cycle", True), [
                        Column("bill_no", "Bill", lambda r: r.bill_no, "bill_no", width=135),
                        Column("cycle", "Cycle", lambda r: r.cycle, "cycle", width=65),
                        Column("utility", "Utility", lambda r: r.utility, "utility", width=80),
                        money_column("total", "Total", lambda r: r.total, "total", width=85),
                        money_column("balance", "Balance", lambda r: r.balance, "balance",
                                     width=85),
                        Column("status", "Status", lambda r: r.status, "status", width=85,
                               formatter=status_label),
                        date_column("due", "Due", lambda r: r.due_date, "due_date")],
                    ("status",)),
        HistorySpec("statements", "Statements",
                    (Permission.BILLS_VIEW, Permission.OWN_ACCOUNT_VIEW),
                    statements.list_statements, "account", ("cycle", True), [
                        Column("statement_no", "Statement", lambda r: r.statement_no,
                               "statement_no", width=140),
                        Column("cycle", "Cycle", lambda r: r.cycle, "cycle", width=65),
                        date_column("due", "Due", lambda r: r.due_date, "due_date",
                                    width=95),
                        Column("total_due", "Total due", lambda r: r.total_due, "total_due",
                               RIGHT, format_money_cell, 90,
                               "As issued; below zero the account was in credit"),
                        money_column("balance", "Balance now", lambda r: r.balance,
                                     width=110),
                        Column("status", "Status", lambda r: r.status, width=85,
                               formatter=status_label)],
                    ("status",), in_customer_pane=False),
        HistorySpec("payments", "Payments",
                    (Permission.PAYMENTS_VIEW, Permission.OWN_ACCOUNT_VIEW),
                    payments.list_payments, "account", ("paid_at", True), [
                        date_column("paid_at", "Paid on", lambda r: r.paid_at, "paid_at"),
                        Column("channel", "Channel", lambda r: r.channel, "channel", width=75),
                        Column("reference", "Reference", lambda r: r.reference, "reference",
                               width=110),
                        money_column("amount", "Amount", lambda r: r.amount, "amount",
                                     width=95),
                        Column("bill", "Bill", lambda r: r.bill_no or "", width=100),
                        Column("state", "State", _payment_state, width=90,
                               formatter=status_label)],
                    ("state",)),
        HistorySpec("adjustments", "Adjustments",
                    (Permission.BILLS_VIEW, Permission.OWN_ACCOUNT_VIEW),
                    adjustments.list_adjustments, "account", ("created_at", True), [
                        date_column("date", "Date", lambda r: r.created_at.date(),
                                    "created_at"),
                        Column("bill_no", "Bill", lambda r: r.bill_no, "bill_no", width=135),
                        Column("cycle", "Cycle", lambda r: r.cycle, "cycle", width=65),
                        money_column("amount", "Amount", lambda r: r.amount, "amount",
                                     width=90),
                        Column("reason", "Reason", lambda r: r.reason, width=160),
                        Column("by", "By", lambda r: r.created_by, width=90)]),
    ]


class HistoryTab(QWidget):
    """One history list of one account; reads when shown, again when the account changes."""

    def __init__(self, ctx: AppContext, spec: HistorySpec, settings_key: str,
                 on_error: Callable[[BaseException], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.spec = spec
        self.settings_key = settings_key
        self.account: str | None = None
        self._loaded_for: str | None = None
        list_fn, backend = spec.list_fn, ctx.backend

        def fetch(query: ListQuery) -> Page[Any]:
            return list_fn(backend, ctx.token, query)

        self.model: PagedTableModel[Any] = PagedTableModel(spec.columns, fetch, self,
                                                           page_size=100)
        self.model.set_sort(*spec.sort)
        self.table = DataTable(self.model)
        self.table.setObjectName(f"history_{spec.key}")
        self.table.empty_text = f"No {spec.title.lower()} for this account."
        self.table.restore_state(ctx.settings.header_state(settings_key))
        if spec.statuses:
            color_status_column(self.table, *spec.statuses)
        self.model.failed.connect(on_error)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)

    def show_account(self, account: str | None, visible: bool) -> None:
        self.account = account
        if visible:
            self.load()

    def load(self, again: bool = False) -> None:
        if self.account is None or (self.account == self._loaded_for and not again):
            return
        self._loaded_for = self.account
        self.model.set_query("", {self.spec.account_filter: self.account})

    def save_state(self) -> None:
        self.ctx.settings.set_header_state(self.settings_key, self.table.save_state())


@dataclass(frozen=True)
class _Loaded:
    detail: CustomerDetail
    outstanding: Decimal | None  # None: the role has no dues view


class CustomerDetailPane(QWidget):
    def __init__(self, ctx: AppContext, on_error: Callable[[BaseException], None],
                 page_key: str = "customers", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.on_error = on_error
        self.setObjectName("detailPane")
        self.detail: CustomerDetail | None = None
        self._wanted: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        self.title = QLabel("Select a customer")
        self.title.setObjectName("detailTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.facts = Facts()
        layout.addWidget(self.facts)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(False)
        self.connections_model: RowsModel[ConnectionRow] = RowsModel([
            Column("utility", "Utility", lambda r: r.utility, width=80),
            Column("meter", "Meter", lambda r: r.meter_number, width=100),
            Column("tariff", "Tariff", lambda r: r.tariff_code, width=75),
            Column("status", "Status", lambda r: r.status, width=105, formatter=status_label),
            number_column("load", "Load kW", lambda r: r.sanctioned_load_kw, width=70),
            date_column("since", "Since", lambda r: r.connected_on)], parent=self)
        self.connections_view = rows_view(self.connections_model)
        self.connections_view.setItemDelegateForColumn(3, StatusDelegate(self.connections_view))
        self.tabs.addTab(self.connections_view, "Connections")
        self.history: list[HistoryTab] = []
        for spec in history_specs():
            if spec.in_customer_pane and any(ctx.can(p) for p in spec.permission):
                tab = HistoryTab(ctx, spec, f"{page_key}.{spec.key}", on_error)
                self.history.append(tab)
                self.tabs.addTab(tab, spec.title)
        self.tabs.currentChanged.connect(self._on_tab)
        layout.addWidget(self.tabs, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)  # arrowing through the list reads only where it stops
        self._timer.timeout.connect(self._load)

    # --- what the page calls ---------------------------------------------------------
    def show_customer(self, account_no: str | None) -> None:
        self._wanted = account_no
        if account_no is None:
            self._timer.stop()
            return
        self._timer.start()

    def reload(self) -> None:
        """The customer again (after an edit, or a change on another workstation)."""
        if self.detail is not None:
            self._wanted = self.detail.account_no
            self._load(force=True)

    def save_state(self) -> None:
        for tab in self.history:
            tab.save_state()

    # --- machinery -----------------------------------------------------------------------
    def _load(self, force: bool = False) -> None:
        account = self._wanted
        if account is None:
            return
        backend, token, with_dues = self.ctx.backend, self.ctx.token, self.ctx.can(
            Permission.DUES_VIEW)

        def work(_job: Job) -> _Loaded:
            detail = customers.get_customer(backend, token, account)
            owed = dues.dues(backend, token, account).outstanding if with_dues else None
            return _Loaded(detail, owed)

        run_task(self, work, on_result=lambda loaded: self._show(loaded, force),
                 on_error=self.on_error)

    def _show(self, loaded: _Loaded, force: bool) -> None:
        detail = loaded.detail
        if detail.account_no != self._wanted:
            return  # the selection moved on meanwhile
        self.detail = detail
        self.title.setText(detail.name)
        facts: list[tuple[str, str | Decimal | None]] = [
            ("Account", detail.account_no), ("Address", detail.address or "-"),
            ("Phone", detail.phone or "-"), ("E-mail", detail.email or "-"),
            ("Customer since", detail.created_at.date().isoformat())]
        if loaded.outstanding is not None:
            facts.append(("Outstanding", format_money(loaded.outstanding)))
        facts.append(("Credit", format_money(detail.credit)))
        self.facts.set_facts(facts)
        self.connections_model.set_rows(list(detail.connections))
        self.tabs.setTabText(0, f"Connections ({len(detail.connections)})")
        current = self.tabs.currentWidget()
        for tab in self.history:
            tab.show_account(detail.account_no, visible=tab is current)
            if force and tab is current:
                tab.load(again=True)

    def _on_tab(self, _index: int) -> None:
        current = self.tabs.currentWidget()
        if isinstance(current, HistoryTab):
            current.load()


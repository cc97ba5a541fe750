"""My account: what a consumer sees when they sign in: their profile and connections, what
they owe, and their statements (newest first), bills, payments and adjustments. Read-only:
there is no action that changes anything, and the services restrict every list to the
consumer's own account (services.own_account, and the consumer rule of the statements,
bills, payments and adjustments lists).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.bills_widgets import Facts, RowsModel, rows_view
from opsmanager_desktop.gui.pages.customer_detail import HistoryTab, history_specs, status_label
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.status_colors import StatusDelegate
from opsmanager_desktop.gui.table_model import Column, date_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import own_account
from opsmanager_desktop.services.connections import ConnectionRow
from opsmanager_desktop.services.own_account import OwnAccount

# statements first: the account's one paper per cycle, what the consumer pays by
_TABS = ("statements", "bills", "payments", "adjustments")


class MyAccountPage(BasePage):
    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.account: OwnAccount | None = None
        self.add_action("Refresh", "refresh", self.refresh, shortcut="F5")
        top = QHBoxLayout()
        top.setSpacing(24)
        profile = QVBoxLayout()
        self.name = QLabel("")
        self.name.setObjectName("detailTitle")
        profile.addWidget(self.name)
        self.profile = Facts()
        profile.addWidget(self.profile)
        profile.addStretch(1)
        top.addLayout(profile, 3)
        money = QVBoxLayout()
        self.owed = QLabel("")
        self.owed.setObjectName("totalLabel")
        money.addWidget(self.owed)
        self.money = Facts()
        money.addWidget(self.money)
        money.addStretch(1)
        top.addLayout(money, 2)
        self.layout_.addLayout(top)
        self.tabs = QTabWidget()
        self.connections: RowsModel[ConnectionRow] = RowsModel([
            Column("utility", "Utility", lambda r: r.utility, width=100),
            Column("meter", "Meter", lambda r: r.meter_number, width=120),
            Column("tariff", "Tariff", lambda r: r.tariff_code, width=90),
            Column("status", "Status", lambda r: r.status, width=110, formatter=status_label),
            date_column("since", "Connected on", lambda r: r.connected_on)], parent=self)
        view = rows_view(self.connections)
        view.setItemDelegateForColumn(3, StatusDelegate(view))
        self.history: dict[str, HistoryTab] = {}
        specs = {hist.key: hist for hist in history_specs()}
        for key in _TABS:
            tab = HistoryTab(ctx, specs[key], f"{spec.key}.{key}", self.handle_error)
            self.history[key] = tab
            self.tabs.addTab(tab, specs[key].title)
        self.tabs.addTab(view, "Connections")
        self.tabs.currentChanged.connect(self._on_tab)
        self.layout_.addWidget(self.tabs, 1)
        self.note = QLabel("This is a read-only view of your account. To change your details "
                           "or query a bill, contact the customer office.")
        self.note.setObjectName("hint")
        self.layout_.addWidget(self.note)

    def refresh(self) -> None:
        self.banner.clear()
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: own_account.my_account(backend, token),
                 on_result=self._show, on_error=lambda exc: self.handle_error(exc, self.refresh))

    def _show(self, account: OwnAccount) -> None:
        self.account = account
        c = account.customer
        self.name.setText(c.name)
        self.profile.set_facts([("Account", c.account_no), ("Address", c.address or "-"),
                                ("Phone", c.phone or "-"), ("E-mail", c.email or "-"),
                                ("Customer since", c.created_at.date().isoformat())])
        self.owed.setText("Nothing to pay" if account.outstanding == 0 else
                          f"To pay: {format_money(account.outstanding)}")
        facts: list[tuple[str, str | Decimal | None]] = [
            ("Open bills", str(account.open_bills)),
            ("Outstanding", format_money(account.outstanding)),
            ("Credit on the account", format_money(c.credit))]
        self.money.set_facts(facts)
        self.connections.set_rows(list(c.connections))
        current = self.tabs.currentWidget()
        for tab in self.history.values():
            tab.show_account(c.account_no, visible=tab is current)
            if tab is current:
                tab.load(again=True)

    def _on_tab(self, _index: int) -> None:
        current = self.tabs.currentWidget()
        if isinstance(current, HistoryTab):
            current.load()

    def save_state(self) -> None:
        for tab in self.history.values():
            tab.save_state()


def _make(ctx: AppContext) -> MyAccountPage:
    return MyAccountPage(ctx, PAGE)


PAGE = PageSpec("my_account", "My account", "customers", Permission.OWN_ACCOUNT_VIEW, _make,
                order=1, description="Your statements, bills, payments and details (read-only)")

"""Customers page: search a million customers by account, name, meter or phone; the
selected one's details, connections and history; add, edit, add a connection, import.

The list is a WindowedTableModel (gui/windowed_model.py): the scroll bar spans every
customer, the first rows show before the count is known, Ctrl+End reads the last page from
the other end. Billing officers (CUSTOMERS_MANAGE) get the actions that change data; every
officer who may look customers up gets the list, the detail and the export.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.auto_refresh import AutoRefresher
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.customer_detail import CustomerDetailPane
from opsmanager_desktop.gui.pages.customer_dialogs import (
    ConnectionDialog,
    CustomerDialog,
    CustomerImportDialog,
)
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.table_actions import TableActions
from opsmanager_desktop.gui.table_model import Column, date_column, number_column
from opsmanager_desktop.gui.windowed_model import WindowedTableModel
from opsmanager_desktop.services import customers
from opsmanager_desktop.services.connections import ConnectionRow
from opsmanager_desktop.services.customers import CustomerDetail, CustomerRow
from opsmanager_desktop.services.listing import ListQuery, Page


class CustomersPage(ListPage):
    detail_width = 600  # the table the wider part
    noun = ("customer", "customers")
    search_placeholder = "Search account number, name, meter number or phone (start of it)"
    default_sort = ("account_no", False)
    model_class = WindowedTableModel

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.model.modelReset.connect(self._counting)
        self.auto_refresh = AutoRefresher(self)
        self.auto_refresh.changed.connect(self.detail.reload)

    def row_key(self, row: Any) -> object:
        return row.account_no

    def make_columns(self) -> Sequence[Column[CustomerRow]]:
        return [
            Column("account", "Account", lambda r: r.account_no, "account_no", width=105),
            Column("name", "Name", lambda r: r.name, "name", width=190),
            Column("phone", "Phone", lambda r: r.phone, "phone", width=125),
            Column("meters", "Meters", lambda r: ", ".join(r.meter_numbers), width=150,
                   tooltip="Meters of the connections that are not closed"),
            number_column("connections", "Conn.", lambda r: r.connections, width=55),
            Column("address", "Address", lambda r: r.address, width=210),
            Column("email", "E-mail", lambda r: r.email, width=190),
            date_column("created", "Since", lambda r: r.created_at.date(), "created_at"),
        ]

    def fetch(self, query: ListQuery) -> Page[CustomerRow]:
        return customers.list_customers(self.ctx.backend, self.ctx.token, query)

    def setup_actions(self) -> None:
        self.add_action("Add customer...", "add", self.add_customer, shortcut="Ctrl+N",
                        permission=Permission.CUSTOMERS_MANAGE,
                        tip="A new customer, with a first connection")
        self.add_action("Edit...", "edit", self.edit_selected, shortcut="F2", needs_row=True,
                        permission=Permission.CUSTOMERS_MANAGE,
                        tip="Name, address, phone and e-mail of the selected customer")
        self.add_action("Add connection...", "utilities", self.add_connection,
                        shortcut="Ctrl+Shift+N", needs_row=True,
                        permission=Permission.CUSTOMERS_MANAGE,
                        tip="Another meter for the selected customer")
        self.add_action("Import...", "import", self.choose_file, shortcut="Ctrl+I",
                        permission=Permission.CUSTOMERS_MANAGE,
                        tip="Customers and connections from a CSV or Excel file, "
                            "checked before anything is written")
        self.table_actions = TableActions(self, "customers")

    def make_detail(self) -> QWidget:
        self.detail = CustomerDetailPane(self.ctx, self.handle_error, self.spec.key)
        return self.detail

    def save_state(self) -> None:
        super().save_state()
        self.detail.save_state()

    def on_selection(self, row: Any) -> None:
        self.detail.show_customer(row.account_no if isinstance(row, CustomerRow) else None)

    def on_row_activated(self, row: Any) -> None:
        if self.ctx.can(Permission.CUSTOMERS_MANAGE):
            self.edit_selected()

    def _counting(self) -> None:
        model = self.model
        if isinstance(model, WindowedTableModel) and model.counting:
            self.count_label.setText(f"{model.rowCount():,}+ customers shown, counting...")

    # --- actions -----------------------------------------------------------------------
    def add_customer(self) -> CustomerDialog:
        dialog = CustomerDialog(self.ctx, None, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_save(dialog.result_value, "added"))
        dialog.open()
        return dialog

    def edit_selected(self) -> CustomerDialog | None:
        detail = self.detail.detail
        row = self.selected()
        if detail is None or not isinstance(row, CustomerRow) \
                or detail.account_no != row.account_no:
            return None  # the detail of the selected customer is still on its way
        dialog = CustomerDialog(self.ctx, detail, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_save(dialog.result_value, "saved"))
        dialog.open()
        return dialog

    def _after_save(self, detail: CustomerDetail, verb: str) -> None:
        self.notify(f"Customer {detail.account_no} ({detail.name}) {verb}.")
        self.refresh()
        self.detail.show_customer(detail.account_no)

    def add_connection(self) -> ConnectionDialog | None:
        row = self.selected()
        if not isinstance(row, CustomerRow):
            return None
        dialog = ConnectionDialog(self.ctx, row.account_no, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_connection(dialog.result_value))
        dialog.open()
        return dialog

    def _after_connection(self, connection: ConnectionRow) -> None:
        self.notify(f"Connection {connection.utility} meter {connection.meter_number} added "
                    f"to {connection.account_no}.")
        self.refresh()
        self.detail.reload()

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import customers", "", "Customer files (*.csv *.xlsx);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> CustomerImportDialog:
        """The preview dialog: the file is checked whole; nothing is written until Import."""
        dialog = CustomerImportDialog(self.ctx, path, self)
        dialog.accepted.connect(lambda: self._after_import(dialog))
        dialog.open()
        dialog.start_check()
        return dialog

    def _after_import(self, dialog: CustomerImportDialog) -> None:
        self.notify(dialog.done_text(dialog.result_value), seconds=15)
        self.refresh()


def _make(ctx: AppContext) -> CustomersPage:
    return CustomersPage(ctx, PAGE)


PAGE = PageSpec("customers", "Customers", "customers", Permission.CUSTOMERS_VIEW, _make,
                order=20, description="Accounts, their connections and full history")

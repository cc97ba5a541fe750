"""Add and edit a customer, add a connection, import a customers file: thin forms over
services.customers, services.connections and services.customer_import.

Every check is the service's: the dialogs send what was typed and show the service's
messages under the fields they name (account_no, name, address, phone, email, utility,
meter_number, tariff_code, initial_reading, sanctioned_load_kw).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from opsmanager_desktop.domain.errors import FieldProblem, ValidationError
from opsmanager_desktop.domain.money import D
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.bills_import_preview import ImportPreviewDialog
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import connections, customers, tariffs, utilities
from opsmanager_desktop.services.connections import ConnectionRow, NewConnection
from opsmanager_desktop.services.customer_import import (
    CustomerImportResult,
    check_customers_file,
    import_customers,
)
from opsmanager_desktop.services.customers import CustomerDetail
from opsmanager_desktop.services.import_preview import ImportPreview
from opsmanager_desktop.services.imports import default_rejects_path
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.tariffs import TariffPlanRow
from opsmanager_desktop.services.utilities import UtilityRow

_ACTIVE_PLANS = ListQuery(sort="code", limit=1000, count=False, filters={"active": True})


def _number(text: str, field: str, default: Decimal) -> Decimal:
    """Turn typed text into a Decimal; what the value may be is the service's to say."""
    text = text.strip()
    if not text:
        return default
    try:
        return D(text)
    except ValueError:
        raise ValidationError([FieldProblem(field, f"{text!r} is not a number")]) from None


class ConnectionFields:
    """Utility, meter, tariff plan, initial reading and load: a new connection's fields in a
    FormDialog. The plan list follows the chosen utility (a convenience; the service checks
    that the plan belongs to it)."""

    def __init__(self, dialog: FormDialog, ctx: AppContext) -> None:
        self.dialog = dialog
        self.ctx = ctx
        self.utilities: list[UtilityRow] = []
        self.plans: list[TariffPlanRow] = []
        self.utility = dialog.add_field("Utility", QComboBox(), "utility")
        self.meter = dialog.add_field("Meter number", QLineEdit(), "meter_number", "meter")
        self.tariff = dialog.add_field("Tariff plan", QComboBox(), "tariff_code", "tariff")
        self.initial = dialog.add_field("Initial reading", QLineEdit(), "initial_reading")
        self.initial.setPlaceholderText("0")
        self.load = dialog.add_field("Sanctioned load (kW)", QLineEdit(), "sanctioned_load_kw")
        self.load.setPlaceholderText("0")
        self.utility.currentIndexChanged.connect(lambda _i: self._fill_plans())
        backend, token = ctx.backend, ctx.token

        def work(_job: Job) -> tuple[list[UtilityRow], list[TariffPlanRow]]:
            return (utilities.list_utilities(backend, token, include_inactive=False),
                    tariffs.list_plans(backend, token, _ACTIVE_PLANS).rows)

        run_task(dialog, work, on_result=self._loaded, on_error=dialog.errors.show)

    def widgets(self) -> list[QWidget]:
        return [self.utility, self.meter, self.tariff, self.initial, self.load]

    def set_enabled(self, enabled: bool) -> None:
        for widget in self.widgets():
            widget.setEnabled(enabled)

    def _loaded(self, lists: tuple[list[UtilityRow], list[TariffPlanRow]]) -> None:
        self.utilities, self.plans = lists
        self.utility.blockSignals(True)
        for row in self.utilities:
            self.utility.addItem(row.name, row.code)
        self.utility.blockSignals(False)
        self._fill_plans()

    def _fill_plans(self) -> None:
        code = self.utility.currentData()
        self.tariff.clear()
        for plan in self.plans:
            if plan.utility == code:
                self.tariff.addItem(f"{plan.code} - {plan.name}", plan.code)

    def collect(self) -> NewConnection:
        return NewConnection(
            utility=str(self.utility.currentData() or ""),
            meter_number=self.meter.text().strip(),
            tariff_code=str(self.tariff.currentData() or ""),
            initial_reading=_number(self.initial.text(), "initial_reading", Decimal(0)),
            sanctioned_load_kw=_number(self.load.text(), "sanctioned_load_kw", Decimal(0)))


class CustomerDialog(FormDialog):
    """Add a customer (detail None), optionally with a first connection, or edit one."""

    def __init__(self, ctx: AppContext, detail: CustomerDetail | None = None,
                 parent: QWidget | None = None) -> None:
        adding = detail is None
        title = "Add customer" if detail is None else f"Edit customer {detail.account_no}"
        super().__init__(parent, title, ok_text="Add customer" if adding else "Save")
        self.setObjectName("customerDialog")
        self.ctx = ctx
        self.detail = detail
        self.account = self.add_field("Account number", QLineEdit(), "account_no", "account")
        self.name = self.add_field("Name", QLineEdit(), "name")
        self.address = self.add_field("Address", QLineEdit(), "address")
        self.phone = self.add_field("Phone", QLineEdit(), "phone")
        self.email = self.add_field("E-mail", QLineEdit(), "email", "e-mail")
        self.connection: ConnectionFields | None = None
        self.with_connection = QCheckBox("Add the first connection now")
        if adding:
            self.add_field("", self.with_connection, "connection")
            self.with_connection.setChecked(True)
            self.connection = ConnectionFields(self, ctx)
            self.with_connection.toggled.connect(self.connection.set_enabled)
            self.account.setFocus()
        else:
            assert detail is not None
            self.account.setText(detail.account_no)
            self.account.setReadOnly(True)
            self.name.setText(detail.name)
            self.address.setText(detail.address)
            self.phone.setText(detail.phone)
            self.email.setText(detail.email)
            self.name.setFocus()
        self.setMinimumWidth(500)

    def collect(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "account_no": self.account.text().strip(), "name": self.name.text(),
            "address": self.address.text(), "phone": self.phone.text(),
            "email": self.email.text()}
        if self.connection is not None and self.with_connection.isChecked():
            values["connection"] = self.connection.collect()
        return values

    def submit(self, values: dict[str, Any], job: Job) -> CustomerDetail:
        backend, token = self.ctx.backend, self.ctx.token
        if self.detail is None:
            return customers.create_customer(
                backend, token, values["account_no"], values["name"],
                address=values["address"], phone=values["phone"], email=values["email"],
                connection=values.get("connection"))
        return customers.update_customer(
            backend, token, self.detail.account_no, self.detail.version, name=values["name"],
            address=values["address"], phone=values["phone"], email=values["email"])


class ConnectionDialog(FormDialog):
    """A further connection for an existing customer."""

    def __init__(self, ctx: AppContext, account_no: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Add connection to {account_no}", ok_text="Add connection",
                         intro="A meter of a utility type, billed on a tariff plan. The "
                               "meter number must not be fitted on another open connection "
                               "of the same utility.")
        self.setObjectName("connectionDialog")
        self.ctx = ctx
        self.account_no = account_no
        self.fields = ConnectionFields(self, ctx)
        self.fields.meter.setFocus()
        self.setMinimumWidth(480)

    def collect(self) -> NewConnection:
        return self.fields.collect()

    def submit(self, values: NewConnection, job: Job) -> ConnectionRow:
        return connections.add_connection(self.ctx.backend, self.ctx.token, self.account_no,
                                          values)


class CustomerImportDialog(ImportPreviewDialog):
    """A customers file (`customers import`): checked whole first, written on confirmation."""

    noun = ("row", "rows")

    def __init__(self, ctx: AppContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(ctx, path, "Import customers", parent)
        self.setObjectName("customerImportDialog")
        self.resize(1120, 600)  # nine columns and the problems beside them

    def check(self, job: Job) -> ImportPreview:
        return check_customers_file(self.ctx.backend, self.ctx.token, self.path,
                                    progress=self.progress_hook(job, "Checking"),
                                    cancelled=lambda: job.cancelled)

    def run_import(self, job: Job, skip_invalid: bool) -> CustomerImportResult:
        return import_customers(self.ctx.backend, self.ctx.token, self.path,
                                skip_invalid=skip_invalid,
                                rejects_path=default_rejects_path(self.path),
                                progress=self.progress_hook(job, "Importing"),
                                cancelled=lambda: job.cancelled)

    def done_text(self, result: Any) -> str:
        assert isinstance(result, CustomerImportResult)
        text = (f"{result.customers_created:,} customers with {result.connections_created:,} "
                f"connections imported from {self.path.name}.")
        if result.rejected and result.rejects_path is not None:
            text += (f" {result.rejected:,} rows with problems were written to "
                     f"{result.rejects_path.name}.")
        return text

"""Dialogs of the Distribution page: record how one bill (or the statement it is printed
on) was delivered, choose the bills to print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.distribution import DeliveryStatus
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import distribution
from opsmanager_desktop.services.distribution import RecordedDelivery
from opsmanager_desktop.services.distribution_query import DistributionRow
from opsmanager_desktop.services.printing import PrintSelection


class RecordDeliveryDialog(FormDialog):
    def __init__(self, ctx: AppContext, row: DistributionRow,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Record delivery", ok_text="Record",
                         intro=f"Bill {row.bill_no} of {row.customer_name} "
                               f"({row.account_no}), {row.address}")
        self.setObjectName("recordDeliveryDialog")
        self.ctx = ctx
        self.bill_no = row.bill_no
        self.statement_no = row.statement_no if row.statement_bills > 1 else None
        # one paper carries the account's bills: what happened to it happened to them all
        self.whole_statement = QCheckBox(f"Statement {self.statement_no}: all its "
                                         f"{row.statement_bills} bills")
        self.whole_statement.setChecked(True)
        if self.statement_no is not None:
            self.add_field("For", self.whole_statement, "bill_no")
        self.status = self.add_field("What happened", QComboBox(), "status")
        for status in DeliveryStatus:
            self.status.addItem(status.label, status.value)
        self.when = self.add_field("When", QDateTimeEdit(QDateTime.currentDateTime()),
                                   "occurred_at")
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.officer = self.add_field("Handed over by", QLineEdit(ctx.username), "officer")
        self.officer.setPlaceholderText("user name of the officer")
        self.received_by = self.add_field("Handed to", QLineEdit(), "received_by")
        self.received_by.setPlaceholderText("the customer, a relative, a neighbour...")
        self.latitude = self.add_field("Latitude", QLineEdit(), "latitude")
        self.longitude = self.add_field("Longitude", QLineEdit(), "longitude")
        for edit in (self.latitude, self.longitude):
            edit.setPlaceholderText("optional, e.g. 6.524379")
        self.email = self.add_field("E-mailed to", QLineEdit(), "email")
        self.email.setPlaceholderText("the customer's address when left blank")
        self.reason = self.add_field("Why not delivered", QLineEdit(), "reason")
        self.reason.setPlaceholderText("house locked, address not found, refused...")
        self.status.currentIndexChanged.connect(lambda _i: self._show_fields())
        self._show_fields()
        self.setMinimumWidth(500)

    def _show_fields(self) -> None:
        """Only the fields the chosen status uses are enabled."""
        status = DeliveryStatus(self.status.currentData())
        handed = status is DeliveryStatus.HANDED_OVER
        for widget in (self.officer, self.received_by, self.latitude, self.longitude):
            widget.setEnabled(handed)
        self.email.setEnabled(status is DeliveryStatus.EMAILED)
        self.reason.setEnabled(status is DeliveryStatus.NOT_DELIVERED)

    def collect(self) -> dict[str, Any]:
        status = DeliveryStatus(self.status.currentData())
        handed = status is DeliveryStatus.HANDED_OVER
        picked = self.when.dateTime().toPython()
        assert isinstance(picked, datetime)
        return {"status": status, "occurred_at": picked.replace(second=0, microsecond=0),
                "officer": self.officer.text() if handed else "",
                "received_by": self.received_by.text() if handed else "",
                "latitude": self.latitude.text().strip() if handed else "",
                "longitude": self.longitude.text().strip() if handed else "",
                "email": self.email.text() if status is DeliveryStatus.EMAILED else "",
                "reason": self.reason.text() if status is DeliveryStatus.NOT_DELIVERED
                else ""}

    def submit(self, values: dict[str, Any], job: Job) -> RecordedDelivery:
        number = (self.statement_no if self.statement_no is not None
                  and self.whole_statement.isChecked() else self.bill_no)
        return distribution.record_delivery(self.ctx.backend, self.ctx.token, number,
                                            **values)


@dataclass(frozen=True)
class PrintChoice:
    selection: PrintSelection
    out: Path
    split: int | None


class PrintBillsDialog(FormDialog):
    """What to print and where; the page then prints with a progress dialog (Cancel)."""

    def __init__(self, periods: list[str], current: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Print bills", ok_text="Print",
                         intro="One A4 page per bill, in the order the field team walks "
                               "(route, then account).")
        self.setObjectName("printBillsDialog")
        self.cycle = self.add_field("Cycle", QComboBox(), "cycle", "selection")
        for period in periods:
            self.cycle.addItem(period, period)
        if current is not None and self.cycle.findData(current) >= 0:
            self.cycle.setCurrentIndex(self.cycle.findData(current))
        self.status = self.add_field("Bills", QComboBox(), "status")
        self.status.addItem("All of the cycle", None)
        for status in BillStatus:
            self.status.addItem(status.value.capitalize(), status.value)
        self.route = self.add_field("Route", QLineEdit(), "transformer")
        self.route.setPlaceholderText("distribution transformer; all routes when blank")
        self.split = self.add_field("Bills per file", QSpinBox(), "split")
        self.split.setRange(0, 100_000)
        self.split.setSpecialValueText("one file")
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        self.out = QLineEdit(str(Path.home() / f"bills-{current or 'cycle'}.pdf"))
        browse = QPushButton("Browse...")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        self.add_field("Save as", holder, "out")
        self.setMinimumWidth(520)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, "Save the bills as",
                                                    self.out.text(), "PDF documents (*.pdf)")
        if path:
            self.out.setText(path)

    def collect(self) -> PrintChoice:
        if self.cycle.currentData() is None:
            raise invalid("cycle", "there is no billing cycle to print")
        out = Path(self.out.text().strip())
        if out.suffix.lower() != ".pdf":
            raise invalid("out", "the file name must end in .pdf")
        if not out.parent.is_dir():
            raise invalid("out", f"the folder {out.parent} does not exist")
        return PrintChoice(PrintSelection(cycle=self.cycle.currentData(),
                                          status=self.status.currentData(),
                                          transformer=self.route.text().strip() or None),
                           out, self.split.value() or None)

    def submit(self, values: PrintChoice, job: Job) -> PrintChoice:
        return values  # the page prints, with a progress dialog that can cancel

"""Payment dialogs (accounts officers): record one payment against the customer's open
bills, reverse one with a reason, import a settlement file after its preview."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from opsmanager_desktop.domain.errors import NotFound, PermissionDenied
from opsmanager_desktop.domain.payment_rules import MAX_REASON, MAX_REFERENCE, Channel
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.errors import error_message
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.bills_import_preview import ImportPreviewDialog
from opsmanager_desktop.gui.pages.bills_widgets import channel_text, money_text, status_text
from opsmanager_desktop.gui.pages.readings_dialogs import date_edit, picked_date
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import customers, dues, payments
from opsmanager_desktop.services.dues import Dues
from opsmanager_desktop.services.import_preview import ImportPreview
from opsmanager_desktop.services.payment_import import check_payments_file
from opsmanager_desktop.services.payments import (
    ImportResult,
    PaymentResult,
    PaymentRow,
    ReversalResult,
)

NO_BILL = ""  # the bill choice "oldest open bills first"


@dataclass(frozen=True)
class Account:
    """What the payment form shows about the account typed in."""

    name: str
    dues: Dues


def parts_text(parts: Any, credit: Decimal) -> str:
    """`500.00 to B-1, 155.00 to B-2, 20.00 kept as credit`."""
    text = [f"{money_text(p.amount)} to {p.bill_no}" for p in parts]
    if credit:
        text.append(f"{money_text(credit)} kept as credit")
    return ", ".join(text) or "nothing applied"


class RecordPaymentDialog(FormDialog):
    def __init__(self, ctx: AppContext, account_no: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Record a payment", ok_text="Record payment",
                         intro="The payment goes to the bill or statement chosen (a "
                               "statement's open bills oldest first), then to the customer's "
                               "other open bills, oldest first; what is left is kept as "
                               "credit on the account.")
        self.setObjectName("recordPaymentDialog")
        self.ctx = ctx
        self.account: Account | None = None
        self._looked_up = ""
        self.account_no = self.add_field("Account", QLineEdit(account_no), "account_no",
                                         "account")
        self.account_no.setPlaceholderText("account number, then Tab")
        self.account_no.editingFinished.connect(self.look_up)
        self.customer = QLabel("Type the account number to see the customer's open bills.")
        self.customer.setObjectName("hint")
        self.customer.setWordWrap(True)
        self.add_field("", self.customer, "customer")
        self.bill = self.add_field("Apply to", QComboBox(), "bill", "bill_no")
        self.bill.addItem("Oldest open bills first", NO_BILL)
        self.bill.currentIndexChanged.connect(self._on_bill)
        self.amount = self.add_field("Amount", QLineEdit(), "amount")
        self.amount.setPlaceholderText("e.g. 1155.00")
        self.channel = self.add_field("Channel", QComboBox(), "channel")
        for channel in Channel:
            self.channel.addItem(channel_text(channel), channel.value)
        self.reference = self.add_field("Reference", QLineEdit(), "reference")
        self.reference.setMaxLength(MAX_REFERENCE)
        self.reference.setPlaceholderText("receipt, transaction or cheque number")
        self.paid_at = self.add_field("Paid on", date_edit(ctx.backend.now().date()),
                                      "paid_at", "paid on")
        self.setMinimumWidth(620)  # a bill's line: number, balance, due date, status
        if account_no:
            self.look_up()
            self.amount.setFocus()

    def look_up(self) -> None:
        """The customer's name, dues and open bills, in the background."""
        number = self.account_no.text().strip()
        if not number or number == self._looked_up:
            return
        self._looked_up = number
        self.customer.setText(f"Looking up {number}...")
        backend, token = self.ctx.backend, self.ctx.token

        def work(_job: Job) -> Account:
            name = customers.get_customer(backend, token, number).name
            return Account(name, dues.dues(backend, token, number))

        run_task(self, work, on_result=lambda found: self._on_account(number, found),
                 on_error=lambda exc: self._on_account_failed(number, exc))

    def _on_account_failed(self, number: str, exc: BaseException) -> None:
        if number != self.account_no.text().strip():
            return
        self.account = None
        self._reset_bills()
        if isinstance(exc, NotFound | PermissionDenied):
            self.customer.setText(error_message(exc))
            return
        self.errors.show(exc)
        self._looked_up = ""  # an outage: look again next time

    def _reset_bills(self) -> None:
        self.bill.blockSignals(True)
        while self.bill.count() > 1:
            self.bill.removeItem(1)
        self.bill.blockSignals(False)

    def _on_account(self, number: str, found: Account) -> None:
        if number != self.account_no.text().strip():
            return
        self.account = found
        d = found.dues
        self.customer.setText(f"{found.name}: outstanding {money_text(d.outstanding)}, "
                              f"credit {money_text(d.credit)}, {len(d.open_bills)} open "
                              f"bill{'s' if len(d.open_bills) != 1 else ''}.")
        self._reset_bills()
        latest = d.latest_statement
        if latest is not None and d.outstanding > 0:  # what the payer was sent: the slip
            self.bill.addItem(f"Statement {latest.statement_no}: {money_text(latest.total_due)}"
                              f" due {latest.due_date.isoformat()}", latest.statement_no)
        for bill in d.open_bills:
            due = bill.due_date.isoformat() if bill.due_date else "-"
            self.bill.addItem(f"{bill.bill_no}: balance {money_text(bill.balance)}, due {due}"
                              f" ({status_text(bill.status)})", bill.bill_no)

    def _on_bill(self, _index: int) -> None:
        # picking a bill offers its balance; an amount typed by hand is left alone
        chosen = self.bill.currentData()
        if self.account is None or not chosen:
            return
        offers = {b.bill_no: b.balance for b in self.account.dues.open_bills}
        latest = self.account.dues.latest_statement
        if latest is not None:  # the statement's total, less what was paid on it since
            offers[latest.statement_no] = min(latest.total_due, self.account.dues.outstanding)
        offered = {money_text(v).replace(",", "") for v in offers.values()}
        if not self.amount.text().strip() or self.amount.text().strip() in offered:
            self.amount.setText(money_text(offers[chosen]).replace(",", ""))

    def collect(self) -> dict[str, Any]:
        return {"account_no": self.account_no.text().strip(),
                "amount": self.amount.text().strip().replace(",", ""),
                "channel": self.channel.currentData(),
                "reference": self.reference.text().strip(),
                "paid_at": picked_date(self.paid_at),
                "bill_no": self.bill.currentData() or None}

    def submit(self, values: dict[str, Any], job: Job) -> PaymentResult:
        return payments.record_payment(self.ctx.backend, self.ctx.token, values["account_no"],
                                       values["amount"], values["channel"],
                                       values["reference"], values["paid_at"],
                                       values["bill_no"])


def recorded_text(result: PaymentResult) -> str:
    p = result.payment
    if result.already_recorded:
        return (f"{p.channel} {p.reference} was recorded before ({money_text(p.amount)} on "
                f"{p.paid_at.isoformat()} for {p.account_no}); nothing was posted twice.")
    return (f"Payment of {money_text(p.amount)} ({p.channel} {p.reference}) recorded for "
            f"{p.account_no}: {parts_text(result.applied, result.kept_as_credit)}. "
            f"Outstanding now {money_text(result.outstanding)}, credit "
            f"{money_text(result.account_credit)}.")


class ReversePaymentDialog(FormDialog):
    """Undo a payment (a bounced cheque, a card charge-back): the bills it paid get their
    balance back; the reversal is kept with its reason."""

    def __init__(self, ctx: AppContext, row: PaymentRow, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Reverse payment", ok_text="Reverse payment",
                         intro=f"Reverse {row.channel} {row.reference}: "
                               f"{money_text(row.amount)} paid on {row.paid_at.isoformat()} "
                               f"for {row.account_no} {row.customer_name}? The bills it paid "
                               "open again.")
        self.setObjectName("reversePaymentDialog")
        self.ctx = ctx
        self.row = row
        self.reason = self.add_field("Reason", QLineEdit(), "reason")
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText("e.g. cheque returned unpaid by the bank")
        self.setMinimumWidth(480)

    def collect(self) -> str:
        return str(self.reason.text())

    def submit(self, values: str, job: Job) -> ReversalResult:
        return payments.reverse_payment(self.ctx.backend, self.ctx.token, self.row.channel,
                                        self.row.reference, values)


def reversed_text(result: ReversalResult) -> str:
    p = result.payment
    taken = ", ".join(f"{money_text(t.amount)} from {t.bill_no or 'the account credit'}"
                      for t in result.taken_back) or "nothing"
    return (f"{p.channel} {p.reference} reversed: {taken} taken back. {p.account_no} owes "
            f"{money_text(result.outstanding)} now (credit {money_text(result.account_credit)}).")


class PaymentImportDialog(ImportPreviewDialog):
    noun = ("payment", "payments")
    skipped_means = "already posted (not posted twice)"

    def __init__(self, ctx: AppContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(ctx, path, "Import a settlement file", parent)

    def check(self, job: Job) -> ImportPreview:
        return check_payments_file(self.ctx.backend, self.ctx.token, self.path,
                                   progress=self.progress_hook(job, "Checking"),
                                   cancelled=lambda: job.cancelled)

    def run_import(self, job: Job, skip_invalid: bool) -> ImportResult:
        return payments.import_payments(self.ctx.backend, self.ctx.token, self.path,
                                        skip_invalid=skip_invalid,
                                        progress=self.progress_hook(job, "Posting"),
                                        cancelled=lambda: job.cancelled)

    def done_text(self, result: Any) -> str:
        r: ImportResult = result
        text = (f"{r.posted:,} payment{'s' if r.posted != 1 else ''} posted "
                f"({money_text(r.amount_posted)}) from {self.path.name}")
        if r.duplicates:
            text += f"; {r.duplicates:,} already posted were not posted again"
        if r.rejected and r.rejects_path is not None:
            text += f"; {r.rejected:,} rows with problems written to {r.rejects_path.name}"
        return text + "."

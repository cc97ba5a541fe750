"""Bill dialogs: issue a cycle's bills, adjust one bill (debit or credit with a reason)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.bills_widgets import money_text
from opsmanager_desktop.gui.pages.readings_dialogs import date_edit, picked_date
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import bills
from opsmanager_desktop.services.bills import AdjustmentResult, BillRow, IssueResult
from opsmanager_desktop.services.cycles import CycleRow
from opsmanager_desktop.services.listing import ListQuery


class IssueCycleDialog(FormDialog):
    """GENERATED -> DUE for a whole cycle: issue date, due date = issue date + the cycle's
    days to pay; the accounts' credit is applied at once (services.bills.issue_bills)."""

    def __init__(self, ctx: AppContext, cycles: Sequence[CycleRow], chosen: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Issue bills", ok_text="Issue bills",
                         intro="Issuing gives a cycle's new bills their issue and due dates; "
                               "they can then be paid, printed and sent. Credit an account "
                               "holds is applied to its bill at once.")
        self.setObjectName("issueCycleDialog")
        self.ctx = ctx
        self.cycles = {c.period: c for c in cycles}
        self.cycle = self.add_field("Billing cycle", QComboBox(), "period", "cycle")
        for row in cycles:
            self.cycle.addItem(row.period, row.period)
        if chosen is not None and self.cycle.findData(chosen) >= 0:
            self.cycle.setCurrentIndex(self.cycle.findData(chosen))
        self.issue_date = self.add_field("Issue date", date_edit(ctx.backend.now().date()),
                                         "issue_date", "issue date")
        self.waiting = QLabel()
        self.waiting.setObjectName("hint")
        self.waiting.setWordWrap(True)
        self.add_field("", self.waiting, "bills")
        self.cycle.currentIndexChanged.connect(lambda _i: self._count())
        self.generated: int | None = None
        self._count()
        self.setMinimumWidth(470)

    def _count(self) -> None:
        period = self.cycle.currentData()
        self.generated = None
        if period is None:
            self.waiting.setText("No billing cycle exists yet.")
            return
        self.waiting.setText(f"Counting the bills of {period} not issued yet...")
        backend, token = self.ctx.backend, self.ctx.token

        def count(_job: Job) -> int:
            page = bills.list_bills(backend, token, ListQuery(
                limit=1, filters={"cycle": period, "status": "GENERATED"}))
            return int(page.total or 0)

        run_task(self, count, on_result=lambda n: self._counted(period, n),
                 on_error=lambda exc: self.errors.show(exc))

    def _counted(self, period: str, count: int) -> None:
        if period != self.cycle.currentData():
            return
        self.generated = count
        self._show_due()

    def _show_due(self) -> None:
        period = self.cycle.currentData()
        cycle = self.cycles.get(period) if period is not None else None
        if cycle is None or self.generated is None:
            return
        if not self.generated:
            self.waiting.setText(f"Every bill of {period} is issued already; there is "
                                 "nothing to issue.")
            return
        self.waiting.setText(f"{self.generated:,} bills of {period} will be issued; they "
                             f"fall due {cycle.due_days} days after the issue date.")

    def collect(self) -> tuple[str, date]:
        return str(self.cycle.currentData() or ""), picked_date(self.issue_date)

    def submit(self, values: tuple[str, date], job: Job) -> IssueResult:
        period, issued = values
        return bills.issue_bills(self.ctx.backend, self.ctx.token, period, issued)


def issue_text(result: IssueResult) -> str:
    text = (f"{result.issued:,} bills of {result.cycle} issued on "
            f"{result.issue_date.isoformat()}, due {result.due_date.isoformat()}.")
    if result.paid_on_issue:
        text += (f" {result.paid_on_issue:,} were settled at once (nothing to pay, or the "
                 f"account's credit: {money_text(result.credit_applied)} applied).")
    if result.credit_skipped:
        text += " " + bills.skipped_text(result.credit_skipped, shown=5)
    return text


class AdjustBillDialog(FormDialog):
    """A debit (more to pay) or credit (less to pay) on one bill, with its reason."""

    def __init__(self, ctx: AppContext, bill: BillRow, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Adjust bill {bill.bill_no}", ok_text="Adjust bill",
                         intro=f"{bill.account_no} {bill.customer_name}, cycle {bill.cycle}: "
                               f"total {money_text(bill.total)}, balance "
                               f"{money_text(bill.balance)}. An adjustment is kept with its "
                               "reason and who made it.")
        self.setObjectName("adjustBillDialog")
        self.ctx = ctx
        self.bill = bill
        self.kind = self.add_field("Kind", QComboBox(), "kind")
        self.kind.addItem("Credit: less to pay", "credit")
        self.kind.addItem("Debit: more to pay", "debit")
        self.amount = self.add_field("Amount", QLineEdit(), "amount")
        self.amount.setPlaceholderText("e.g. 125.50")
        self.reason = self.add_field("Reason", QLineEdit(), "reason")
        self.reason.setMaxLength(bills.REASON_MAX)
        self.reason.setPlaceholderText("e.g. meter misread in March, corrected")
        self.amount.setFocus()
        self.setMinimumWidth(480)

    def collect(self) -> dict[str, Any]:
        text = self.amount.text().strip().lstrip("+-")  # the kind says which way
        # the service takes a signed amount: credit negative, debit positive
        signed = f"-{text}" if self.kind.currentData() == "credit" and text else text
        return {"amount": signed, "reason": self.reason.text()}

    def submit(self, values: dict[str, Any], job: Job) -> AdjustmentResult:
        return bills.adjust_bill(self.ctx.backend, self.ctx.token, self.bill.bill_no,
                                 values["amount"], values["reason"])

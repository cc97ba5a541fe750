"""Payments page: payments filtered by channel, state, date and account
(services.payments.list_payments, in the database), where the selected one went; accounts
officers record one, import a settlement file after a preview, and reverse one with a
reason."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QFrame, QVBoxLayout, QWidget

from opsmanager_desktop.domain.errors import NotFound
from opsmanager_desktop.domain.payment_rules import Channel
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import plain_detail
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.account_list import AccountListPage
from opsmanager_desktop.gui.pages.bills_widgets import (
    PERIODS,
    Facts,
    RowsModel,
    channel_text,
    date_range,
    rows_view,
    section_title,
    status_column,
)
from opsmanager_desktop.gui.pages.payments_dialogs import (
    PaymentImportDialog,
    RecordPaymentDialog,
    ReversePaymentDialog,
    recorded_text,
    reversed_text,
)
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.table_actions import TableActions
from opsmanager_desktop.gui.table_model import Column, date_column, money_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import payments
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.payments import (
    AppliedPart,
    PaymentResult,
    PaymentRow,
    ReversalResult,
)


def _state(row: PaymentRow) -> str:
    return "REVERSED" if row.reversed else "POSTED"


class PaymentDetail(QFrame):
    """Where the selected payment's money went (services.payments.get_payment)."""

    def __init__(self, ctx: AppContext, on_error: Callable[[BaseException], object]) -> None:
        super().__init__()
        self.ctx = ctx
        self._on_error = on_error
        self._asked: tuple[str, str] | None = None
        self.result: PaymentResult | None = None
        layout, self.title, self.subtitle = plain_detail(
            self, "Select a payment to see the bills it paid.", 340)
        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 4, 0, 0)
        self.facts = Facts()
        column.addWidget(self.facts)
        column.addWidget(section_title("Applied to"))
        self.parts: RowsModel[AppliedPart] = RowsModel([
            Column("bill", "Bill", lambda p: p.bill_no or "kept as credit", width=150),
            money_column("amount", "Amount", lambda p: p.amount)], parent=self)
        self.parts_view = rows_view(self.parts, sortable=False)
        column.addWidget(self.parts_view, 1)
        self.content.setVisible(False)
        layout.addWidget(self.content, 1)

    def clear(self) -> None:
        self._asked = None
        self.result = None
        self.title.setText("Select a payment to see the bills it paid.")
        self.subtitle.clear()
        self.content.setVisible(False)

    def show_payment(self, row: PaymentRow) -> None:
        key = (row.channel, row.reference)
        self._asked = key
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: payments.get_payment(backend, token, *key),
                 on_result=lambda result: self._on_result(key, result),
                 on_error=self._on_failed)

    def reload(self) -> None:
        if self.result is not None:
            self.show_payment(self.result.payment)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFound):
            self.clear()
            return
        self._on_error(exc)

    def _on_result(self, key: tuple[str, str], result: PaymentResult) -> None:
        if key != self._asked:
            return
        self.result = result
        p = result.payment
        self.title.setText(f"{p.channel} {p.reference}")
        self.subtitle.setText(f"{p.account_no} {p.customer_name}")
        facts: list[tuple[str, str | Decimal | None]] = [
            ("Amount", p.amount), ("Paid on", p.paid_at.isoformat()),
            ("Bill named", p.bill_no or "none (oldest open bills first)"),
            ("Recorded by", f"{p.recorded_by}, {p.recorded_at:%Y-%m-%d %H:%M}")]
        if p.reversed and p.reversed_at is not None:
            facts += [("Reversed on", f"{p.reversed_at:%Y-%m-%d %H:%M}"),
                      ("Because", p.reversal_reason or "")]
        facts += [("Account owes now", result.outstanding),
                  ("Account credit now", result.account_credit)]
        self.facts.set_facts(facts)
        parts = list(result.applied)
        if result.kept_as_credit:
            parts.append(AppliedPart(None, result.kept_as_credit))
        self.parts.set_rows(parts)
        self.content.setVisible(True)


class PaymentsPage(AccountListPage):
    detail_width = 380
    noun = ("payment", "payments")
    search_placeholder = "Reference or account number"
    default_sort = ("paid_at", True)
    status_key = "state"
    detail: PaymentDetail

    def row_key(self, row: Any) -> object:
        return row.id

    def make_columns(self) -> Sequence[Column[PaymentRow]]:
        return [
            date_column("paid_at", "Paid on", lambda r: r.paid_at, "paid_at", width=95),
            Column("account", "Account", lambda r: r.account_no, "account_no", width=90),
            Column("customer", "Customer", lambda r: r.customer_name, "customer_name",
                   width=140),
            money_column("amount", "Amount", lambda r: r.amount, "amount"),
            Column("channel", "Channel", lambda r: channel_text(r.channel), "channel",
                   width=75),
            status_column("state", "State", _state, width=90),
            Column("reference", "Reference", lambda r: r.reference, "reference", width=150),
            Column("bill", "Bill named", lambda r: r.bill_no, width=140),
            Column("recorded_by", "Recorded by", lambda r: r.recorded_by, "recorded_by",
                   width=105),
            date_column("recorded_at", "Recorded", lambda r: r.recorded_at, "recorded_at",
                        width=130),
            Column("reason", "Reversed because", lambda r: r.reversal_reason, width=180),
        ]

    def fetch(self, query: ListQuery) -> Page[PaymentRow]:
        return payments.list_payments(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        bar.add_choice("channel", "", [("All channels", None)]
                       + [(channel_text(c), c.value) for c in Channel])
        bar.add_choice("reversed", "", [("Posted and reversed", None),
                                        ("Posted only", False), ("Reversed only", True)])
        # the choice's value is the period's first day under the list's own filter name,
        # so a link that asks for date_from (the dashboard's "this month") selects it
        today = self.ctx.backend.now().date()
        self.periods: dict[str, tuple[date, date]] = {}
        options: list[tuple[str, object]] = [("Any date", None)]
        for text, key in PERIODS:
            span = date_range(key, today)
            if span is not None:
                self.periods.setdefault(span[0].isoformat(), span)
                options.append((f"Paid {text}", span[0].isoformat()))
        bar.add_choice("date_from", "", options)
        self.add_account_box(bar)

    def setup_actions(self) -> None:
        self.add_action("Record payment...", "payments", self.record_payment,
                        shortcut="Ctrl+N", permission=Permission.PAYMENTS_RECORD)
        self.add_action("Import settlement file...", "import", self.choose_file,
                        shortcut="Ctrl+I", permission=Permission.PAYMENTS_RECORD,
                        tip="Payments from a bank or agent file, checked before posting")
        self.reverse_action = self.add_action(
            "Reverse...", "remove", self.reverse_selected, needs_row=True,
            permission=Permission.PAYMENTS_REVERSE,
            tip="Undo the selected payment (a bounced cheque), with a reason")
        self.table_actions = TableActions(self, "payments")

    def make_detail(self) -> QWidget:
        self.detail = PaymentDetail(self.ctx, self.handle_error)
        return self.detail

    # --- filters -----------------------------------------------------------------------
    def query_filters(self) -> dict[str, Any]:
        filters = dict(self.filter_bar.filters())
        start = filters.pop("date_from", None)
        if start is not None and str(start) in self.periods:
            filters["date_from"], filters["date_to"] = self.periods[str(start)]
        return self.account_box.add_to(filters)

    def on_selection(self, row: Any) -> None:
        if isinstance(row, PaymentRow):
            self.detail.show_payment(row)
            if self.reverse_action is not None:
                self.reverse_action.setEnabled(not row.reversed)
        else:
            self.detail.clear()

    # --- actions -----------------------------------------------------------------------
    def record_payment(self, account_no: str = "") -> RecordPaymentDialog:
        return self.open_form(
            RecordPaymentDialog(self.ctx, account_no or self.account.text().strip(), self),
            self._after_record)

    def _after_record(self, result: PaymentResult) -> None:
        self.notify(recorded_text(result), seconds=15)
        self.refresh()

    def reverse_selected(self) -> ReversePaymentDialog | None:
        row = self.selected()
        if not isinstance(row, PaymentRow) or row.reversed:
            return None
        return self.open_form(ReversePaymentDialog(self.ctx, row, self), self._after_reverse)

    def _after_reverse(self, result: ReversalResult) -> None:
        self.notify(reversed_text(result), seconds=15)
        self.refresh()

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import a settlement file", "",
            "Settlement files (*.csv *.xlsx);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> PaymentImportDialog:
        dialog = PaymentImportDialog(self.ctx, path, self)
        dialog.accepted.connect(lambda: self._after_import(dialog))
        dialog.open()
        dialog.start_check()
        return dialog

    def _after_import(self, dialog: PaymentImportDialog) -> None:
        self.notify(dialog.done_text(dialog.result_value), seconds=15)
        self.refresh()


def _make(ctx: AppContext) -> PaymentsPage:
    return PaymentsPage(ctx, PAGE)


PAGE = PageSpec("payments", "Payments", "payments", Permission.PAYMENTS_VIEW, _make,
                order=60, description="Payments received; record, import and reverse")

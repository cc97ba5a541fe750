"""The pane right of the bills table: one bill (services.bills.get_bill): customer, reading,
tariff version, every charge line, adjustments, what was paid and what is left, and the
account statement it was issued on (services.statements.get_statement), whose total due is
the account's.

The pane shows no total due of its own: an account with electricity and water has one
statement for both, and a bill's share of the previous balance and payments is not a
figure anyone pays by (docs/decisions.md 43)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHeaderView, QLabel, QVBoxLayout, QWidget

from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.errors import NotFound
from opsmanager_desktop.domain.tariff import Charges, Line, LineKind
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import scrolled_detail
from opsmanager_desktop.gui.pages.bills_widgets import Facts, section_title, status_text
from opsmanager_desktop.gui.pages.readings_detail import units_text
from opsmanager_desktop.gui.pages.tariff_detail import charges_table, readonly_table, set_rows
from opsmanager_desktop.gui.status_colors import status_colors
from opsmanager_desktop.gui.table_model import format_value
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import bills, statements
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.bills import BillDetail, BillRow
from opsmanager_desktop.services.statements import StatementRow


def _charges(detail: BillDetail) -> Charges:
    b = detail.bill
    return Charges(b.units, tuple(Line(LineKind(line.kind), line.description, line.amount,
                                       line.quantity, line.rate) for line in detail.lines),
                   b.energy_charge, b.fixed_charge, b.tax)


def status_label(value: object) -> QLabel:
    """A status as the coloured label the tables show, for panes."""
    label = QLabel(status_text(value))
    colours = status_colors(value)
    if colours is not None:
        label.setStyleSheet(f"color: {colours[0]}; background: {colours[1]}; "
                            "border-radius: 9px; padding: 1px 10px; font-weight: bold;")
    return label


@dataclass(frozen=True)
class _Loaded:
    detail: BillDetail
    statement: StatementRow | None  # None: not issued yet, or issued before statements


def _load(backend: Backend, token: str, bill_no: str) -> _Loaded:
    detail = bills.get_bill(backend, token, bill_no)
    number = detail.bill.statement_no
    statement = statements.get_statement(backend, token, number).statement if number else None
    return _Loaded(detail, statement)


PLACEHOLDER = "Select a bill to see its lines and the statement it is on."


def statement_facts(bill: BillRow, s: StatementRow | None
                    ) -> list[tuple[str, str | Decimal | None]]:
    if s is None:
        return [("Statement", "made when the cycle's bills are issued"
                 if bill.status is BillStatus.GENERATED else "none (issued before statements)")]
    word = "bill" if s.bills == 1 else "bills"
    return [("Statement", s.statement_no),
            ("Bills on it", f"{s.bills} {word}, due {s.due_date.isoformat()}"),
            statement_total(s, "Account "), ("Owed on it now", s.balance)]


def statement_total(s: StatementRow, whose: str = "") -> tuple[str, Decimal]:
    """A statement's last line: what the account owed at its issue, or the credit it held
    (a negative total due)."""
    if s.total_due < 0:
        return f"{whose}in credit".capitalize(), -s.total_due
    return f"{whose}total due".capitalize(), s.total_due


class BillDetailPane(QFrame):
    def __init__(self, ctx: AppContext, on_error: Callable[[BaseException], object],
                 on_statement: Callable[[str, str], object] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._on_error = on_error
        self._on_statement = on_statement
        self._asked: str | None = None
        self.detail: BillDetail | None = None
        self.statement_row: StatementRow | None = None
        layout, self.title, self.subtitle = scrolled_detail(self, PLACEHOLDER, 380)
        self.content = QWidget()
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 4, 0, 0)
        self.status_holder = QVBoxLayout()
        column.addLayout(self.status_holder)
        self.facts = Facts()
        column.addWidget(self.facts)
        column.addWidget(section_title("Charges"))
        self.lines = readonly_table(["Line", "Quantity", "Rate", "Amount"])
        header = self.lines.horizontalHeader()  # the description takes what is left
        for section in (1, 2, 3):
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.ResizeToContents)
        column.addWidget(self.lines)
        self.adjust_title = section_title("Adjustments")
        column.addWidget(self.adjust_title)
        self.adjustments = readonly_table(["When", "By", "Reason", "Amount"])
        column.addWidget(self.adjustments)
        column.addWidget(section_title("Account statement"))
        self.statement = Facts()
        column.addWidget(self.statement)
        column.addStretch(1)
        self.content.setVisible(False)
        layout.addWidget(self.content, 1)
        self._status: QLabel | None = None

    def clear(self) -> None:
        self._asked = None
        self.detail = None
        self.title.setText(PLACEHOLDER)
        self.subtitle.clear()
        self.content.setVisible(False)

    def show_bill(self, bill_no: str) -> None:
        self._asked = bill_no
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: _load(backend, token, bill_no),
                 on_result=self._on_detail, on_error=self._on_failed)

    def reload(self) -> None:
        if self._asked is not None:
            self.show_bill(self._asked)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFound):
            self.clear()
            return
        self._on_error(exc)

    def _on_detail(self, loaded: _Loaded) -> None:
        detail = loaded.detail
        b = detail.bill
        if b.bill_no != self._asked:
            return
        self.detail = detail
        self.statement_row = loaded.statement
        self.title.setText(f"Bill {b.bill_no}")
        self.subtitle.setText(f"{b.account_no} {b.customer_name} · {b.utility} meter "
                              f"{b.meter_number} · cycle {b.cycle}")
        if self._status is not None:
            self._status.deleteLater()
        self._status = status_label(b.status)
        self.status_holder.addWidget(self._status, 0, Qt.AlignmentFlag.AlignLeft)
        facts: list[tuple[str, str | Decimal | None]] = [
            ("Issued", format_value(b.issue_date) or "not issued yet"),
            ("Due", format_value(b.due_date) or "-"),
            ("Tariff", f"{detail.tariff.plan_code} {detail.tariff.plan_name}, version of "
                       f"{detail.tariff.effective_from.isoformat()}"),
        ]
        r = detail.reading
        if r is not None:
            estimated = ", estimated" if r.is_estimated else ""
            facts.append(("Reading", f"{units_text(r.previous_reading)} to "
                                     f"{units_text(r.current_reading)} = "
                                     f"{units_text(r.units)} units ({r.read_at.isoformat()}, "
                                     f"{status_text(r.source)}{estimated})"))
        facts += [("Bill total", b.total), ("Adjustments", b.adjustments),
                  ("Paid", b.amount_paid), ("Balance", b.balance)]
        if b.paid_at is not None:
            facts.append(("Paid in full on", b.paid_at.isoformat()))
        self.facts.set_facts(facts)
        charges_table(self.lines, _charges(detail))
        has_adjustments = bool(detail.adjustments)
        self.adjust_title.setVisible(has_adjustments)
        self.adjustments.setVisible(has_adjustments)
        set_rows(self.adjustments, [[format_value(a.created_at), a.created_by, a.reason,
                                     signed_money(a.amount)] for a in detail.adjustments], {3})
        self.statement.set_facts(statement_facts(b, loaded.statement))
        s = loaded.statement
        if s is not None and self._on_statement is not None:
            on_statement = self._on_statement
            self.statement.set_link("Statement",
                                    lambda: on_statement(s.statement_no, s.account_no))
        self.content.setVisible(True)


def signed_money(value: Decimal) -> str:
    """An adjustment with its sign: +25.00 debit, -10.00 credit."""
    return f"{value:+,.2f}"

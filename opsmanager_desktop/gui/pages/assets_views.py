"""The Network page's second views: the energy balance of a chosen cycle (worst loss first,
the loss percent coloured by how bad it is) and the maintenance overdue as of a date. Both
are windows beside the page (not modal), with Copy (Ctrl+C) into a spreadsheet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.bills_widgets import RowsModel, rows_view, status_column
from opsmanager_desktop.gui.table_actions import copy_rows
from opsmanager_desktop.gui.table_model import RIGHT, AnyIndex, Column, date_column, format_value
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import energy_balance, maintenance
from opsmanager_desktop.services.energy_balance import BalanceRow
from opsmanager_desktop.services.maintenance import OverdueRow

# loss bands of the colouring (percent of the DT's input): a utility's technical losses on
# a healthy LV network are a few percent; above 20 % revenue protection should look
HIGH_LOSS = Decimal("20")
MEDIUM_LOSS = Decimal("10")
_RED, _AMBER, _GREEN, _GREY = ("#8f1d16", "#fbe1de"), ("#6b4a00", "#fdf0cf"), \
    ("#1d5f31", "#dff2e5"), ("#4a5866", "#e9edf1")


def loss_colors(row: BalanceRow) -> tuple[str, str]:
    percent = row.loss_percent
    if percent is None:
        return _GREY
    if percent < 0 or percent >= HIGH_LOSS:  # negative: the figures themselves are wrong
        return _RED
    return _AMBER if percent >= MEDIUM_LOSS else _GREEN


def kwh_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.0f}" if value == value.to_integral() \
        else f"{value:,.1f}"


def percent_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f} %"


class BalanceModel(RowsModel[BalanceRow]):
    """Colours the loss cells by band."""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and self.columns[index.column()].key in ("loss_pct", "loss_kwh") \
                and role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole):
            row = self.row_at(index.row())
            text, back = loss_colors(row)
            return QColor(text if role == Qt.ItemDataRole.ForegroundRole else back)
        return super().data(index, role)


def _copy_action(view: QTableView) -> None:
    action = QAction("Copy rows", view)
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(lambda _checked=False: copy_rows(view))
    view.addAction(action)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)


class _View(QDialog):
    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setModal(False)
        self.layout_ = QVBoxLayout(self)
        self.top = QHBoxLayout()
        self.layout_.addLayout(self.top)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("pageSubtitle")
        self.error: BaseException | None = None
        self.resize(900, 520)

    def failed(self, exc: BaseException) -> None:
        self.error = exc
        self.summary.setText(str(exc))


class EnergyBalanceView(_View):
    def __init__(self, ctx: AppContext, periods: Sequence[str], current: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Energy balance", parent)
        self.setObjectName("energyBalanceView")
        self.top.addWidget(QLabel("Cycle"))
        self.cycle = QComboBox()
        for period in periods:
            self.cycle.addItem(period, period)
        if current is not None and self.cycle.findData(current) >= 0:
            self.cycle.setCurrentIndex(self.cycle.findData(current))
        self.top.addWidget(self.cycle)
        self.top.addStretch(1)
        self.model = BalanceModel([
            Column("dt", "Transformer", lambda r: r.transformer, width=115),
            Column("dss", "Substation", lambda r: r.substation, width=105),
            Column("input", "Input kWh", lambda r: r.input_kwh, align=RIGHT,
                   formatter=kwh_text, width=95),
            Column("billed", "Billed kWh", lambda r: r.billed_kwh, align=RIGHT,
                   formatter=kwh_text, width=95),
            Column("bills", "Bills", lambda r: r.bills, align=RIGHT, width=60),
            Column("loss_kwh", "Loss kWh", lambda r: r.loss_kwh, align=RIGHT,
                   formatter=kwh_text, width=90),
            Column("loss_pct", "Loss %", lambda r: r.loss_percent, align=RIGHT,
                   formatter=percent_text, width=80),
            Column("reason", "Why no percent / note", lambda r: r.reason, width=260),
        ])
        self.table = rows_view(self.model, sortable=False)
        _copy_action(self.table)
        self.layout_.addWidget(self.table, 1)
        self.layout_.addWidget(self.summary)
        self.cycle.currentIndexChanged.connect(lambda _i: self.load())
        self.load()

    def load(self) -> None:
        cycle = self.cycle.currentData()
        if cycle is None:
            self.summary.setText("No billing cycle yet.")
            return
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: energy_balance.energy_balance(backend, token, cycle),
                 on_result=self.show_rows, on_error=self.failed)

    def show_rows(self, rows: list[BalanceRow]) -> None:
        self.model.set_rows(rows)
        read = [r for r in rows if r.input_kwh is not None]
        total_in = sum((r.input_kwh or Decimal(0) for r in read), Decimal(0))
        total_billed = sum((r.billed_kwh for r in read), Decimal(0))
        share = (f" ({(total_in - total_billed) * 100 / total_in:.1f} % of their input)"
                 if total_in else "")
        self.summary.setText(
            f"{len(read)} of {len(rows)} transformers read this cycle: "
            f"{kwh_text(total_in)} kWh in, {kwh_text(total_billed)} kWh billed, "
            f"{kwh_text(total_in - total_billed)} kWh lost{share}. Worst first; loss at "
            f"or above {HIGH_LOSS} % in red, {MEDIUM_LOSS} % in amber.")


class OverdueView(_View):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Overdue maintenance", parent)
        self.setObjectName("overdueView")
        self.top.addWidget(QLabel("As of"))
        today = ctx.backend.now().date()
        self.as_of = QDateEdit(QDate(today.year, today.month, today.day))
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setCalendarPopup(True)
        self.top.addWidget(self.as_of)
        self.top.addStretch(1)
        self.model: RowsModel[OverdueRow] = RowsModel([
            Column("kind", "Kind", lambda r: r.kind.value, width=50),
            Column("code", "Code", lambda r: r.code, width=90),
            Column("name", "Name", lambda r: r.name, width=170),
            status_column("status", "Status", lambda r: r.status.value, width=130),
            Column("every", "Every (months)", lambda r: r.interval_months, align=RIGHT,
                   width=105),
            date_column("last", "Last service", lambda r: r.last_done),
            date_column("due", "Was due", lambda r: r.due),
            Column("days", "Days overdue", lambda r: r.days_overdue, align=RIGHT,
                   formatter=format_value, width=100),
        ])
        self.table = rows_view(self.model, statuses=["status"], sortable=False)
        _copy_action(self.table)
        self.layout_.addWidget(self.table, 1)
        self.layout_.addWidget(self.summary)
        self.as_of.dateChanged.connect(lambda _d: self.load())
        self.load()

    def day(self) -> date:
        value = self.as_of.date().toPython()
        assert isinstance(value, date)
        return value

    def load(self) -> None:
        backend, token, day = self.ctx.backend, self.ctx.token, self.day()
        run_task(self, lambda _job: maintenance.overdue_maintenance(backend, token,
                                                                    as_of=day),
                 on_result=self.show_rows, on_error=self.failed)

    def show_rows(self, rows: list[OverdueRow]) -> None:
        self.model.set_rows(rows)
        self.summary.setText("Nothing is overdue." if not rows else
                             f"{len(rows)} asset{'s' if len(rows) != 1 else ''} overdue for "
                             "service, longest first.")

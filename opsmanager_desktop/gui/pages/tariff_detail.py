"""The pane right of the tariff table: the selected plan's versions, slabs, categories and
taxes (services.tariffs.get_plan), and a preview calculator (services.tariffs.preview).

`charges_table()` fills a table with the lines of a domain `Charges` (description,
quantity, rate, amount, total); the bill pages can use it for bill lines too.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.errors import ValidationError
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.tariff import Charges, Line, LineKind
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import plain_detail
from opsmanager_desktop.gui.errors import error_message
from opsmanager_desktop.gui.icons import icon
from opsmanager_desktop.gui.table_model import format_value
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import tariffs
from opsmanager_desktop.services.tariffs import PlanDetail, VersionDetail

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def readonly_table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    return table


def set_rows(table: QTableWidget, rows: list[list[str]], right: set[int]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            if c in right:
                item.setTextAlignment(_RIGHT)
            table.setItem(r, c, item)
    height = table.horizontalHeader().height() + sum(
        table.rowHeight(r) for r in range(len(rows))) + 6
    table.setFixedHeight(max(height, 60))


def _amount(value: Decimal | None) -> str:
    return "" if value is None else format_money(value)


def format_rate(value: Decimal) -> str:
    """Rates keep up to 4 decimals (as stored) but show at least 2: 5.00, 3.7825."""
    text = f"{value.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def _line_cells(line: Line) -> list[str]:
    if line.kind is LineKind.TAX:  # quantity is the taxed amount, rate the percent
        return [line.description, _amount(line.quantity), f"{format_value(line.rate)}%",
                format_money(line.amount)]
    if line.kind is LineKind.FIXED and line.quantity is not None:  # per kW
        return [line.description, f"{format_value(line.quantity)} kW", _amount(line.rate),
                format_money(line.amount)]
    return [line.description, format_value(line.quantity),
            "" if line.rate is None else format_rate(line.rate), format_money(line.amount)]


def charges_table(table: QTableWidget, charges: Charges) -> None:
    set_rows(table, [_line_cells(line) for line in charges.lines], {1, 2, 3})


def _bands(version: VersionDetail) -> tuple[list[str], list[list[str]]]:
    rows: list[list[str]] = []
    if not version.uses_categories:
        lower = Decimal(0)
        for slab in version.categories[0].slabs:
            rows.append([_band(lower, slab.up_to), format_rate(slab.rate)])
            lower = slab.up_to or lower
        return ["Units", "Rate"], rows
    lower_cat = Decimal(0)
    for category in version.categories:
        label = _band(lower_cat, category.up_to)
        lower = Decimal(0)
        for i, slab in enumerate(category.slabs):
            rows.append([label if i == 0 else "", _amount(category.fixed_charge) if i == 0
                         else "", _band(lower, slab.up_to), format_rate(slab.rate)])
            lower = slab.up_to or lower
        lower_cat = category.up_to or lower_cat
    return ["Units in month", "Fixed", "Band", "Rate"], rows


def _band(lower: Decimal, up_to: Decimal | None) -> str:
    start = format_value(lower + 1 if lower else lower)
    return f"{start} and above" if up_to is None else f"{start} - {format_value(up_to)}"


class TariffDetail(QFrame):
    """Title and version on top; "Slabs and taxes" and "Preview a bill" as two tabs, so
    both fit beside the table on a laptop screen."""

    def __init__(self, ctx: AppContext, on_error: Callable[[BaseException], object]) -> None:
        super().__init__()
        self.ctx = ctx
        self._on_error = on_error
        self.plan: PlanDetail | None = None
        layout, self.title, self.subtitle = plain_detail(
            self, "Select a tariff plan to see its slabs and taxes.", 380)
        self.content = QWidget()
        outer = QVBoxLayout(self.content)
        outer.setContentsMargins(0, 0, 0, 0)
        self.version = QComboBox()
        self.version.currentIndexChanged.connect(self._show_version)
        head = QFormLayout()
        head.addRow("Version", self.version)
        outer.addLayout(head)
        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)
        scroll = QScrollArea()
        scroll.setObjectName("rulesScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        rules = QWidget()
        rules.setObjectName("rulesPage")
        scroll.setWidget(rules)
        content = QVBoxLayout(rules)
        self.tabs.addTab(scroll, "Slabs and taxes")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        content.addWidget(self.facts)
        self.bands_title = QLabel("Slabs")
        self.bands_title.setObjectName("sectionTitle")
        content.addWidget(self.bands_title)
        self.bands = readonly_table(["Units", "Rate"])
        content.addWidget(self.bands)
        self.taxes_title = QLabel("Taxes")
        self.taxes_title.setObjectName("sectionTitle")
        content.addWidget(self.taxes_title)
        self.taxes = QLabel()
        self.taxes.setWordWrap(True)
        content.addWidget(self.taxes)
        content.addStretch(1)
        self.preview_box = self._build_preview()
        if ctx.can(Permission.TARIFF_PREVIEW):
            self.tabs.addTab(self.preview_box, icon("calculator"), "Preview a bill")
        layout.addWidget(self.content, 1)
        self.content.setVisible(False)

    def _build_preview(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        hint = QLabel("What a month's consumption costs under the version shown above.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        row = QHBoxLayout()
        self.units = QLineEdit("150")
        self.units.setPlaceholderText("units")
        self.units.returnPressed.connect(self.calculate)
        self.load_kw = QLineEdit("0")
        self.load_kw.setPlaceholderText("kW")
        self.load_kw.returnPressed.connect(self.calculate)
        row.addWidget(QLabel("Units"))
        row.addWidget(self.units)
        row.addWidget(QLabel("Load (kW)"))
        row.addWidget(self.load_kw)
        self.calculate_button = QPushButton(icon("calculator"), "Calculate")
        self.calculate_button.clicked.connect(self.calculate)
        row.addWidget(self.calculate_button)
        layout.addLayout(row)
        self.preview_message = QLabel()
        self.preview_message.setObjectName("fieldError")
        self.preview_message.setWordWrap(True)
        self.preview_message.setVisible(False)
        layout.addWidget(self.preview_message)
        self.lines = readonly_table(["Line", "Quantity", "Rate", "Amount"])
        self.lines.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            self.lines.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents)
        self.lines.setVisible(False)
        layout.addWidget(self.lines)
        self.total = QLabel()
        self.total.setObjectName("totalLabel")
        self.total.setAlignment(_RIGHT)
        layout.addWidget(self.total)
        layout.addStretch(1)
        return box

    # --- loading ---------------------------------------------------------------------
    def show_plan(self, code: str | None) -> None:
        if code is None:
            return
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: tariffs.get_plan(backend, token, code),
                 on_result=self._on_plan, on_error=self._on_error)

    def _on_plan(self, plan: PlanDetail) -> None:
        self.plan = plan
        state = "" if plan.is_active else " (deactivated)"
        self.title.setText(f"{plan.code} \N{EN DASH} {plan.name}{state}")
        self.subtitle.setText(f"{plan.utility_name}, priced per {plan.unit}")
        self.version.blockSignals(True)
        self.version.clear()
        current = 0
        for i, version in enumerate(plan.versions):
            note = " (in force)" if version.is_current else (
                " (future)" if version.effective_from > self.ctx.backend.now().date() else "")
            self.version.addItem(f"from {version.effective_from.isoformat()}{note}", i)
            if version.is_current:
                current = i
        self.version.setCurrentIndex(current)
        self.version.blockSignals(False)
        self.content.setVisible(True)
        self._show_version()
        self.lines.setVisible(False)
        self.total.clear()
        self.preview_message.setVisible(False)

    def selected_version(self) -> VersionDetail | None:
        if self.plan is None or self.version.currentIndex() < 0:
            return None
        return self.plan.versions[self.version.currentIndex()]

    def _show_version(self) -> None:
        version = self.selected_version()
        if version is None:
            return
        facts = ["Telescopic: each unit is priced in the band it falls in."
                 if version.mode.value == "telescopic"
                 else "Flat: all units at the rate of the band the total reaches."]
        if not version.uses_categories:
            facts.append(f"Fixed charge {_amount(version.fixed_charge)} per cycle")
        if version.fixed_charge_per_kw:
            facts.append(f"{_amount(version.fixed_charge_per_kw)} per kW of sanctioned load")
        if version.minimum_charge:
            facts.append(f"Minimum energy charge {_amount(version.minimum_charge)}")
        self.facts.setText("<br>".join(facts))
        headers, rows = _bands(version)
        self.bands_title.setText("Consumption categories" if version.uses_categories
                                 else "Slabs")
        self.bands.setColumnCount(len(headers))
        self.bands.setHorizontalHeaderLabels(headers)
        set_rows(self.bands, rows, {len(headers) - 1} | ({1} if len(headers) == 4 else set()))
        header = self.bands.horizontalHeader()
        for column in range(len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch
                                        if column == len(headers) - 2
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.taxes.setText("<br>".join(
            f"{tax.name}: {format_value(tax.percent)}% of "
            f"{'energy' if tax.on.value == 'energy' else 'energy + fixed charges'}"
            for tax in version.taxes) or "No tax.")

    # --- preview ----------------------------------------------------------------------
    def calculate(self) -> None:
        version = self.selected_version()
        if self.plan is None or version is None:
            return
        backend, token, code = self.ctx.backend, self.ctx.token, self.plan.code
        units, load = self.units.text(), self.load_kw.text() or "0"
        on = None if version.is_current else version.effective_from
        self.calculate_button.setEnabled(False)
        run_task(self, lambda _job: tariffs.preview(backend, token, code, units,
                                                    sanctioned_load_kw=load, on=on),
                 on_result=self._on_preview, on_error=self._on_preview_failed,
                 on_finished=lambda: self.calculate_button.setEnabled(True))

    def _on_preview(self, charges: Charges) -> None:
        self.preview_message.setVisible(False)
        charges_table(self.lines, charges)
        self.lines.setVisible(True)
        self.total.setText(f"Total {format_money(charges.total)}")

    def _on_preview_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.preview_message.setText(error_message(exc))
            self.preview_message.setVisible(True)
            self.lines.setVisible(False)
            self.total.clear()
            return
        self._on_error(exc)

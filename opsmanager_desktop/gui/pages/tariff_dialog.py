"""Add a tariff plan, or a new version of one: slabs, mode, fixed charges, minimum, taxes.

The dialog only turns the typed text into a domain Tariff (exact Decimals) and calls
services.tariffs.add_tariff; every rule (contiguous bands, open-ended last band, places,
dates) is the service's, and its messages appear under the slab or tax table with the
row they name. Consumption categories are written in a tariff file (Import tariff file).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.errors import FieldProblem, ValidationError
from opsmanager_desktop.domain.money import D
from opsmanager_desktop.domain.tariff import Slab, SlabMode, Tariff, Tax, TaxBase
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.icons import icon
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import tariffs
from opsmanager_desktop.services.tariffs import AddedTariff, PlanDetail
from opsmanager_desktop.services.utilities import UtilityRow

TAX_BASES = [("energy", "Energy"), ("energy+fixed", "Energy + fixed")]


class RowsEditor(QWidget):
    """A small editable table with Add row / Remove row buttons."""

    def __init__(self, headers: list[str], rows: list[list[str]]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(118)
        self.table.setMaximumHeight(160)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(icon("add"), "Add row")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_row([""] * len(headers)))
        self.remove_button = QPushButton(icon("remove"), "Remove row")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_row)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        for row in rows:
            self.add_row(row)

    def add_row(self, values: list[str]) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, value in enumerate(values):
            self.set_cell(row, column, value)
        return row

    def set_cell(self, row: int, column: int, value: str) -> None:
        self.table.setItem(row, column, QTableWidgetItem(value))

    def remove_row(self) -> None:
        row = self.table.currentRow()
        self.table.removeRow(row if row >= 0 else self.table.rowCount() - 1)

    def text(self, row: int, column: int) -> str:
        widget = self.table.cellWidget(row, column)
        if isinstance(widget, QComboBox):
            return str(widget.currentData())
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def rows(self) -> int:
        return self.table.rowCount()


class TaxesEditor(RowsEditor):
    def __init__(self) -> None:
        super().__init__(["Tax name", "Percent", "Charged on"], [])

    def add_row(self, values: list[str]) -> int:
        row = super().add_row(values[:2])
        combo = QComboBox()
        for value, label in TAX_BASES:
            combo.addItem(label, value)
        if len(values) > 2 and values[2]:
            combo.setCurrentIndex(max(0, combo.findData(values[2])))
        else:
            combo.setCurrentIndex(1)  # energy + fixed, as the simple --tax option
        self.table.setCellWidget(row, 2, combo)
        return row


def _number(text: str, field: str, problems: list[FieldProblem],
            default: Decimal | None = None) -> Decimal:
    if not text and default is not None:
        return default
    try:
        return D(text)
    except ValueError as exc:
        problems.append(FieldProblem(field, str(exc)))
        return Decimal(0)


class TariffDialog(FormDialog):
    """New plan (plan is None) or a new version of `plan`, prefilled from its current one."""

    def __init__(self, ctx: AppContext, utilities: list[UtilityRow],
                 plan: PlanDetail | None = None, parent: QWidget | None = None) -> None:
        title = "Add tariff plan" if plan is None else f"New version of {plan.code}"
        super().__init__(parent, title, ok_text="Save tariff",
                         intro="Slabs are contiguous unit ranges; leave \"Up to\" empty on "
                               "the last one (open-ended). For consumption categories, "
                               "import a tariff file.")
        self.setObjectName("tariffDialog")
        self.ctx = ctx
        self.code = self.add_field("Code", QLineEdit(), "code")
        self.name = self.add_field("Name", QLineEdit(), "name")
        self.utility = self.add_field("Utility", QComboBox(), "utility")
        for utility in utilities:
            if utility.is_active:
                self.utility.addItem(f"{utility.name} ({utility.unit})", utility.code)
        self.mode = self.add_field("Slab mode", QComboBox(), "mode")
        self.mode.addItem("Telescopic (each unit in its own band)", SlabMode.TELESCOPIC.value)
        self.mode.addItem("Flat (all units at the band reached)", SlabMode.FLAT.value)
        self.effective_set = QCheckBox("Effective from")
        self.effective = QDateEdit(QDate.currentDate())
        self.effective.setCalendarPopup(True)
        self.effective.setDisplayFormat("yyyy-MM-dd")
        self.effective.setEnabled(False)
        self.effective_set.toggled.connect(self.effective.setEnabled)
        dates = QWidget()
        row = QHBoxLayout(dates)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.effective_set)
        row.addWidget(self.effective)
        row.addStretch(1)
        self.add_field("", dates, "effective_from", "effective from")
        self.default_hint = QLabel()
        self.default_hint.setObjectName("hint")
        self.default_hint.setWordWrap(True)
        self.form.addRow("", self.default_hint)
        self.fixed = self.add_field("Fixed charge", QLineEdit("0.00"), "fixed_charge",
                                    "fixed charge")
        self.per_kw = self.add_field("Fixed charge per kW", QLineEdit("0.00"),
                                     "fixed_charge_per_kw")
        self.minimum = self.add_field("Minimum charge", QLineEdit("0.00"), "minimum_charge")
        self.slabs = self.add_field("Slabs", RowsEditor(["Up to (units)", "Rate"],
                                                        [["100", "5.00"], ["", "10.00"]]),
                                    "slabs", "tariff", "categories")
        self.taxes = self.add_field("Taxes", TaxesEditor(), "taxes")
        if plan is not None:
            self._prefill(plan)
        else:
            self.default_hint.setText("Without a date, a plan's first version applies to "
                                      "every cycle.")
        self.setMinimumWidth(620)

    def _prefill(self, plan: PlanDetail) -> None:
        self.code.setText(plan.code)
        self.code.setReadOnly(True)
        self.name.setText(plan.name)
        index = self.utility.findData(plan.utility)
        if index >= 0:
            self.utility.setCurrentIndex(index)
        self.utility.setEnabled(False)
        self.effective_set.setChecked(True)
        self.default_hint.setText("A new version never changes a cycle already billed; "
                                  "without a date it takes effect today.")
        current = plan.current or (plan.versions[-1] if plan.versions else None)
        if current is None:
            return
        if current.uses_categories:
            note = QLabel(f"{plan.code} uses consumption categories, which this form does "
                          "not write: saving gives the new version plain slabs. To keep "
                          "categories, import a tariff file instead.")
            note.setObjectName("formInfo")
            note.setWordWrap(True)
            self.body.insertWidget(1, note)
        self.mode.setCurrentIndex(max(0, self.mode.findData(current.mode.value)))
        self.per_kw.setText(f"{current.fixed_charge_per_kw:.2f}")
        self.minimum.setText(f"{current.minimum_charge:.2f}")
        if not current.uses_categories and current.categories:
            self.fixed.setText(f"{current.categories[0].fixed_charge:.2f}")
            self.slabs.table.setRowCount(0)
            for slab in current.categories[0].slabs:
                self.slabs.add_row(["" if slab.up_to is None else f"{slab.up_to.normalize():f}",
                                    f"{slab.rate.normalize():f}"])
        for tax in current.taxes:
            self.taxes.add_row([tax.name, f"{tax.percent.normalize():f}", tax.on.value])

    def collect(self) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        slabs = []
        for row in range(self.slabs.rows()):
            up_to_text, rate_text = self.slabs.text(row, 0), self.slabs.text(row, 1)
            if not up_to_text and not rate_text:
                continue  # an empty row added and left blank
            up_to = (None if not up_to_text
                     else _number(up_to_text, f"slabs[{row}].up_to", problems))
            slabs.append(Slab(up_to, _number(rate_text, f"slabs[{row}].rate", problems)))
        taxes = []
        for row in range(self.taxes.rows()):
            name = self.taxes.text(row, 0)
            percent = _number(self.taxes.text(row, 1), f"taxes[{row}].percent", problems)
            if not name:
                problems.append(FieldProblem(f"taxes[{row}].name", "is required"))
            taxes.append(Tax(name, percent, TaxBase(self.taxes.text(row, 2))))
        fixed = _number(self.fixed.text(), "fixed_charge", problems, Decimal(0))
        per_kw = _number(self.per_kw.text(), "fixed_charge_per_kw", problems, Decimal(0))
        minimum = _number(self.minimum.text(), "minimum_charge", problems, Decimal(0))
        if problems:
            raise ValidationError(problems)
        tariff = Tariff.simple(tuple(slabs), fixed, SlabMode(self.mode.currentData()),
                               tuple(taxes), per_kw, minimum)
        chosen = self.effective.date()
        effective = (date(chosen.year(), chosen.month(), chosen.day())
                     if self.effective_set.isChecked() else None)
        return {"code": self.code.text().strip(), "name": self.name.text().strip(),
                "utility": str(self.utility.currentData() or ""), "tariff": tariff,
                "effective_from": effective}

    def submit(self, values: dict[str, Any], job: Job) -> AddedTariff:
        return tariffs.add_tariff(self.ctx.backend, self.ctx.token, values["code"],
                                  values["name"], values["utility"], values["tariff"],
                                  values["effective_from"], uses_categories=False)


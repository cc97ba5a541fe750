"""Tariffs page: the plans (services.tariffs.list_plans), the selected plan's detail and a
preview calculator; admins add plans or versions and import tariff files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFileDialog, QWidget

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.pages.tariff_detail import TariffDetail
from opsmanager_desktop.gui.pages.tariff_dialog import TariffDialog
from opsmanager_desktop.gui.table_model import Column, date_column, money_column, number_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import tariffs, utilities
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.tariffs import AddedTariff, PlanDetail, TariffPlanRow
from opsmanager_desktop.services.utilities import UtilityRow


def _mode(row: TariffPlanRow) -> str:
    if row.mode is None:
        return "not in force yet"
    text = row.mode.value.capitalize()
    return f"{text}, categories" if row.uses_categories else text


class TariffsPage(ListPage):
    noun = ("tariff plan", "tariff plans")
    search_placeholder = "Search code or name"
    default_sort = ("code", False)

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        self.utilities: list[UtilityRow] = []
        self._split_done = False
        super().__init__(ctx, spec, parent)
        self._load_utilities()

    def row_key(self, row: Any) -> object:
        return row.code

    def make_columns(self) -> Sequence[Column[TariffPlanRow]]:
        return [
            Column("code", "Code", lambda r: r.code, "code", width=90),
            Column("name", "Name", lambda r: r.name, "name", width=190),
            Column("utility", "Utility", lambda r: r.utility, "utility", width=100),
            Column("mode", "Mode", _mode, "mode", width=150),
            date_column("effective", "In force from", lambda r: r.effective_from,
                        "effective_from"),
            money_column("fixed", "Fixed charge", lambda r: r.fixed_charge, "fixed_charge"),
            number_column("versions", "Versions", lambda r: r.versions, "versions", width=80),
            date_column("next", "Next version", lambda r: r.next_effective_from),
            Column("active", "Active", lambda r: r.is_active, "active", width=70),
        ]

    def fetch(self, query: ListQuery) -> Page[TariffPlanRow]:
        return tariffs.list_plans(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        self.utility_filter = bar.add_choice("utility", "Utility", [("All utilities", None)])
        bar.add_choice("active", "State", [("Active and deactivated", None), ("Active", True),
                                           ("Deactivated", False)])

    def setup_actions(self) -> None:
        self.add_action("Add tariff...", "add", self.add_plan, shortcut="Ctrl+N",
                        permission=Permission.TARIFFS_MANAGE,
                        tip="A new tariff plan with its first version")
        self.add_action("New version...", "edit", self.add_version, needs_row=True,
                        permission=Permission.TARIFFS_MANAGE,
                        tip="A new version of the selected plan, from a date on")
        self.add_action("Import tariff file...", "import", self.choose_file,
                        permission=Permission.TARIFFS_MANAGE,
                        tip="A plan or version from a JSON tariff file")

    def make_detail(self) -> QWidget:
        self.detail = TariffDetail(self.ctx, self.handle_error)
        return self.detail

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._split_done:  # a first split that leaves the table the wider part
            self._split_done = True
            width = self.splitter.width()
            self.splitter.setSizes([width - 430, 430])

    def on_selection(self, row: Any) -> None:
        if isinstance(row, TariffPlanRow):
            self.detail.show_plan(row.code)

    # --- utilities for the filter and the dialog ------------------------------------
    def _load_utilities(self) -> None:
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: utilities.list_utilities(backend, token),
                 on_result=self._on_utilities, on_error=self.handle_error)

    def _on_utilities(self, rows: list[UtilityRow]) -> None:
        self.utilities = rows
        saved = self.ctx.settings.filter_state(self.spec.key).get("utility")
        combo = self.utility_filter
        combo.blockSignals(True)
        for row in rows:
            combo.addItem(row.name, row.code)
        if saved is not None and combo.findData(saved) >= 0:
            combo.setCurrentIndex(combo.findData(saved))
            self.refresh()  # the saved filter could only be chosen now
        combo.blockSignals(False)

    # --- actions ---------------------------------------------------------------------
    def add_plan(self) -> TariffDialog:
        return self._open_dialog(None)

    def add_version(self) -> TariffDialog | None:
        plan = self.detail.plan
        row = self.selected()
        if plan is None or row is None or plan.code != row.code:
            return None
        return self._open_dialog(plan)

    def _open_dialog(self, plan: PlanDetail | None) -> TariffDialog:
        dialog = TariffDialog(self.ctx, self.utilities, plan, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after_add(dialog.result_value))
        dialog.open()
        return dialog

    def _after_add(self, added: AddedTariff) -> None:
        what = "New plan" if added.new_plan else "New version of"
        self.notify(f"{what} {added.code} saved, in force from "
                    f"{added.effective_from.isoformat()}.")
        self.refresh()
        self.detail.show_plan(added.code)

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import tariff file", "", "Tariff files (*.json);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        backend, token = self.ctx.backend, self.ctx.token
        self.setCursor(Qt.CursorShape.BusyCursor)
        run_task(self, lambda _job: tariffs.import_tariff_file(backend, token, path),
                 on_result=self._after_add, on_error=self.handle_error,
                 on_finished=self.unsetCursor)


def _make(ctx: AppContext) -> TariffsPage:
    return TariffsPage(ctx, PAGE)


PAGE = PageSpec("tariffs", "Tariffs", "tariffs", Permission.REFERENCE_VIEW, _make, order=90,
                description="Tariff plans, their versions, slabs and taxes")

"""Filter-bar parts the billing-area pages share, so Bills, Payments and Readings set up
their bars the same way:

- `AccountBox`: an exact account-number box (Bills, Payments). It comes back with the
  page's saved filter state, goes into the query (`add_to`), reloads the page when a new
  number is typed (not on a mere focus change) and is saved with the filters.
- `ReferenceFilters`: the "Cycle" and "Utility" combos, filled in the background (Bills,
  Readings; Statements has no utility combo and passes None). The page's first load waits
  for the cycles, so it never counts a whole database before the default cycle is chosen;
  a saved choice wins over the default, and a filter set after the page was shown (a
  dashboard card, the user) wins over both.

    def setup_filters(self, bar):
        cycle = bar.add_choice("cycle", "Cycle", [("All cycles", None)])
        ...
        utility = bar.add_choice("utility", "", [("All utilities", None)])
        self.refs = ReferenceFilters(self, cycle, utility, default_cycle=newest_cycle)
        self.account_box = AccountBox(self, bar)   # its QLineEdit: .edit

    def refresh(self):
        if self.refs.ready():   # else the cycles' arrival loads the page
            super().refresh()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QComboBox

from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.bills_widgets import (
    account_filter,
    fill_combo,
    load_cycles,
    load_utilities,
)
from opsmanager_desktop.services.cycles import CycleRow
from opsmanager_desktop.services.utilities import UtilityRow

if TYPE_CHECKING:
    from opsmanager_desktop.gui.pages.base import ListPage


def newest_cycle(rows: list[CycleRow]) -> str | None:
    """The newest cycle (rows come newest first): a cheap first count."""
    return rows[0].period if rows else None


def newest_open_cycle(rows: list[CycleRow]) -> str | None:
    return next((r.period for r in rows if r.status is CycleStatus.OPEN), None)


class AccountBox:
    def __init__(self, page: ListPage, bar: FilterBar) -> None:
        self.page = page
        self.edit = account_filter(bar)
        saved = page.ctx.settings.filter_state(page.spec.key).get("account")
        self.edit.setText(str(saved or ""))
        self.edit.editingFinished.connect(self._finished)

    def text(self) -> str:
        return self.edit.text().strip()

    def add_to(self, filters: dict[str, Any]) -> dict[str, Any]:
        if self.text():
            filters["account"] = self.text()
        return filters

    def show(self, account_no: str) -> None:
        """The page on one account's rows (other pages link here)."""
        self.edit.setText(account_no)
        self.page.refresh()

    def save(self) -> None:
        """The bar's state with the account in it (after ListPage.save_state)."""
        page = self.page
        page.ctx.settings.set_filter_state(
            page.spec.key, {**page.filter_bar.state(), "account": self.text()})

    def _finished(self) -> None:
        shown = (self.page.model.query.filters or {}).get("account") or ""
        if self.text() != shown:
            self.page.refresh()


class ReferenceFilters:
    def __init__(self, page: ListPage, cycle: QComboBox, utility: QComboBox | None, *,
                 default_cycle: Callable[[list[CycleRow]], str | None]) -> None:
        self.page = page
        self.cycle = cycle
        self.utility = utility
        self.default_cycle = default_cycle
        self.cycles: list[CycleRow] = []
        self.utilities: list[UtilityRow] = []
        self.loaded = False  # the cycles are in the combo
        self._early = 0  # loads asked for before the cycles came

    def load(self) -> None:
        """Ask for both lists (call once the page is built)."""
        self._load_cycles()
        if self.utility is not None:
            load_utilities(self.page, self.page.ctx, self._on_utilities,
                           self.page.handle_error)

    def ready(self) -> bool:
        """May the page load now? (Not before the cycles: their arrival loads it.)"""
        if not self.loaded:
            self._early += 1
        return self.loaded

    def chosen_cycle(self) -> str | None:
        value = self.cycle.currentData()
        return None if value is None else str(value)

    def _load_cycles(self) -> None:
        load_cycles(self.page, self.page.ctx, self._on_cycles,
                    lambda exc: self.page.handle_error(exc, self._load_cycles))

    def _saved(self) -> dict[str, Any]:
        return self.page.ctx.settings.filter_state(self.page.spec.key)

    def _on_cycles(self, rows: list[CycleRow]) -> None:
        self.cycles = rows
        saved = self._saved()
        keep = saved.get("cycle") if "cycle" in saved else self.default_cycle(rows)
        if self._early > 1:
            # filters were set after the page was shown (a dashboard card, the user): they
            # win over the remembered or default cycle
            keep = None
        fill_combo(self.cycle, [(r.period, r.period) for r in rows], keep)
        self.loaded = True
        if self.page._shown_once:
            self.page.refresh()

    def _on_utilities(self, rows: list[UtilityRow]) -> None:
        self.utilities = rows
        if self.utility is None:
            return
        saved = self._saved().get("utility")
        fill_combo(self.utility, [(r.name, r.code) for r in rows], saved)
        if saved is not None and self.utility.currentData() == saved and self.loaded \
                and self.page._shown_once:
            self.page.refresh()  # the saved filter could only be chosen now

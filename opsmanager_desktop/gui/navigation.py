"""Opening a page of the main window with its filters set: the dashboard's cards use it,
and any page may, to lead from a figure or a row to the list behind it.

    open_filtered(self.window(), "bills", {"status": "OVERDUE", "cycle": "2026-03"})

The filter names are the page's FilterBar combo keys (which are the list service's filter
names). Every other filter of that page is reset to its first choice ("all") and the
search box cleared, so the list shows exactly what was asked for. A combo whose choices
arrive later (cycles, utilities are loaded in the background) is set as soon as the value
appears, unless the user picks something else first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QMainWindow, QWidget

from opsmanager_desktop.gui.pages.base import BasePage, ListPage


def open_filtered(window: QWidget | None, key: str, filters: Mapping[str, Any],
                  search: str = "") -> BasePage | None:
    """Show the page `key` of the main window with these filter values (None if the page
    is not there for this role)."""
    show_page = getattr(window, "show_page", None)
    if not isinstance(window, QMainWindow) or show_page is None:
        return None
    page = show_page(key)
    if isinstance(page, ListPage):
        apply_filters(page, filters, search)
    return page if isinstance(page, BasePage) else None


def apply_filters(page: ListPage, filters: Mapping[str, Any], search: str = "") -> None:
    bar = page.filter_bar
    combos: dict[str, QComboBox] = {}
    for name in bar.state():
        if name != "search":
            combos[name] = bar.combo(name)
    bar.blockSignals(True)
    bar.search.blockSignals(True)
    try:
        bar.search.setText(search)
        for name, combo in combos.items():
            combo.blockSignals(True)
            wanted = filters.get(name)
            index = combo.findData(wanted) if wanted is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
            if wanted is not None and index < 0:
                _when_choice_arrives(page, combo, wanted)
    finally:
        bar.search.blockSignals(False)
        bar.blockSignals(False)
    page.refresh()


def _when_choice_arrives(page: ListPage, combo: QComboBox, value: Any) -> None:
    """The combo's choices are still loading (cycles, utilities): choose when they come,
    unless the user has chosen something else by then (15 s)."""
    model = combo.model()
    live = [True]

    def choose() -> None:
        index = combo.findData(value)
        if live[0] and index >= 0:
            live[0] = False
            combo.setCurrentIndex(index)  # fires the filter bar's change: the page reloads

    def try_again(*_args: object) -> None:
        if live[0] and combo.findData(value) >= 0:
            # after the page's own handling of the new choices (it may pick a default)
            QTimer.singleShot(0, choose)

    def give_up() -> None:
        live[0] = False

    model.rowsInserted.connect(try_again)
    combo.activated.connect(lambda _i: give_up())
    QTimer.singleShot(15_000, give_up)



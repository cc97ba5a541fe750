"""`AccountListPage`: the list pages of accounts' money records (Bills, Payments).

Such a page colours its status column, keeps its detail pane up to date with what other
workstations change (gui/auto_refresh.py: the table and then the pane are read again), and
ends its filter bar with an exact account box (common_filters.AccountBox), which other pages
open it on and which is saved with the filters. `open_record` leads from one such page to
another's row (a bill to its statement and back).

    class PaymentsPage(AccountListPage):
        status_key = "state"
        def make_detail(self): self.detail = PaymentDetail(...); return self.detail
        def setup_filters(self, bar): ...; self.add_account_box(bar)
        def query_filters(self): return self.account_box.add_to({...})
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QWidget

from opsmanager_desktop.gui.auto_refresh import AutoRefresher
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.navigation import apply_filters
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.common_filters import AccountBox
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.status_colors import color_status_column


class ReloadablePane(Protocol):
    def reload(self) -> None:
        """Read the shown record again (it may have changed elsewhere)."""


class AccountListPage(ListPage):
    status_key = "status"  # the column shown as a coloured status label
    detail: ReloadablePane  # set by the subclass's make_detail

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        color_status_column(self.table, self.status_key)
        self.auto_refresh = AutoRefresher(self)
        self.auto_refresh.changed.connect(self.detail.reload)
        self._wanted: object = None  # show_record's row, selected once it is read
        self.model.modelReset.connect(self._select_wanted)

    def add_account_box(self, bar: FilterBar) -> None:
        """The account box, after the bar's combos (call it last in setup_filters)."""
        self.account_box = AccountBox(self, bar)
        self.account = self.account_box.edit

    def show_account(self, account_no: str) -> None:
        """Open the page on one account's rows (other pages link here)."""
        self.account_box.show(account_no)

    def show_record(self, number: str, account_no: str = "") -> None:
        """Open the page on one row named by its number (`row_key`: a bill, a statement),
        whatever cycle or status it has, and select it once it is read."""
        self._wanted = number
        self.account_box.edit.setText(account_no)
        apply_filters(self, {}, search=number)

    def _select_wanted(self) -> None:
        wanted, self._wanted = self._wanted, None
        if wanted is None:
            return
        for index, row in enumerate(self.model.rows()):
            if self.row_key(row) == wanted:
                self.table.selectRow(index)
                return

    def save_state(self) -> None:
        super().save_state()
        self.account_box.save()


def open_record(window: QWidget | None, key: str, number: str,
                account_no: str = "") -> AccountListPage | None:
    """Show the account list page `key` of the main window on one row (a bill's statement
    from the Bills page, a statement's bill from Statements); None when the page is not
    there for this role."""
    show_page = getattr(window, "show_page", None)
    page = show_page(key) if show_page is not None else None
    if not isinstance(page, AccountListPage):
        return None
    page.show_record(number, account_no)
    return page

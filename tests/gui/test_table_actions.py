"""Export of exactly the filtered rows (XLSX, CSV, cancel, refused) and copy of rows."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.table_actions import TableActions, copy_rows
from opsmanager_desktop.gui.table_model import Column
from opsmanager_desktop.services import customers
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.customers import CustomerRow
from opsmanager_desktop.services.listing import ListQuery, Page
from tests.gui.conftest import message_boxes, wait_tasks
from tests.helpers import token_for

MakeCtx = Callable[[Backend, Role], AppContext]


class _Customers(ListPage):
    """The smallest page with table actions: the framework's own, not a real page."""

    default_sort = ("account_no", False)

    def make_columns(self) -> Sequence[Column[CustomerRow]]:
        return [Column("account", "Account", lambda r: r.account_no, "account_no"),
                Column("name", "Name", lambda r: r.name, "name"),
                Column("phone", "Phone", lambda r: r.phone)]

    def fetch(self, query: ListQuery) -> Page[CustomerRow]:
        return customers.list_customers(self.ctx.backend, self.ctx.token, query)

    def setup_actions(self) -> None:
        self.table_actions = TableActions(self, "customers")


_SPEC = PageSpec("t_customers", "Customers", "customers", Permission.CUSTOMERS_VIEW,
                 lambda c: _Customers(c, _SPEC))


def _page(qtbot: QtBot, ctx: AppContext) -> _Customers:
    page = _Customers(ctx, _SPEC)
    qtbot.addWidget(page)
    page.resize(900, 500)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _add(backend: Backend) -> None:
    officer = token_for(backend, Role.BILLING_OFFICER)
    for account, name, phone in (("A001", "Ann Able", "080111"), ("A002", "Anna Bell", "080222"),
                                 ("B001", "Bob Tab\tby", "080333"), ("B002", "Ben Cole", "")):
        customers.create_customer(backend, officer, account, name, phone=phone)


def _search(qtbot: QtBot, page: ListPage, text: str) -> None:
    page.filter_bar.search.setText(text)
    page.filter_bar.flush()
    wait_tasks(qtbot)


def test_export_writes_exactly_the_filtered_rows(qtbot: QtBot, backend: Backend,
                                                 make_ctx: MakeCtx, tmp_path: Path) -> None:
    _add(backend)
    page = _page(qtbot, make_ctx(backend, Role.SUPPORT_AGENT))
    _search(qtbot, page, "Ann")
    assert page.model.rowCount() == 2
    page.table_actions.export_to(tmp_path / "ann.xlsx")
    wait_tasks(qtbot)
    sheet = load_workbook(tmp_path / "ann.xlsx", read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Account No.", "Name")
    assert [r[:2] for r in rows[1:]] == [("A001", "Ann Able"), ("A002", "Anna Bell")]
    assert "Exported 2 rows" in page.notice.text()

    _search(qtbot, page, "")
    page.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    wait_tasks(qtbot)
    page.table_actions.export_to(tmp_path / "all.csv")
    wait_tasks(qtbot)
    with (tmp_path / "all.csv").open(encoding="utf-8-sig", newline="") as f:
        names = [row["name"] for row in csv.DictReader(f)]
    assert names == ["Bob Tab\tby", "Ben Cole", "Anna Bell", "Ann Able"]  # the table's order


def test_cancelled_export_leaves_no_file(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                                         tmp_path: Path) -> None:
    _add(backend)
    page = _page(qtbot, make_ctx(backend, Role.SUPPORT_AGENT))
    dialog = page.table_actions.export_to(tmp_path / "gone.xlsx")
    dialog.canceled.emit()  # the Cancel button, before the first page is written
    wait_tasks(qtbot)
    assert not list(tmp_path.iterdir())
    assert "Export cancelled" in page.notice.text()


def test_refused_export_shows_the_service_message(qtbot: QtBot, backend: Backend,
                                                  make_ctx: MakeCtx, tmp_path: Path) -> None:
    page = _page(qtbot, make_ctx(backend, Role.CONSUMER))  # the list itself is refused
    for box in message_boxes():
        box.close()
    page.table_actions.export_to(tmp_path / "x.xlsx")
    wait_tasks(qtbot)
    boxes = message_boxes()
    assert boxes and "may not do this" in boxes[-1].text()
    assert not (tmp_path / "x.xlsx").exists()


def test_copy_selected_rows_as_tab_separated_text(qtbot: QtBot, backend: Backend,
                                                  make_ctx: MakeCtx) -> None:
    _add(backend)
    page = _page(qtbot, make_ctx(backend, Role.SUPPORT_AGENT))
    selection = page.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(page.model.index(0, 0), flags)
    selection.select(page.model.index(2, 0), flags)
    page.table.horizontalHeader().moveSection(2, 0)  # the order the user sees
    assert copy_rows(page.table) == 2
    assert QApplication.clipboard().text() == (
        "Phone\tAccount\tName\n080111\tA001\tAnn Able\n080333\tB001\tBob Tab by\n")
    page.table.clearSelection()
    page.table.selectRow(1)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "Phone\tAccount\tName\n080222\tA002\tAnna Bell\n"
    assert "Copied 1 row to the clipboard" in page.notice.text()

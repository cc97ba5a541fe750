"""Auto-refresh: rows read again only when the change counter moved, put in place without
a reset (selection and scroll kept)."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from opsmanager_desktop.db.models import Customer
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.auto_refresh import AutoRefresher
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.services import customers
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.gui.test_table_actions import _page
from tests.helpers import token_for

MakeCtx = Callable[[Backend, Role], AppContext]


def _accounts(page: object) -> list[str]:
    model = page.model  # type: ignore[attr-defined]
    return [model.row_at(i).account_no for i in range(model.rowCount())]


def test_refresh_only_when_something_changed(qtbot: QtBot, backend: Backend,
                                             make_ctx: MakeCtx) -> None:
    officer = token_for(backend, Role.BILLING_OFFICER)
    with backend.sessions.begin() as s:  # more than one page of 200
        s.add_all(Customer(account_no=f"R{n:03d}", name=f"Customer {n}")
                  for n in range(1, 251))
    page = _page(qtbot, make_ctx(backend, Role.SUPPORT_AGENT))
    refresher = AutoRefresher(page, interval_ms=3_600_000)  # the test calls check()
    resets: list[int] = []
    page.model.modelReset.connect(lambda: resets.append(1))
    page.model.fetchMore(page.model.index(0, 0).parent())
    wait_tasks(qtbot)
    assert page.model.loaded_rows == 250
    page.table.selectRow(120)
    page.table.scrollTo(page.model.index(120, 0))
    scroll = page.table.verticalScrollBar().value()
    refresher.check()  # first look: the baseline
    wait_tasks(qtbot)
    refresher.check()  # nothing changed: nothing read
    wait_tasks(qtbot)
    assert refresher.refreshes == 0

    # another workstation renames one customer and adds one that sorts first
    detail = customers.get_customer(backend, officer, "R050")
    customers.update_customer(backend, officer, "R050", detail.version, name="Renamed")
    customers.create_customer(backend, officer, "A000", "Sorts First")
    refresher.check()
    wait_tasks(qtbot)
    assert refresher.refreshes == 1 and not resets
    assert _accounts(page)[:2] == ["A000", "R001"]
    assert page.model.row_at(50).name == "Renamed"
    assert page.model.total == 251 and page.model.loaded_rows == 250
    assert page.selected().account_no == "R120"  # found again one row down
    assert page.table.verticalScrollBar().value() == scroll
    refresher.check()
    wait_tasks(qtbot)
    assert refresher.refreshes == 1


def test_hidden_page_asks_nothing(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(backend, Role.SUPPORT_AGENT))
    refresher = AutoRefresher(page, interval_ms=3_600_000)
    refresher.check()  # the baseline
    wait_tasks(qtbot)
    page.hide()
    customers.create_customer(backend, token_for(backend, Role.BILLING_OFFICER), "H1", "Hid")
    refresher.check()
    wait_tasks(qtbot)
    assert refresher.refreshes == 0 and page.model.rowCount() == 0
    page.show()
    refresher.check()
    wait_tasks(qtbot)
    assert refresher.refreshes == 1 and _accounts(page) == ["H1"]

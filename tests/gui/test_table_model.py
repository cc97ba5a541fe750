"""PagedTableModel over a real list service: pages on demand, sorting and filtering by the
service, never the whole table."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.table_model import (
    RIGHT,
    Column,
    PagedTableModel,
    RowRole,
    SortRole,
    money_column,
)
from opsmanager_desktop.gui.table_view import DataTable
from opsmanager_desktop.services import users
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.users import UserRow
from tests.gui.conftest import wait_tasks
from tests.helpers import PASSWORD, admin_token

COLUMNS: list[Column[UserRow]] = [
    Column("username", "Username", lambda r: r.username, "username"),
    Column("role", "Role", lambda r: r.role, "role"),
    Column("email", "E-mail", lambda r: r.email),  # the service cannot sort by e-mail
    Column("created", "Created", lambda r: r.created_at.date(), "created_at"),
]


def _recording_fetch(backend: Backend, token: str, calls: list[ListQuery]
                     ) -> Callable[[ListQuery], Page[UserRow]]:
    def fetch(query: ListQuery) -> Page[UserRow]:
        calls.append(query)
        return users.list_users(backend, token, query)
    return fetch


@pytest.fixture
def many_users(backend: Backend) -> str:
    token = admin_token(backend)
    for i in range(45):
        role = Role.SUPERVISOR if i % 3 == 0 else Role.FIELD_OFFICER
        users.add_user(backend, token, f"user{i:02d}", role, PASSWORD)
    return token  # 46 users with the admin


def test_pages_arrive_on_demand(qtbot: QtBot, backend: Backend, many_users: str) -> None:
    calls: list[ListQuery] = []
    model: PagedTableModel[UserRow] = PagedTableModel(
        COLUMNS, _recording_fetch(backend, many_users, calls), page_size=10)
    model.set_query()
    wait_tasks(qtbot)
    assert model.rowCount() == 10 and model.total == 46
    assert calls[-1].limit == 10 and calls[-1].offset == 0 and calls[-1].count
    assert model.canFetchMore(QModelIndex())
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.fetchMore(QModelIndex())
    assert not model.canFetchMore(QModelIndex())  # one page at a time
    wait_tasks(qtbot)
    assert inserted == [(10, 19)]  # beginInsertRows gets the LAST row, first + n - 1
    assert calls[-1].offset == 10 and not calls[-1].count  # counted once per query
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        wait_tasks(qtbot)
    assert model.rowCount() == 46 and inserted[-1] == (40, 45)
    assert len({model.row_at(i).username for i in range(46)}) == 46


def test_sort_and_filter_run_in_the_service(qtbot: QtBot, backend: Backend,
                                            many_users: str) -> None:
    calls: list[ListQuery] = []
    model: PagedTableModel[UserRow] = PagedTableModel(
        COLUMNS, _recording_fetch(backend, many_users, calls), page_size=10)
    model.set_query()
    wait_tasks(qtbot)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    wait_tasks(qtbot)
    assert (calls[-1].sort, calls[-1].descending, calls[-1].offset) == ("username", True, 0)
    assert model.row_at(0).username == "user44"
    before = len(calls)
    model.sort(2, Qt.SortOrder.AscendingOrder)  # no sort key: no query, order unchanged
    assert len(calls) == before and model.sorted_column() == 0

    model.set_query("user1", {"role": Role.SUPERVISOR.value})
    wait_tasks(qtbot)
    assert calls[-1].search == "user1" and calls[-1].filters == {"role": "supervisor"}
    names = [model.row_at(i).username for i in range(model.rowCount())]
    assert names == ["user18", "user15", "user12"]  # still sorted by the service, descending
    assert model.total == 3


def test_roles_give_native_values_and_alignment(qtbot: QtBot, backend: Backend,
                                               many_users: str) -> None:
    from decimal import Decimal

    model: PagedTableModel[UserRow] = PagedTableModel(
        [*COLUMNS, money_column("fake", "Money", lambda r: Decimal("1234567.805"))],
        _recording_fetch(backend, many_users, []), page_size=5)
    model.set_query()
    wait_tasks(qtbot)
    money = model.index(0, 4)
    assert model.data(money) == "1,234,567.81"
    assert model.data(money, SortRole) == Decimal("1234567.805")
    assert model.data(money, Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT.value)
    created = model.index(0, 3)
    assert model.data(created) == model.data(created, SortRole).isoformat()
    assert isinstance(model.data(model.index(0, 0), RowRole), UserRow)
    assert model.data(model.index(0, 1)) in {r.label for r in Role}


def test_a_view_loads_only_what_it_shows(qtbot: QtBot, backend: Backend,
                                         many_users: str) -> None:
    calls: list[ListQuery] = []
    model: PagedTableModel[UserRow] = PagedTableModel(
        COLUMNS, _recording_fetch(backend, many_users, calls), page_size=10)
    view = DataTable(model)
    qtbot.addWidget(view)
    view.resize(500, 200)
    view.show()
    model.set_query()
    wait_tasks(qtbot)
    qtbot.wait(50)
    wait_tasks(qtbot)
    assert model.loaded_rows < model.total  # type: ignore[operator]
    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.loaded_rows > 10, timeout=5000)
    wait_tasks(qtbot)
    assert all(q.limit == 10 for q in calls)


def test_a_failed_load_keeps_the_rows(qtbot: QtBot, backend: Backend, many_users: str) -> None:
    from opsmanager_desktop.domain.errors import Unavailable

    broken = {"on": False}

    def fetch(query: ListQuery) -> Page[UserRow]:
        if broken["on"]:
            raise Unavailable("the database cannot be reached; nothing was changed")
        return users.list_users(backend, many_users, query)

    model: PagedTableModel[UserRow] = PagedTableModel(COLUMNS, fetch, page_size=10)
    failures: list[BaseException] = []
    model.failed.connect(failures.append)
    model.set_query()
    wait_tasks(qtbot)
    broken["on"] = True
    model.set_query("user")
    wait_tasks(qtbot)
    assert isinstance(failures[-1], Unavailable)
    assert model.rowCount() == 10 and not model.loading

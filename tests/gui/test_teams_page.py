"""Teams page: form a team, place a person in it, filter by team; messages by field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.teams import NO_TEAM, PAGE, TeamsPage
from opsmanager_desktop.services import teams
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.helpers import token_for

MakeCtx = Callable[[Backend, Role], AppContext]


def _page(qtbot: QtBot, ctx: AppContext) -> TeamsPage:
    page = TeamsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _select(page: TeamsPage, username: str) -> None:
    for i in range(page.model.rowCount()):
        if page.model.row_at(i).username == username:
            page.table.selectRow(i)
            return
    raise AssertionError(f"{username} not listed")


def test_form_a_team_and_place_a_person(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                                        tmp_path: Path) -> None:
    token_for(backend, Role.FIELD_OFFICER, "femi")
    ctx = make_ctx(backend, Role.SUPERVISOR)
    page = _page(qtbot, ctx)
    dialog = page.new_team()
    dialog.code.setText("crew north")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "is not a code" in dialog.errors.field_text("code")
    assert "is required" in dialog.errors.field_text("name").lower()
    dialog.code.setText("crew-north")
    dialog.name.setText("North crew")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    _select(page, "femi")
    chooser = page.set_team()
    assert chooser is not None
    chooser.team.setCurrentIndex(chooser.team.findData("CREW-NORTH"))
    with qtbot.waitSignal(chooser.accepted, timeout=10000):
        qtbot.mouseClick(chooser.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert {m.username: m.team_code for m in teams.list_staff(
        backend, ctx.token)}["femi"] == "CREW-NORTH"
    rows = [page.model.row_at(i) for i in range(page.model.rowCount())]
    assert rows[0].username == "femi"  # people in a team first, by team
    bar = page.filter_bar
    combo = bar.combo("team")
    combo.setCurrentIndex(combo.findData(NO_TEAM))
    bar.flush()
    wait_tasks(qtbot)
    listed = {page.model.row_at(i).username for i in range(page.model.rowCount())}
    assert "femi" not in listed and "admin" in listed
    combo.setCurrentIndex(combo.findData("CREW-NORTH"))
    bar.flush()
    wait_tasks(qtbot)
    assert [page.model.row_at(i).username for i in range(page.model.rowCount())] == ["femi"]
    page.grab().save(str(tmp_path / "teams_page.png"))  # looked at during development


def test_only_supervisors_and_admins_see_the_page(backend: Backend,
                                                  make_ctx: MakeCtx) -> None:
    from opsmanager_desktop.domain.permissions import permissions_of
    from opsmanager_desktop.gui.pages.registry import pages_for

    visible = {role: "teams" in [s.key for s in pages_for(permissions_of(role))]
               for role in Role}
    assert {r for r, v in visible.items() if v} == {Role.ADMIN, Role.SUPERVISOR}

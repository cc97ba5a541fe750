"""Billing cycles page: open a cycle through the dialog, close one, messages by field."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.cycles import PAGE, CyclesPage
from opsmanager_desktop.services import cycles
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks

MakeCtx = Callable[[Backend, Role], AppContext]


def _page(qtbot: QtBot, ctx: AppContext) -> CyclesPage:
    page = CyclesPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _periods(page: CyclesPage) -> list[str]:
    return [row.period for row in page.model.rows()]


def test_open_a_cycle(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx) -> None:
    ctx = make_ctx(backend, Role.ADMIN)
    cycles.open_cycle(backend, ctx.token, "2026-01")
    page = _page(qtbot, ctx)
    dialog = page.open_cycle()
    assert dialog.period.text() == "2026-02"  # the month after the newest
    dialog.period.setText("2026-13")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "the month must be 01 to 12" in dialog.errors.field_text("period")
    dialog.period.setText("2026-01")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "Billing cycle 2026-01 is already open" in dialog.message.text()
    dialog.period.setText("2026-02")
    dialog.due_days.setValue(21)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert _periods(page) == ["2026-02", "2026-01"]  # newest first
    assert cycles.get_cycle(backend, ctx.token, "2026-02").due_days == 21


def test_close_a_cycle_after_confirming(qtbot: QtBot, backend: Backend,
                                        make_ctx: MakeCtx) -> None:
    ctx = make_ctx(backend, Role.ADMIN)
    cycles.open_cycle(backend, ctx.token, "2026-03")
    page = _page(qtbot, ctx)
    page.table.selectRow(0)
    box = page.close_selected()
    assert isinstance(box, QMessageBox) and "Close 2026-03?" in box.text()
    close = next(b for b in box.buttons() if b.text() == "Close cycle")
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert cycles.get_cycle(backend, ctx.token, "2026-03").status is CycleStatus.CLOSED
    assert page.close_action is not None and not page.close_action.isEnabled()


def test_officers_only_see_cycles(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx) -> None:
    admin = make_ctx(backend, Role.ADMIN)
    cycles.open_cycle(backend, admin.token, "2026-04")
    page = _page(qtbot, make_ctx(backend, Role.ACCOUNTS_OFFICER))
    assert _periods(page) == ["2026-04"]
    assert [a.text() for a in page.actions()] == ["Refresh"]

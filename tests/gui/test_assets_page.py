"""Network page on both databases: the transformers with their connection counts, the
detail pane (maintenance, last energy balance), adding a transformer and logging work
through the dialogs (messages by field), the energy balance view worst first with its loss
colours, the overdue view, export; screenshots kept for a person to look at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.permissions import permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.assets import PAGE, NetworkPage
from opsmanager_desktop.gui.pages.registry import pages_for
from opsmanager_desktop.services import dt_readings, maintenance
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.test_assets import _balance_world

MakeCtx = Callable[[Backend, Role], AppContext]
PICTURES = Path(__file__).resolve().parent.parent.parent / "build" / "pictures"


def _page(qtbot: QtBot, ctx: AppContext) -> NetworkPage:
    page = NetworkPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1380, 720)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def test_network_page(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                      tmp_path: Path) -> None:
    world, sup_token = _balance_world(backend)
    dt_readings.add_dt_reading(backend, world.officer, "TR-1", "2026-01", "1400",
                               previous="1000")
    dt_readings.add_dt_reading(backend, world.officer, "TR-2", "2026-01", "52", previous="0")
    maintenance.set_schedule(backend, sup_token, "dt", "TR-2", 6, starts_on="2025-01-01")
    ctx = make_ctx(backend, Role.SUPERVISOR)
    page = _page(qtbot, ctx)
    assert [(r.code, r.connections) for r in page.model.rows()] == [
        ("TR-1", 3), ("TR-2", 1), ("TR-3", 1)]  # TR-1: two electricity, one water
    assert "2 substations, 3 transformers" in page.summary.text()
    page.table.selectRow(0)
    wait_tasks(qtbot)
    assert page.detail.facts.value("Connections") == "3"
    assert "25.00 %" in page.detail.balance_facts.value("Loss")

    dialog = page.add_transformer()
    dialog.code.setText("TR-4")
    dialog.capacity.setText("lots")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "required" in dialog.errors.field_text("name")
    assert "not a number" in dialog.errors.field_text("capacity_kva")
    dialog.name.setText("Hospital road")
    dialog.capacity.setText("315")
    dialog.substation.setCurrentIndex(dialog.substation.findData("DSS-S"))
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert [r.code for r in page.model.rows()] == ["TR-1", "TR-2", "TR-3", "TR-4"]

    page.table.selectRow(1)
    wait_tasks(qtbot)
    log = page.log_selected()
    assert log is not None
    log.work.setText("Oil topped up")
    with qtbot.waitSignal(log.accepted, timeout=10000):
        qtbot.mouseClick(log.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    page.table.selectRow(1)
    wait_tasks(qtbot)
    assert [r.work_done for r in page.detail.log_model.rows()] == ["Oil topped up"]
    assert "every 6 months" in page.detail.schedule.text()
    PICTURES.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(PICTURES / "assets_page.png"))

    view = page.show_balance()
    wait_tasks(qtbot)
    assert [r.transformer for r in view.model.rows()] == ["TR-1", "TR-2", "TR-3", "TR-4"]
    loss = view.model.index(0, [c.key for c in view.model.columns].index("loss_pct"))
    assert view.model.data(loss) == "25.00 %"
    assert view.model.data(loss, Qt.ItemDataRole.ForegroundRole) == QColor("#8f1d16")
    assert "2 of 4 transformers read" in view.summary.text()
    assert view.grab().save(str(PICTURES / "assets_energy_balance.png"))
    overdue = page.show_overdue()
    wait_tasks(qtbot)
    assert [r.code for r in overdue.model.rows()] == []  # TR-2 was just serviced
    out = tmp_path / "transformers.xlsx"
    page.table_actions.export_to(out)
    wait_tasks(qtbot)
    sheet = load_workbook(out).active
    assert sheet is not None
    assert [c.value for c in sheet["A"]][1:] == ["TR-1", "TR-2", "TR-3", "TR-4"]


def test_rights_shape_the_page(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx) -> None:
    assert PAGE in pages_for(permissions_of(Role.FIELD_OFFICER))
    assert PAGE not in pages_for(permissions_of(Role.CONSUMER))
    page = _page(qtbot, make_ctx(backend, Role.FIELD_OFFICER))
    texts = [a.text() for a in page.actions()]
    assert "Log maintenance..." in texts and "Add transformer..." not in texts
    assert page.model.rows() == []

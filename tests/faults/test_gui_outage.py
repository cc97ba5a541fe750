"""The desktop program when the database goes away (G's widgets, driven like a user):
at start in per-officer mode (a server that does not answer), and during the save of a
many-field form (the folder of the SQLite file vanishes, as a network share does): a clear
message, no unhandled exception (pytest-qt fails the test on one), every typed value kept,
and saved once the database is back."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from opsmanager_desktop.bootstrap import make_backend
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui import tasks
from opsmanager_desktop.gui.app_controller import AppController
from opsmanager_desktop.gui.dialogs.sign_in import SignInDialog
from opsmanager_desktop.gui.pages.tariffs import PAGE, TariffsPage
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.services import tariffs, utilities
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import context_for, wait_tasks

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _no_window_left(qapp: QApplication) -> Iterator[None]:
    yield
    tasks.wait_all(20000)
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()
    QApplication.processEvents()


def test_per_officer_mode_with_the_server_down_at_start(qtbot: QtBot, tmp_path: Path) -> None:
    settings = AppSettings.in_file(tmp_path / "settings.ini")
    controller = AppController(settings, cli_url="mysql://127.0.0.1:1/ops?accounts=officer")
    controller.start()
    qtbot.waitUntil(lambda: controller.stage not in ("", "opening"), timeout=30000)
    # nothing is read before a sign-in in this mode: the sign-in itself meets the outage
    assert controller.stage == "sign_in"
    dialog = controller.dialog
    assert isinstance(dialog, SignInDialog)
    dialog.username.setText("officer")
    dialog.password.setText("correct-horse-9")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert dialog.isVisible()
    assert "cannot be reached" in dialog.message.text()
    assert (dialog.username.text(), dialog.password.text()) == ("officer", "correct-horse-9")
    controller.quit(0)


@pytest.fixture
def share(tmp_path: Path) -> Iterator[tuple[Path, Backend]]:
    folder = tmp_path / "share"
    folder.mkdir()
    backend = make_backend(f"sqlite:///{folder / 'ops.sqlite3'}", migrate=True)
    yield folder, backend
    if not folder.exists():
        (tmp_path / "share-gone").rename(folder)
    backend.dispose()


def test_the_database_goes_away_during_a_save(qtbot: QtBot, tmp_path: Path,
                                              share: tuple[Path, Backend]) -> None:
    folder, backend = share
    ctx = context_for(backend, AppSettings.in_file(tmp_path / "s.ini"), Role.ADMIN)
    utilities.add_utility(backend, ctx.token, "electricity", "Electricity", "kWh")
    page = TariffsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    dialog = page.add_plan()
    qtbot.keyClicks(dialog.code, "OUT-1")
    qtbot.keyClicks(dialog.name, "Typed during an outage")
    dialog.fixed.setText("75.50")
    dialog.slabs.set_cell(0, 0, "120")
    dialog.slabs.set_cell(0, 1, "4.25")
    dialog.slabs.set_cell(1, 1, "9.75")
    dialog.taxes.add_row(["Duty", "5", "energy"])
    typed = dialog.collect()

    backend.dispose()
    folder.rename(folder.parent / "share-gone")  # the share is gone
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert dialog.isVisible()
    assert "cannot be reached; nothing was changed" in dialog.message.text()
    assert dialog.collect() == typed  # every field as typed

    (folder.parent / "share-gone").rename(folder)  # the share is back
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    plan = tariffs.get_plan(backend, ctx.token, "OUT-1")
    assert plan.name == "Typed during an outage"
    assert plan.versions[0].fixed_charge == Decimal("75.50")
    charges = tariffs.preview(backend, ctx.token, "OUT-1", 150)
    # 120 x 4.25 + 30 x 9.75 = 802.50; + 75.50 fixed; + 5 % duty on energy = 40.13
    assert charges.total == Decimal("918.13")

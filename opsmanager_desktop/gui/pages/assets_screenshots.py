"""The Network page's shots gui/screenshots.py takes: the page with a transformer selected
(the demo network of services/demo_assets.py), its dialogs filled as a user would, the
energy balance of the newest cycle and the overdue maintenance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsmanager_desktop.gui import tasks
from opsmanager_desktop.gui.pages.assets import NetworkPage

if TYPE_CHECKING:
    from opsmanager_desktop.gui.main_window import MainWindow
    from opsmanager_desktop.gui.screenshots import Shooter


def _wait() -> None:
    from opsmanager_desktop.gui.screenshots import settle

    tasks.wait_all(20000)
    settle(200)


def shots(shooter: Shooter, window: MainWindow) -> None:
    page = window.show_page("assets")
    if not isinstance(page, NetworkPage):
        return
    _wait()
    if page.model.rows():
        page.table.selectRow(min(1, len(page.model.rows()) - 1))
        _wait()
        shooter.save(window, "main_assets_selected")
    add = page.add_transformer()

    def fill_add() -> None:
        add.code.setText("DT-900")  # type: ignore[attr-defined]
        add.capacity.setText("lots")  # type: ignore[attr-defined]
        add.ok_button.click()
        tasks.wait_all(20000)
    shooter.dialog(add, "dialog_transformer_add", fill_add)
    log = page.log_selected()
    if log is not None:
        log.work.setText("Oil topped up, silica gel changed")  # type: ignore[attr-defined]
        shooter.dialog(log, "dialog_maintenance_log")
    balance = page.show_balance()
    balance.resize(960, 560)
    _wait()
    shooter.save(balance, "view_energy_balance")
    balance.close()
    overdue = page.show_overdue()
    overdue.resize(960, 460)
    _wait()
    shooter.save(overdue, "view_overdue_maintenance")
    overdue.close()

"""`python -m opsmanager_desktop.gui.screenshots DIR` (make screenshots): every window,
page and dialog rendered offscreen on a temporary database with sample data, as DIR/*.png.

Sample data: a user per officer role, utilities, tariff plans (telescopic, flat, a
category tariff from a tariff file, a rate rise as a second version), billing cycles; and,
when services/demo.py is installed, its demo customers, readings, bills and payments for the
pages that list them. A page added to the registry is rendered without changes here; add
its dialogs to `_page_dialogs` if it has any.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QPoint
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QDialog, QWidget

from opsmanager_desktop.bootstrap import make_backend
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, SlabMode, Tariff, Tax, TaxBase
from opsmanager_desktop.gui import tasks
from opsmanager_desktop.gui.app_controller import demo_available, run_demo
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.dialogs.settings_dialog import SettingsDialog
from opsmanager_desktop.gui.dialogs.sign_in import (
    ChangePasswordDialog,
    FirstRunDialog,
    SignInDialog,
)
from opsmanager_desktop.gui.launch import make_application
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.base import BasePage, ListPage
from opsmanager_desktop.gui.settings_store import AppSettings, SessionSecrets
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import auth, cycles, tariffs, users, utilities
from opsmanager_desktop.services.backend import Backend

PASSWORD = "screenshot-pass-1"
CATEGORY_TARIFF = """{
  "code": "DOM-CAT", "name": "Domestic (consumption categories)", "utility": "electricity",
  "mode": "telescopic", "fixed_charge_per_kw": "15.00", "minimum_charge": "25.00",
  "taxes": [{"name": "Electricity duty", "percent": "5", "on": "energy"},
            {"name": "VAT", "percent": "7.5", "on": "energy+fixed"}],
  "categories": [
    {"up_to": "100", "fixed_charge": "20", "slabs": [{"up_to": "50", "rate": "1.50"},
                                                    {"up_to": null, "rate": "2.50"}]},
    {"up_to": null, "fixed_charge": "40", "slabs": [{"up_to": "200", "rate": "3.00"},
                                                   {"up_to": null, "rate": "4.25"}]}
  ]
}"""


def settle(ms: int = 60) -> None:
    """Let background work finish and its callbacks and layouts run."""
    timer = QElapsedTimer()
    timer.start()
    while tasks.pending() and timer.elapsed() < 60000:
        QCoreApplication.processEvents()
    end = QElapsedTimer()
    end.start()
    while end.elapsed() < ms:
        QCoreApplication.processEvents()


class Shooter:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.saved: list[Path] = []

    def save(self, widget: QWidget, name: str) -> None:
        settle()
        self.save_pixmap(widget.grab(), name)

    def save_pixmap(self, pixmap: QPixmap, name: str) -> None:
        path = self.folder / f"{name}.png"
        pixmap.save(str(path))
        self.saved.append(path)

    def dialog(self, dialog: QDialog, name: str, prepare: Callable[[], object] | None = None
               ) -> None:
        dialog.show()
        settle()
        if prepare is not None:
            prepare()
            settle(150)
        # resize, not adjustSize: the offscreen screen is 800x600 and adjustSize would
        # squeeze a tall dialog into two thirds of it
        dialog.resize(dialog.sizeHint().expandedTo(dialog.minimumSize()))
        self.save(dialog, name)
        dialog.hide()
        dialog.deleteLater()


def populate(backend: Backend) -> str:
    """Sample data through the services; returns the admin's token."""
    auth.create_first_admin(backend, "admin", PASSWORD, "Grace Admin")
    token = auth.sign_in(backend, "admin", PASSWORD).token
    people = [("bola.b", Role.BILLING_OFFICER, "Bola Billing", "bola@example.com"),
              ("amara.a", Role.ACCOUNTS_OFFICER, "Amara Accounts", "amara@example.com"),
              ("sam.s", Role.SUPERVISOR, "Sam Supervisor", "sam@example.com"),
              ("femi.f", Role.FIELD_OFFICER, "Femi Field", "femi@example.com"),
              ("sade.s", Role.SUPPORT_AGENT, "Sade Support", "sade@example.com"),
              ("old.clerk", Role.BILLING_OFFICER, "Retired Clerk", "")]
    for username, role, name, email in people:
        users.add_user(backend, token, username, role, PASSWORD, full_name=name, email=email)
    users.update_user(backend, token, "old.clerk", is_active=False)
    users.reset_password(backend, token, "femi.f", "temporary-pass-1")
    if demo_available():
        run_demo(backend, token, Job(), customers=300)
        from opsmanager_desktop.gui.pages import staff_screenshots  # crews, deliveries
        staff_screenshots.populate(backend, token)
        from opsmanager_desktop.gui.pages import notifications_screenshots  # outbox
        notifications_screenshots.populate(backend, token)
        from opsmanager_desktop.gui.pages import complaints_screenshots  # work in progress
        complaints_screenshots.populate(backend, token)
        from opsmanager_desktop.gui.pages import field_records_screenshots  # field sheets
        field_records_screenshots.populate(backend, token)
        from opsmanager_desktop.gui.pages import disconnections_screenshots  # lists, tickets
        disconnections_screenshots.populate(backend, token)
        return token
    utilities.add_utility(backend, token, "electricity", "Electricity", "kWh")
    utilities.add_utility(backend, token, "water", "Water", "m3")
    vat = Tax("VAT", Decimal("7.5"), TaxBase.ENERGY_AND_FIXED)
    tariffs.add_tariff(backend, token, "DOM-1", "Domestic", "electricity", Tariff.simple(
        (Slab(Decimal(100), Decimal("5.00")), Slab(None, Decimal("10.00"))),
        Decimal("50.00"), taxes=(vat,)))
    tariffs.add_tariff(backend, token, "DOM-1", "Domestic", "electricity", Tariff.simple(
        (Slab(Decimal(100), Decimal("5.50")), Slab(None, Decimal("11.00"))),
        Decimal("55.00"), taxes=(vat,)), date(date.today().year + 1, 1, 1))
    tariffs.add_tariff(backend, token, "COM-1", "Commercial", "electricity", Tariff.simple(
        (Slab(Decimal(500), Decimal("8.00")), Slab(None, Decimal("9.50"))),
        Decimal("150.00"), SlabMode.FLAT, (vat,), fixed_charge_per_kw=Decimal("12.00")))
    tariffs.add_tariff(backend, token, "W-RES", "Residential water", "water", Tariff.simple(
        (Slab(Decimal(10), Decimal("0.80")), Slab(Decimal(30), Decimal("1.20")),
         Slab(None, Decimal("2.00"))), Decimal("5.00"), minimum_charge=Decimal("8.00")))
    tariffs.import_tariff_file(backend, token, text=CATEGORY_TARIFF)
    month = date.today().replace(day=1)
    for back in (3, 2, 1, 0):
        year, mon = divmod(month.year * 12 + month.month - 1 - back, 12)
        cycles.open_cycle(backend, token, f"{year:04d}-{mon + 1:02d}")
    year, mon = divmod(month.year * 12 + month.month - 1 - 3, 12)
    cycles.close_cycle(backend, token, f"{year:04d}-{mon + 1:02d}")
    return token


def _page_dialogs(shooter: Shooter, window: MainWindow, page: BasePage) -> None:
    """The dialogs of a page, filled in the way a user would."""
    from opsmanager_desktop.gui.pages.cycles import CyclesPage
    from opsmanager_desktop.gui.pages.tariffs import TariffsPage
    from opsmanager_desktop.gui.pages.users import UsersPage

    if isinstance(page, UsersPage):
        add = page.add_user()

        def fill_add() -> None:
            add.username.setText("n.officer")
            add.full_name.setText("Nadia Officer")
            add.email.setText("nadia@example.com")
            add.role.setCurrentIndex(add.role.findData(Role.BILLING_OFFICER.value))
            add.password.setText("short")  # type: ignore[union-attr]
            add.repeat.setText("short")  # type: ignore[union-attr]
            add.ok_button.click()
        shooter.dialog(add, "dialog_user_add", fill_add)
        _select(page, "sam.s")
        edit = page.edit_selected()
        if edit is not None:
            shooter.dialog(edit, "dialog_user_edit")
        reset = page.reset_selected()
        if reset is not None:
            shooter.dialog(reset, "dialog_reset_password")
    if isinstance(page, TariffsPage):
        page.detail.tabs.setCurrentIndex(1)
        page.detail.units.setText("180")
        page.detail.load_kw.setText("2")
        page.detail.calculate()
        settle(200)
        shooter.save(window, "main_tariffs_preview")
        shooter.dialog(page.add_plan(), "dialog_tariff_add")
        version = page.add_version()
        if version is not None:
            def fill_version() -> None:
                version.slabs.set_cell(1, 1, "-3")
                version.ok_button.click()
            shooter.dialog(version, "dialog_tariff_version", fill_version)
    if isinstance(page, CyclesPage):
        shooter.dialog(page.open_cycle(), "dialog_open_cycle")
    from opsmanager_desktop.gui import screenshot_extras  # customers, dashboard, audit

    screenshot_extras.page_dialogs(shooter, window, page, PASSWORD)


def _select(page: BasePage, text: str) -> None:
    if not isinstance(page, ListPage):
        return
    for row in range(page.model.rowCount()):
        if page.model.data(page.model.index(row, 0)) == text:
            page.table.selectRow(row)
            settle()
            return
    if page.model.rowCount():
        page.table.selectRow(0)
        settle()


def _prepare_page(page: BasePage) -> None:
    """Make the shot show something worth seeing (a selected row, a preview)."""
    from opsmanager_desktop.gui.pages.tariffs import TariffsPage

    if isinstance(page, TariffsPage):  # a plan with categories shows the most
        codes = [page.model.row_at(i).code for i in range(page.model.rowCount())
                 if page.model.row_at(i).uses_categories]
        _select(page, codes[0] if codes else "")
        settle(200)
    from opsmanager_desktop.gui import screenshot_extras
    from opsmanager_desktop.gui.pages import statements_screenshots  # a cycle with some

    screenshot_extras.prepare_page(page)
    statements_screenshots.prepare_page(page)


def shoot_main(shooter: Shooter, backend: Backend, settings: AppSettings) -> None:
    signed = auth.sign_in(backend, "admin", PASSWORD)
    ctx = AppContext(backend, signed, settings)
    window = MainWindow(ctx, idle_ms=3_600_000)
    window.resize(1280, 800)
    window.show()
    settle()
    for spec in window.specs:
        page = window.show_page(spec.key)
        settle(150)
        if page is None:
            continue
        _prepare_page(page)
        shooter.save(window, f"main_{spec.key}")
        _page_dialogs(shooter, window, page)
    from opsmanager_desktop.gui.pages import staff_screenshots  # last month, per team
    staff_screenshots.shots(shooter, window)
    from opsmanager_desktop.gui.pages import assets_screenshots  # dialogs, balance, overdue
    assets_screenshots.shots(shooter, window)
    from opsmanager_desktop.gui.pages import notifications_screenshots  # detail, templates
    notifications_screenshots.shots(shooter, window)
    from opsmanager_desktop.gui.pages import complaints_screenshots  # detail, dialogs
    complaints_screenshots.shots(shooter, window)
    from opsmanager_desktop.gui.pages import field_records_screenshots  # both tabs, reject
    field_records_screenshots.shots(shooter, window)
    from opsmanager_desktop.gui.pages import disconnections_screenshots  # tabs, dialogs
    disconnections_screenshots.shots(shooter, window)
    window.show_page(window.specs[0].key)
    about = window.show_about()
    shooter.dialog(about, "dialog_about")
    settings_dialog = SettingsDialog(settings, SessionSecrets(), backend.describe(), window)
    shooter.dialog(settings_dialog, "dialog_settings", settings_dialog.test_connection)
    shooter.dialog(ChangePasswordDialog(backend, signed.token, forced=True),
                   "dialog_change_password")
    window.lock()
    settle(150)
    shot = window.grab()
    unlock = window.locker.dialog
    if unlock is not None:
        unlock.resize(unlock.sizeHint())
        settle()
        picture = unlock.grab()
        painter = QPainter(shot)
        painter.drawPixmap(QPoint((shot.width() - picture.width()) // 2,
                                  (shot.height() - picture.height()) // 2), picture)
        painter.end()
    shooter.save_pixmap(shot, "main_locked")
    window.locker.unlock()
    window.shut_down()
    window.deleteLater()
    auth.sign_out(backend, signed.token)
    officer = AppContext(backend, auth.sign_in(backend, "bola.b", PASSWORD), settings)
    window = MainWindow(officer, idle_ms=3_600_000)
    window.resize(1280, 800)
    window.show()
    settle(200)
    shooter.save(window, "main_as_billing_officer")
    window.shut_down()
    window.deleteLater()
    from opsmanager_desktop.gui import screenshot_extras  # other roles' dashboards, consumer

    screenshot_extras.role_windows(shooter, backend, settings, PASSWORD)
    from opsmanager_desktop.gui.pages import bills_screenshots  # readings, billing, payments

    bills_screenshots.role_windows(shooter, backend, settings, PASSWORD)
    from opsmanager_desktop.gui.pages import statements_screenshots  # one selected

    statements_screenshots.role_windows(shooter, backend, settings, PASSWORD)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "docs/screenshots")
    app = make_application([sys.argv[0]])
    shooter = Shooter(folder)
    with tempfile.TemporaryDirectory() as tmp:
        settings = AppSettings.in_file(Path(tmp) / "settings.ini")
        fresh = make_backend(f"sqlite:///{Path(tmp) / 'fresh.sqlite3'}", migrate=True)
        first = FirstRunDialog(fresh, demo_available())
        first.full_name.setText("Grace Admin")
        shooter.dialog(first, "first_run")
        fresh.dispose()
        backend = make_backend(f"sqlite:///{Path(tmp) / 'sample.sqlite3'}", migrate=True)
        populate(backend)
        from opsmanager_desktop.gui.pages import bills_screenshots  # this month's readings

        bills_screenshots.add_sample_data(backend, PASSWORD)
        sign_in = SignInDialog(backend, username="admin")
        shooter.dialog(sign_in, "sign_in")
        wrong = SignInDialog(backend, username="admin")

        def wrong_password() -> None:
            wrong.password.setText("not-my-password")
            wrong.ok_button.click()
        shooter.dialog(wrong, "sign_in_wrong_password", wrong_password)
        shoot_main(shooter, backend, settings)
        settle()
        backend.dispose()
    for path in shooter.saved:
        print(path)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


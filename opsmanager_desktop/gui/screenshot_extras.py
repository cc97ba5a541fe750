"""The shots gui/screenshots.py takes of the dashboard, customers, audit log and my-account
pages: a selected row worth seeing, their dialogs filled in the way a user would (with a
mistake, to show the messages), and the windows other roles get (the dashboards of a
supervisor and an accounts officer, a consumer's "My account").

screenshots.py calls `prepare_page`, `page_dialogs` and `role_windows`; everything else of
these pages' shots lives here so the shared module stays small.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.audit_log import AuditLogPage
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.customer_detail import HistoryTab
from opsmanager_desktop.gui.pages.customers import CustomersPage
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.gui.table_model import RowRole
from opsmanager_desktop.services import auth, customers, dues, users
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery

if TYPE_CHECKING:
    from opsmanager_desktop.gui.screenshots import Shooter

IMPORT_FILE = (
    "account_no,name,address,phone,email,utility,meter_number,tariff_code,initial_reading\n"
    "N-0001,Chidi Okafor,14 Market Road,0803 555 0101,chidi@example.com,electricity,"
    "E-N0001,DOM-E,0\n"
    "N-0001,Chidi Okafor,14 Market Road,0803 555 0101,chidi@example.com,water,W-N0001,"
    "DOM-W,0\n"
    "N-0002,Ngozi Bello,2 Station Rd,not known,,electricity,E-N0002,DOM-E,0\n"
    "N-0003,Tunde Ade,9 Hill St,,,gas,G-N0003,DOM-E,-5\n"
    "N-0004,Kemi Lawal,3 Lake View,0802 555 0104,kemi@example.com,electricity,E-N0004,"
    "DOM-E,120.5\n")


def _settle(ms: int = 60) -> None:
    from opsmanager_desktop.gui.screenshots import settle

    settle(ms)


def _busiest_customer(page: CustomersPage) -> int:
    """A row with two connections (electricity and water) shows the most."""
    model = page.model
    for row in range(min(model.rowCount(), 200)):
        found = model.data(model.index(row, 0), RowRole)
        if found is not None and found.connections >= 2:
            return row
    return 0


def prepare_page(page: BasePage) -> None:
    if isinstance(page, CustomersPage):
        page.table.selectRow(_busiest_customer(page))
        _settle(400)
        for index in range(page.detail.tabs.count()):
            tab = page.detail.tabs.widget(index)
            if isinstance(tab, HistoryTab) and tab.spec.key == "bills":
                page.detail.tabs.setCurrentIndex(index)
        _settle(300)
    if isinstance(page, AuditLogPage):
        model = page.model
        for row in range(model.rowCount()):
            entry = model.row_at(row)
            if entry.action == "update" and entry.changed:
                page.table.selectRow(row)
                break
        _settle(300)


def page_dialogs(shooter: Shooter, window: MainWindow, page: BasePage, password: str) -> None:
    if not isinstance(page, CustomersPage):
        return
    # the administrator sees customers read-only: the dialogs are a billing officer's
    officer = AppContext(page.ctx.backend, auth.sign_in(page.ctx.backend, "bola.b", password),
                         page.ctx.settings)
    as_officer = CustomersPage(officer, page.spec)
    as_officer.resize(1200, 700)
    as_officer.on_shown()
    _settle(200)
    as_officer.table.selectRow(_busiest_customer(as_officer))
    _settle(300)
    add = as_officer.add_customer()

    def fill_add() -> None:
        add.account.setText("N-0100")
        add.name.setText("Amina Yusuf")
        add.address.setText("7 Palm Avenue, Ikeja")
        add.phone.setText("0803")
        add.email.setText("amina@example")
        if add.connection is not None:
            add.connection.meter.setText("E-N0100")
            add.connection.initial.setText("250")
        add.ok_button.click()
    shooter.dialog(add, "dialog_customer_add", fill_add)
    edit = as_officer.edit_selected()
    if edit is not None:
        shooter.dialog(edit, "dialog_customer_edit")
    connection = as_officer.add_connection()
    shown = as_officer.detail.detail
    if connection is not None and shown is not None and shown.connections:
        fitted = shown.connections[-1]  # a meter already fitted: the service refuses it

        def fill_connection() -> None:
            connection.fields.utility.setCurrentIndex(
                connection.fields.utility.findData(fitted.utility))
            connection.fields.meter.setText(fitted.meter_number)
            connection.fields.initial.setText("0")
            connection.ok_button.click()
        shooter.dialog(connection, "dialog_customer_connection", fill_connection)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "new-customers.csv"
        path.write_text(IMPORT_FILE, encoding="utf-8")
        dialog = as_officer.import_file(path)
        _settle(600)
        dialog.tabs.setCurrentIndex(0)
        shooter.save(dialog, "dialog_customer_import_preview")
        dialog.tabs.setCurrentIndex(1)
        shooter.save(dialog, "dialog_customer_import_problems")
        dialog.reject()
        dialog.deleteLater()
    as_officer.deleteLater()
    auth.sign_out(officer.backend, officer.token)


def _window(shooter: Shooter, ctx: AppContext, key: str, name: str) -> None:
    window = MainWindow(ctx, idle_ms=3_600_000)
    window.resize(1280, 800)
    window.show()
    _settle(150)
    window.show_page(key)
    _settle(500)
    shooter.save(window, name)
    window.shut_down()
    window.deleteLater()
    auth.sign_out(ctx.backend, ctx.token)


def role_windows(shooter: Shooter, backend: Backend, settings: AppSettings,
                 password: str) -> None:
    """The dashboards of two other roles and a consumer's own account."""
    for username, name in (("sam.s", "main_dashboard_supervisor"),
                           ("amara.a", "main_dashboard_accounts_officer")):
        ctx = AppContext(backend, auth.sign_in(backend, username, password), settings)
        _window(shooter, ctx, "dashboard", name)
    admin = auth.sign_in(backend, "admin", password).token
    officer = auth.sign_in(backend, "bola.b", password).token
    rows = customers.list_customers(backend, officer, ListQuery(limit=50)).rows
    if not rows:
        return
    owing = [r for r in rows if r.connections >= 2
             and dues.dues(backend, officer, r.account_no).outstanding > 0]
    chosen = owing[0] if owing else max(rows, key=lambda r: r.connections)
    users.add_user(backend, admin, "consumer.c", Role.CONSUMER, password,
                   full_name=chosen.name, account_no=chosen.account_no)
    auth.sign_out(backend, admin)
    auth.sign_out(backend, officer)
    consumer = AppContext(backend, auth.sign_in(backend, "consumer.c", password), settings)
    _window(shooter, consumer, "my_account", "main_my_account")

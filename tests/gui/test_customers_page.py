"""Customers page: who sees it, search, add and edit through the dialog (messages at the
fields), a further connection, history tabs, import with a preview that writes nothing
until confirmed, a refused action; on SQLite and MariaDB."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.permissions import permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.customer_dialogs import CustomerDialog
from opsmanager_desktop.gui.pages.customers import PAGE, CustomersPage
from opsmanager_desktop.gui.pages.registry import pages_for
from opsmanager_desktop.services import bills, customers
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.helpers import token_for
from tests.ledger_data import add_bill
from tests.test_customers_fixtures import World, make_world, row_counts, write_csv

MakeCtx = Callable[[Backend, Role], AppContext]


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


def _page(qtbot: QtBot, ctx: AppContext) -> CustomersPage:
    page = CustomersPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _accounts(page: CustomersPage) -> list[str]:
    return [page.model.row_at(i).account_no for i in range(page.model.rowCount())]


def _search(qtbot: QtBot, page: CustomersPage, text: str) -> None:
    page.filter_bar.search.setText(text)
    page.filter_bar.flush()
    wait_tasks(qtbot)


def _select(qtbot: QtBot, page: CustomersPage, account: str) -> None:
    page.table.selectRow(_accounts(page).index(account))
    qtbot.waitUntil(lambda: page.detail.detail is not None
                    and page.detail.detail.account_no == account, timeout=5000)
    wait_tasks(qtbot)


def _ok(qtbot: QtBot, dialog: FormDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)


@pytest.mark.parametrize("role", list(Role))
def test_page_is_there_for_the_roles_that_may_look_customers_up(role: Role) -> None:
    keys = [spec.key for spec in pages_for(permissions_of(role))]
    assert ("customers" in keys) == (role is not Role.CONSUMER)


def test_only_billing_officers_get_the_actions_that_change_data(
        qtbot: QtBot, world: World, make_ctx: MakeCtx) -> None:
    officer = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    supervisor = _page(qtbot, make_ctx(world.backend, Role.SUPERVISOR))
    assert [a.text() for a in officer.actions()] == [
        "Add customer...", "Edit...", "Add connection...", "Import...", "Export...",
        "Refresh"]
    assert [a.text() for a in supervisor.actions()] == ["Export...", "Refresh"]


def test_add_customer_with_a_connection_through_the_dialog(qtbot: QtBot, world: World,
                                                          make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    assert "No customers match" in page.table.empty_text
    dialog = page.add_customer()
    qtbot.waitUntil(lambda: dialog.connection is not None
                    and dialog.connection.tariff.count() > 0, timeout=5000)
    assert dialog.connection is not None
    qtbot.keyClicks(dialog.account, "n-100")
    qtbot.keyClicks(dialog.name, "Nia Newcomer")
    qtbot.keyClicks(dialog.phone, "call me")
    qtbot.keyClicks(dialog.email, "nia@")
    qtbot.keyClicks(dialog.connection.meter, "E-900")
    dialog.connection.tariff.setCurrentIndex(dialog.connection.tariff.findData("DOM-1"))
    _ok(qtbot, dialog)
    assert dialog.isVisible()  # the service's messages, each at its field
    assert "is not a phone number" in dialog.errors.field_text("phone")
    assert dialog.errors.field_text("email")
    dialog.phone.setText("0803 555 0100")
    dialog.email.setText("nia@example.com")
    dialog.connection.initial.setText("12.5")
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    wait_tasks(qtbot)
    assert _accounts(page) == ["N-100"]
    assert "Customer N-100 (Nia Newcomer) added" in page.notice.text()
    made = customers.get_customer(world.backend, world.officer, "N-100")
    assert (made.phone, made.email) == ("0803 555 0100", "nia@example.com")
    assert [(c.utility, c.meter_number, c.tariff_code, str(c.initial_reading))
            for c in made.connections] == [("electricity", "E-900", "DOM-1", "12.500")]


def test_duplicate_account_is_refused_with_the_service_message(
        qtbot: QtBot, world: World, make_ctx: MakeCtx) -> None:
    world.customer("D-1", "E-1")
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    dialog = page.add_customer()
    qtbot.keyClicks(dialog.account, "D-1")
    qtbot.keyClicks(dialog.name, "Someone Else")
    dialog.with_connection.setChecked(False)
    _ok(qtbot, dialog)
    assert dialog.isVisible()
    assert "account number D-1 already exists" in dialog.message.text()
    assert dialog.name.text() == "Someone Else"  # nothing typed is lost


def test_edit_search_and_stale_edit(qtbot: QtBot, world: World, make_ctx: MakeCtx) -> None:
    world.customer("S-1", "MTR-11", name="Sam Stone", phone="0701 111 2222")
    world.customer("S-2", "MTR-22", name="Sara Stone")
    world.customer("T-1", "XYZ-9", name="Tom Tree", phone="0809 999 0000")
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    assert _accounts(page) == ["S-1", "S-2", "T-1"]
    _search(qtbot, page, "sara")
    assert _accounts(page) == ["S-2"]
    _search(qtbot, page, "xyz")  # a meter number
    assert _accounts(page) == ["T-1"]
    _search(qtbot, page, "0701")  # a phone number
    assert _accounts(page) == ["S-1"]
    _search(qtbot, page, "")
    _select(qtbot, page, "S-1")
    assert page.detail.facts.value("Phone") == "0701 111 2222"
    dialog = page.edit_selected()
    assert dialog is not None and dialog.account.isReadOnly()
    dialog.address.setText("4 New Road")
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert customers.get_customer(world.backend, world.officer, "S-1").address == "4 New Road"
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: page.detail.facts.value("Address") == "4 New Road", timeout=5000)

    _select(qtbot, page, "S-2")
    dialog = page.edit_selected()
    assert isinstance(dialog, CustomerDialog)
    current = customers.get_customer(world.backend, world.officer, "S-2")
    customers.update_customer(world.backend, world.officer, "S-2", current.version,
                              name="Changed Elsewhere")
    dialog.name.setText("Sara Stone-Smith")
    _ok(qtbot, dialog)
    assert "changed by someone else" in dialog.message.text()


def test_add_connection_and_history_tabs(qtbot: QtBot, world: World,
                                         make_ctx: MakeCtx) -> None:
    world.customer("H-1", "E-10", name="Hana History")
    number = add_bill(world.backend, "H-1", "250.00", due=date(2026, 1, 20), cycle="2026-01")
    accounts = token_for(world.backend, Role.ACCOUNTS_OFFICER)
    bills.adjust_bill(world.backend, accounts, number, "-10.00", "goodwill")
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    _select(qtbot, page, "H-1")
    tabs = {page.detail.tabs.tabText(i).split(" (")[0]: page.detail.tabs.widget(i)
            for i in range(page.detail.tabs.count())}
    # a billing officer reads readings, bills and adjustments, not the payments list
    assert list(tabs) == ["Connections", "Readings", "Bills", "Adjustments"]
    assert page.detail.facts.value("Outstanding") == "240.00"
    page.detail.tabs.setCurrentWidget(tabs["Bills"])
    wait_tasks(qtbot)
    bills_tab = tabs["Bills"]
    model = bills_tab.model  # type: ignore[attr-defined]
    assert [model.row_at(i).bill_no for i in range(model.rowCount())] == [number]
    assert model.index(0, model.column_index("balance")).data() == "240.00"
    page.detail.tabs.setCurrentWidget(tabs["Adjustments"])
    wait_tasks(qtbot)
    adjusted = tabs["Adjustments"].model  # type: ignore[attr-defined]
    assert adjusted.row_at(0).reason == "goodwill"

    dialog = page.add_connection()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.fields.tariff.count() > 0, timeout=5000)
    dialog.fields.utility.setCurrentIndex(dialog.fields.utility.findData("water"))
    qtbot.keyClicks(dialog.fields.meter, "E-10")
    dialog.fields.load.setText("lots")
    _ok(qtbot, dialog)
    assert "'lots' is not a number" in dialog.errors.field_text("sanctioned_load_kw")
    dialog.fields.load.setText("")
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    detail = customers.get_customer(world.backend, world.officer, "H-1")
    # the bill's own connection (tests.ledger_data) sits between the two
    assert [(c.utility, c.meter_number, c.tariff_code) for c in detail.connections][::2] == [
        ("electricity", "E-10", "DOM-1"), ("water", "E-10", "WAT-1")]
    qtbot.waitUntil(lambda: page.detail.connections_model.rowCount() == 3, timeout=5000)


HEADER = "account_no,name,address,phone,email,utility,meter_number,tariff_code,initial_reading\n"


def test_import_preview_shows_bad_rows_and_writes_nothing_until_confirmed(
        qtbot: QtBot, world: World, make_ctx: MakeCtx, tmp_path: Path) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER))
    bad = write_csv(tmp_path / "bad.csv", HEADER
                    + "I-1,Ida Import,,,,electricity,IM-1,DOM-1,0\n"
                    + "I-2,Ivo Import,,not a phone,,electricity,IM-2,DOM-1,0\n"
                    + "I-3,Ines Import,,,,gas,IM-3,DOM-1,0\n")
    before = row_counts(world.backend)
    dialog = page.import_file(bad)
    wait_tasks(qtbot)
    assert dialog.preview is not None
    assert "3 rows checked: 1 can be imported, 2 with problems" in dialog.summary.text()
    states = [dialog.sample_model.row_at(i) for i in range(dialog.sample_model.rowCount())]
    assert [(r.row, bool(r.problems)) for r in states] == [(2, False), (3, True), (4, True)]
    assert any("phone" in p for p in states[1].problems)
    assert not dialog.import_button.isEnabled()
    assert row_counts(world.backend) == before  # nothing written by the check
    dialog.reject()

    good = write_csv(tmp_path / "good.csv", HEADER
                     + "I-1,Ida Import,,,,electricity,IM-1,DOM-1,0\n"
                     + "I-1,Ida Import,,,,water,IW-1,WAT-1,0\n")
    dialog = page.import_file(good)
    wait_tasks(qtbot)
    assert dialog.import_button.isEnabled()
    assert row_counts(world.backend) == before
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert not dialog.isVisible()
    assert "1 customers with 2 connections imported" in page.notice.text()
    wait_tasks(qtbot)
    assert _accounts(page) == ["I-1"]


def test_jump_to_the_last_row_reads_from_the_other_end(qtbot: QtBot, backend: Backend,
                                                       make_ctx: MakeCtx) -> None:
    from opsmanager_desktop.db.models import Customer

    with backend.sessions.begin() as s:
        s.add_all(Customer(account_no=f"J{n:05d}", name=f"Jump {n}") for n in range(1, 1201))
    page = _page(qtbot, make_ctx(backend, Role.SUPPORT_AGENT))
    assert page.model.rowCount() == 1200 and page.count_label.text() == "1,200 customers"
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.model.is_loaded(1199), timeout=5000)  # type: ignore[attr-defined]
    wait_tasks(qtbot)
    assert page.model.row_at(1199).account_no == "J01200"
    assert page.model.row_at(1000).account_no == "J01001"
    # the first page and the last one or two: nothing in between was read
    assert page.model.page_reads <= 3  # type: ignore[attr-defined]
    assert page.model.cached_pages()[0] == 0  # type: ignore[attr-defined]


def test_changes_on_another_workstation_appear_in_place(qtbot: QtBot, world: World,
                                                       make_ctx: MakeCtx) -> None:
    world.customer("W-1", "WM-1", name="Wanda West")
    world.customer("W-2", "WM-2", name="Walt West")
    page = _page(qtbot, make_ctx(world.backend, Role.SUPPORT_AGENT))
    _select(qtbot, page, "W-2")
    page.auto_refresh.check()  # the baseline
    wait_tasks(qtbot)
    reads = page.model.page_reads  # type: ignore[attr-defined]
    page.auto_refresh.check()  # nothing changed: nothing read
    wait_tasks(qtbot)
    assert page.model.page_reads == reads  # type: ignore[attr-defined]
    current = customers.get_customer(world.backend, world.officer, "W-2")
    customers.update_customer(world.backend, world.officer, "W-2", current.version,
                              name="Walter West")
    world.customer("W-3", "WM-3", name="Wes West")
    page.auto_refresh.check()
    wait_tasks(qtbot)
    page.table.viewport().update()  # the view asks for the rows it shows
    qtbot.waitUntil(lambda: page.model.rowCount() == 3
                    and page.model.is_loaded(2), timeout=5000)  # type: ignore[attr-defined]
    assert _accounts(page) == ["W-1", "W-2", "W-3"]
    assert page.model.row_at(1).name == "Walter West"
    assert page.count_label.text() == "3 customers"
    assert page.selected().account_no == "W-2"  # the selection stayed
    qtbot.waitUntil(lambda: page.title.text() == "Customers"
                    and page.detail.title.text() == "Walter West", timeout=5000)

"""Disconnections page on both databases: rules through the dialog (messages by field), a
draft list, approval into tickets, closing one as the field officer, the reconnection
tab; who sees which actions; screenshots kept for a person to look at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from opsmanager_desktop.db.models import Bill
from opsmanager_desktop.domain.permissions import permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.disconnections import PAGE, DisconnectionsPage
from opsmanager_desktop.gui.pages.registry import pages_for
from opsmanager_desktop.services.backend import Backend
from tests import disconnection_data as data
from tests.gui.conftest import context_for, wait_tasks

MakeCtx = Callable[[Backend, Role], AppContext]
PICTURES = Path(__file__).resolve().parent.parent.parent / "build" / "pictures"


def _page(qtbot: QtBot, ctx: AppContext) -> DisconnectionsPage:
    page = DisconnectionsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1400, 720)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _ok(qtbot: QtBot, dialog: object) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    wait_tasks(qtbot)


def test_lists_tickets_and_reconnection(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                                        gui_settings: object) -> None:
    dw = data.make(backend, crews=2)
    conns = [data.connection(dw, transformer=f"DT-{i:02d}") for i in range(4)]
    for i, c in enumerate(conns):
        data.bill(dw, c, f"{300 + 100 * i}.00", data.LIST_DATE - timedelta(days=40 + i))
    sup = _page(qtbot, make_ctx(backend, Role.SUPERVISOR))
    assert [sup.tabs.tabText(i) for i in range(3)] == ["Tickets", "Disconnection lists",
                                                       "Reconnection"]
    assert sup.teams == ["CREW-A", "CREW-B"]

    sup.tabs.setCurrentIndex(1)
    wait_tasks(qtbot)
    lists = sup.lists_tab
    lists.edit_rules()
    wait_tasks(qtbot)
    rules = next(w for w in lists.findChildren(object)
                 if w.objectName() == "disconnectionRulesDialog")
    rules.minimum.setText("-5")
    _ok(qtbot, rules)
    assert "Must not be negative" in rules.errors.field_text("min_outstanding")
    rules.minimum.setText("350")
    with qtbot.waitSignal(rules.accepted, timeout=10000):
        _ok(qtbot, rules)
    dialog = lists.new_list()
    dialog.day.setDate(QDate(2026, 3, 31))  # type: ignore[attr-defined]
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        _ok(qtbot, dialog)
    wait_tasks(qtbot)
    assert [(r.status, r.entries) for r in lists.model.rows()] == [("DRAFT", 3)]
    lists.table.selectRow(0)
    wait_tasks(qtbot)
    assert len(lists.entries.rows()) == 3 and "3 connections" in lists.detail_subtitle.text()
    PICTURES.mkdir(parents=True, exist_ok=True)
    assert sup.grab().save(str(PICTURES / "disconnections_lists.png"))
    approve = lists.approve_selected()
    assert approve is not None
    with qtbot.waitSignal(approve.accepted, timeout=10000):
        _ok(qtbot, approve)
    wait_tasks(qtbot)
    assert "3 tickets" in lists.notice.text()

    field_ctx = context_for(backend, gui_settings, Role.FIELD_OFFICER, "fo1")  # type: ignore[arg-type]
    field = _page(qtbot, field_ctx)
    tickets = field.tickets_tab
    assert len(tickets.model.rows()) == 3
    tickets.team_filter.setCurrentIndex(tickets.team_filter.findData("CREW-B"))
    wait_tasks(qtbot)
    assert {r.team for r in tickets.model.rows()} == {"CREW-B"}
    tickets.team_filter.setCurrentIndex(0)
    wait_tasks(qtbot)
    tickets.table.selectRow(0)
    wait_tasks(qtbot)
    row = tickets.selected()
    assert row.meter_number in tickets.detail_title.text()
    close = tickets.close_selected()
    assert close is not None
    close.outcome.setCurrentIndex(close.outcome.findData("NOT_DISCONNECTED"))  # type: ignore[attr-defined]
    _ok(qtbot, close)
    assert "Say why" in close.errors.field_text("reason")
    close.outcome.setCurrentIndex(close.outcome.findData("DISCONNECTED"))  # type: ignore[attr-defined]
    with qtbot.waitSignal(close.accepted, timeout=10000):
        _ok(qtbot, close)
    wait_tasks(qtbot)
    assert "disconnected" in tickets.notice.text()
    assert field.grab().save(str(PICTURES / "disconnections_tickets.png"))
    # a field officer closes tickets but neither assigns nor approves
    assert not any(a.text() == "Assign..." for a in tickets.actions())
    assert not any(a.text() == "Approve..." for a in field.lists_tab.actions())

    with backend.sessions.begin() as s:
        s.execute(update(Bill).where(Bill.bill_no.is_not(None)).values(
            balance=0, status="PAID"))
    sup.tabs.setCurrentIndex(2)
    wait_tasks(qtbot)
    recon = sup.reconnection_tab
    recon.refresh()
    wait_tasks(qtbot)
    assert [r.meter_number for r in recon.model.rows()] == [row.meter_number]
    recon.table.selectRow(0)
    recon.reconnect_selected()
    wait_tasks(qtbot)
    dialog = next(w for w in recon.findChildren(object) if w.objectName() == "reconnectDialog")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        _ok(qtbot, dialog)
    wait_tasks(qtbot)
    assert "fee 250.00 charged" in recon.notice.text()
    assert sup.grab().save(str(PICTURES / "disconnections_reconnection.png"))


def test_page_rights() -> None:
    for role in (Role.SUPERVISOR, Role.FIELD_OFFICER, Role.BILLING_OFFICER, Role.ADMIN):
        assert PAGE in pages_for(permissions_of(role))
    assert PAGE not in pages_for(permissions_of(Role.CONSUMER))

"""Notifications page: the outbox with filters and detail, Send due now through a real
HTTP SMS gateway on 127.0.0.1, Retry failed, and the templates dialog (admins)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from opsmanager_desktop.db.models import Customer, NotificationOutbox
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.notifications import PAGE, NotificationsPage
from opsmanager_desktop.services import notifications, notify_templates
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.helpers import admin_token
from tests.ledger_data import add_bill
from tests.notify_servers import SMS_KEY, Gateway

MakeCtx = Callable[[Backend, Role], AppContext]
SHOTS = "/tmp/notif"


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    monkeypatch.setenv("OPSMANAGER_SMS_API_KEY", SMS_KEY)
    gw = Gateway()
    gw.start()
    yield gw
    gw.stop()


def _page(qtbot: QtBot, ctx: AppContext) -> NotificationsPage:
    page = NotificationsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1280, 640)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _rows(page: NotificationsPage) -> list[notifications.OutboxRow]:
    return [page.model.row_at(i) for i in range(page.model.rowCount())]


def _world(backend: Backend, gateway: Gateway) -> None:
    notify_templates.set_settings(backend, admin_token(backend),
                                  {"notify.sms_url": gateway.url})
    for n in range(3):
        add_bill(backend, f"G{n}", "55.00", due=date(2026, 9, 1), status="OVERDUE")
    with backend.sessions.begin() as s:
        s.execute(update(Customer).values(phone="+23480" + Customer.account_no))


def test_outbox_send_and_retry(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                               gateway: Gateway) -> None:
    _world(backend, gateway)
    ctx = make_ctx(backend, Role.SUPERVISOR)
    page = _page(qtbot, ctx)
    assert _rows(page) == [] and {a.text() for a in page.actions()} == {
        "Send due now", "Retry failed", "Send overdue reminders", "Contact preference...",
        "Refresh"}
    gateway.status = 503
    page.remind_overdue()
    wait_tasks(qtbot)
    rows = _rows(page)
    assert len(rows) == 3 and {(r.status, r.attempts) for r in rows} == {("QUEUED", 1)}
    page.table.selectRow(0)
    wait_tasks(qtbot)
    assert "55.00 unpaid" in page.detail.text.toPlainText()
    assert any("HTTP 503" in w.text() for w in page.detail.facts.findChildren(QLabel))
    page.grab().save(f"{SHOTS}/notifications_retrying.png")
    # give up on them, then queue them again and send once the gateway is back
    with backend.sessions.begin() as s:
        s.execute(update(NotificationOutbox).values(status="FAILED"))
    bar = page.filter_bar
    bar.combo("status").setCurrentIndex(bar.combo("status").findData("FAILED"))
    bar.flush()
    wait_tasks(qtbot)
    assert len(_rows(page)) == 3
    page.retry_failed()
    wait_tasks(qtbot)
    assert _rows(page) == []  # none FAILED any more
    gateway.status = 200
    bar.combo("status").setCurrentIndex(0)
    bar.flush()
    page.send_due()
    wait_tasks(qtbot)
    assert {r.status for r in _rows(page)} == {"SENT"} and len(gateway.received) == 3
    page.table.selectRow(0)
    wait_tasks(qtbot)
    assert page.detail.message_title.text() == "Message as sent"
    page.grab().save(f"{SHOTS}/notifications_sent.png")


def test_templates_dialog_checks_and_saves(qtbot: QtBot, backend: Backend,
                                           make_ctx: MakeCtx) -> None:
    ctx = make_ctx(backend, Role.ADMIN)
    page = _page(qtbot, ctx)
    dialog = page.open_templates()
    wait_tasks(qtbot)
    assert dialog.table.rowCount() == 10
    dialog.table.selectRow(1)  # bill_issued SMS
    editor = dialog.edit_selected()
    assert editor is not None and "GSM characters: 1 SMS part" in editor.length.text()
    editor.body_edit.setPlainText("Pay {amout} now, {name}")
    assert "Unknown placeholder: {amout}" in editor.length.text()
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "{amout}" in editor.errors.field_text("body")
    editor.body_edit.setPlainText("{company}: pay {amount} by {due_date}, {name}.")
    assert editor.preview.toPlainText().startswith("Ops Manager Power & Water: pay 12,345.60")
    editor.grab().save(f"{SHOTS}/template_editor.png")
    with qtbot.waitSignal(editor.accepted, timeout=10000):
        qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert dialog.table.item(1, 2).text() == "saved"
    dialog.grab().save(f"{SHOTS}/templates_dialog.png")


def test_viewers_get_no_send_actions(qtbot: QtBot, backend: Backend,
                                                 make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(backend, Role.SUPPORT_AGENT))  # may view, not send
    assert {a.text() for a in page.actions()} == {"Refresh"}

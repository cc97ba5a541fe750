"""Audit log page (administrators): filter by user, record and action; the selected entry
before and after, changed fields marked; export of exactly the filtered entries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.permissions import permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.audit_log import PAGE, AuditLogPage
from opsmanager_desktop.gui.pages.registry import pages_for
from opsmanager_desktop.services import customers
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.helpers import token_for

MakeCtx = Callable[[Backend, Role], AppContext]


@pytest.mark.parametrize("role", list(Role))
def test_only_administrators_see_the_audit_log(role: Role) -> None:
    keys = [spec.key for spec in pages_for(permissions_of(role))]
    assert ("audit" in keys) == (role is Role.ADMIN)


def _page(qtbot: QtBot, ctx: AppContext) -> AuditLogPage:
    page = AuditLogPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1250, 650)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _choose(qtbot: QtBot, page: AuditLogPage, key: str, value: str) -> None:
    combo = page.filter_bar.combo(key)
    qtbot.waitUntil(lambda: combo.findData(value) >= 0, timeout=5000)
    combo.setCurrentIndex(combo.findData(value))
    wait_tasks(qtbot)


def test_filter_and_see_before_and_after(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                                         tmp_path: Path) -> None:
    officer = token_for(backend, Role.BILLING_OFFICER)
    customers.create_customer(backend, officer, "AU-1", "Audit One")
    customers.create_customer(backend, officer, "AU-2", "Audit Two")
    first = customers.get_customer(backend, officer, "AU-1")
    customers.update_customer(backend, officer, "AU-1", first.version, name="Audit Uno")
    page = _page(qtbot, make_ctx(backend, Role.ADMIN))
    _choose(qtbot, page, "entity", "customer")
    _choose(qtbot, page, "user", "u_billing_officer")
    rows = [page.model.row_at(i) for i in range(page.model.rowCount())]
    assert [r.action for r in rows] == ["update", "create", "create"]  # newest first
    _choose(qtbot, page, "action", "update")
    assert page.model.rowCount() == 1
    page.table.selectRow(0)
    wait_tasks(qtbot)
    qtbot.waitUntil(lambda: page.detail.entry is not None, timeout=5000)
    cells = {page.detail.fields.item(r, 0).text(): (page.detail.fields.item(r, 1).text(),
                                                    page.detail.fields.item(r, 2).text())
             for r in range(page.detail.fields.rowCount())}
    assert cells["name"] == ("Audit One", "Audit Uno")
    assert page.detail.fields.item(0, 0).text() == "account_no"
    assert "2 changed fields marked" in page.detail.hint.text()  # name and version
    assert page.detail.title.text() == f"Update of customer {first.id}"

    page.table_actions.export_to(tmp_path / "audit.xlsx")
    wait_tasks(qtbot)
    sheet = load_workbook(tmp_path / "audit.xlsx", read_only=True).active
    assert sheet is not None
    lines = list(sheet.iter_rows(values_only=True))
    header = list(lines[0])
    assert len(lines) == 2 and lines[1][header.index("Action")] == "update"
    assert lines[1][header.index("Record")] == str(first.id)

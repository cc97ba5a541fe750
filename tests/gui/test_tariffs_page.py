"""Tariffs page: plans, detail, preview, add (plan and version), import, by permission."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.tariff_dialog import TariffDialog
from opsmanager_desktop.gui.pages.tariffs import PAGE, TariffsPage
from opsmanager_desktop.services import tariffs, utilities
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import message_boxes, wait_tasks

MakeCtx = Callable[[Backend, Role], AppContext]

CATEGORIES = {
    "code": "DOM-CAT", "name": "Domestic by category", "utility": "electricity",
    "taxes": [{"name": "VAT", "percent": "7.5", "on": "energy+fixed"}],
    "categories": [
        {"up_to": "100", "fixed_charge": "20", "slabs": [{"up_to": None, "rate": "1.00"}]},
        {"up_to": None, "fixed_charge": "40", "slabs": [{"up_to": "200", "rate": "3.00"},
                                                        {"up_to": None, "rate": "4.00"}]}],
}


@pytest.fixture
def admin(backend: Backend, make_ctx: MakeCtx) -> AppContext:
    ctx = make_ctx(backend, Role.ADMIN)
    utilities.add_utility(backend, ctx.token, "electricity", "Electricity", "kWh")
    tariffs.add_tariff(backend, ctx.token, "DOM-1", "Domestic", "electricity", Tariff.simple(
        (Slab(Decimal(100), Decimal("5.00")), Slab(None, Decimal("10.00")))))
    tariffs.import_tariff_file(backend, ctx.token, text=json.dumps(CATEGORIES))
    return ctx


def _page(qtbot: QtBot, ctx: AppContext) -> TariffsPage:
    page = TariffsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _codes(page: TariffsPage) -> list[str]:
    return [page.model.row_at(i).code for i in range(page.model.rowCount())]


def _select(qtbot: QtBot, page: TariffsPage, code: str) -> None:
    page.table.selectRow(_codes(page).index(code))
    wait_tasks(qtbot)
    assert page.detail.plan is not None and page.detail.plan.code == code


def _cells(table: object) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())]  # type: ignore[attr-defined]
            for r in range(table.rowCount())]  # type: ignore[attr-defined]


def test_detail_and_preview(qtbot: QtBot, admin: AppContext) -> None:
    page = _page(qtbot, admin)
    assert _codes(page) == ["DOM-1", "DOM-CAT"]
    _select(qtbot, page, "DOM-1")
    assert _cells(page.detail.bands) == [["0 - 100", "5.00"], ["101 and above", "10.00"]]
    page.detail.units.setText("150")
    qtbot.mouseClick(page.detail.calculate_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert page.detail.total.text() == "Total 1,000.00"  # docs/design.md: 100 x 5 + 50 x 10
    assert [row[3] for row in _cells(page.detail.lines)] == ["500.00", "500.00"]

    _select(qtbot, page, "DOM-CAT")
    assert page.detail.bands_title.text() == "Consumption categories"
    assert _cells(page.detail.bands)[0][:2] == ["0 - 100", "20.00"]
    assert "VAT: 7.5% of energy + fixed charges" in page.detail.taxes.text()
    page.detail.units.setText("-5")
    page.detail.calculate()
    wait_tasks(qtbot)
    assert "must not be negative" in page.detail.preview_message.text()
    assert page.detail.total.text() == ""


def test_add_plan_through_the_dialog(qtbot: QtBot, backend: Backend,
                                     admin: AppContext) -> None:
    page = _page(qtbot, admin)
    dialog = page.add_plan()
    qtbot.keyClicks(dialog.code, "com-1")
    qtbot.keyClicks(dialog.name, "Commercial")
    dialog.fixed.setText("50")
    dialog.slabs.set_cell(1, 0, "200")  # the last band must stay open-ended
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert dialog.isVisible()
    assert "Row 2, up to: the last slab must be open-ended" in dialog.errors.field_text("slabs")

    dialog.slabs.set_cell(1, 0, "")
    dialog.slabs.set_cell(1, 1, "abc")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "Row 2, rate: 'abc' is not a number" in dialog.errors.field_text("slabs")

    dialog.slabs.set_cell(1, 1, "10")
    dialog.taxes.add_row(["VAT", "7.5", "energy+fixed"])
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "New plan COM-1 saved" in page.notice.text()
    assert "COM-1" in _codes(page)
    plan = tariffs.get_plan(backend, admin.token, "COM-1")
    charges = tariffs.preview(backend, admin.token, "COM-1", 150)
    assert plan.versions[0].fixed_charge == Decimal("50.00")
    assert charges.total == Decimal("1128.75")  # (1000 + 50) * 1.075


def test_new_version_and_its_conflict(qtbot: QtBot, backend: Backend,
                                      admin: AppContext) -> None:
    page = _page(qtbot, admin)
    _select(qtbot, page, "DOM-1")
    dialog = page.add_version()
    assert isinstance(dialog, TariffDialog)
    assert dialog.code.isReadOnly() and dialog.code.text() == "DOM-1"
    assert dialog.slabs.text(0, 1) == "5"  # prefilled from the version in force
    dialog.slabs.set_cell(0, 1, "6")
    dialog.effective.setDate(date(2030, 1, 1))
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert len(tariffs.get_plan(backend, admin.token, "DOM-1").versions) == 2

    again = page.add_version()
    assert again is not None
    again.effective.setDate(date(2030, 1, 1))
    qtbot.mouseClick(again.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "already has a version effective from 2030-01-01" in again.message.text()


def test_import_tariff_file(qtbot: QtBot, backend: Backend, admin: AppContext,
                            tmp_path: Path) -> None:
    page = _page(qtbot, admin)
    good = tmp_path / "water.json"
    good.write_text(json.dumps({"code": "W-1", "name": "Water", "utility": "electricity",
                                "fixed_charge": "0",
                                "slabs": [{"up_to": None, "rate": "1.25"}]}))
    page.import_file(good)
    wait_tasks(qtbot)
    assert "New plan W-1 saved" in page.notice.text() and "W-1" in _codes(page)

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"code": "BAD", "name": "Bad", "utility": "electricity",
                               "fixed_charge": "0",
                               "slabs": [{"up_to": "10", "rate": "-1"}]}))
    page.import_file(bad)
    wait_tasks(qtbot)
    boxes = message_boxes()
    assert boxes and boxes[-1].windowTitle() == "Please check your input"
    assert "slabs[0].rate: must not be negative" in boxes[-1].text()
    assert "slabs[0].up_to: the last slab must be open-ended" in boxes[-1].text()
    assert "BAD" not in _codes(page)


def test_billing_officer_previews_but_cannot_change(qtbot: QtBot, backend: Backend,
                                                    admin: AppContext,
                                                    make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(backend, Role.BILLING_OFFICER))
    assert [a.text() for a in page.actions()] == ["Refresh"]
    assert page.detail.tabs.count() == 2  # slabs and the preview
    _select(qtbot, page, "DOM-1")
    page.detail.calculate()
    wait_tasks(qtbot)
    assert page.detail.total.text().startswith("Total ")


def test_field_officer_has_no_preview(qtbot: QtBot, backend: Backend, admin: AppContext,
                                      make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(backend, Role.FIELD_OFFICER))
    assert page.detail.tabs.count() == 1
    assert _codes(page) == ["DOM-1", "DOM-CAT"]

"""Readings page: by role, the review queue, approve one or many, reject with a reason, the
photo beside the meter's history, entry through the dialog, a refused action's message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.readings import Flag, ReadingStatus
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.readings import PAGE, ReadingsPage
from opsmanager_desktop.services import readings
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.gui.conftest import message_boxes, wait_tasks
from tests.test_customers_fixtures import FEB, JAN, MAR, World, make_world, write_csv

MakeCtx = Callable[[Backend, Role], AppContext]


@pytest.fixture
def world(backend: Backend) -> World:
    w = make_world(backend)
    for n in (1, 2, 3):
        w.customer(f"A{n}", f"M{n}", initial="100", name=f"Customer {n}")
    w.reading("M1", JAN, "150", approve=False)
    w.reading("M2", JAN, "100", approve=False)  # zero consumption: flagged
    w.reading("M3", JAN, "180", approve=False)
    return w


def _page(qtbot: QtBot, ctx: AppContext, cycle: str | None = JAN) -> ReadingsPage:
    page = ReadingsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1400, 700)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    if cycle is not None:
        page.cycle_filter.setCurrentIndex(page.cycle_filter.findData(cycle))
        wait_tasks(qtbot)
    return page


def _meters(page: ReadingsPage) -> list[str]:
    return [row.meter_number for row in page.model.rows()]


def _select(qtbot: QtBot, page: ReadingsPage, *meters: str) -> None:
    page.table.clearSelection()
    selection = page.table.selectionModel()
    for meter in meters:  # as ctrl+click does: add the row and make it the current one
        selection.setCurrentIndex(page.model.index(_meters(page).index(meter), 0),
                                  selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
    wait_tasks(qtbot)


def _status(world: World, meter: str, period: str = JAN) -> ReadingStatus:
    rows = readings.list_readings(world.backend, world.admin, ListQuery(
        search=meter, filters={"cycle": period})).rows
    assert len(rows) == 1
    return rows[0].status


@pytest.mark.parametrize("role,shown", [
    (Role.SUPERVISOR, True), (Role.BILLING_OFFICER, True), (Role.ADMIN, True),
    (Role.ACCOUNTS_OFFICER, False), (Role.FIELD_OFFICER, False),
    (Role.SUPPORT_AGENT, False), (Role.CONSUMER, False)])
def test_page_only_for_roles_that_see_readings(qtbot: QtBot, world: World, make_ctx: MakeCtx,
                                               role: Role, shown: bool) -> None:
    window = MainWindow(make_ctx(world.backend, role))
    qtbot.addWidget(window)
    page = window.show_page("readings")
    wait_tasks(qtbot)
    assert (page is not None) == shown
    if isinstance(page, ReadingsPage):
        texts = [a.text() for a in page.actions()]
        assert ("Approve" in texts) == (role is Role.SUPERVISOR)
        assert ("Enter reading..." in texts) == (role is Role.BILLING_OFFICER)


def test_review_queue_flagged_first_and_approve_many(qtbot: QtBot, world: World,
                                                     make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.SUPERVISOR))
    assert _meters(page)[0] == "M2"  # the zero-consumption one leads the queue
    assert page.model.rows()[0].flags == (Flag.ZERO,)
    assert page.model.data(page.model.index(0, page.model.column_index("flags"))) == "Zero"
    _select(qtbot, page, "M1", "M3")
    assert page.approve_action is not None and page.approve_action.text() == "Approve 2"
    page.approve_action.trigger()
    wait_tasks(qtbot)
    assert [_status(world, m) for m in ("M1", "M2", "M3")] == [
        ReadingStatus.APPROVED, ReadingStatus.SUBMITTED, ReadingStatus.APPROVED]
    assert _meters(page) == ["M2"]  # the queue shows what still waits
    assert "2 readings approved" in page.notice.text()


def test_reject_asks_for_a_reason(qtbot: QtBot, world: World, make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.SUPERVISOR))
    _select(qtbot, page, "M2")
    dialog = page.reject_selected()
    assert dialog is not None
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "Say why the reading is rejected" in dialog.errors.field_text("reason")
    assert _status(world, "M2") is ReadingStatus.SUBMITTED
    dialog.reason.setText("meter photo shows 112")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    rows = readings.list_readings(world.backend, world.admin, ListQuery(
        search="M2", filters={"cycle": JAN})).rows
    assert rows[0].status is ReadingStatus.REJECTED
    assert rows[0].reject_reason == "meter photo shows 112"
    assert "M2" not in _meters(page)


def test_refused_approval_shows_the_service_message(qtbot: QtBot, world: World,
                                                    make_ctx: MakeCtx) -> None:
    ctx = make_ctx(world.backend, Role.SUPERVISOR)
    page = _page(qtbot, ctx)
    _select(qtbot, page, "M1")
    m1 = page.selected_rows()[0].id
    readings.approve_readings(world.backend, world.supervisor, JAN, [m1])  # elsewhere
    page.approve_selected()
    wait_tasks(qtbot)
    (box,) = message_boxes()
    assert f"reading {m1} is APPROVED; only SUBMITTED readings can be approved" in box.text()
    assert "Traceback" not in box.text()
    box.done(QMessageBox.StandardButton.Ok)


def _png() -> bytes:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def test_photo_beside_the_last_three_readings(qtbot: QtBot, world: World,
                                              make_ctx: MakeCtx) -> None:
    readings.approve_readings(world.backend, world.supervisor, JAN)
    world.reading("M1", FEB, "200")
    world.reading("M1", MAR, "260")
    world.reading("M1", "2026-04", "900", approve=False)  # no photo, a HIGH one
    readings.reject_reading(world.backend, world.supervisor,
                            _id(world, "M1", "2026-04"), "misread")
    readings.enter_reading(world.backend, world.officer, "M1", "electricity", "2026-04",
                           Decimal("300"), date(2026, 4, 28), photo=_png(),
                           photo_name="m1.png")
    page = _page(qtbot, make_ctx(world.backend, Role.SUPERVISOR), "2026-04")
    _select(qtbot, page, "M1")
    detail = page.detail
    assert [r.period for r in detail.history_model.rows()] == [MAR, FEB, JAN]
    assert detail.photo.pixmap() is not None and not detail.photo.pixmap().isNull()
    assert detail.facts.value("Units") == "40"
    assert "Average of the last approved readings: 53.333 units" in detail.average.text()


def _id(world: World, meter: str, period: str) -> int:
    rows = readings.list_readings(world.backend, world.admin, ListQuery(
        search=meter, filters={"cycle": period})).rows
    return rows[0].id


def test_billing_officer_enters_a_reading(qtbot: QtBot, world: World,
                                          make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER), FEB)
    dialog = page.enter_reading()
    dialog.cycle.setCurrentIndex(dialog.cycle.findData(FEB))
    dialog.meter.setText("M3")
    dialog.reading.setText("170")  # below January's 180
    dialog.read_at.setDate(dialog.read_at.date().fromString("2026-02-27", "yyyy-MM-dd"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "170" in dialog.errors.field_text("reading")
    dialog.reading.setText("195.5")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert _status(world, "M3", FEB) is ReadingStatus.SUBMITTED
    assert "Reading of meter M3 saved for 2026-02: 15.5 units" in page.notice.text()
    assert _meters(page) == ["M3"]


def test_import_preview_writes_nothing_until_confirmed(qtbot: QtBot, world: World,
                                                       make_ctx: MakeCtx,
                                                       tmp_path: Path) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.BILLING_OFFICER), FEB)
    path = write_csv(tmp_path / "feb.csv", "meter_number,utility,reading,read_at\n"
                     "M1,electricity,210,2026-02-26\n"
                     "M9,electricity,10,2026-02-26\n")
    dialog = page.import_file(path)
    wait_tasks(qtbot)
    preview = dialog.preview
    assert preview is not None and (preview.rows, preview.valid) == (2, 1)
    assert dialog.sample_model.rowCount() == 2 and dialog.problem_model.rowCount() == 1
    assert "no open electricity connection has meter M9" in \
        dialog.problem_model.data(dialog.problem_model.index(0, 2))
    assert not dialog.import_button.isEnabled()
    assert _meters(page) == []  # nothing written by the check
    assert readings.list_readings(world.backend, world.admin, ListQuery(
        filters={"cycle": FEB})).total == 0
    dialog.skip_invalid.setChecked(True)
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "Import 1 reading"
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert _status(world, "M1", FEB) is ReadingStatus.SUBMITTED
    assert (tmp_path / "feb.rejects.csv").exists()
    assert "1 reading of 2026-02 imported" in page.notice.text()
    assert _meters(page) == ["M1"]


def test_queue_follows_another_supervisors_decisions(qtbot: QtBot, world: World,
                                                     make_ctx: MakeCtx) -> None:
    page = _page(qtbot, make_ctx(world.backend, Role.SUPERVISOR))
    page.auto_refresh.check()  # the baseline of the change counter
    wait_tasks(qtbot)
    readings.approve_readings(world.backend, world.supervisor, JAN,
                              [_id(world, "M1", JAN)])  # at another workstation
    page.auto_refresh.check()  # what the timer does every few seconds
    wait_tasks(qtbot)
    assert sorted(_meters(page)) == ["M2", "M3"]


def test_a_dashboard_link_shows_every_cycle(qtbot: QtBot, world: World,
                                            make_ctx: MakeCtx) -> None:
    from opsmanager_desktop.gui.navigation import open_filtered

    window = MainWindow(make_ctx(world.backend, Role.SUPERVISOR))
    qtbot.addWidget(window)
    page = open_filtered(window, "readings", {"status": "SUBMITTED"})  # waiting anywhere
    wait_tasks(qtbot)
    assert isinstance(page, ReadingsPage)
    assert page.cycle_filter.currentData() is None  # not the newest open cycle (June)
    assert sorted(_meters(page)) == ["M1", "M2", "M3"]

"""Field records page on both databases: the pending enumerations with their possible
duplicates, approving (Ctrl+Enter) and rejecting with a reason, the inspections tab with the
tariff found against the one billed, importing a handheld file, and what an officer without
the right to decide sees; a screenshot kept for a person to look at."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from opsmanager_desktop.db.models import Customer
from opsmanager_desktop.domain.field_records import RecordStatus
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.field_records import PAGE, FieldRecordsPage
from opsmanager_desktop.gui.pages.field_records_screenshots import sample_photo
from opsmanager_desktop.services import enumerations as en
from opsmanager_desktop.services import evaluations as ev
from opsmanager_desktop.services.backend import Backend
from tests.billing_data import add_connections, make_world, open_cycle
from tests.gui.conftest import wait_tasks
from tests.helpers import token_for

MakeCtx = Callable[[Backend, Role], AppContext]
PICTURES = Path(__file__).resolve().parent.parent.parent / "build" / "pictures"


def _data(backend: Backend) -> tuple[str, str]:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    ids = add_connections(world, [("DOM", None, "0"), ("DOM", None, "0")])
    fo = token_for(backend, Role.FIELD_OFFICER, "fo1")
    with backend.sessions() as s:
        from opsmanager_desktop.db.models import Connection

        meters = [str(s.scalar(select(Connection.meter_number).where(Connection.id == i)))
                  for i in ids]
    en.record_enumeration(backend, fo, en.NewEnumeration(
        "NEW", "Ada Obi", "electricity", "M-NEW-1", tariff_code="DOM", phone="0801 555 0101"),
        photos=[("house.png", sample_photo("House"))])
    en.record_enumeration(backend, fo, en.NewEnumeration(
        "NEW", "Twin Meter", "electricity", meters[0], tariff_code="DOM"))
    ev.record_evaluation(backend, fo, ev.NewEvaluation(
        meters[1], "electricity", "COM", "BYPASSED", evidence="cable around the meter",
        estimated_loss=Decimal("900.00"), penalty=Decimal("250.00")),
        photos=[("bypass.png", sample_photo("Bypass"))])
    return meters[0], meters[1]


def _page(qtbot: QtBot, ctx: AppContext) -> FieldRecordsPage:
    page = FieldRecordsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def test_supervisor_reviews_and_decides(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                                        tmp_path: Path) -> None:
    fitted, inspected = _data(backend)
    page = _page(qtbot, make_ctx(backend, Role.SUPERVISOR))
    tab = page.enumerations
    assert [r.name for r in tab.model.rows()] == ["Twin Meter", "Ada Obi"]  # newest first
    tab.table.selectRow(0)
    wait_tasks(qtbot)
    detail = page.enumerations.detail
    assert detail.duplicates.isVisibleTo(page)
    assert [d.meter_number for d in detail.duplicates_model.rows()] == [fitted]
    PICTURES.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(PICTURES / "field_records_page.png"))
    # a NEW customer on a fitted meter is refused; the record stays pending
    tab.approve_selected()
    wait_tasks(qtbot)
    from tests.gui.conftest import message_boxes

    boxes = message_boxes()
    assert boxes and "already fitted" in boxes[0].text()
    for box in boxes:
        box.close()
    dialog = tab.reject_selected()
    assert dialog is not None
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "required" in dialog.errors.field_text("reason")
    dialog.reason.setText("duplicate of the fitted meter")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert [r.name for r in tab.model.rows()] == ["Ada Obi"]
    tab.table.selectRow(0)
    wait_tasks(qtbot)
    assert page.enumerations.detail.photo.pixmap() is not None
    assert not page.enumerations.detail.photo.pixmap().isNull()
    assert tab.approve_action is not None
    tab.approve_action.trigger()  # Ctrl+Enter
    wait_tasks(qtbot)
    assert "1 enumeration approved. New accounts: EN" in tab.notice.text()
    with backend.sessions() as s:
        assert s.scalar(select(Customer.name).where(Customer.account_no.like("EN%"))) \
            == "Ada Obi"
    page.tabs.setCurrentWidget(page.evaluations)
    wait_tasks(qtbot)
    evs = page.evaluations
    [row] = evs.model.rows()
    assert (row.meter_number, row.tariff_found, row.tariff_billed) == (inspected, "COM", "DOM")
    evs.table.selectRow(0)
    wait_tasks(qtbot)
    assert "Tariff found COM, billed DOM" in evs.detail.tariffs.text()
    assert evs.approve_action is not None
    evs.approve_action.trigger()
    wait_tasks(qtbot)
    assert "1 tariff change from cycle 2026-02" in evs.notice.text()
    assert "1 penalty debited" in evs.notice.text()
    status = evs.filter_bar.combo("status")
    status.setCurrentIndex(status.findData(RecordStatus.APPROVED.value))
    wait_tasks(qtbot)
    evs.table.selectRow(0)
    wait_tasks(qtbot)
    assert "COM bills from cycle 2026-02" in evs.detail.tariffs.text()
    assert page.grab().save(str(PICTURES / "field_records_evaluations.png"))
    evs.table_actions.export_to(tmp_path / "inspections.csv")
    wait_tasks(qtbot)
    exported = (tmp_path / "inspections.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(exported) == 2 and "BYPASSED" in exported[1]


def test_officer_imports_and_cannot_decide(qtbot: QtBot, backend: Backend,
                                           make_ctx: MakeCtx, tmp_path: Path) -> None:
    make_world(backend)
    page = _page(qtbot, make_ctx(backend, Role.FIELD_OFFICER))
    assert page.enumerations.approve_action is None
    assert page.enumerations.reject_action is None
    path = tmp_path / "sheet.csv"
    path.write_text("kind,name,utility,meter_number,recorded_at,tariff_code\n"
                    "new,Bola Ade,electricity,M-77,2026-01-05 09:00,DOM\n", encoding="utf-8")
    page.import_file(path)
    wait_tasks(qtbot)
    assert "Enumerations file, 1 row: 1 recorded" in page.notice.text()
    assert [r.name for r in page.enumerations.model.rows()] == ["Bola Ade"]
    assert page.enumerations.model.rows()[0].recorded_by == "u_field_officer"

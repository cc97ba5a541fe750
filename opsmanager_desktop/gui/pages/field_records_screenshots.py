"""The Field records shots gui/screenshots.py takes, and the sample records they need.

`populate` has the supervisor enter a field officer's sheet through the services: new
customers (one on a meter already fitted, so the duplicates list shows), corrections of
existing accounts, and inspections (a bypass with another tariff and a penalty, a tampered
seal, a meter in order), some decided. `shots` takes both tabs with a record selected and
the reject dialog filled in.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from opsmanager_desktop.domain.errors import OpsError
from opsmanager_desktop.gui import tasks
from opsmanager_desktop.gui.pages.field_records import FieldRecordsPage
from opsmanager_desktop.services import auth, connections, enumerations, evaluations, tariffs
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery

if TYPE_CHECKING:
    from opsmanager_desktop.gui.main_window import MainWindow
    from opsmanager_desktop.gui.screenshots import Shooter


def sample_photo(text: str, colour: str = "#6d8fb3") -> bytes:
    """A small PNG standing in for a handheld's photo."""
    image = QImage(320, 200, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    painter = QPainter(image)
    painter.setPen(QColor("white"))
    painter.drawRect(40, 40, 240, 120)
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stub says bytes; str works
    return bytes(data.data())


def populate(backend: Backend, token: str, officer: str = "femi.f",
             supervisor: str = "sam.s") -> None:
    from opsmanager_desktop.gui.screenshots import PASSWORD

    sup = auth.sign_in(backend, supervisor, PASSWORD).token
    rows = connections.list_connections(backend, token, ListQuery(
        limit=6, filters={"status": "ACTIVE", "utility": "electricity"})).rows
    plans = [p.code for p in tariffs.list_plans(backend, token).rows
             if p.utility == "electricity"]
    if len(rows) < 5 or len(plans) < 2:
        return
    now = backend.now().replace(microsecond=0)
    en, ev = enumerations, evaluations
    with suppress(OpsError):
        en.record_enumeration(backend, sup, en.NewEnumeration(
            "NEW", "Chidi Okafor", "electricity", "M-F-0101", address="12 Market Road",
            phone="0803 555 0101", tariff_code=plans[0], transformer_code="DT-004",
            latitude=Decimal("6.524379"), longitude=Decimal("3.379206"),
            notes="Shop front, meter inside", recorded_by=officer,
            recorded_at=now - timedelta(hours=5)),
            photos=[("shop.png", sample_photo("Meter M-F-0101"))])
        en.record_enumeration(backend, sup, en.NewEnumeration(
            "NEW", "Halima Bello", "electricity", rows[0].meter_number,
            address="3 Palm Close", tariff_code=plans[0], notes="Says she moved in in May",
            recorded_by=officer, recorded_at=now - timedelta(hours=4)))
        en.record_enumeration(backend, sup, en.NewEnumeration(
            "UPDATE", "Musa Ibrahim (new owner)", "electricity", rows[1].meter_number,
            account_no=rows[1].account_no, phone="0805 555 0102", tariff_code=plans[1],
            recorded_by=officer, recorded_at=now - timedelta(hours=3)))
        second = en.record_enumeration(backend, sup, en.NewEnumeration(
            "NEW", "Grace Eze", "electricity", "M-F-0102", tariff_code=plans[0],
            recorded_by=officer, recorded_at=now - timedelta(hours=2))).record
        third = en.record_enumeration(backend, sup, en.NewEnumeration(
            "NEW", "Tunde Ade", "electricity", "M-F-0103", tariff_code=plans[0],
            recorded_by=officer, recorded_at=now - timedelta(hours=1))).record
        en.approve_enumerations(backend, sup, second.id)
        en.reject_enumerations(backend, sup, third.id, "Same house as account of Grace Eze")
    with suppress(OpsError):
        ev.record_evaluation(backend, sup, ev.NewEvaluation(
            rows[2].meter_number, "electricity", plans[1], "BYPASSED",
            inspected_at=now - timedelta(hours=6), evidence="Cable from the pole around the "
            "meter into the shop", estimated_loss=Decimal("48250.00"),
            penalty=Decimal("15000.00"), recorded_by=officer),
            photos=[("bypass.png", sample_photo("Bypass cable", "#a4553f"))])
        ev.record_evaluation(backend, sup, ev.NewEvaluation(
            rows[3].meter_number, "electricity", rows[3].tariff_code, "TAMPERED",
            inspected_at=now - timedelta(hours=5), evidence="Seal broken, cover scratched",
            estimated_loss=Decimal("3100.00"), recorded_by=officer))
        ok = ev.record_evaluation(backend, sup, ev.NewEvaluation(
            rows[4].meter_number, "electricity", rows[4].tariff_code, "OK",
            inspected_at=now - timedelta(hours=4), recorded_by=officer)).record
        ev.approve_evaluations(backend, sup, ok.id)


def _wait() -> None:
    from opsmanager_desktop.gui.screenshots import settle

    tasks.wait_all(20000)
    settle(200)


def shots(shooter: Shooter, window: MainWindow) -> None:
    page = window.show_page("field_records")
    if not isinstance(page, FieldRecordsPage):
        return
    _wait()
    for tab, name in ((page.enumerations, "main_field_records_enumeration"),
                      (page.evaluations, "main_field_records_evaluation")):
        page.tabs.setCurrentWidget(tab)
        _wait()
        if tab.model.rows():
            tab.table.selectRow(0)
            _wait()
        shooter.save(window, name)
    dialog = page.evaluations.reject_selected()
    if dialog is not None:
        dialog.reason.setText("Photo does not show the meter; inspect again")
        shooter.dialog(dialog, "dialog_field_reject")
    page.tabs.setCurrentWidget(page.enumerations)

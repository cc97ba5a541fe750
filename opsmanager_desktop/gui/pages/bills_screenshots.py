"""The shots gui/screenshots.py takes of the billing-area pages (readings, billing run,
bills, payments, dues), each as the officer who works there, with their dialogs filled in
the way a user would (with a mistake, to show the messages).

`add_sample_data` gives this month's cycle some readings (a few flagged, some with a photo
of the meter, most approved) on top of the demo data, so the review queue, the photo pane
and a billing run with exceptions have something to show; `role_windows` takes the shots.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QLinearGradient, QPainter, QPen

from opsmanager_desktop.domain.errors import Conflict, ValidationError
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.billing_run import BillingRunPage
from opsmanager_desktop.gui.pages.bills import BillsPage
from opsmanager_desktop.gui.pages.dues import DuesPage
from opsmanager_desktop.gui.pages.payments import PaymentsPage
from opsmanager_desktop.gui.pages.readings import ReadingsPage
from opsmanager_desktop.gui.progress import JobProgressDialog
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.services import (
    auth,
    bills,
    connections,
    cycles,
    distribution,
    payments,
    readings,
)
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery

if TYPE_CHECKING:
    from opsmanager_desktop.gui.screenshots import Shooter

READERS = ("Musa Ibrahim", "Grace Okoro", "Yusuf Bello")


def _settle(ms: int = 60) -> None:
    from opsmanager_desktop.gui.screenshots import settle

    settle(ms)


def meter_photo(value: Decimal, meter: str) -> bytes:
    """A PNG that looks enough like a photo of a meter's register for the photo pane."""
    image = QImage(420, 280, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    shade = QLinearGradient(0, 0, 0, 280)
    shade.setColorAt(0, QColor("#5b6670"))
    shade.setColorAt(1, QColor("#2d343a"))
    painter.fillRect(image.rect(), shade)
    painter.setBrush(QColor("#e9ece6"))
    painter.setPen(QPen(QColor("#1b1f22"), 3))
    painter.drawRoundedRect(QRect(30, 40, 360, 200), 18, 18)
    painter.setBrush(QColor("#101214"))
    painter.drawRoundedRect(QRect(60, 95, 300, 70), 6, 6)
    digits = f"{int(value):06d}"[-6:]
    font = QFont("DejaVu Sans Mono", 34, QFont.Weight.Bold)
    painter.setFont(font)
    for i, digit in enumerate(digits):
        box = QRect(66 + i * 49, 101, 44, 58)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#2a2f33" if i < 5 else "#7a1d17"))
        painter.drawRect(box)
        painter.setPen(QColor("#f4f4ef"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, digit)
    painter.setPen(QColor("#1b1f22"))
    painter.setFont(QFont("DejaVu Sans", 13, QFont.Weight.Bold))
    painter.drawText(QRect(60, 175, 300, 24), Qt.AlignmentFlag.AlignCenter, "kWh")
    painter.setFont(QFont("DejaVu Sans", 10))
    painter.drawText(QRect(60, 58, 300, 24), Qt.AlignmentFlag.AlignCenter, f"No. {meter}")
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stub says bytes; str works
    return bytes(data.data())


def _periods(backend: Backend) -> tuple[str, str]:
    today = backend.now().date()
    previous = today.replace(day=1) - timedelta(days=1)
    return f"{today:%Y-%m}", f"{previous:%Y-%m}"


def add_sample_data(backend: Backend, password: str) -> None:
    """This month's cycle with 36 readings: most approved, the rest waiting, a few flagged
    (far above the meter's average, or no consumption), every third with a photo."""
    token = auth.sign_in(backend, "admin", password).token
    officer = auth.sign_in(backend, "bola.b", password).token
    supervisor = auth.sign_in(backend, "sam.s", password).token
    period, previous = _periods(backend)
    today = backend.now().date()
    with suppress(Conflict):  # the sample data may have it already
        cycles.open_cycle(backend, token, period)
    last = {r.meter_number: r for r in readings.list_readings(backend, officer, ListQuery(
        limit=5000, filters={"cycle": previous})).rows}
    rng = random.Random(7)
    waiting: list[int] = []
    approve: list[int] = []
    rows = connections.list_connections(backend, officer, ListQuery(limit=60)).rows
    for i, connection in enumerate(r for r in rows if r.meter_number in last):
        if i >= 36:
            break
        before = last[connection.meter_number]
        if i % 9 == 4:
            value = before.current_reading + before.units * 5  # far above the average
        elif i % 13 == 7:
            value = before.current_reading  # nothing used: a vacant house, a stuck meter
        else:
            value = before.current_reading + (before.units * Decimal(
                rng.uniform(0.8, 1.2))).quantize(Decimal("0.1"))
        photo = meter_photo(value, connection.meter_number) if i % 3 == 1 else None
        row = readings.enter_reading(backend, officer, connection.meter_number,
                                     connection.utility, period, value, today,
                                     reader=READERS[i % 3], photo=photo,
                                     photo_name=f"{connection.meter_number}.png")
        (waiting if row.flags or i % 4 == 0 else approve).append(row.id)
    if approve:
        readings.approve_readings(backend, supervisor, period, approve)
    for used in (token, officer, supervisor):
        auth.sign_out(backend, used)


def _window(backend: Backend, settings: AppSettings, username: str, password: str,
            first_page: str) -> MainWindow:
    # open on our page, not the last one shown: a wide page elsewhere would widen the window
    settings.set_last_page(first_page)
    ctx = AppContext(backend, auth.sign_in(backend, username, password), settings)
    window = MainWindow(ctx, idle_ms=3_600_000)
    window.resize(1280, 800)
    window.show()
    _settle(200)
    return window


def _close(backend: Backend, window: MainWindow) -> None:
    window.shut_down()
    window.hide()
    window.deleteLater()
    auth.sign_out(backend, window.ctx.token)
    _settle()


def _page(window: MainWindow, key: str) -> Any:
    page = window.show_page(key)
    _settle(300)
    return page


def _select_row(page: Any, wanted: Callable[[Any], bool]) -> None:
    rows = page.model.rows()
    index = next((i for i, row in enumerate(rows) if wanted(row)), 0 if rows else None)
    if index is not None:
        page.table.selectRow(index)
        _settle(300)


def role_windows(shooter: Shooter, backend: Backend, settings: AppSettings,
                 password: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _supervisor(shooter, backend, settings, password)
        _billing_officer(shooter, backend, settings, password, Path(folder))
        _accounts_officer(shooter, backend, settings, password, Path(folder))


def _supervisor(shooter: Shooter, backend: Backend, settings: AppSettings,
                password: str) -> None:
    window = _window(backend, settings, "sam.s", password, "readings")
    page = _page(window, "readings")
    if isinstance(page, ReadingsPage):
        _select_row(page, lambda r: r.has_photo and bool(r.flags))
        shooter.save(window, "main_readings")
        _select_row(page, lambda r: bool(r.flags) and not r.has_photo)
        reject = page.reject_selected()
        if reject is not None:
            shooter.dialog(reject, "dialog_reading_reject", lambda: reject.reason.setText(
                "Nothing used in a month with the house let: check the meter on site"))
        box = page.approve_all()
        if box is not None:
            shooter.dialog(box, "dialog_readings_approve_all")
    _close(backend, window)


def _billing_officer(shooter: Shooter, backend: Backend, settings: AppSettings,
                     password: str, folder: Path) -> None:
    window = _window(backend, settings, "bola.b", password, "readings")
    period, previous = _periods(backend)
    page = _page(window, "readings")
    if isinstance(page, ReadingsPage):
        entry = page.enter_reading()
        unread = _unread(backend, window.ctx.token, period, previous)

        def fill_entry() -> None:
            if unread:  # a meter not read this month yet, with a value below its last one
                entry.utility.setCurrentIndex(entry.utility.findData(unread[-1].utility))
                entry.meter.setText(unread[-1].meter_number)
            entry.reading.setText("12")
            entry.reader.setText(READERS[0])
            entry.ok_button.click()
        shooter.dialog(entry, "dialog_reading_entry", fill_entry)
        shooter.dialog(page.import_file(_readings_file(backend, window, folder, previous)),
                       "dialog_reading_import")
    run = _page(window, "billing_run")
    if isinstance(run, BillingRunPage):
        shooter.save(window, "main_billing_run_before")
        progress = JobProgressDialog(window, "Billing run", "")
        progress.update_progress(180, 420, f"Billing {period}: 180 of 420 connections gone "
                                           "through...")
        shooter.dialog(progress, "dialog_billing_progress")
        run.start_run(period)
        _settle(400)
        shooter.save(window, "main_billing_run")
    bills_page = _page(window, "bills")
    if isinstance(bills_page, BillsPage):
        combo = bills_page.cycle_filter
        combo.setCurrentIndex(combo.findData(previous))
        _settle(400)
        _select_row(bills_page, lambda b: b.amount_paid and b.balance)
        shooter.save(window, "main_bills")
        issue = bills_page.issue_cycle()
        issue.cycle.setCurrentIndex(issue.cycle.findData(period))
        shooter.dialog(issue, "dialog_issue_bills")
        adjust = bills_page.adjust_selected()
        if adjust is not None:
            def fill_adjust() -> None:
                adjust.amount.setText("25.00")
                adjust.reason.setText("Estimated in error: meter read late, see reading")
            shooter.dialog(adjust, "dialog_bill_adjust", fill_adjust)
    _distribution(shooter, window, previous)
    _close(backend, window)


def _distribution(shooter: Shooter, window: MainWindow, period: str) -> None:
    """The distribution page with a delivery of each kind, so its status colours show."""
    backend, token = window.ctx.backend, window.ctx.token
    issued = bills.list_bills(backend, token, ListQuery(limit=3, filters={"cycle": period}))
    kinds: tuple[tuple[str, dict[str, str]], ...] = (
        ("handed_over", {"received_by": "the customer"}), ("emailed", {}),
        ("not_delivered", {"reason": "gate locked, nobody home"}))
    for row, (status, extra) in zip(issued.rows, kinds, strict=False):
        try:
            distribution.record_delivery(backend, token, row.bill_no, status, **extra)
        except ValidationError:  # an e-mail delivery to a customer without an address
            distribution.record_delivery(backend, token, row.bill_no, "handed_over",
                                         received_by="a neighbour")
    page = _page(window, "distribution")
    if page is None:
        return
    page.cycle_filter.setCurrentIndex(page.cycle_filter.findData(period))
    show = page.filter_bar.combo("status")
    show.setCurrentIndex(show.findData(None))
    _settle(400)
    shooter.save(window, "main_distribution")


def _unread(backend: Backend, token: str, period: str, previous: str) -> list[Any]:
    """Last month's readings of the meters not read this month yet."""
    done = {r.meter_number for r in readings.list_readings(backend, token, ListQuery(
        limit=5000, filters={"cycle": period})).rows}
    return [r for r in readings.list_readings(backend, token, ListQuery(
        limit=200, filters={"cycle": previous})).rows if r.meter_number not in done]


def _readings_file(backend: Backend, window: MainWindow, folder: Path,
                   previous: str) -> Path:
    """A handheld file: good rows for meters not read yet this month, and three mistakes."""
    period, _ = _periods(backend)
    last = _unread(backend, window.ctx.token, period, previous)[:9]
    day = backend.now().date().isoformat()
    lines = ["meter_number,utility,reading,read_at,reader"]
    for i, r in enumerate(last):
        value = r.current_reading + r.units
        if i == 3:
            value = r.current_reading - 40  # the meter cannot run backwards
        lines.append(f"{r.meter_number},{r.utility},{value},{day},{READERS[i % 3]}")
    lines.append(f"X-99999,electricity,5120,{day},{READERS[1]}")
    if last:
        lines.append(f"{last[0].meter_number}x,{last[0].utility},100,31/11/2026,")
    path = folder / "handheld-route-7.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _accounts_officer(shooter: Shooter, backend: Backend, settings: AppSettings,
                      password: str, folder: Path) -> None:
    window = _window(backend, settings, "amara.a", password, "payments")
    token = window.ctx.token
    open_bills = bills.list_bills(backend, token, ListQuery(
        limit=50, sort="balance", descending=True, filters={"open_only": True})).rows
    page = _page(window, "payments")
    if isinstance(page, PaymentsPage):
        _select_row(page, lambda p: p.bill_no is not None)
        shooter.save(window, "main_payments")
        if open_bills:
            record = page.record_payment(open_bills[0].account_no)

            def fill_record() -> None:
                record.bill.setCurrentIndex(1)
                record.channel.setCurrentIndex(record.channel.findData("BANK"))
                record.reference.setText("TRF-20431877")
            shooter.dialog(record, "dialog_payment_record", fill_record)
        reverse = page.reverse_selected()
        if reverse is not None:
            shooter.dialog(reverse, "dialog_payment_reverse", lambda: reverse.reason.setText(
                "Cheque returned unpaid by the bank (insufficient funds)"))
        shooter.dialog(page.import_file(_settlement_file(backend, token, open_bills, folder)),
                       "dialog_payment_import")
    dues_page = _page(window, "dues")
    if isinstance(dues_page, DuesPage):
        top = dues_page.defaulters_model.rows()
        if top:
            dues_page.show_account(top[0].account_no)
            _settle(300)
        shooter.save(window, "main_dues")
    _close(backend, window)


def _settlement_file(backend: Backend, token: str, open_bills: list[Any],
                     folder: Path) -> Path:
    """A bank's file: new payments, one already posted, and two mistakes."""
    day = backend.now().date()
    lines = ["reference,channel,account_no,amount,paid_at,bill_no"]
    posted = payments.list_payments(backend, token, ListQuery(limit=1, filters={
        "channel": "BANK", "reversed": False})).rows
    for p in posted:
        lines.append(f"{p.reference},bank,{p.account_no},{p.amount},{p.paid_at},")
    for i, bill in enumerate(open_bills[1:8]):
        amount = bill.balance if i % 2 else (bill.balance / 2).quantize(Decimal("0.01"))
        lines.append(f"BNK-{day:%m%d}-{i + 101},bank,{bill.account_no},{amount},"
                     f"{day.isoformat()},{bill.bill_no}")
    lines.append(f"BNK-{day:%m%d}-120,bank,Z-404,150.00,{day.isoformat()},")
    lines.append(f"BNK-{day:%m%d}-121,bank,{open_bills[0].account_no if open_bills else ''},"
                 f"75.00,{(day + timedelta(days=3)).isoformat()},")
    path = folder / f"bank-settlement-{day.isoformat()}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

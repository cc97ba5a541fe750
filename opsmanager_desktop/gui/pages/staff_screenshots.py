"""The staff performance shots gui/screenshots.py takes, and the sample data they need.

`populate` makes the demo's meter readers (services/demo_data.READERS) field officers with
names, in two crews, and credits last month's bill deliveries to them, all through the
services; `shots` shows last month (the demo's readings are there; this month has few) per
person and per team.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QApplication

from opsmanager_desktop.domain.errors import Conflict, OpsError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui import tasks
from opsmanager_desktop.gui.pages.staff_performance import StaffPerformancePage, month_of
from opsmanager_desktop.services import auth, bills, distribution, teams, users
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery

if TYPE_CHECKING:
    from opsmanager_desktop.gui.main_window import MainWindow
    from opsmanager_desktop.gui.screenshots import Shooter

PASSWORD = "sample-password-1"
CREWS = {"NORTH": ("North crew", ("fo.anand", "fo.bello")),
         "SOUTH": ("South crew", ("fo.chandra", "fo.diaz", "fo.eze"))}
NAMES = {"fo.anand": "Anand Rao", "fo.bello": "Bello Musa", "fo.chandra": "Chandra Iyer",
         "fo.diaz": "Maria Diaz", "fo.eze": "Eze Nwosu"}


def _last_month(backend: Backend) -> tuple[datetime, str]:
    first, _last = month_of(backend.now().date())
    start = first - timedelta(days=1)
    return datetime.combine(start.replace(day=1), time(9)), f"{start:%Y-%m}"


def populate(backend: Backend, token: str) -> None:
    for username, name in NAMES.items():
        with suppress(Conflict):
            users.add_user(backend, token, username, Role.FIELD_OFFICER, PASSWORD,
                           full_name=name)
    for code, (name, members) in CREWS.items():
        with suppress(Conflict):
            teams.add_team(backend, token, code, name)
        for member in members:
            teams.set_team(backend, token, member, code)
    from opsmanager_desktop.gui.screenshots import PASSWORD as SAMPLE_PASSWORD

    supervisor = auth.sign_in(backend, "sam.s", SAMPLE_PASSWORD).token  # records deliveries
    start, _period = _last_month(backend)
    before = (start - timedelta(days=1)).strftime("%Y-%m")  # its bills went out last month
    rows = bills.list_bills(backend, supervisor, ListQuery(limit=400, filters={
        "cycle": before})).rows
    officers = list(NAMES)
    for i, bill in enumerate(rows[:160]):
        officer = officers[(i * 7) % 11 % len(officers)]  # uneven shares, so ranks differ
        issued = datetime.combine(bill.issue_date or start.date(), time(9))
        with suppress(OpsError):  # a bill issued too late for last month is left out
            distribution.record_delivery(
                backend, supervisor, bill.bill_no, "HANDED_OVER", officer=officer,
                received_by="the customer",
                occurred_at=max(start, issued) + timedelta(days=1 + i % 20, minutes=i * 3))
    auth.sign_out(backend, supervisor)


def _settle(ms: int = 150) -> None:
    tasks.wait_all(20000)
    QApplication.processEvents()


def shots(shooter: Shooter, window: MainWindow) -> None:
    page = window.show_page("staff_performance")
    if not isinstance(page, StaffPerformancePage):
        return
    start, _period = _last_month(window.ctx.backend)
    first, last = month_of(start.date())
    page.date_from.setDate(QDate(first.year, first.month, first.day))
    page.date_to.setDate(QDate(last.year, last.month, last.day))
    page.refresh()
    _settle()
    shooter.save(window, "main_staff_performance_last_month")
    page.per_team.setChecked(True)
    _settle()
    shooter.save(window, "main_staff_performance_teams")
    page.per_person.setChecked(True)

"""The Disconnections shots gui/screenshots.py takes, and the sample work they need.

`populate` (after staff_screenshots made the crews) has the supervisor set the rules, make
and approve today's list (tickets spread over the field crews), a crew member close a few
tickets (cut off, one not with its reason), an accounts officer take one cut-off customer's
payment and the supervisor make a draft for next week, all through the services, so every
tab has rows. `shots` takes the
three tabs with a row selected and the dialogs filled in.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING

from opsmanager_desktop.domain.errors import OpsError
from opsmanager_desktop.gui.pages.disconnections import DisconnectionsPage
from opsmanager_desktop.services import auth, dues, payments
from opsmanager_desktop.services import disconnection as dis
from opsmanager_desktop.services import disconnection_tickets as tickets
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery

if TYPE_CHECKING:
    from opsmanager_desktop.gui.main_window import MainWindow
    from opsmanager_desktop.gui.screenshots import Shooter


def populate(backend: Backend, token: str) -> None:
    from opsmanager_desktop.gui.pages.staff_screenshots import PASSWORD as CREW_PASSWORD
    from opsmanager_desktop.gui.screenshots import PASSWORD

    sup = auth.sign_in(backend, "sam.s", PASSWORD).token
    field = auth.sign_in(backend, "fo.anand", CREW_PASSWORD).token  # of the NORTH crew
    accounts = auth.sign_in(backend, "amara.a", PASSWORD).token
    today = backend.now().date()
    with suppress(OpsError):
        dis.set_rules(backend, sup, min_outstanding="50.00", min_days_overdue=14,
                      grace_days=3, exclude_open_complaints=True, reconnection_fee="150.00")
        listed = dis.create_list(backend, sup, today)
        dis.approve_list(backend, sup, listed.id)
        rows = tickets.list_tickets(backend, sup, ListQuery(limit=6, sort="id")).rows
        outcomes = [("DISCONNECTED", ""), ("DISCONNECTED", ""), ("DISCONNECTED", ""),
                    ("NOT_DISCONNECTED", "customer paid on the spot"),
                    ("NOT_DISCONNECTED", "access denied")]
        for row, (outcome, reason) in zip(rows, outcomes, strict=False):
            tickets.close_ticket(backend, field, row.id, outcome, reason)
        if rows:  # the first one cut off pays everything it owes
            owed = dues.dues(backend, accounts, rows[0].account_no)
            if owed.outstanding > 0:
                payments.record_payment(backend, accounts, rows[0].account_no,
                                        owed.outstanding, "CASH", f"SHOT-{rows[0].id}")
        dis.create_list(backend, sup, today + timedelta(days=7))


def shots(shooter: Shooter, window: MainWindow) -> None:
    from opsmanager_desktop.gui.screenshots import settle

    page = window.show_page("disconnections")
    if not isinstance(page, DisconnectionsPage):
        return
    tabs = page.tickets_tab, page.lists_tab, page.reconnection_tab
    names = "tickets", "lists", "reconnection"
    for index, (tab, name) in enumerate(zip(tabs, names, strict=True)):
        page.tabs.setCurrentIndex(index)
        settle(300)
        if tab.model.rowCount():
            tab.table.selectRow(0)
            settle(300)
        shooter.save(window, f"main_disconnections_{name}")
    page.tabs.setCurrentIndex(0)
    settle(200)
    close = page.tickets_tab.close_selected()
    if close is not None:
        def fill_close() -> None:
            close.outcome.setCurrentIndex(1)
            close.reason.setCurrentText("access denied")
        shooter.dialog(close, "dialog_disconnection_close", fill_close)
    page.tabs.setCurrentIndex(1)
    settle(200)
    drafts = [r for r in page.lists_tab.model.rows() if r.status == "DRAFT"]
    shooter.dialog(page.lists_tab.new_list(), "dialog_disconnection_new_list")
    from opsmanager_desktop.gui.pages import disconnection_dialogs as dialogs

    rules = dis.get_rules(window.ctx.backend, window.ctx.token).rules
    shooter.dialog(dialogs.RulesDialog(window.ctx, rules, window), "dialog_disconnection_rules")
    if drafts:
        shooter.dialog(dialogs.ApproveListDialog(window.ctx, drafts[0], page.teams, window),
                       "dialog_disconnection_approve")

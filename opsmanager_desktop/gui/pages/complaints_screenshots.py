"""The Complaints and Support tickets shots gui/screenshots.py takes, and the sample work
they need.

`populate` puts the support agent in a DESK queue and has the supervisor assign some of
the demo's open complaints (to the agent, to a field crew) and the agent work them
(started, waiting for information, resolved, closed), all through the services, so the
pages show every status, overdue due cells and a history timeline. `shots` takes both pages
with an item selected and their dialogs filled in.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

from opsmanager_desktop.domain.errors import OpsError
from opsmanager_desktop.gui.pages.complaints import ComplaintsPage
from opsmanager_desktop.gui.pages.support_tickets import SupportTicketsPage
from opsmanager_desktop.gui.pages.work_dialogs import (
    AssignDialog,
    LogComplaintDialog,
    MoveDialog,
    OpenTicketDialog,
)
from opsmanager_desktop.services import auth, complaints, support_tickets, teams
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery

if TYPE_CHECKING:
    from opsmanager_desktop.gui.main_window import MainWindow
    from opsmanager_desktop.gui.screenshots import Shooter


def populate(backend: Backend, token: str) -> None:
    from opsmanager_desktop.gui.screenshots import PASSWORD

    with suppress(OpsError):
        teams.add_team(backend, token, "DESK", "Front desk", kind="SUPPORT")
        teams.set_team(backend, token, "sade.s", "DESK")
    sup = auth.sign_in(backend, "sam.s", PASSWORD).token
    agent = auth.sign_in(backend, "sade.s", PASSWORD).token
    open_ = complaints.list_complaints(backend, sup, ListQuery(
        sort="created_at", limit=12, filters={"status": "OPEN"})).rows
    crew = next((t.code for t in teams.list_teams(backend, sup) if t.kind == "FIELD"), None)
    steps = [("IN_PROGRESS", ""), ("INFO_NEEDED", "Asked for a photo of the meter"),
             ("RESOLVED", "Bill recalculated on the actual reading"), ("CLOSED", ""),
             ("IN_PROGRESS", ""), ("", "")]
    with suppress(OpsError):
        for row, (last, note) in zip(open_, steps, strict=False):
            complaints.assign_complaint(backend, sup, row.number, assignee="sade.s",
                                        note="Please call the customer today")
            path = {"IN_PROGRESS": ["IN_PROGRESS"], "INFO_NEEDED": ["IN_PROGRESS",
                                                                   "INFO_NEEDED"],
                    "RESOLVED": ["IN_PROGRESS", "RESOLVED"],
                    "CLOSED": ["IN_PROGRESS", "RESOLVED", "CLOSED"]}.get(last, [])
            for status in path:
                said = note if status == last else "Fixed on site" \
                    if status == "RESOLVED" else ""
                complaints.move_complaint(backend, agent, row.number, status, said)
        for row in open_[len(steps):len(steps) + 3]:
            if crew is not None:
                complaints.assign_complaint(backend, sup, row.number, team=crew)
        tickets = support_tickets.list_tickets(backend, sup).rows
        for ticket in tickets[:2]:
            support_tickets.assign_ticket(backend, sup, ticket.number, team="DESK")
        if tickets:
            support_tickets.move_ticket(backend, agent, tickets[0].number, "IN_PROGRESS")


def shots(shooter: Shooter, window: MainWindow) -> None:
    from opsmanager_desktop.gui.screenshots import settle

    page = window.show_page("complaints")
    if isinstance(page, ComplaintsPage):
        settle(300)
        rows = page.model.rows()
        worked = next((i for i, r in enumerate(rows) if r.status == "INFO_NEEDED"), 0)
        if rows:
            page.table.selectRow(worked)
            settle(300)
            shooter.save(window, "complaints_detail")
        log = LogComplaintDialog(page.ctx, page.categories, window)

        def fill_log() -> None:
            log.account.setText(rows[0].account_no if rows else "")
            log.category.setCurrentIndex(log.category.findData("SUPPLY"))
            log.sub.setCurrentIndex(log.sub.findData("LOW_VOLTAGE"))
            log.channel.setCurrentIndex(log.channel.findData("PHONE"))
            log.description.setPlainText("Lights dim every evening since last week")
        shooter.dialog(log, "dialog_complaint_log", fill_log)
        if rows:
            number = rows[worked].number
            shooter.dialog(AssignDialog(page.ctx, number, complaints.assign_complaint,
                                        page.staff, page.teams, "sade.s", window),
                           "dialog_complaint_assign")
            move = MoveDialog(page.ctx, number, "IN_PROGRESS", complaints.move_complaint,
                              window)

            def fill_move() -> None:
                move.status.setCurrentIndex(move.status.findData("RESOLVED"))
                move.note.setPlainText("Loose neutral tightened at the pole")
            shooter.dialog(move, "dialog_complaint_move", fill_move)
    tickets = window.show_page("support_tickets")
    if isinstance(tickets, SupportTicketsPage):
        settle(300)
        if tickets.model.rowCount():
            tickets.table.selectRow(0)
            settle(300)
            shooter.save(window, "support_tickets_detail")
        opener = OpenTicketDialog(tickets.ctx, window)

        def fill_ticket() -> None:
            opener.kind.setCurrentIndex(opener.kind.findData("ACCOUNT_CHANGE"))
            opener.subject.setText("Bills to go to the new tenant")
            opener.contact.setText("Mrs Okafor, 0803 555 0199")
        shooter.dialog(opener, "dialog_ticket_open", fill_ticket)

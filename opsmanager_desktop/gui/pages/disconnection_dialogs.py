"""Dialogs of the Disconnections page: the rules, a new draft list, approving a list,
assigning and closing a ticket, a reconnection ticket."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QLineEdit,
    QWidget,
)

from opsmanager_desktop.domain.disconnection import COMMON_REASONS, OUTCOMES, Rules
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import disconnection as dis
from opsmanager_desktop.services import disconnection_tickets as tickets
from opsmanager_desktop.services.disconnection import ListRow
from opsmanager_desktop.services.disconnection_tickets import ReconnectionRow, TicketRow

OUTCOME_LABELS = {"DISCONNECTED": "Disconnected", "NOT_DISCONNECTED": "Not disconnected",
                  "RECONNECTED": "Reconnected", "NOT_RECONNECTED": "Not reconnected"}


def team_combo(teams: list[str], first: str, current: str | None = None) -> QComboBox:
    combo = QComboBox()
    combo.addItem(first, None)
    for code in teams:
        combo.addItem(code, code)
    if current is not None and combo.findData(current) >= 0:
        combo.setCurrentIndex(combo.findData(current))
    return combo


def _date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    return edit


def _day(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


class RulesDialog(FormDialog):
    def __init__(self, ctx: AppContext, rules: Rules, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Disconnection rules", ok_text="Save as new version",
                         intro="A connection is listed when its bills past their due date "
                               "add up to the minimum, the oldest is overdue long enough, "
                               "the customer paid nothing within the grace days (a payment "
                               "may still be on its way from the bank) and, if ticked, has "
                               "no open billing complaint.")
        self.setObjectName("disconnectionRulesDialog")
        self.ctx = ctx
        self.minimum = self.add_field("Overdue amount at least", QLineEdit(
            str(rules.min_outstanding)), "min_outstanding")
        self.days = self.add_field("Days overdue at least", QLineEdit(
            str(rules.min_days_overdue)), "min_days_overdue")
        self.grace = self.add_field("Grace for payments (days)", QLineEdit(
            str(rules.grace_days)), "grace_days")
        self.complaints = self.add_field("Open billing complaint", QCheckBox(
            "keeps the customer off the list"), "exclude_open_complaints")
        self.complaints.setChecked(rules.exclude_open_complaints)
        self.fee = self.add_field("Reconnection fee", QLineEdit(str(rules.reconnection_fee)),
                                  "reconnection_fee")

    def collect(self) -> dict[str, Any]:
        return {"min_outstanding": self.minimum.text(), "min_days_overdue": self.days.text(),
                "grace_days": self.grace.text(),
                "exclude_open_complaints": self.complaints.isChecked(),
                "reconnection_fee": self.fee.text()}

    def submit(self, values: dict[str, Any], job: Job) -> Any:
        return dis.set_rules(self.ctx.backend, self.ctx.token, **values)


class NewListDialog(FormDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "New disconnection list", ok_text="Make draft",
                         intro="The connections due for disconnection on the date under "
                               "the rules in force, saved as a draft to look at before "
                               "approval.")
        self.setObjectName("newDisconnectionListDialog")
        self.ctx = ctx
        self.day = self.add_field("List date", _date_edit(date.today()), "date")

    def collect(self) -> date:
        return _day(self.day)

    def submit(self, values: date, job: Job) -> ListRow:
        return dis.create_list(self.ctx.backend, self.ctx.token, values)


class ApproveListDialog(FormDialog):
    def __init__(self, ctx: AppContext, row: ListRow, teams: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Approve list #{row.id}", ok_text="Approve",
                         intro=f"{row.entries:,} connections owing {row.total_outstanding:,} "
                               f"on {row.list_date}. Each one still due becomes a "
                               "disconnection ticket and its customer gets a notice.")
        self.setObjectName("approveDisconnectionListDialog")
        self.ctx = ctx
        self.list_id = row.id
        self.team = self.add_field("Field team", team_combo(
            teams, "Spread over the field teams by transformer"), "team")

    def collect(self) -> str | None:
        data = self.team.currentData()
        return None if data is None else str(data)

    def submit(self, values: str | None, job: Job) -> ListRow:
        return dis.approve_list(self.ctx.backend, self.ctx.token, self.list_id, team=values)


class AssignTicketDialog(FormDialog):
    def __init__(self, ctx: AppContext, row: TicketRow, teams: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Assign ticket #{row.id}", ok_text="Assign",
                         intro=f"{row.kind.title()} meter {row.meter_number} of "
                               f"{row.customer_name} ({row.account_no})")
        self.setObjectName("assignDisconnectionTicketDialog")
        self.ctx = ctx
        self.ticket_id = row.id
        self.team = self.add_field("Team", team_combo(teams, "(no team)", row.team), "team")
        self.person = self.add_field("Officer", QLineEdit(row.assigned_to or ""),
                                     "assigned_to")
        self.person.setPlaceholderText("user name (optional)")

    def collect(self) -> tuple[str | None, str]:
        data = self.team.currentData()
        return (None if data is None else str(data)), self.person.text()

    def submit(self, values: tuple[str | None, str], job: Job) -> TicketRow:
        return tickets.assign_ticket(self.ctx.backend, self.ctx.token, self.ticket_id,
                                     team=values[0], assigned_to=values[1])


class CloseTicketDialog(FormDialog):
    def __init__(self, ctx: AppContext, row: TicketRow, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Close ticket #{row.id}", ok_text="Close ticket",
                         intro=f"{row.kind.title()} meter {row.meter_number} of "
                               f"{row.customer_name} ({row.account_no})"
                               + (f", route {row.transformer_code}"
                                  if row.transformer_code else ""))
        self.setObjectName("closeDisconnectionTicketDialog")
        self.ctx = ctx
        self.ticket_id = row.id
        self.outcome = self.add_field("Outcome", QComboBox(), "outcome")
        for outcome in OUTCOMES[row.kind]:
            self.outcome.addItem(OUTCOME_LABELS[outcome.value], outcome.value)
        self.reason = self.add_field("Reason", QComboBox(), "reason")
        self.reason.setEditable(True)
        self.reason.addItems(["", *COMMON_REASONS])
        line = self.reason.lineEdit()
        if line is not None:
            line.setPlaceholderText("why it was not done")
        self.by = self.add_field("Done by", QLineEdit(row.assigned_to or ctx.username),
                                 "executed_by")
        self.when = self.add_field("When", QDateTimeEdit(QDateTime.currentDateTime()),
                                   "executed_at")
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self._opened_at = self.when.dateTime()

    def collect(self) -> dict[str, Any]:
        when: datetime | None = None
        if self.when.dateTime().toString("yyyyMMddHHmm") != \
                self._opened_at.toString("yyyyMMddHHmm"):
            # a time typed in: the report is late; left alone, the service records now
            picked = self.when.dateTime().toPython()
            assert isinstance(picked, datetime)
            when = picked.replace(second=0, microsecond=0)
        return {"outcome": str(self.outcome.currentData()),
                "reason": self.reason.currentText(), "executed_by": self.by.text() or None,
                "executed_at": when}

    def submit(self, values: dict[str, Any], job: Job) -> TicketRow:
        return tickets.close_ticket(self.ctx.backend, self.ctx.token, self.ticket_id,
                                    values["outcome"], values["reason"],
                                    executed_at=values["executed_at"],
                                    executed_by=values["executed_by"])


class ReconnectDialog(FormDialog):
    def __init__(self, ctx: AppContext, row: ReconnectionRow, teams: list[str], fee: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Reconnection ticket", ok_text="Create ticket",
                         intro=f"Reconnect meter {row.meter_number} of {row.customer_name} "
                               f"({row.account_no}). The reconnection fee of {fee} is "
                               "charged to the account (on its next bill).")
        self.setObjectName("reconnectDialog")
        self.ctx = ctx
        self.meter, self.utility = row.meter_number, row.utility
        self.team = self.add_field("Team", team_combo(teams, "(no team yet)"), "team")
        self.person = self.add_field("Officer", QLineEdit(), "assigned_to")
        self.person.setPlaceholderText("user name (optional)")

    def collect(self) -> tuple[str | None, str]:
        data = self.team.currentData()
        return (None if data is None else str(data)), self.person.text()

    def submit(self, values: tuple[str | None, str], job: Job) -> TicketRow:
        return tickets.create_reconnection(self.ctx.backend, self.ctx.token, self.meter,
                                           self.utility, team=values[0],
                                           assigned_to=values[1])

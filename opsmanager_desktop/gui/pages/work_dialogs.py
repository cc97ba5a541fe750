"""Dialogs of the Complaints and Support tickets pages: log a complaint, open a ticket,
assign an item to a person or team, move it on with a note."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

from opsmanager_desktop.domain import complaints as flow
from opsmanager_desktop.domain.complaints import WorkStatus
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import complaints, support_tickets
from opsmanager_desktop.services.complaints import CategoryRow
from opsmanager_desktop.services.teams import MemberRow, TeamRow

WORKER_ROLES = {Role.SUPERVISOR.value, Role.FIELD_OFFICER.value, Role.SUPPORT_AGENT.value}


def text_box(placeholder: str, height: int = 80) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(height)
    return box


def label_of(code: str) -> str:
    return code.replace("_", " ").capitalize()


class LogComplaintDialog(FormDialog):
    def __init__(self, ctx: AppContext, categories: Sequence[CategoryRow],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, "Log complaint", ok_text="Log",
                         intro="A customer's complaint; it is due by its category's hours.")
        self.setObjectName("logComplaintDialog")
        self.ctx = ctx
        self.categories = list(categories)
        self.account = self.add_field("Account", QLineEdit(), "account_no")
        self.account.setPlaceholderText("account number")
        self.meter = self.add_field("Meter", QLineEdit(), "meter_number")
        self.meter.setPlaceholderText("optional: the meter it concerns")
        self.category = self.add_field("Category", QComboBox(), "category")
        for c in self.categories:
            self.category.addItem(f"{c.name} (due in {c.due_hours} h)", c.code)
        self.sub = self.add_field("Sub-category", QComboBox(), "subcategory")
        self.channel = self.add_field("Channel", QComboBox(), "channel")
        for channel in flow.CHANNELS:
            self.channel.addItem(label_of(channel), channel)
        self.description = self.add_field("What is wrong", text_box(
            "what the customer says, where, since when"), "description")
        self.category.currentIndexChanged.connect(self._fill_subs)
        self._fill_subs()
        self.resize(480, self.sizeHint().height())

    def _fill_subs(self) -> None:
        self.sub.clear()
        self.sub.addItem("(not given)", None)
        chosen = next((c for c in self.categories if c.code == self.category.currentData()),
                      None)
        for code, name in chosen.subcategories if chosen else ():
            self.sub.addItem(name, code)

    def collect(self) -> dict[str, Any]:
        return {"account_no": self.account.text().strip(),
                "category": self.category.currentData() or "",
                "description": self.description.toPlainText(),
                "subcategory": self.sub.currentData(), "channel": self.channel.currentData(),
                "meter_number": self.meter.text().strip() or None}

    def submit(self, values: dict[str, Any], job: Job) -> Any:
        return complaints.log_complaint(
            self.ctx.backend, self.ctx.token, values.pop("account_no"),
            values.pop("category"), values.pop("description"), **values)


class OpenTicketDialog(FormDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Open ticket", ok_text="Open",
                         intro="An enquiry: a customer's account, or the name of who asks.")
        self.setObjectName("openTicketDialog")
        self.ctx = ctx
        self.kind = self.add_field("Kind", QComboBox(), "kind")
        for kind in flow.TICKET_KINDS:
            self.kind.addItem(f"{label_of(kind)} (due in {flow.TICKET_DUE_HOURS[kind]} h)",
                              kind)
        self.subject = self.add_field("Subject", QLineEdit(), "subject")
        self.account = self.add_field("Account", QLineEdit(), "account_no")
        self.account.setPlaceholderText("optional when a contact is named")
        self.contact = self.add_field("Contact", QLineEdit(), "contact")
        self.contact.setPlaceholderText("name and phone of who asks")
        self.channel = self.add_field("Channel", QComboBox(), "channel")
        for channel in flow.CHANNELS:
            self.channel.addItem(label_of(channel), channel)
        self.description = self.add_field("Details", text_box("what they ask"), "description")
        self.resize(480, self.sizeHint().height())

    def collect(self) -> dict[str, Any]:
        return {"kind": self.kind.currentData(), "subject": self.subject.text(),
                "account_no": self.account.text().strip() or None,
                "contact": self.contact.text(), "channel": self.channel.currentData(),
                "description": self.description.toPlainText()}

    def submit(self, values: dict[str, Any], job: Job) -> Any:
        return support_tickets.open_ticket(self.ctx.backend, self.ctx.token,
                                           values.pop("kind"), values.pop("subject"), **values)


AssignFn = Callable[..., Any]


class AssignDialog(FormDialog):
    """A person (their team follows) or a team's queue; both may be named."""

    def __init__(self, ctx: AppContext, number: str, assign: AssignFn,
                 staff: Sequence[MemberRow], teams: Sequence[TeamRow],
                 current: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Assign {number}", ok_text="Assign",
                         intro="Give it to a person, or to a team's queue where any member "
                               "can take it.")
        self.setObjectName("assignDialog")
        self.ctx, self.number, self.assign_fn = ctx, number, assign
        self.person = self.add_field("Person", QComboBox(), "assignee")
        self.person.addItem("(nobody yet: the team's queue)", None)
        for m in staff:
            if m.role in WORKER_ROLES:
                team = f", {m.team_code}" if m.team_code else ""
                self.person.addItem(f"{m.full_name or m.username} ({m.username}{team})",
                                    m.username)
        index = self.person.findData(current)
        if current and index >= 0:
            self.person.setCurrentIndex(index)
        self.team = self.add_field("Team", QComboBox(), "team")
        self.team.addItem("(the person's own team)", None)
        for t in teams:
            self.team.addItem(f"{t.name} ({t.code})", t.code)
        self.note = self.add_field("Note", QLineEdit(), "note")
        self.note.setPlaceholderText("optional")
        self.resize(440, self.sizeHint().height())

    def collect(self) -> dict[str, Any]:
        return {"assignee": self.person.currentData(), "team": self.team.currentData(),
                "note": self.note.text()}

    def submit(self, values: dict[str, Any], job: Job) -> Any:
        return self.assign_fn(self.ctx.backend, self.ctx.token, self.number, **values)


class MoveDialog(FormDialog):
    """The next statuses the flow allows from here; the note is asked for where the flow
    requires it (the service checks it again)."""

    def __init__(self, ctx: AppContext, number: str, status: str, move: AssignFn,
                 parent: QWidget | None = None) -> None:
        current = WorkStatus(status)
        super().__init__(parent, f"Move {number}", ok_text="Move",
                         intro=f"{number} is {current.label.lower()}.")
        self.setObjectName("moveDialog")
        self.ctx, self.number, self.move_fn, self.current = ctx, number, move, current
        self.status = self.add_field("Move to", QComboBox(), "status")
        for target in sorted(flow.TRANSITIONS[current] - {WorkStatus.ASSIGNED}):
            text = "Reopen (back in progress)" if flow.is_reopen(current, target) \
                else target.label
            self.status.addItem(text, target.value)
        self.note = self.add_field("Note", text_box("what was done, or what is needed"),
                                   "note")
        self.hint = QLabel()
        self.hint.setObjectName("pageSubtitle")
        self.hint.setWordWrap(True)
        self.body.addWidget(self.hint)
        self.status.currentIndexChanged.connect(self._update_hint)
        self._update_hint()
        self.resize(440, self.sizeHint().height())

    def _update_hint(self) -> None:
        value = self.status.currentData()
        needed = value is not None and flow.note_required(self.current, WorkStatus(value))
        self.hint.setText("A note is required for this step." if needed else "")

    def collect(self) -> dict[str, Any]:
        return {"status": self.status.currentData() or "",
                "note": self.note.toPlainText()}

    def submit(self, values: dict[str, Any], job: Job) -> Any:
        return self.move_fn(self.ctx.backend, self.ctx.token, self.number, values["status"],
                         values["note"])

"""What the Complaints and Support tickets pages share: the queue filters (my queue,
unassigned, open, overdue; status; team), the overdue due cell in red, the detail pane
with the history timeline, and the assign and move actions with their dialogs."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from opsmanager_desktop.domain.complaints import WorkStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import scrolled_detail
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.pages.work_dialogs import AssignDialog, MoveDialog, label_of
from opsmanager_desktop.gui.status_colors import color_status_column, status_colors
from opsmanager_desktop.gui.table_model import Column, RowRole
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import teams
from opsmanager_desktop.services.teams import MemberRow, TeamRow

QUEUES = [("All", None), ("My queue", "mine"), ("Unassigned", "unassigned"),
          ("Not resolved", "active"), ("Overdue only", "overdue")]
STATUS_CHOICES = [("Any status", None)] + [(s.label, s.value) for s in WorkStatus]
OVERDUE_COLORS = status_colors("OVERDUE") or ("#8f1d16", "#fbe1de")

AnyIndex = QModelIndex | QPersistentModelIndex


class OverdueDelegate(QStyledItemDelegate):
    """The due cell of an overdue item: red and bold (the row's `overdue`, from the
    service, decides: the GUI holds no rule)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().initStyleOption(option, index)
        if getattr(index.data(RowRole), "overdue", False):
            fore, back = OVERDUE_COLORS
            option.backgroundBrush = QBrush(QColor(back))
            option.palette.setColor(QPalette.ColorRole.Text, QColor(fore))
            font = QFont(option.font)
            font.setBold(True)
            option.font = font


def when(value: Any) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def state_columns() -> list[Column[Any]]:
    """Status, holder and due time, alike on both queues; WorkQueuePage colours the
    "status" column and draws the "due" one red when overdue."""
    return [
        Column("status", "Status", lambda r: r.status, "status", width=105,
               formatter=label_of),
        Column("assignee", "Assigned to", lambda r: r.assigned_to or r.team or "",
               "assigned_to", width=110),
        Column("due", "Due", lambda r: r.due_at, "due_at", width=140,
               tooltip="Red: overdue (not resolved by its due time)"),
    ]


def state_fields(item: Any) -> list[tuple[str, str]]:
    """The detail rows both pages end with: who holds the item, when it was resolved and
    when closed (by whom)."""
    return [("Assigned to", ", ".join(x for x in (item.assigned_to, item.team) if x)
             or "nobody yet"),
            ("Resolved", when(item.resolved_at) or "-"),
            ("Closed", f"{when(item.closed_at)} by {item.closed_by}" if item.closed_at
             else "-")]


class WorkQueuePage(ListPage):
    default_sort = ("due_at", False)
    # what a subclass names: its services, as (backend, token, number, ...) callables
    get_item: Callable[..., Any]
    assign_item: Callable[..., Any]
    move_item: Callable[..., Any]

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        self.staff: list[MemberRow] = []
        self.teams: list[TeamRow] = []
        self._detail_number: str | None = None
        super().__init__(ctx, spec, parent)
        color_status_column(self.table, "status")
        self.overdue_delegate = OverdueDelegate(self.table)
        self.table.setItemDelegateForColumn(self.model.column_index("due"),
                                            self.overdue_delegate)
        backend, token = ctx.backend, ctx.token
        run_task(self, lambda _job: (teams.list_staff(backend, token),
                                     teams.list_teams(backend, token)),
                 on_result=self._on_people, on_error=lambda exc: self.handle_error(exc))

    def row_key(self, row: Any) -> object:
        return row.number

    # --- filters -------------------------------------------------------------------------
    def setup_filters(self, bar: FilterBar) -> None:
        bar.add_choice("queue", "Show", QUEUES)
        bar.add_choice("status", "Status", STATUS_CHOICES)
        self.team_filter = bar.add_choice("team", "Team", [("Any team", None)])
        self.setup_more_filters(bar)

    def setup_more_filters(self, bar: FilterBar) -> None:
        """A category or kind combo."""

    def query_filters(self) -> dict[str, Any]:
        filters = self.filter_bar.filters()
        queue = filters.pop("queue", None)
        if queue:
            filters[queue] = True
        return filters

    def _on_people(self, result: tuple[list[MemberRow], list[TeamRow]]) -> None:
        self.staff, self.teams = result
        fill_keeping(self.team_filter, [(f"{t.name} ({t.code})", t.code) for t in self.teams],
                     self.ctx.settings.filter_state(self.spec.key).get("team"))

    # --- detail --------------------------------------------------------------------------
    def make_detail(self) -> QWidget:
        pane = QWidget()
        layout, self.detail_title, self.detail_subtitle = scrolled_detail(
            pane, f"Select a {self.noun[0]}", 300)
        self.detail_title.setTextFormat(Qt.TextFormat.PlainText)  # subjects are typed text
        # one rich-text label rather than rows of widgets rebuilt per item: new child
        # widgets of a visible pane are shown only on the next pass of the event loop
        self.fields = QLabel()
        self.fields.setObjectName("detailFields")
        self.fields.setWordWrap(True)
        self.fields.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.fields)
        heading = QLabel("History")
        heading.setObjectName("sectionTitle")
        layout.addWidget(heading)
        self.timeline = QLabel()
        self.timeline.setObjectName("timeline")
        self.timeline.setWordWrap(True)
        self.timeline.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.timeline)
        layout.addStretch(1)
        return pane

    detail_width = 380

    def detail_fields(self, item: Any) -> list[tuple[str, str]]:
        raise NotImplementedError

    def on_selection(self, row: Any) -> None:
        if row is None:
            return
        number = row.number
        self._detail_number = number
        backend, token, get = self.ctx.backend, self.ctx.token, type(self).get_item
        run_task(self, lambda _job: get(backend, token, number),
                 on_result=self.show_detail, on_error=lambda exc: self.handle_error(exc))

    def show_detail(self, item: Any) -> None:
        if item.number != self._detail_number:
            return  # a slower answer for a row no longer selected
        self.detail_title.setText(f"{item.number}: {self.headline(item)}")
        due = f"due {when(item.due_at)}" + (" - OVERDUE" if item.overdue else "")
        self.detail_subtitle.setText(f"{WorkStatus(item.status).label}, {due}")
        self.fields.setText(fields_html(self.detail_fields(item)))
        self.timeline.setText(timeline_html(item.history))

    def headline(self, item: Any) -> str:
        raise NotImplementedError

    # --- actions -------------------------------------------------------------------------
    def setup_work_actions(self) -> None:
        self.add_action("Assign...", "edit", self.assign_selected, needs_row=True,
                        shortcut="Ctrl+G", permission=Permission.COMPLAINTS_ASSIGN,
                        tip="Give the selected item to a person or a team")
        self.add_action("Move...", "approve", self.move_selected, needs_row=True,
                        shortcut="Ctrl+M", permission=Permission.COMPLAINTS_WORK,
                        tip="Move the selected item on, with a note")

    def assign_selected(self) -> AssignDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = AssignDialog(self.ctx, row.number, type(self).assign_item, self.staff,
                              self.teams, row.assigned_to, self)
        self._open(dialog, "assigned")
        return dialog

    def move_selected(self) -> MoveDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = MoveDialog(self.ctx, row.number, row.status, type(self).move_item, self)
        self._open(dialog, "moved")
        return dialog

    def on_row_activated(self, row: Any) -> None:
        if self.ctx.can(Permission.COMPLAINTS_WORK):
            self.move_selected()

    def _open(self, dialog: Any, verb: str) -> None:
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self._after(dialog.result_value, verb))
        dialog.open()

    def _after(self, item: Any, verb: str) -> None:
        holder = item.assigned_to or item.team or "nobody"
        self.notify(f"{item.number} {verb}: {WorkStatus(item.status).label.lower()}, "
                    f"with {holder}.")
        self._detail_number = item.number
        self.show_detail(item)
        self.refresh()


def fill_keeping(combo: QComboBox, options: list[tuple[str, Any]], saved: Any) -> None:
    """Add options after the first ("Any ...") and select the saved value quietly."""
    combo.blockSignals(True)
    while combo.count() > 1:
        combo.removeItem(1)
    for text, value in options:
        combo.addItem(text, value)
    index = combo.findData(saved) if saved is not None else -1
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def fields_html(fields: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><td style='color:#4a5866; padding-right:10px'>{html.escape(k)}</td>"
                   f"<td>{html.escape(v)}</td></tr>" for k, v in fields)
    return f"<table cellspacing='0' cellpadding='2'>{rows}</table>"


def timeline_html(history: Any) -> str:
    parts = []
    for step in history:
        fore, _back = status_colors(step.status) or ("#4a5866", "")
        who = step.assigned_to or step.team
        held = f" &rarr; {html.escape(who)}" if who else ""
        note = f"<br>{html.escape(step.note)}" if step.note else ""
        parts.append(f"<p><b style='color:{fore}'>{WorkStatus(step.status).label}</b>"
                     f" &middot; {when(step.at)} &middot; {html.escape(step.author)}{held}"
                     f"{note}</p>")
    return "".join(parts)

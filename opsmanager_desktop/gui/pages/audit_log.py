"""Audit log (administrators): who changed what and when, filterable by user, kind of
record, action and time; the selected entry's record before and after, field by field,
the changed fields marked. Read-only by nature: the log is append-only (docs/design.md 6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.auto_refresh import AutoRefresher
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.bills_widgets import Facts, fill_combo
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.table_actions import TableActions
from opsmanager_desktop.gui.table_model import Column, number_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import audit_log
from opsmanager_desktop.services.audit_log import AuditChoices, AuditDetail, AuditRow
from opsmanager_desktop.services.listing import ListQuery, Page

_CHANGED = QColor("#fdf0cf")


def _when(row: AuditRow) -> str:
    return f"{row.at:%Y-%m-%d %H:%M:%S}"


class AuditEntryPane(QWidget):
    """Who, when, what; then every field with its value before and after."""

    def __init__(self, page: AuditLogPage) -> None:
        super().__init__()
        self.page = page
        self.setObjectName("detailPane")
        self.entry: AuditDetail | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.title = QLabel("Select an entry")
        self.title.setObjectName("detailTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.facts = Facts()
        layout.addWidget(self.facts)
        self.fields = QTableWidget(0, 3)
        self.fields.setObjectName("auditFields")
        self.fields.setHorizontalHeaderLabels(["Field", "Before", "After"])
        self.fields.verticalHeader().setVisible(False)
        self.fields.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields.setWordWrap(True)
        self.fields.setShowGrid(False)
        header = self.fields.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.fields, 1)
        self.hint = QLabel("Changed fields are marked.")
        self.hint.setObjectName("hint")
        layout.addWidget(self.hint)

    def show_entry(self, row: AuditRow | None) -> None:
        if row is None:
            return
        backend, token = self.page.ctx.backend, self.page.ctx.token
        run_task(self, lambda _job: audit_log.get_audit_entry(backend, token, row.id),
                 on_result=self._show, on_error=self.page.handle_error)

    def _show(self, entry: AuditDetail) -> None:
        selected = self.page.selected()
        if isinstance(selected, AuditRow) and selected.id != entry.row.id:
            return  # the selection moved on meanwhile
        self.entry = entry
        row = entry.row
        self.title.setText(f"{row.action.capitalize()} of {row.entity} {row.record}")
        self.facts.set_facts([("When", _when(row)), ("Who", row.username),
                              ("Database login", row.db_user or "-"),
                              ("Entry", f"#{row.id}")])
        fields = entry.fields
        self.fields.setRowCount(len(fields))
        bold = QFont()
        bold.setBold(True)
        for r, change in enumerate(fields):
            cells = [change.field, "" if change.before is None else change.before,
                     "" if change.after is None else change.after]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if len(text) > 40 else "")
                if change.changed:
                    item.setBackground(QBrush(_CHANGED))
                    if c == 0:
                        item.setFont(bold)
                self.fields.setItem(r, c, item)
        self.fields.resizeRowsToContents()
        changed = sum(1 for f in fields if f.changed)
        self.hint.setText(f"{changed} changed field{'s' if changed != 1 else ''} marked."
                          if entry.row.before and entry.row.after else
                          "A new record: the values it was created with."
                          if entry.row.after else "The values before the change.")


class AuditLogPage(ListPage):
    detail_width = 420
    noun = ("entry", "entries")
    search_placeholder = "Search id or user"
    default_sort = ("id", True)

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.auto_refresh = AutoRefresher(self)
        backend, token = ctx.backend, ctx.token
        run_task(self, lambda _job: audit_log.audit_choices(backend, token),
                 on_result=self._on_choices, on_error=self.handle_error)

    def row_key(self, row: Any) -> object:
        return row.id

    def make_columns(self) -> Sequence[Column[AuditRow]]:
        return [
            Column("at", "When", _when, "at", width=150),
            Column("user", "User", lambda r: r.username, "username", width=85),
            Column("action", "Action", lambda r: r.action, "action", width=120),
            Column("entity", "Record", lambda r: r.entity, "entity", width=85),
            Column("record", "Id", lambda r: r.record, width=70),
            Column("changed", "Changed", lambda r: ", ".join(r.changed), width=170,
                   tooltip="Fields whose value differs before and after"),
            number_column("id", "No.", lambda r: r.id, "id", width=60),
        ]

    def fetch(self, query: ListQuery) -> Page[AuditRow]:
        return audit_log.list_audit(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        self.user_filter = bar.add_choice("user", "User", [("Anyone", None)])
        self.entity_filter = bar.add_choice("entity", "Record", [("Any record", None)])
        self.action_filter = bar.add_choice("action", "Action", [("Any action", None)])
        today = self.ctx.backend.now().date()
        bar.add_choice("date_from", "When", [
            ("Any time", None), ("Today", today.isoformat()),
            ("Last 7 days", (today - timedelta(days=6)).isoformat()),
            ("Last 30 days", (today - timedelta(days=29)).isoformat()),
            ("Last 365 days", (today - timedelta(days=364)).isoformat())])

    def setup_actions(self) -> None:
        self.table_actions = TableActions(self, "audit")

    def make_detail(self) -> QWidget:
        self.detail = AuditEntryPane(self)
        return self.detail

    def on_selection(self, row: Any) -> None:
        self.detail.show_entry(row if isinstance(row, AuditRow) else None)

    def _on_choices(self, choices: AuditChoices) -> None:
        saved = self.ctx.settings.filter_state(self.spec.key)
        reload = False
        for combo, key, values in ((self.user_filter, "user", choices.users),
                                   (self.entity_filter, "entity", choices.entities),
                                   (self.action_filter, "action", choices.actions)):
            fill_combo(combo, [(v, v) for v in values], saved.get(key))
            reload |= saved.get(key) is not None and combo.currentData() == saved.get(key)
        if reload:
            self.refresh()  # a saved filter could only be chosen now


def _make(ctx: AppContext) -> AuditLogPage:
    return AuditLogPage(ctx, PAGE)


PAGE = PageSpec("audit", "Audit log", "info", Permission.AUDIT_VIEW, _make, order=15,
                description="Who changed what, and when")

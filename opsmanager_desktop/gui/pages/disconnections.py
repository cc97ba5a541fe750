"""Disconnections page: three tabs over services.disconnection*.

- Tickets: the field work (disconnect / reconnect), filtered by kind, status and team, with
  the selected ticket's detail; field officers close them with the outcome, supervisors
  assign them.
- Lists: the disconnection lists (draft, approved, cancelled) with the selected list's
  connections; supervisors set the rules, make a draft for a date and approve it.
- Reconnection: disconnected connections with their dues settled; supervisors make the
  reconnection ticket (which charges the fee).

Each tab is a ListPage of its own (paging, sorting, filters, export, kept layout); this
page only holds them and passes the window's calls to the visible one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtWidgets import QFormLayout, QLabel, QTabWidget, QWidget

from opsmanager_desktop.domain.disconnection import ListStatus, TicketKind, TicketStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import scrolled_detail
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages import disconnection_dialogs as dialogs
from opsmanager_desktop.gui.pages.base import BasePage, ListPage
from opsmanager_desktop.gui.pages.bills_widgets import RowsModel, fill_combo, rows_view
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.status_colors import color_status_column, status_text
from opsmanager_desktop.gui.table_model import Column, date_column, money_column, number_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.services import disconnection as dis
from opsmanager_desktop.services import disconnection_tickets as tickets
from opsmanager_desktop.services import teams as teams_service
from opsmanager_desktop.services.disconnection import EntryRow, ListRow
from opsmanager_desktop.services.disconnection_tickets import ReconnectionRow, TicketRow
from opsmanager_desktop.services.listing import ListQuery, Page

F = TypeVar("F", bound=FormDialog)



class _Tab(ListPage):
    """A ListPage shown as a tab: the page's title is enough."""

    def __init__(self, owner: DisconnectionsPage, spec: PageSpec) -> None:
        self.owner = owner
        super().__init__(owner.ctx, spec)
        self.title.setVisible(False)
        self.layout_.setContentsMargins(0, 8, 0, 0)
        if hasattr(self, "splitter"):  # the table gets the room; the pane is a summary
            self.splitter.setStretchFactor(0, 5)
            self.splitter.setStretchFactor(1, 2)

    def open_dialog(self, dialog: F, done: Callable[[Any], None]) -> F:
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: done(dialog.result_value))
        dialog.open()
        return dialog


def _tab_spec(key: str) -> PageSpec:
    return PageSpec(f"disconnections_{key}", "", "tickets", Permission.DISCONNECTION_VIEW,
                    lambda ctx: _make(ctx))


class TicketsTab(_Tab):
    noun = ("ticket", "tickets")
    search_placeholder = "Account or meter"
    detail_width = 320
    default_sort = ("id", True)

    def row_key(self, row: Any) -> object:
        return row.id

    def make_columns(self) -> Sequence[Column[TicketRow]]:
        return [
            number_column("id", "Ticket", lambda r: r.id, "id", width=75),
            Column("kind", "Kind", lambda r: r.kind.value.title(), "kind", width=95),
            Column("status", "Status", lambda r: r.status, "status", width=80,
                   formatter=status_text),
            Column("account", "Account", lambda r: r.account_no, "account_no", width=95),
            Column("customer", "Customer", lambda r: r.customer_name, width=150),
            Column("meter", "Meter", lambda r: r.meter_number, "meter_number", width=95),
            Column("route", "Route", lambda r: r.transformer_code or "", "transformer",
                   width=70),
            money_column("outstanding", "Overdue", lambda r: r.outstanding, "outstanding"),
            Column("team", "Team", lambda r: r.team or "", "team", width=80),
            Column("assigned", "Officer", lambda r: r.assigned_to or "", "assigned_to",
                   width=80),
            Column("outcome", "Outcome", lambda r: r.outcome or "", "outcome", width=140),
            Column("executed", "Done", lambda r: r.executed_at, "executed_at", width=125),
            Column("reason", "Reason", lambda r: r.reason, width=160),
        ]

    def fetch(self, query: ListQuery) -> Page[TicketRow]:
        return tickets.list_tickets(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        bar.add_choice("kind", "Kind", [("All kinds", None)] + [
            (k.value.title(), k.value) for k in TicketKind])
        bar.add_choice("status", "Status", [("Open", "OPEN"), ("Closed", "CLOSED"),
                                            ("All", None)])
        self.team_filter = bar.add_choice("team", "Team", [("All teams", None)])

    def setup_actions(self) -> None:
        self.close_action = self.add_action(
            "Close...", "check", self.close_selected, needs_row=True, shortcut="Ctrl+E",
            permission=Permission.DISCONNECTION_EXECUTE,
            tip="Record what the field found for the selected ticket")
        self.add_action("Assign...", "users", self.assign_selected, needs_row=True,
                        permission=Permission.DISCONNECTION_MANAGE,
                        tip="Give the selected ticket to a team or officer")

    def make_detail(self) -> QWidget:
        pane = QWidget()
        layout, self.detail_title, self.detail_subtitle = scrolled_detail(
            pane, "Select a ticket", 260)
        self.detail_form = QFormLayout()
        layout.addLayout(self.detail_form)
        layout.addStretch(1)
        return pane

    def on_selection(self, row: Any) -> None:
        while self.detail_form.rowCount():
            self.detail_form.removeRow(0)
        if not isinstance(row, TicketRow):
            self.detail_title.setText("Select a ticket")
            self.detail_subtitle.setText("")
            return
        if self.close_action is not None:
            self.close_action.setEnabled(row.status is TicketStatus.OPEN)
        self.detail_title.setText(f"#{row.id} {row.kind.value.title()}: {row.meter_number}")
        self.detail_subtitle.setText(f"{row.customer_name} ({row.account_no}), "
                                     f"{row.utility}")
        done = (f"{row.outcome.value.replace('_', ' ').lower()} by {row.executed_by} "
                f"on {row.executed_at:%Y-%m-%d %H:%M}" if row.outcome and row.executed_at
                else "not yet")
        for label, text in (
                ("Status", row.status.value.title()), ("Route", row.transformer_code or "-"),
                ("Overdue", f"{row.outstanding:,}"), ("Fee", f"{row.fee:,}"),
                ("List", f"#{row.list_id}" if row.list_id else "-"),
                ("Team", row.team or "-"), ("Officer", row.assigned_to or "-"),
                ("Made", f"by {row.created_by} on {row.created_at:%Y-%m-%d %H:%M}"),
                ("Done", done), ("Reason", row.reason or "-")):
            value = QLabel(text)
            value.setWordWrap(True)
            self.detail_form.addRow(label, value)

    def on_row_activated(self, row: Any) -> None:
        if isinstance(row, TicketRow) and row.status is TicketStatus.OPEN \
                and self.ctx.can(Permission.DISCONNECTION_EXECUTE):
            self.close_selected()

    def close_selected(self) -> dialogs.CloseTicketDialog | None:
        row = self.selected()
        if not isinstance(row, TicketRow) or row.status is not TicketStatus.OPEN:
            return None
        return self.open_dialog(dialogs.CloseTicketDialog(self.ctx, row, self), self._closed)

    def _closed(self, row: TicketRow) -> None:
        word = dialogs.OUTCOME_LABELS[row.outcome.value] if row.outcome else "closed"
        self.notify(f"Ticket #{row.id}: {word.lower()} (meter {row.meter_number}).")
        self.refresh()

    def assign_selected(self) -> FormDialog | None:
        row = self.selected()
        if not isinstance(row, TicketRow):
            return None
        return self.open_dialog(dialogs.AssignTicketDialog(self.ctx, row, self.owner.teams,
                                                           self), self._assigned)

    def _assigned(self, row: TicketRow) -> None:
        self.notify(f"Ticket #{row.id}: team {row.team or '-'}, officer "
                    f"{row.assigned_to or '-'}.")
        self.refresh()


class ListsTab(_Tab):
    noun = ("list", "lists")
    search_placeholder = "(lists are few: no search)"
    detail_width = 420

    def row_key(self, row: Any) -> object:
        return row.id

    def make_columns(self) -> Sequence[Column[ListRow]]:
        return [
            number_column("id", "List", lambda r: r.id, width=55),
            date_column("date", "Date", lambda r: r.list_date, width=95),
            Column("status", "Status", lambda r: r.status, width=90, formatter=status_text),
            number_column("entries", "Connections", lambda r: r.entries, width=115),
            money_column("total", "Overdue", lambda r: r.total_outstanding, width=115),
            number_column("tickets", "Tickets", lambda r: r.tickets, width=70),
            Column("created_by", "Made by", lambda r: r.created_by, width=110),
            Column("approved_by", "Approved by", lambda r: r.approved_by or "", width=110),
        ]

    def fetch(self, query: ListQuery) -> Page[ListRow]:
        status = (query.filters or {}).get("status") or ""
        rows = dis.list_lists(self.ctx.backend, self.ctx.token, status=str(status))
        return Page(rows[query.offset:query.offset + query.limit], len(rows), query.offset)

    def setup_filters(self, bar: FilterBar) -> None:
        self.filter_bar.search.setVisible(False)
        bar.add_choice("status", "Status", [("All lists", None)] + [
            (s.value.title(), s.value) for s in ListStatus])

    def setup_actions(self) -> None:
        self.add_action("Rules...", "settings", self.edit_rules,
                        permission=Permission.DISCONNECTION_MANAGE,
                        tip="Who is listed: minimum, days overdue, grace, complaints, fee")
        self.add_action("New list...", "add", self.new_list, shortcut="Ctrl+N",
                        permission=Permission.DISCONNECTION_MANAGE,
                        tip="Save the list of a date as a draft")
        self.approve_action = self.add_action(
            "Approve...", "approve", self.approve_selected, needs_row=True,
            permission=Permission.DISCONNECTION_MANAGE,
            tip="Tickets for the field teams and notices to the customers")
        self.cancel_action = self.add_action(
            "Cancel draft", "remove", self.cancel_selected, needs_row=True,
            permission=Permission.DISCONNECTION_MANAGE, tip="Throw the selected draft away")

    def make_detail(self) -> QWidget:
        pane = QWidget()
        layout, self.detail_title, self.detail_subtitle = scrolled_detail(
            pane, "Select a list", 320)
        self.entries = RowsModel(_entry_columns())
        self.entries_view = rows_view(self.entries)
        self.entries_view.setMinimumHeight(260)
        layout.addWidget(self.entries_view, 1)
        return pane

    def on_selection(self, row: Any) -> None:
        draft = isinstance(row, ListRow) and row.status is ListStatus.DRAFT
        for action in (self.approve_action, self.cancel_action):
            if action is not None:
                action.setEnabled(draft)
        if not isinstance(row, ListRow):
            self.detail_title.setText("Select a list")
            self.detail_subtitle.setText("")
            self.entries.set_rows([])
            return
        self.detail_title.setText(f"List #{row.id} for {row.list_date} ({row.status.title()})")
        approved = (f"; approved by {row.approved_by} on {row.approved_at:%Y-%m-%d %H:%M}: "
                    f"{row.tickets:,} tickets" if row.approved_at else "")
        self.detail_subtitle.setText(
            f"{row.entries:,} connections owing {row.total_outstanding:,}; made by "
            f"{row.created_by} on {row.created_at:%Y-%m-%d %H:%M}{approved}. "
            "The 200 owing most:")
        backend, token, list_id = self.ctx.backend, self.ctx.token, row.id
        run_task(self, lambda _job: dis.list_entries(backend, token, list_id, ListQuery(
            sort="outstanding", descending=True, limit=200, count=False)).rows,
            on_result=self.entries.set_rows, on_error=self.handle_error)

    def edit_rules(self) -> None:
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: dis.get_rules(backend, token),
                 on_result=lambda row: self.open_dialog(
                     dialogs.RulesDialog(self.ctx, row.rules, self), self._rules_saved),
                 on_error=self.handle_error)

    def _rules_saved(self, row: dis.RulesRow) -> None:
        self.notify(f"Disconnection rules version {row.version} in force.")

    def new_list(self) -> FormDialog:
        return self.open_dialog(dialogs.NewListDialog(self.ctx, self), self._made)

    def _made(self, row: ListRow) -> None:
        self.notify(f"Draft list #{row.id} for {row.list_date}: {row.entries:,} connections "
                    f"owing {row.total_outstanding:,}.", seconds=15)
        self.refresh()

    def approve_selected(self) -> FormDialog | None:
        row = self.selected()
        if not isinstance(row, ListRow) or row.status is not ListStatus.DRAFT:
            return None
        return self.open_dialog(dialogs.ApproveListDialog(self.ctx, row, self.owner.teams,
                                                          self), self._approved)

    def _approved(self, row: ListRow) -> None:
        left = row.entries - row.tickets
        self.notify(f"List #{row.id} approved: {row.tickets:,} tickets"
                    + (f" ({left:,} no longer due)" if left else "") + ".", seconds=15)
        self.refresh()
        self.owner.tickets_tab.refresh()

    def cancel_selected(self) -> None:
        row = self.selected()
        if not isinstance(row, ListRow):
            return
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: dis.cancel_list(backend, token, row.id),
                 on_result=self._cancelled, on_error=self.handle_error)

    def _cancelled(self, row: ListRow) -> None:
        self.notify(f"List #{row.id} cancelled.")
        self.refresh()


def _entry_columns() -> list[Column[EntryRow]]:
    return [Column("account", "Account", lambda r: r.account_no, width=90),
            Column("meter", "Meter", lambda r: r.meter_number, width=90),
            Column("route", "Route", lambda r: r.transformer_code or "", width=60),
            money_column("outstanding", "Overdue", lambda r: r.outstanding, width=95),
            number_column("days", "Days", lambda r: r.days_overdue, width=50)]


class ReconnectionTab(_Tab):
    noun = ("connection", "connections")
    search_placeholder = "Account or meter"

    def row_key(self, row: Any) -> object:
        return row.connection_id

    def make_columns(self) -> Sequence[Column[ReconnectionRow]]:
        return [
            Column("account", "Account", lambda r: r.account_no, "account_no", width=100),
            Column("customer", "Customer", lambda r: r.customer_name, width=180),
            Column("meter", "Meter", lambda r: r.meter_number, "meter_number", width=110),
            Column("utility", "Utility", lambda r: r.utility, width=90),
            Column("route", "Route", lambda r: r.transformer_code or "", "transformer",
                   width=80),
            Column("since", "Disconnected", lambda r: r.disconnected_at, "disconnected_at",
                   width=140),
        ]

    def fetch(self, query: ListQuery) -> Page[ReconnectionRow]:
        return tickets.reconnection_list(self.ctx.backend, self.ctx.token, query)

    def setup_actions(self) -> None:
        self.add_action("Reconnection ticket...", "add", self.reconnect_selected,
                        needs_row=True, permission=Permission.DISCONNECTION_MANAGE,
                        tip="A ticket to put supply back; charges the reconnection fee")

    def on_row_activated(self, row: Any) -> None:
        if self.ctx.can(Permission.DISCONNECTION_MANAGE):
            self.reconnect_selected()

    def reconnect_selected(self) -> None:
        row = self.selected()
        if not isinstance(row, ReconnectionRow):
            return
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: dis.get_rules(backend, token),
                 on_result=lambda rules: self.open_dialog(dialogs.ReconnectDialog(
                     self.ctx, row, self.owner.teams, f"{rules.rules.reconnection_fee:,}",
                     self), self._made), on_error=self.handle_error)

    def _made(self, row: TicketRow) -> None:
        self.notify(f"Reconnection ticket #{row.id} for meter {row.meter_number}"
                    + (f"; fee {row.fee:,} charged." if row.fee else "."))
        self.refresh()
        self.owner.tickets_tab.refresh()


class DisconnectionsPage(BasePage):
    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.teams: list[str] = []
        self.tabs = QTabWidget()
        self.tabs.setObjectName("disconnectionTabs")
        self.tickets_tab = TicketsTab(self, _tab_spec("tickets"))
        self.lists_tab = ListsTab(self, _tab_spec("lists"))
        self.reconnection_tab = ReconnectionTab(self, _tab_spec("reconnection"))
        self.tabs.addTab(self.tickets_tab, "Tickets")
        self.tabs.addTab(self.lists_tab, "Disconnection lists")
        self.tabs.addTab(self.reconnection_tab, "Reconnection")
        self.layout_.addWidget(self.tabs, 1)
        for tab in (self.tickets_tab, self.lists_tab):
            color_status_column(tab.table, "status")
        color_status_column(self.tickets_tab.table, "outcome")
        self.tabs.currentChanged.connect(lambda _i: self.current().on_shown())
        backend, token = ctx.backend, ctx.token
        run_task(self, lambda _job: [t.code for t in teams_service.list_teams(backend, token)
                                     if t.kind == "FIELD"],
                 on_result=self._on_teams, on_error=lambda _exc: None)

    def all_tabs(self) -> tuple[TicketsTab, ListsTab, ReconnectionTab]:
        return self.tickets_tab, self.lists_tab, self.reconnection_tab

    def current(self) -> ListPage:
        tab = self.tabs.currentWidget()
        assert isinstance(tab, ListPage)
        return tab

    def _on_teams(self, codes: list[str]) -> None:
        self.teams = codes
        saved = self.ctx.settings.filter_state(self.tickets_tab.spec.key).get("team")
        fill_combo(self.tickets_tab.team_filter, [(c, c) for c in codes], saved)

    def on_shown(self) -> None:
        self._shown_once = True
        self.current().on_shown()

    def refresh(self) -> None:
        self.current().refresh()

    def focus_search(self) -> None:
        self.current().focus_search()

    def save_state(self) -> None:
        for tab in self.all_tabs():
            tab.save_state()


def _make(ctx: AppContext) -> DisconnectionsPage:
    return DisconnectionsPage(ctx, PAGE)


PAGE = PageSpec("disconnections", "Disconnections", "tickets", Permission.DISCONNECTION_VIEW,
                _make, order=140, description="Cutting off for unpaid bills and putting "
                "supply back: lists, field tickets, reconnection")

"""Support tickets page: enquiries (billing questions, account changes, connection
requests) in queues per agent and team, soonest due first, overdue ones in red; the
selected ticket's details and history beside the table. Agents open tickets and work
their queue, supervisors assign."""

from __future__ import annotations

from collections.abc import Sequence

from opsmanager_desktop.domain import complaints as flow
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.pages.work_dialogs import OpenTicketDialog, label_of
from opsmanager_desktop.gui.pages.work_queue import (
    WorkQueuePage,
    state_columns,
    state_fields,
    when,
)
from opsmanager_desktop.gui.table_model import Column
from opsmanager_desktop.services import support_tickets
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.support_tickets import TicketDetail, TicketRow


class SupportTicketsPage(WorkQueuePage):
    noun = ("ticket", "tickets")
    search_placeholder = "Number, subject, account or contact"
    get_item = support_tickets.get_ticket
    assign_item = support_tickets.assign_ticket
    move_item = support_tickets.move_ticket

    def make_columns(self) -> Sequence[Column[TicketRow]]:
        return [
            Column("number", "Number", lambda r: r.number, "number", width=100),
            Column("kind", "Kind", lambda r: label_of(r.kind), "kind", width=130),
            Column("subject", "Subject", lambda r: r.subject, width=200),
            Column("who", "Customer / contact",
                   lambda r: (r.account_no and f"{r.customer_name} ({r.account_no})")
                   or r.contact, width=160),
            *state_columns(),
            Column("opened", "Opened", lambda r: r.created_at, "created_at", width=125),
            Column("channel", "Channel", lambda r: label_of(r.channel), width=70),
        ]

    def fetch(self, query: ListQuery) -> Page[TicketRow]:
        return support_tickets.list_tickets(self.ctx.backend, self.ctx.token, query)

    def setup_more_filters(self, bar: FilterBar) -> None:
        bar.add_choice("kind", "Kind", [("Any kind", None)]
                       + [(label_of(k), k) for k in flow.TICKET_KINDS])

    def setup_actions(self) -> None:
        self.add_action("Open ticket...", "add", self.open_dialog, shortcut="Ctrl+N",
                        permission=Permission.COMPLAINTS_LOG)
        self.setup_work_actions()

    def headline(self, item: TicketDetail) -> str:
        return item.subject

    def detail_fields(self, item: TicketDetail) -> list[tuple[str, str]]:
        who = f"{item.customer_name} ({item.account_no})" if item.account_no else "-"
        return [("Kind", label_of(item.kind)), ("Customer", who),
                ("Contact", item.contact or "-"), ("Details", item.description or "-"),
                ("Channel", f"{label_of(item.channel)}, opened by {item.opened_by}"),
                ("Opened", when(item.created_at)),
                *state_fields(item)]

    def open_dialog(self) -> OpenTicketDialog:
        dialog = OpenTicketDialog(self.ctx, self)
        self._open(dialog, "opened")
        return dialog


def _make(ctx: AppContext) -> SupportTicketsPage:
    return SupportTicketsPage(ctx, PAGE)


PAGE = PageSpec("support_tickets", "Support tickets", "tickets", Permission.COMPLAINTS_VIEW,
                _make, order=135, description="Enquiries in queues per agent and team")

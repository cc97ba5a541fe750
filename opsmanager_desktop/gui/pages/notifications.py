"""Notifications page: the outbox (services.notifications) newest first, filtered by status,
template and channel, with the selected message as it was (or will be) sent, its attempts
and last error. Officers send the due messages now, queue failed ones again and send the
overdue reminders, in the background with progress and Cancel; admins edit the templates
with a preview."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QWidget

from opsmanager_desktop.domain.errors import NotFound
from opsmanager_desktop.domain.notifications import TEMPLATES, Channel, OutboxStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import plain_detail
from opsmanager_desktop.gui.filter_bar import FilterBar
from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.pages.bills_widgets import Facts, section_title
from opsmanager_desktop.gui.pages.notifications_dialogs import PreferenceDialog, TemplatesDialog
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.progress import JobProgressDialog, run_with_progress
from opsmanager_desktop.gui.status_colors import color_status_column, status_text
from opsmanager_desktop.gui.table_model import Column
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import notifications, notify_dispatch
from opsmanager_desktop.services.listing import ListQuery, Page
from opsmanager_desktop.services.notifications import OutboxDetail, OutboxRow
from opsmanager_desktop.services.notify_dispatch import DispatchResult


def template_label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def result_text(result: DispatchResult, queued: int | None = None) -> str:
    head = f"{queued:,} reminders queued. " if queued is not None else ""
    text = (f"{head}{result.sent:,} sent, {result.retrying:,} to be tried again later, "
            f"{result.failed:,} failed")
    return text + (" (cancelled; the rest wait in the outbox)." if result.cancelled else ".")


class OutboxDetailPane(QFrame):
    def __init__(self, ctx: AppContext, on_error: Callable[[BaseException], object]) -> None:
        super().__init__()
        self.ctx, self._on_error = ctx, on_error
        self._asked: int | None = None
        layout, self.title, self.subtitle = plain_detail(self, "Select a message to see it.",
                                                         360)
        self.facts = Facts()
        layout.addWidget(self.facts)
        self.message_title = section_title("Message")
        layout.addWidget(self.message_title)
        self.text = QPlainTextEdit()
        self.text.setObjectName("outboxMessage")
        self.text.setReadOnly(True)
        self.text.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.text, 1)
        self._set_visible(False)

    def _set_visible(self, shown: bool) -> None:
        for widget in (self.facts, self.message_title, self.text):
            widget.setVisible(shown)

    def clear(self) -> None:
        self._asked = None
        self.title.setText("Select a message to see it.")
        self.subtitle.clear()
        self._set_visible(False)

    def show_entry(self, row: OutboxRow) -> None:
        self._asked = row.id
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: notifications.get_outbox_entry(backend, token, row.id),
                 on_result=self._on_result, on_error=self._on_failed)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NotFound):
            self.clear()
        else:
            self._on_error(exc)

    def _on_result(self, detail: OutboxDetail) -> None:
        r = detail.row
        if r.id != self._asked:
            return
        self.title.setText(f"{template_label(r.template)} to {r.account_no}")
        self.subtitle.setText(f"{r.customer_name}: {r.channel} {r.recipient}")
        facts: list[tuple[str, str | None]] = [
            ("Status", r.status), ("Queued", f"{r.created_at:%Y-%m-%d %H:%M}"
                                   + (f" by {detail.queued_by}" if detail.queued_by else "")),
            ("Attempts", str(r.attempts))]
        if r.statement_no:
            facts.append(("Statement", r.statement_no))
        if r.bill_no:
            facts.append(("Bill", r.bill_no))
        if r.sent_at is not None:
            facts.append(("Sent", f"{r.sent_at:%Y-%m-%d %H:%M}"))
        elif r.status == OutboxStatus.QUEUED and r.next_attempt_at is not None:
            facts.append(("Next attempt", f"{r.next_attempt_at:%Y-%m-%d %H:%M}"))
        if r.last_error:
            facts.append(("Last error", r.last_error))
        self.facts.set_facts(facts)
        self.message_title.setText("Message as sent" if not detail.rendered_now
                                   else "Message (as it would be sent now)")
        self.text.setPlainText((f"Subject: {detail.subject}\n\n" if detail.subject else "")
                               + detail.message)
        self._set_visible(True)


class NotificationsPage(ListPage):
    noun = ("message", "messages")
    search_placeholder = "Account or recipient"
    default_sort = ("id", True)

    def row_key(self, row: Any) -> object:
        return row.id

    def make_columns(self) -> Sequence[Column[OutboxRow]]:
        return [
            Column("created", "Queued", lambda r: r.created_at, "created_at", width=130),
            Column("template", "Template", lambda r: template_label(r.template), "template",
                   width=140),
            Column("channel", "Channel", lambda r: r.channel, "channel", width=82,
                   formatter=status_text),
            Column("account", "Account", lambda r: r.account_no, "account_no", width=95),
            Column("customer", "Customer", lambda r: r.customer_name, width=140),
            Column("recipient", "To", lambda r: r.recipient, width=160),
            Column("status", "Status", lambda r: r.status, "status", width=85,
                   formatter=status_text),
            Column("attempts", "Tries", lambda r: r.attempts, "attempts", width=50),
            Column("next", "Next attempt", lambda r: r.next_attempt_at, "next_attempt_at",
                   width=130),
            Column("error", "Last error", lambda r: r.last_error, width=220),
        ]

    def fetch(self, query: ListQuery) -> Page[OutboxRow]:
        return notifications.list_outbox(self.ctx.backend, self.ctx.token, query)

    def setup_filters(self, bar: FilterBar) -> None:
        bar.add_choice("status", "Status", [("All statuses", None)] + [
            (s.value.capitalize(), s.value) for s in OutboxStatus])
        bar.add_choice("template", "Template", [("All templates", None)] + [
            (template_label(t), t) for t in TEMPLATES])
        bar.add_choice("channel", "Channel", [("All channels", None)] + [
            ("E-mail" if c is Channel.EMAIL else "SMS", c.value) for c in Channel])

    def make_detail(self) -> QWidget:
        self.detail = OutboxDetailPane(self.ctx, self.handle_error)
        return self.detail

    def on_selection(self, row: Any) -> None:
        if isinstance(row, OutboxRow):
            self.detail.show_entry(row)
        else:
            self.detail.clear()

    def setup_actions(self) -> None:
        color_status_column(self.table, "status")
        self.add_action("Send due now", "check", self.send_due, shortcut="Ctrl+Return",
                        permission=Permission.NOTIFICATIONS_SEND,
                        tip="Send the messages that are due, with progress")
        self.add_action("Retry failed", "refresh", self.retry_failed,
                        permission=Permission.NOTIFICATIONS_SEND,
                        tip="Queue the failed messages again")
        self.add_action("Send overdue reminders", "warning", self.remind_overdue,
                        permission=Permission.NOTIFICATIONS_SEND,
                        tip="A reminder for every overdue bill (not reminded this week)")
        self.add_action("Contact preference...", "customers", self.edit_preference,
                        needs_row=True, permission=Permission.NOTIFICATIONS_SEND,
                        tip="The selected customer's channel and opt-out")
        self.add_action("Templates...", "edit", self.open_templates,
                        permission=Permission.NOTIFICATIONS_MANAGE,
                        tip="The messages' wording, per channel, with a preview")

    # --- actions -------------------------------------------------------------------------
    def _dispatch(self, job: Job) -> DispatchResult:
        return notify_dispatch.send_due(self.ctx.backend, self.ctx.token,
                                        progress=lambda d, _t: job.progress(d, 0,
                                                                            f"{d:,} sent"),
                                        cancelled=lambda: job.cancelled)

    def send_due(self) -> JobProgressDialog:
        return run_with_progress(self, "Sending messages", "Sending the due messages...",
                                 self._dispatch, on_result=self._after_send,
                                 on_error=self.handle_error)

    def _after_send(self, result: DispatchResult) -> None:
        self.notify(result_text(result), seconds=12)
        self.refresh()

    def remind_overdue(self) -> JobProgressDialog:
        backend, token = self.ctx.backend, self.ctx.token

        def work(job: Job) -> tuple[int, DispatchResult]:
            queued = notifications.remind_overdue(backend, token)
            return queued, self._dispatch(job)

        return run_with_progress(self, "Overdue reminders", "Queueing and sending...", work,
                                 on_result=lambda r: self._after_remind(*r),
                                 on_error=self.handle_error)

    def _after_remind(self, queued: int, result: DispatchResult) -> None:
        self.notify(result_text(result, queued), seconds=12)
        self.refresh()

    def retry_failed(self) -> None:
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: notifications.retry_failed(backend, token),
                 on_result=self._after_retry, on_error=self.handle_error)

    def _after_retry(self, count: int) -> None:
        self.notify(f"{count:,} failed messages queued again.")
        self.refresh()

    def edit_preference(self) -> None:
        row = self.selected()
        if not isinstance(row, OutboxRow):
            return
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: notifications.get_preferences(backend, token,
                                                                   row.account_no),
                 on_result=self._open_preference, on_error=self.handle_error)

    def _open_preference(self, prefs: notifications.Preferences) -> PreferenceDialog:
        dialog = PreferenceDialog(self.ctx, prefs, self)
        dialog.on_session_ended = self.ctx.check_session
        dialog.accepted.connect(lambda: self.notify(
            f"{prefs.account_no}: preference saved."))
        dialog.open()
        self.preference_dialog = dialog
        return dialog

    def open_templates(self) -> TemplatesDialog:
        dialog = TemplatesDialog(self.ctx, self)
        dialog.open()
        self.templates_dialog = dialog
        return dialog


def _make(ctx: AppContext) -> NotificationsPage:
    return NotificationsPage(ctx, PAGE)


PAGE = PageSpec("notifications", "Notifications", "tickets", Permission.NOTIFICATIONS_VIEW,
                _make, order=160,
                description="Messages to customers by e-mail and SMS: the outbox and its "
                            "templates")

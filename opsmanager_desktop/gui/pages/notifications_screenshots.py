"""The Notifications shots gui/screenshots.py takes, and the sample outbox they need.

`populate` sends the demo's queued messages (bills issued, payments received) and this
week's overdue reminders through a throw-away SMS gateway on 127.0.0.1, which answers 503
for the last few, so the outbox shows sent, retrying and (no SMTP server configured)
e-mail messages waiting; all through the services. `shots` takes the page with a message
selected, the templates dialog and a template's editor.
"""

from __future__ import annotations

import threading
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from opsmanager_desktop.domain.errors import OpsError
from opsmanager_desktop.gui.pages.notifications import NotificationsPage
from opsmanager_desktop.gui.pages.notifications_dialogs import TemplatesDialog
from opsmanager_desktop.services import auth, notifications, notify_dispatch, notify_templates
from opsmanager_desktop.services.backend import Backend

if TYPE_CHECKING:
    from opsmanager_desktop.gui.main_window import MainWindow
    from opsmanager_desktop.gui.screenshots import Shooter


class _Gateway(BaseHTTPRequestHandler):
    answer = 200

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def populate(backend: Backend, token: str) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        notify_templates.set_settings(backend, token, {
            "notify.sms_url": f"http://127.0.0.1:{server.server_address[1]}/sms",
            "notify.sms_sender": "POWERCO"})
        from opsmanager_desktop.gui.screenshots import PASSWORD

        sender = auth.sign_in(backend, "sam.s", PASSWORD).token  # a supervisor sends
        with suppress(OpsError):
            notifications.remind_overdue(backend, sender)
        _Gateway.answer = 200
        notify_dispatch.send_due(backend, sender, limit=60)
        _Gateway.answer = 503
        notify_dispatch.send_due(backend, sender, limit=12)
    finally:
        server.shutdown()
        server.server_close()


def shots(shooter: Shooter, window: MainWindow) -> None:
    from opsmanager_desktop.gui.screenshots import settle

    page = window.show_page("notifications")
    if not isinstance(page, NotificationsPage):
        return
    settle(300)
    if page.model.rowCount():
        page.table.selectRow(0)
        settle(300)
        shooter.save(window, "notifications_detail")
    dialog = TemplatesDialog(page.ctx, window)
    dialog.show()
    settle(300)
    dialog.table.selectRow(5)  # overdue reminder, SMS
    editor = dialog.edit_selected()
    if editor is not None:
        shooter.dialog(editor, "dialog_notification_template")
    shooter.dialog(dialog, "dialog_notification_templates")

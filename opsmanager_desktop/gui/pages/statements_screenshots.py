"""The shots gui/screenshots.py takes of the Statements page: the list on the newest cycle
that has statements (this month's sample cycle is not issued yet), and the same page with a
statement of an account with electricity and water selected, its summary showing a
previous balance and payments, as the billing officer sees it (statements_detail)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.main_window import MainWindow
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.statements import StatementsPage
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.services import auth, statements
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.statements import StatementRow

if TYPE_CHECKING:
    from opsmanager_desktop.gui.screenshots import Shooter


def _settle(ms: int = 60) -> None:
    from opsmanager_desktop.gui.screenshots import settle

    settle(ms)


def prepare_page(page: BasePage) -> None:
    if not isinstance(page, StatementsPage):
        return
    ctx = page.ctx
    for cycle in page.refs.cycles:  # newest first
        if statements.list_statements(ctx.backend, ctx.token, ListQuery(
                limit=1, count=False, filters={"cycle": cycle.period})).rows:
            page.cycle_filter.setCurrentIndex(page.cycle_filter.findData(cycle.period))
            break
    _settle(400)


def _telling(row: StatementRow) -> bool:
    """A statement whose summary shows every part: a balance brought forward, payments
    against it, two bills, something still owed."""
    return row.bills >= 2 and row.payments > 0 and row.previous_balance > row.payments \
        and row.balance > 0


def role_windows(shooter: Shooter, backend: Backend, settings: AppSettings,
                 password: str) -> None:
    """The page with a statement selected, as the billing officer who prints them, in a
    window of its own at the usual size (the administrator's has been widened by then)."""
    settings.set_last_page("statements")
    ctx = AppContext(backend, auth.sign_in(backend, "bola.b", password), settings)
    window = MainWindow(ctx, idle_ms=3_600_000)
    window.resize(1280, 800)
    window.show()
    _settle(300)
    page = window.show_page("statements")
    if isinstance(page, StatementsPage):
        prepare_page(page)
        rows = page.model.rows()
        chosen = next((i for i, r in enumerate(rows) if _telling(r)),
                      next((i for i, r in enumerate(rows) if r.bills >= 2), 0))
        if rows:
            page.table.selectRow(chosen)
            _settle(400)
            shooter.save(window, "statements_detail")
    window.shut_down()
    window.hide()
    window.deleteLater()
    auth.sign_out(backend, ctx.token)
    _settle()

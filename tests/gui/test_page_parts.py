"""Parts the pages share: BasePage.open_form (the result to the page, an ended session to the
window), AccountListPage's account box (shown, saved with the filters, back next time),
the unscrolled detail frame and Analytics' right-aligned figure columns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.errors import NotSignedIn
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.detail_frame import plain_detail
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.pages.analytics import figure_column
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.payments import PAGE, PaymentsPage
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services import billing, bills, payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.billing_data import World, add_connections, make_world, open_cycle
from tests.gui.conftest import wait_tasks

MakeCtx = Callable[[Backend, Role], AppContext]


class _Answer(FormDialog):
    """Submits nothing: returns `answer`, or raises it when it is an exception."""

    def __init__(self, parent: QWidget, answer: object) -> None:
        super().__init__(parent, "Answer")
        self.answer = answer

    def submit(self, values: Any, job: Job) -> Any:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def test_open_form_gives_the_result_and_reports_an_ended_session(
        qtbot: QtBot, backend: Backend, make_ctx: MakeCtx) -> None:
    ctx = make_ctx(backend, Role.ACCOUNTS_OFFICER)
    page = BasePage(ctx, PAGE)
    qtbot.addWidget(page)
    results: list[object] = []
    dialog = page.open_form(_Answer(page, 42), results.append)
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.ok_button.click()
    assert results == [42]

    ended: list[str] = []
    ctx.session_ended.connect(ended.append)
    dialog = page.open_form(_Answer(page, NotSignedIn("Your session has ended.")),
                            results.append)
    dialog.ok_button.click()
    wait_tasks(qtbot)
    assert ended == ["Your session has ended."] and results == [42]


@pytest.fixture
def world(backend: Backend) -> World:
    w = make_world(backend)
    open_cycle(w, "2026-01")
    add_connections(w, [("DOM", "150", "0"), ("WAT", "12", "0")], "2026-01")
    billing.run_billing(backend, w.officer, "2026-01")
    bills.issue_bills(backend, w.officer, "2026-01", date(2026, 2, 1))
    return w


def _page(qtbot: QtBot, ctx: AppContext) -> PaymentsPage:
    page = PaymentsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def test_account_box_shows_one_account_and_comes_back(qtbot: QtBot, world: World,
                                                      make_ctx: MakeCtx) -> None:
    ctx = make_ctx(world.backend, Role.ACCOUNTS_OFFICER)
    rows = bills.list_bills(world.backend, world.admin, ListQuery()).rows
    first, second = sorted({r.account_no for r in rows})
    for account, reference in ((first, "R-1"), (second, "R-2")):
        payments.record_payment(world.backend, ctx.token, account, "1.00", "CASH", reference)
    page = _page(qtbot, ctx)
    assert len(page.model.rows()) == 2
    page.show_account(second)
    wait_tasks(qtbot)
    assert [r.reference for r in page.model.rows()] == ["R-2"]
    page.save_state()
    assert ctx.settings.filter_state(PAGE.key)["account"] == second
    again = _page(qtbot, ctx)
    assert again.account.text() == second
    assert [r.reference for r in again.model.rows()] == ["R-2"]


def test_plain_detail_titles_a_pane_without_scrolling(qtbot: QtBot) -> None:
    pane = QWidget()
    qtbot.addWidget(pane)
    layout, title, subtitle = plain_detail(pane, "Select a row.", 333)
    assert pane.objectName() == "detailPane" and pane.minimumWidth() == 333
    assert pane.layout() is layout and layout.count() == 2
    assert (title.text(), title.objectName(), title.wordWrap()) == (
        "Select a row.", "detailTitle", True)
    assert (subtitle.text(), subtitle.objectName()) == ("", "pageSubtitle")


def test_figure_column_right_aligns_what_its_formatter_writes() -> None:
    column = figure_column("share", "Share", lambda r: r, lambda v: f"{v:.1%}", width=70)
    assert column.formatter(0.5) == "50.0%" and column.width == 70
    assert column.align == Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

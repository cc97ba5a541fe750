"""Distribution page: the cycle at a glance, the bills not yet distributed, recording one
through the dialog (messages by field), importing the field file and printing a batch with
progress, on both databases; a screenshot kept for a person to look at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import QDateTime, Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.permissions import permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.distribution import PAGE, DistributionPage
from opsmanager_desktop.gui.pages.registry import pages_for
from opsmanager_desktop.services import distribution
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.test_distribution import HEADER, _world
from tests.test_distribution_statements import make_papers

MakeCtx = Callable[[Backend, Role], AppContext]
PICTURES = Path(__file__).resolve().parent.parent.parent / "build" / "pictures"


def _page(qtbot: QtBot, ctx: AppContext) -> DistributionPage:
    page = DistributionPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _numbers(page: DistributionPage) -> list[str]:
    return [row.bill_no for row in page.model.rows()]


def test_record_import_and_print(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                                 tmp_path: Path) -> None:
    _unused, nos = _world(backend)
    ctx = make_ctx(backend, Role.BILLING_OFFICER)
    page = _page(qtbot, ctx)
    assert page.chosen_cycle() == "2026-02"  # the newest open cycle: nothing issued there
    page.cycle_filter.setCurrentIndex(page.cycle_filter.findData("2026-01"))
    wait_tasks(qtbot)
    assert _numbers(page) == [nos[1], nos[3], nos[0], nos[4], nos[2]]  # walking order
    assert "0 of 5 bills distributed" in page.summary.text()
    page.table.selectRow(0)
    dialog = page.record_selected()
    assert dialog is not None
    dialog.when.setDateTime(QDateTime.fromString("2026-02-03 10:30", "yyyy-MM-dd HH:mm"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "required: to whom the bill was handed" in dialog.errors.field_text("received_by")
    dialog.received_by.setText("Mrs Ade")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert _numbers(page) == [nos[3], nos[0], nos[4], nos[2]]
    assert "1 of 5 bills distributed (20.0%)" in page.summary.text()
    assert "Statements: 1 of 5 distributed, 4 still to do." in page.summary.text()
    [event] = distribution.delivery_history(backend, ctx.token, nos[1])
    assert (event.officer, event.received_by) == ("u_billing_officer", "Mrs Ade")
    field = tmp_path / "field.csv"
    field.write_text(f"{HEADER}\n{nos[3]},not delivered,2026-02-03 11:00,,,,,,gate locked\n",
                     encoding="utf-8")
    page.import_file(field)
    wait_tasks(qtbot)
    assert "1 recorded" in page.notice.text()
    statuses = {r.bill_no: r.status for r in page.model.rows()}
    assert statuses[nos[3]] is not None and statuses[nos[3]].value == "NOT_DELIVERED"
    PICTURES.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(PICTURES / "distribution_page.png"))
    printer = page.print_dialog()
    printer.out.setText(str(tmp_path / "route.pdf"))
    printer.route.setText("TR-1")
    with qtbot.waitSignal(printer.accepted, timeout=10000):
        qtbot.mouseClick(printer.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot, 60000)
    assert len(PdfReader(str(tmp_path / "route.pdf")).pages) == 2
    assert "2 statements (2 bills, 2 pages) printed to route.pdf" in page.notice.text()


def test_supervisors_see_it_accounts_officers_do_not(qtbot: QtBot, backend: Backend,
                                                     make_ctx: MakeCtx) -> None:
    _world(backend)
    assert PAGE in pages_for(permissions_of(Role.SUPERVISOR))
    assert PAGE not in pages_for(permissions_of(Role.ACCOUNTS_OFFICER))
    page = _page(qtbot, make_ctx(backend, Role.SUPERVISOR))
    assert [a.text() for a in page.actions()] == ["Record...", "Import field file...",
                                                  "Print bills...", "Refresh"]


def test_a_bill_on_a_statement_records_the_whole_paper(qtbot: QtBot, backend: Backend,
                                                       make_ctx: MakeCtx) -> None:
    p = make_papers(backend)
    ctx = make_ctx(backend, Role.SUPERVISOR)
    page = _page(qtbot, ctx)
    page.cycle_filter.setCurrentIndex(page.cycle_filter.findData("2026-01"))
    wait_tasks(qtbot)
    rows = page.model.rows()
    page.table.selectRow(next(i for i, r in enumerate(rows) if r.bill_no == p.two_bills[1]))
    dialog = page.record_selected()
    assert dialog is not None and dialog.statement_no == p.two
    assert dialog.whole_statement.isChecked() and "all its 2 bills" in (
        dialog.whole_statement.text())
    dialog.status.setCurrentIndex(dialog.status.findData("NOT_DELIVERED"))
    dialog.when.setDateTime(QDateTime.fromString("2026-02-03 10:30", "yyyy-MM-dd HH:mm"))
    dialog.reason.setText("gate locked")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert f"Statement {p.two} (2 bills): not delivered" in page.notice.text()
    history = distribution.delivery_history(backend, ctx.token, p.two)
    assert sorted(h.bill_no for h in history) == sorted(p.two_bills)
    # a statement of one bill offers no choice: the bill is the paper
    page.table.selectRow(next(i for i, r in enumerate(page.model.rows())
                              if r.bill_no == p.one_bill))
    single = page.record_selected()
    assert single is not None and single.statement_no is None
    headers = [page.model.headerData(i, Qt.Orientation.Horizontal)
               for i in range(page.model.columnCount())]
    assert "Statement" in headers

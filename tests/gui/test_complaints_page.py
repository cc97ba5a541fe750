"""Complaints and Support tickets pages on both databases: log through the dialog (messages
by field), assign and move with the history in the detail pane, overdue due cells in red,
queue filters, actions shown by right; screenshots kept for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.pages import complaints as complaints_page
from opsmanager_desktop.gui.pages import support_tickets as tickets_page
from opsmanager_desktop.gui.pages.work_queue import OVERDUE_COLORS, WorkQueuePage
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.services import complaints, support_tickets
from opsmanager_desktop.services.backend import Backend
from tests.complaints_data import START, make_desk
from tests.gui.conftest import context_for, wait_tasks

PICTURES = Path(__file__).resolve().parent.parent.parent / "build" / "pictures"


def _show(qtbot: QtBot, page: WorkQueuePage) -> WorkQueuePage:
    qtbot.addWidget(page)
    page.resize(1400, 720)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _actions(page: WorkQueuePage) -> set[str]:
    return {a.text() for a in page.actions()}


def _set(combo: object, value: object) -> None:
    combo.setCurrentIndex(combo.findData(value))  # type: ignore[attr-defined]


def test_complaints_page(qtbot: QtBot, backend: Backend, gui_settings: AppSettings) -> None:
    desk = make_desk(backend)
    agent_ctx = context_for(backend, gui_settings, Role.SUPPORT_AGENT, "agent1")
    page = _show(qtbot, complaints_page.ComplaintsPage(agent_ctx, complaints_page.PAGE))
    assert isinstance(page, complaints_page.ComplaintsPage)
    assert "Assign..." not in _actions(page) and "Move..." in _actions(page)
    dialog = page.log_dialog()
    _set(dialog.category, "SUPPLY")
    assert dialog.sub.count() == 4  # "(not given)" and three sub-categories
    dialog.account.setText(desk.accounts[0])
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "required" in dialog.errors.field_text("description")
    dialog.description.setPlainText("Whole street dark since 6am")
    _set(dialog.sub, "NO_POWER")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    [row] = page.model.rows()
    assert (row.category, row.status, row.overdue) == ("SUPPLY", "OPEN", False)
    assert "logged" in page.notice.text()
    number = row.number
    complaints.log_complaint(backend, desk.agent, desk.accounts[1], "METER", "Meter blank")

    sup_ctx = context_for(backend, gui_settings, Role.SUPERVISOR, "sup1")
    sup = _show(qtbot, complaints_page.ComplaintsPage(sup_ctx, complaints_page.PAGE))
    assert {"Assign...", "Move...", "Log complaint..."} <= _actions(sup)
    assert sup.team_filter.count() == 3 and sup.category_filter.count() == 5
    sup.table.selectRow([r.number for r in sup.model.rows()].index(number))
    wait_tasks(qtbot)
    assert sup.detail_title.text().startswith(number)
    assign = sup.assign_selected()
    assert assign is not None
    _set(assign.person, "agent1")
    assign.note.setText("near your route")
    with qtbot.waitSignal(assign.accepted, timeout=10000):
        qtbot.mouseClick(assign.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "Assigned" in sup.timeline.text() and "near your route" in sup.timeline.text()
    move = sup.move_selected()
    assert move is not None
    assert [move.status.itemData(i) for i in range(move.status.count())] == [
        "INFO_NEEDED", "IN_PROGRESS"]
    _set(move.status, "IN_PROGRESS")
    with qtbot.waitSignal(move.accepted, timeout=10000):
        qtbot.mouseClick(move.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    move = sup.move_selected()
    assert move is not None
    _set(move.status, "RESOLVED")
    assert "required" in move.hint.text()
    qtbot.mouseClick(move.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "required" in move.errors.field_text("note")
    move.reject()

    # a day later the supply complaint (24 h) is overdue: its due cell turns red
    desk.at(START + timedelta(hours=30))
    sup_ctx = context_for(backend, gui_settings, Role.SUPERVISOR, "sup1")
    sup = _show(qtbot, complaints_page.ComplaintsPage(sup_ctx, complaints_page.PAGE))
    _set(sup.filter_bar.combo("queue"), "overdue")
    wait_tasks(qtbot)
    assert [r.number for r in sup.model.rows()] == [number]
    index = sup.model.index(0, sup.model.column_index("due"))
    option = QStyleOptionViewItem()
    sup.overdue_delegate.initStyleOption(option, index)
    assert option.backgroundBrush.color().name() == OVERDUE_COLORS[1]
    _set(sup.filter_bar.combo("queue"), None)
    wait_tasks(qtbot)
    sup.table.selectRow(1)  # the overdue row stays unselected: its red due cell shows
    wait_tasks(qtbot)
    assert "Customer 3" in sup.fields.text() or "Meter blank" in sup.fields.text()
    PICTURES.mkdir(parents=True, exist_ok=True)
    assert sup.grab().save(str(PICTURES / "complaints_page.png"))


def test_support_tickets_page(qtbot: QtBot, backend: Backend,
                              gui_settings: AppSettings) -> None:
    desk = make_desk(backend)
    other = support_tickets.open_ticket(backend, desk.agent2, "OTHER", "Opening hours?",
                                        contact="walk-in")
    ctx = context_for(backend, gui_settings, Role.SUPPORT_AGENT, "agent1")
    page = _show(qtbot, tickets_page.SupportTicketsPage(ctx, tickets_page.PAGE))
    dialog = page.open_dialog()
    _set(dialog.kind, "BILLING_QUESTION")
    dialog.subject.setText("Why two bills this month?")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    assert "enquirer" in dialog.errors.field_text("contact")
    dialog.account.setText(desk.accounts[0])
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_tasks(qtbot)
    mine = dialog.result_value.number
    support_tickets.assign_ticket(backend, desk.sup, mine, team="DESK")
    _set(page.filter_bar.combo("queue"), "mine")
    wait_tasks(qtbot)
    assert [r.number for r in page.model.rows()] == [mine]
    _set(page.filter_bar.combo("queue"), "unassigned")
    wait_tasks(qtbot)
    assert [r.number for r in page.model.rows()] == [other.number]
    _set(page.filter_bar.combo("queue"), None)
    wait_tasks(qtbot)
    page.table.selectRow([r.number for r in page.model.rows()].index(mine))
    wait_tasks(qtbot)
    assert "Open" in page.timeline.text() and "Why two bills" in page.detail_title.text()
    assert "Billing question" in page.fields.text()
    PICTURES.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(PICTURES / "support_tickets_page.png"))


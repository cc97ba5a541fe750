"""Staff performance page: this month by default, the ranked figures of a known data set
(tests/staff_data.py) per person and per team, the score chart, export to Excel and PDF in
the background, the page only for supervisors and admins; a picture kept to look at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from matplotlib.container import BarContainer
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.permissions import permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.registry import pages_for
from opsmanager_desktop.gui.pages.staff_performance import (
    PAGE,
    StaffPerformancePage,
    month_of,
)
from opsmanager_desktop.services.backend import Backend
from tests.gui.conftest import wait_tasks
from tests.staff_data import make_staff_world

MakeCtx = Callable[[Backend, Role], AppContext]
PICTURES = Path(__file__).resolve().parent.parent.parent / "build" / "pictures"


def _cells(page: StaffPerformancePage) -> list[list[str]]:
    model = page.table.model()
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def _headers(page: StaffPerformancePage) -> list[str]:
    model = page.table.model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def test_month_of() -> None:
    assert month_of(date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert month_of(date(2024, 12, 31)) == (date(2024, 12, 1), date(2024, 12, 31))


def test_page_figures_and_exports(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                                  tmp_path: Path) -> None:
    make_staff_world(backend)
    ctx = make_ctx(backend, Role.SUPERVISOR)
    page = StaffPerformancePage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    assert page.period() == month_of(backend.now().date())  # this month by default
    page.date_from.setDate(QDate(2026, 2, 1))
    page.date_to.setDate(QDate(2026, 2, 28))
    page.show_button.click()
    wait_tasks(qtbot)
    headers = _headers(page)
    cells = _cells(page)
    assert headers[:6] == ["Rank", "User", "Name", "Team", "Score", "Readings"]
    col = {h: i for i, h in enumerate(headers)}
    assert [row[col["User"]] for row in cells] == ["fo1", "fo2", "fo3"]
    assert (cells[0][col["Readings"]], cells[0][col["Approval rate"]],
            cells[0][col["Bills distributed"]], cells[0][col["Score"]]) == (
        "4", "66.7%", "1", "42.86")
    assert cells[1][col["Approval rate"]] == "-"
    align = page.model.data(page.model.index(0, col["Score"]),
                            Qt.ItemDataRole.TextAlignmentRole)
    assert align & Qt.AlignmentFlag.AlignRight.value
    bars = [len(c) for ax in page.canvas.figure.axes for c in ax.containers
            if isinstance(c, BarContainer)]
    assert bars == [3]
    assert "3 people, 2 teams" in page.status.text()
    page.per_team.setChecked(True)
    team_headers = _headers(page)
    assert team_headers[:4] == ["Rank", "Team", "Name", "People"]
    assert [r[1] for r in _cells(page)] == ["F1", "F2"]
    PICTURES.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(PICTURES / f"staff_performance_{backend.engine.name}.png"))
    page.team.setCurrentIndex(page.team.findData("F1"))
    page.export(tmp_path / "staff", ".xlsx")
    wait_tasks(qtbot)
    book = load_workbook(tmp_path / "staff.xlsx")
    assert book["Per person"]["B5"].value == "fo1" and book["Per person"]["B7"].value is None
    page.export(tmp_path / "staff.pdf", ".pdf")
    wait_tasks(qtbot)
    assert "Field one" in PdfReader(str(tmp_path / "staff.pdf")).pages[1].extract_text()
    assert "staff.pdf" in page.notice.text()


def test_only_supervisors_and_admins_see_it() -> None:
    for role in Role:
        shown = PAGE in pages_for(permissions_of(role))
        assert shown == (role in (Role.SUPERVISOR, Role.ADMIN)), role

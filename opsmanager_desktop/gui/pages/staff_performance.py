"""Staff performance page (supervisors, admins): the ranked figures per person or per team
for a period (this month by default), a bar chart of the scores, and the table as an Excel
workbook or a PDF on the letterhead, written in the background with progress.

The figures come from one service read (services.staff_performance: a grouped query per
source); the columns are the reports' (reports/staff_performance.COLUMNS), so the screen,
the workbook and the PDF show the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSplitter,
    QWidget,
)

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.bills_widgets import (
    RowsModel,
    fill_combo,
    filter_caption,
    rows_view,
)
from opsmanager_desktop.gui.pages.chart_pages import (
    add_show_and_status,
    make_canvas,
    replace_canvas,
)
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.progress import run_with_progress
from opsmanager_desktop.gui.table_model import Column
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.reports.staff_performance import (
    ReportColumn,
    columns_for,
    score_note,
    text_of,
)
from opsmanager_desktop.services import staff_performance as perf
from opsmanager_desktop.services import teams
from opsmanager_desktop.services.staff_performance import PerformanceRow, StaffPerformance

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
WIDTHS = {"name": 170, "key": 90, "team": 70, "rank": 56, "score": 70, "rate": 110}
CHART_ROWS = 15


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _column(spec: ReportColumn) -> Column[Any]:
    width = WIDTHS.get(spec.key, WIDTHS.get(spec.kind, max(80, 8 * len(spec.title) + 16)))

    def formatter(value: Any) -> str:
        return text_of(spec, value)

    return Column(spec.key, spec.title, spec.value,
                  align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
                  if spec.kind == "text" else RIGHT,
                  formatter=formatter, width=width)


def score_chart(rows: Sequence[PerformanceRow], what: str) -> Figure:
    """Horizontal bars of the best scores, best on top."""
    figure = Figure(figsize=(6, 3.2), layout="constrained")
    axes = figure.add_subplot()
    shown = list(rows[:CHART_ROWS])
    labels = [r.key for r in reversed(shown)]
    axes.barh(labels, [float(r.score) for r in reversed(shown)], color="#1f6fb2")
    axes.set_xlim(0, 100)
    axes.set_xlabel("score (0-100)")
    axes.set_title(f"Score per {what}" + (f", best {CHART_ROWS}" if len(rows) > CHART_ROWS
                                          else ""), fontsize=10)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    if not shown:
        axes.text(50, 0, "nothing in this period", ha="center", va="center", color="#5a6470")
    return figure


class StaffPerformancePage(BasePage):
    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.result: StaffPerformance | None = None
        first, last = month_of(ctx.backend.now().date())
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.date_from = self._date(bar, "From", "staffFrom", first)
        self.date_to = self._date(bar, "To", "staffTo", last)
        self.team = QComboBox()
        self.team.setObjectName("staffTeam")
        self.team.setMinimumWidth(160)
        self.team.addItem("All teams", None)
        bar.addWidget(filter_caption("Team"))
        bar.addWidget(self.team)
        self.per_person = QRadioButton("Per person")
        self.per_person.setObjectName("staffPerPerson")
        self.per_team = QRadioButton("Per team")
        self.per_team.setObjectName("staffPerTeam")
        self.per_person.setChecked(True)
        self.view_group = QButtonGroup(self)
        for button in (self.per_person, self.per_team):
            self.view_group.addButton(button)
            bar.addWidget(button)
        self.per_team.toggled.connect(lambda _on: self._show())
        self.show_button, self.status = add_show_and_status(bar, "staffShow", self.refresh)
        self.layout_.addLayout(bar)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.model: RowsModel[PerformanceRow] = RowsModel([])
        self.table = rows_view(self.model)
        self.table.setObjectName("staffTable")
        self.canvas = make_canvas(score_chart([], "person"))
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.canvas)
        self.splitter.setSizes([430, 260])
        self.layout_.addWidget(self.splitter, 1)
        note = QLabel(score_note())
        note.setObjectName("pageSubtitle")
        note.setWordWrap(True)
        self.layout_.addWidget(note)
        self.add_action("Export Excel...", "export", lambda: self.choose_file(".xlsx"),
                        tip="The table of the period as an Excel workbook (person and team "
                        "sheets)")
        self.add_action("Export PDF...", "print", lambda: self.choose_file(".pdf"),
                        tip="The table of the period as a PDF on the company letterhead")
        self.add_action("Refresh", "refresh", self.refresh, shortcut="F5")
        backend, token = ctx.backend, ctx.token
        run_task(self, lambda _job: teams.list_teams(backend, token),
                 on_result=lambda rows: fill_combo(
                     self.team, [(f"{r.code} {r.name}", r.code) for r in rows]),
                 on_error=self.handle_error)

    def _date(self, bar: QHBoxLayout, label: str, name: str, value: date) -> QDateEdit:
        edit = QDateEdit(QDate(value.year, value.month, value.day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd MMM yyyy")
        bar.addWidget(filter_caption(label))
        bar.addWidget(edit)
        return edit

    # --- figures ------------------------------------------------------------------------
    def period(self) -> tuple[date, date]:
        return (self.date_from.date().toPython(),  # type: ignore[return-value]
                self.date_to.date().toPython())

    def refresh(self) -> None:
        self.banner.clear()
        start, end = self.period()
        code = self.team.currentData()
        backend, token = self.ctx.backend, self.ctx.token
        self.status.setText("Working out the figures...")
        self.setCursor(Qt.CursorShape.BusyCursor)
        run_task(self, lambda _job: perf.staff_performance(backend, token, start, end,
                                                           team=code),
                 on_result=self._on_result,
                 on_error=lambda exc: self.handle_error(exc, self.refresh),
                 on_finished=self.unsetCursor)

    def _on_result(self, result: StaffPerformance) -> None:
        self.result = result
        self.status.setText(f"{result.period.describe()}: {len(result.people)} people, "
                            f"{len(result.teams)} teams")
        self._show()

    def showing_teams(self) -> bool:
        return self.per_team.isChecked()

    def _show(self) -> None:
        result = self.result
        if result is None:
            return
        teams_view = self.showing_teams()
        rows = result.teams if teams_view else result.people
        self.model = RowsModel([_column(c) for c in columns_for(result.sources,
                                                                 teams=teams_view)], rows)
        self.table.setModel(self.model)
        # header texts are bold and wider than their figures: fit both, names a bit wider
        self.table.resizeColumnsToContents()
        for i, column in enumerate(self.model.columns):
            if column.key == "name":
                self.table.setColumnWidth(i, max(self.table.columnWidth(i), 170))
        self.canvas = replace_canvas(self.splitter, 1, self.canvas,
                                     score_chart(rows, "team" if teams_view else "person"))

    # --- export ---------------------------------------------------------------------------
    def choose_file(self, suffix: str) -> None:
        start, end = self.period()
        kinds = {".xlsx": "Excel workbooks (*.xlsx)", ".pdf": "PDF documents (*.pdf)"}
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export staff performance", f"staff-performance-{start}-{end}{suffix}",
            kinds[suffix])
        if path:
            self.export(Path(path), suffix)

    def export(self, path: Path, suffix: str = ".xlsx") -> None:
        """The period and team on screen written to `path` in the background."""
        target = path if path.suffix.lower() == suffix else path.with_suffix(suffix)
        start, end = self.period()
        code = self.team.currentData()
        backend, token = self.ctx.backend, self.ctx.token

        def work(job: Job) -> perf.ReportFile:
            job.progress(0, 2, "Working out the figures and writing the file...")
            done = perf.performance_report(backend, token, start, end, target, team=code)
            job.progress(2, 2, "Done")
            return done

        run_with_progress(self, "Staff performance", f"Writing {target.name}...", work,
                          on_result=lambda done: self.notify(
                              f"Staff performance saved to {done.path}."),
                          on_error=self.handle_error, cancellable=False)


def _make(ctx: AppContext) -> StaffPerformancePage:
    return StaffPerformancePage(ctx, PAGE)


PAGE = PageSpec("staff_performance", "Staff performance", "users",
                Permission.STAFF_PERFORMANCE_VIEW, _make, order=150,
                description="Work done per person and team in a period, ranked")

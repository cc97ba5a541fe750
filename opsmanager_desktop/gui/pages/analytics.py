"""Analytics page: the management charts (reports/charts.py) embedded in Qt, each with the
table of its figures, filtered by period, utility and tariff.

The figures come from one service read (services.analytics.dashboard: aggregate SQL) in
the background; the charts are drawn here on the GUI thread from those small results. A
role with the consumption reports only (billing officers) sees the consumption tabs; the
money tabs need the financial reports. Each chart exports to PNG, the whole page to the
PDF report pack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.base import BasePage
from opsmanager_desktop.gui.pages.bills_widgets import (
    RowsModel,
    fill_combo,
    filter_caption,
    load_cycles,
    load_utilities,
    rows_view,
)
from opsmanager_desktop.gui.pages.chart_pages import (
    add_show_and_status,
    make_canvas,
    replace_canvas,
)
from opsmanager_desktop.gui.pages.registry import PageSpec
from opsmanager_desktop.gui.table_model import RIGHT, Column, money_column
from opsmanager_desktop.gui.tasks import run_task
from opsmanager_desktop.reports import charts
from opsmanager_desktop.reports.figures import AnalyticsFilter, Dashboard
from opsmanager_desktop.services import analytics, report_workbooks, tariffs
from opsmanager_desktop.services.cycles import CycleRow
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.utilities import UtilityRow

ALL_PLANS = ListQuery(sort="code", limit=1000, count=False)


def _percent(value: Any) -> str:
    return "" if value is None else f"{value * 100:.2f}%"


def _count(value: Any) -> str:
    return "" if value is None else f"{value:,}"


def _units(value: Any) -> str:
    return "" if value is None else f"{value:,.3f}".rstrip("0").rstrip(".")


def figure_column(key: str, header: str, value: Callable[[Any], Any],
                  formatter: Callable[[Any], str], width: int = 90) -> Column[Any]:
    """A figure right-aligned, written by `formatter` (a count, a share, units)."""
    return Column(key, header, value, formatter=formatter, width=width, align=RIGHT)


def count_column(key: str, header: str, value: Callable[[Any], Any],
                 width: int = 90) -> Column[Any]:
    return figure_column(key, header, value, _count, width)


# (tab key, title, money figures?, the dashboard part, the table's columns)
TABS: list[tuple[str, str, bool, Callable[[Dashboard], Any], Sequence[Column[Any]]]] = [
    ("revenue", "Revenue", True, lambda d: d.revenue, [
        Column("month", "Month", lambda r: r.month, width=90),
        money_column("collected", "Collected", lambda r: r.collected, width=140)]),
    ("collection", "Billed vs collected", True, lambda d: d.collection, [
        Column("cycle", "Cycle", lambda r: r.cycle, width=80),
        count_column("bills", "Bills", lambda r: r.bills, width=80),
        money_column("billed", "Billed", lambda r: r.billed, width=130),
        money_column("collected", "Collected", lambda r: r.collected, width=130),
        money_column("open", "Still open", lambda r: r.outstanding, width=130),
        figure_column("efficiency", "Efficiency", lambda r: r.efficiency, _percent)]),
    ("consumption", "Consumption", False, lambda d: d.consumption, [
        Column("cycle", "Cycle", lambda r: r.cycle, width=80),
        Column("utility", "Utility", lambda r: r.utility, width=100),
        count_column("connections", "Connections", lambda r: r.connections, width=115),
        figure_column("units", "Units billed", lambda r: r.total_units, _units, width=120),
        figure_column("average", "Average", lambda r: r.average_units, _units, width=100),
        Column("unit", "Unit", lambda r: r.unit, width=60)]),
    ("ageing", "Ageing of dues", True, lambda d: d.ageing, [
        Column("bucket", "Days past due", lambda r: r.bucket, width=130),
        count_column("bills", "Open bills", lambda r: r.bills, width=100),
        money_column("amount", "Amount", lambda r: r.amount, width=140)]),
    ("defaulters", "Top defaulters", True, lambda d: d.defaulters, [
        Column("account", "Account", lambda r: r.account_no, width=100),
        Column("name", "Name", lambda r: r.name, width=170),
        count_column("bills", "Overdue bills", lambda r: r.overdue_bills, width=110),
        money_column("amount", "Overdue amount", lambda r: r.overdue_amount, width=130),
        Column("oldest", "Oldest due", lambda r: r.oldest_due, width=100),
        count_column("days", "Days", lambda r: r.days_overdue, width=60)]),
]


class ChartTab(QWidget):
    """A chart above the table of its figures."""

    def __init__(self, key: str, columns: Sequence[Column[Any]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"chart_{key}")
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.canvas = make_canvas(Figure())
        self.model: RowsModel[Any] = RowsModel(columns)
        self.table = rows_view(self.model)
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([460, 240])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.splitter)

    @property
    def figure(self) -> Figure:
        figure: Figure = self.canvas.figure
        return figure

    def show_data(self, rows: Sequence[Any]) -> None:
        self.canvas = replace_canvas(self.splitter, 0, self.canvas,
                                     charts.CHARTS[self.key][1](rows))
        self.model.set_rows(rows)


class AnalyticsPage(BasePage):
    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.money = ctx.can(Permission.REPORTS_FINANCIAL)
        self.dashboard: Dashboard | None = None
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.from_period = self._combo(bar, "From", "analyticsFrom")
        self.to_period = self._combo(bar, "To", "analyticsTo")
        self.utility = self._combo(bar, "Utility", "analyticsUtility")
        self.utility.addItem("All utilities", None)
        self.tariff = self._combo(bar, "Tariff", "analyticsTariff")
        self.tariff.addItem("All tariffs", None)
        self.show_button, self.status = add_show_and_status(bar, "analyticsShow", self.refresh)
        self.layout_.addLayout(bar)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("analyticsTabs")
        self.chart_tabs: dict[str, ChartTab] = {}
        for key, title, money, _part, columns in TABS:
            if money and not self.money:
                continue
            tab = ChartTab(key, columns)
            self.chart_tabs[key] = tab
            self.tabs.addTab(tab, title)
        self.layout_.addWidget(self.tabs, 1)
        self.add_action("Export chart...", "export", self.choose_png,
                        tip="The chart on screen as a PNG picture")
        self.add_action("Report pack...", "print", self.choose_pack,
                        tip="Every chart with its table as a PDF for management")
        self.add_action("Refresh", "refresh", self.refresh, shortcut="F5")
        self._lists_pending = 3
        load_cycles(self, ctx, self._on_cycles, self.handle_error)
        load_utilities(self, ctx, self._on_utilities, self.handle_error)
        backend, token = ctx.backend, ctx.token
        run_task(self, lambda _job: tariffs.list_plans(backend, token, ALL_PLANS).rows,
                 on_result=self._on_plans, on_error=self.handle_error)

    def _combo(self, bar: QHBoxLayout, label: str, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setMinimumWidth(140)
        bar.addWidget(filter_caption(label))
        bar.addWidget(combo)
        return combo

    # --- reference lists -----------------------------------------------------------------
    def _list_loaded(self) -> None:
        self._lists_pending -= 1
        if self._lists_pending == 0 and self._shown_once:
            self.refresh()

    def _on_cycles(self, rows: list[CycleRow]) -> None:
        periods = sorted(r.period for r in rows)
        if not periods:
            today = self.ctx.backend.now().date()
            periods = [f"{today:%Y-%m}"]
        fill_combo(self.from_period, [(p, p) for p in periods],
                   periods[max(0, len(periods) - 12)])
        fill_combo(self.to_period, [(p, p) for p in periods], periods[-1])
        self._list_loaded()

    def _on_utilities(self, rows: list[UtilityRow]) -> None:
        fill_combo(self.utility, [(r.name, r.code) for r in rows])
        self._list_loaded()

    def _on_plans(self, rows: list[Any]) -> None:
        fill_combo(self.tariff, [(f"{r.code} {r.name}", r.code) for r in rows])
        self._list_loaded()

    # --- figures ---------------------------------------------------------------------------
    def current_filter(self) -> AnalyticsFilter:
        return AnalyticsFilter(self.from_period.currentData(), self.to_period.currentData(),
                               self.utility.currentData(), self.tariff.currentData())

    def refresh(self) -> None:
        if self._lists_pending > 0:
            return  # the first load waits for the filter lists (_list_loaded calls again)
        self.banner.clear()
        chosen = self.current_filter()
        backend, token = self.ctx.backend, self.ctx.token
        self.status.setText("Working out the figures...")
        self.setCursor(Qt.CursorShape.BusyCursor)
        run_task(self, lambda _job: analytics.dashboard(backend, token, chosen),
                 on_result=self._on_dashboard,
                 on_error=lambda exc: self.handle_error(exc, self.refresh),
                 on_finished=self.unsetCursor)

    def _on_dashboard(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        for key, _title, _money, part, _columns in TABS:
            tab = self.chart_tabs.get(key)
            if tab is not None:
                tab.show_data(part(dashboard) or [])
        self.status.setText(f"{dashboard.filter.describe()}; open balances as of "
                            f"{dashboard.as_of:%d %b %Y}")

    # --- export ----------------------------------------------------------------------------
    def current_tab(self) -> ChartTab | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, ChartTab) else None

    def choose_png(self) -> None:
        tab = self.current_tab()
        if tab is None or self.dashboard is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export chart", f"{tab.key}-{date.today():%Y-%m-%d}.png",
            "PNG pictures (*.png)")
        if path:
            self.export_png(Path(path))

    def export_png(self, path: Path) -> Path | None:
        tab = self.current_tab()
        if tab is None:
            return None
        target = path if path.suffix.lower() == ".png" else path.with_suffix(".png")
        charts.save_png(tab.figure, target)
        self.notify(f"Chart saved to {target}.")
        return target

    def choose_pack(self) -> None:
        if self.dashboard is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, "Report pack", f"report-pack-{date.today():%Y-%m-%d}.pdf",
            "PDF documents (*.pdf)")
        if path:
            self.export_pack(Path(path))

    def export_pack(self, path: Path) -> None:
        """The pack of the figures on screen, written in the background."""
        dashboard = self.dashboard
        if dashboard is None:
            return
        target = path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")
        title = "Management report"
        run_task(self, lambda _job: report_workbooks.save_pack(dashboard, target, title),
                 on_result=lambda pages: self.notify(
                     f"Report pack saved to {target} ({pages} pages)."),
                 on_error=self.handle_error)


def _make(ctx: AppContext) -> AnalyticsPage:
    return AnalyticsPage(ctx, PAGE)


PAGE = PageSpec("analytics", "Analytics", "reports", Permission.REPORTS_CONSUMPTION, _make,
                order=85, description="Revenue, collection, consumption, ageing and "
                "defaulters, charted")

"""Analytics page: the charts of a known data set drawn from one background read, tabs by
permission, chart PNG and report pack export, a screenshot kept for a person to look at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.container import BarContainer
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.pages.analytics import PAGE, AnalyticsPage
from opsmanager_desktop.gui.pages.registry import all_pages
from opsmanager_desktop.services.backend import Backend
from tests.analytics_data import known
from tests.gui.conftest import wait_tasks

MakeCtx = Callable[[Backend, Role], AppContext]
PICTURES = Path(__file__).resolve().parent.parent.parent / "build" / "pictures"


def _page(qtbot: QtBot, ctx: AppContext) -> AnalyticsPage:
    page = AnalyticsPage(ctx, PAGE)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.on_shown()
    wait_tasks(qtbot)
    return page


def _bars(page: AnalyticsPage, key: str) -> list[int]:
    figure = page.chart_tabs[key].figure
    return [len(c) for ax in figure.axes for c in ax.containers if isinstance(c, BarContainer)]


def test_charts_of_a_known_data_set(qtbot: QtBot, backend: Backend, make_ctx: MakeCtx,
                                    tmp_path: Path) -> None:
    known(backend)
    ctx = make_ctx(backend, Role.ACCOUNTS_OFFICER)
    page = _page(qtbot, ctx)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "Revenue", "Billed vs collected", "Consumption", "Ageing of dues", "Top defaulters"]
    # the cycles of the data set are 2026-01 and 2026-02: the default period covers both
    assert page.current_filter().from_period == "2026-01"
    assert page.dashboard is not None
    assert _bars(page, "revenue") == [2] and _bars(page, "collection") == [2, 2]
    assert _bars(page, "ageing") == [4]
    revenue = page.chart_tabs["revenue"].model
    assert [revenue.data(revenue.index(r, 1)) for r in range(2)] == ["75.00", "25.30"]
    defaulters = page.chart_tabs["defaulters"].model
    assert defaulters.rowCount() == 1 and defaulters.data(defaulters.index(0, 0)) == "A001"
    page.utility.setCurrentIndex(page.utility.findData("water"))
    page.show_button.click()
    wait_tasks(qtbot)
    assert page.dashboard.filter.utility == "water"
    consumption = page.chart_tabs["consumption"].figure
    assert len(consumption.axes) == 1 and "Water" in consumption.axes[0].get_title(loc="left")
    page.tabs.setCurrentIndex(1)
    png = page.export_png(tmp_path / "collection")
    assert png == tmp_path / "collection.png" and png.read_bytes()[:4] == b"\x89PNG"
    page.export_pack(tmp_path / "pack.pdf")
    wait_tasks(qtbot)
    assert len(PdfReader(str(tmp_path / "pack.pdf")).pages) >= 4
    page.utility.setCurrentIndex(0)
    page.show_button.click()
    wait_tasks(qtbot)
    page.tabs.setCurrentIndex(0)
    PICTURES.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(PICTURES / "analytics_page.png"))


def test_billing_officers_see_consumption_only(qtbot: QtBot, backend: Backend,
                                               make_ctx: MakeCtx) -> None:
    known(backend)
    page = _page(qtbot, make_ctx(backend, Role.BILLING_OFFICER))
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["Consumption"]
    assert page.dashboard is not None and page.dashboard.revenue is None
    lines = page.chart_tabs["consumption"].figure.axes[0].lines
    assert len(lines[0].get_xdata()) == 2  # electricity in January and February


def test_the_page_is_registered_for_the_roles_with_reports() -> None:
    assert PAGE in all_pages()

"""Each analytics chart renders offscreen from a known data set (bars and points counted,
the PNG written), and the report pack carries the charts' tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from pypdf import PdfReader

from opsmanager_desktop.reports import charts
from opsmanager_desktop.reports.figures import (
    AgeingRow,
    AnalyticsFilter,
    CollectionPoint,
    ConsumptionPoint,
    Dashboard,
    Defaulter,
    RevenuePoint,
    TariffConsumption,
)
from opsmanager_desktop.reports.pack import write_pack

D = Decimal
PICTURES = Path(__file__).resolve().parent.parent / "build" / "pictures"

REVENUE = [RevenuePoint(f"2026-{m:02d}", D(f"{1000 * m + 0.5:.2f}")) for m in range(1, 13)]
COLLECTION = [CollectionPoint("2026-01", 40, D("12000.00"), D("10800.00"), D("1200.00"),
                              D("0.9000")),
              CollectionPoint("2026-02", 41, D("12500.50"), D("10000.40"), D("2500.10"),
                              D("0.8000")),
              CollectionPoint("2026-03", 0, D("0.00"), D("0.00"), D("0.00"), None)]
CONSUMPTION = [ConsumptionPoint(f"2026-{m:02d}", u, unit, 10, D("1000.000"), D(avg))
               for m in range(1, 7)
               for u, unit, avg in (("electricity", "kWh", f"{300 + 10 * m}"),
                                    ("water", "m3", f"{20 + m}"))]
AGEING = [AgeingRow("0-30", 12, D("5400.00")), AgeingRow("31-60", 4, D("1234.56")),
          AgeingRow("61-90", 0, D("0.00")), AgeingRow("90+", 3, D("9876.54"))]
DEFAULTERS = [Defaulter(f"AC{i:04d}", f"Customer number {i}", 3, D(f"{5000 - 200 * i}.25"),
                        date(2026, 1, 15), 60 + i) for i in range(20)]
TARIFFS = [TariffConsumption("electricity", "kWh", "DOM", "Domestic", 240, D("72000.000"),
                             D("300.000"), D("123456.78"))]


def _save(figure: Figure, name: str) -> Path:
    PICTURES.mkdir(parents=True, exist_ok=True)
    path = charts.save_png(figure, PICTURES / f"chart_{name}.png", dpi=100)
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 10_000
    return path


def _bars(figure: Figure) -> list[int]:
    return [len(c) for ax in figure.axes for c in ax.containers if isinstance(c, BarContainer)]


def test_revenue_chart() -> None:
    figure = charts.revenue_chart(REVENUE)
    assert _bars(figure) == [12]
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["2026-01", "2026-02"]
    assert ax.patches[11].get_height() == 12000.5
    assert "Total 78,006.00" in ax.get_title(loc="right")
    _save(figure, "revenue")


def test_collection_chart() -> None:
    figure = charts.collection_chart(COLLECTION)
    assert _bars(figure) == [3, 3]  # billed and collected per cycle
    efficiency = figure.axes[1].lines[0].get_ydata()
    assert list(efficiency[:2]) == [90.0, 80.0] and str(efficiency[2]) == "nan"
    _save(figure, "collection")


def test_consumption_chart() -> None:
    figure = charts.consumption_chart(CONSUMPTION)
    assert len(figure.axes) == 2  # a panel per utility: kWh and m3 do not share an axis
    electricity, water = figure.axes
    assert list(electricity.lines[0].get_ydata()) == [310, 320, 330, 340, 350, 360]
    assert len(water.lines[0].get_xdata()) == 6 and "m3" in water.get_title(loc="left")
    _save(figure, "consumption")


def test_ageing_chart() -> None:
    figure = charts.ageing_chart(AGEING)
    assert _bars(figure) == [4]
    labels = [t.get_text() for t in figure.axes[0].texts]
    assert "9,876.54\n3 bills" in labels
    _save(figure, "ageing")


def test_defaulters_chart() -> None:
    figure = charts.defaulters_chart(DEFAULTERS)
    assert _bars(figure) == [20]
    ticks = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert ticks[-1].startswith("AC0000")  # the largest at the top
    _save(figure, "defaulters")


def test_empty_data_says_so() -> None:
    for name, (_title, build) in charts.CHARTS.items():
        figure = build([])
        texts = [t.get_text() for ax in figure.axes for t in ax.texts]
        assert any("Nothing" in t or "No " in t for t in texts), name
        assert _bars(figure) == []


def test_report_pack_has_every_chart_and_table(tmp_path: Path) -> None:
    board = Dashboard(AnalyticsFilter("2026-01", "2026-12"), date(2026, 12, 31), REVENUE,
                      COLLECTION, CONSUMPTION, TARIFFS, AGEING, DEFAULTERS)
    out = tmp_path / "pack.pdf"
    pages = write_pack(board, out, "Management report 2026", "Ops Manager Power & Water")
    reader = PdfReader(str(out))
    assert pages == len(reader.pages) >= 5
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in ("Revenue collected per month", "78,006.00", "Billed and collected",
                     "90.00%", "Ageing of dues", "16,511.10", "Top defaulters", "AC0000",
                     "Average consumption", "360 kWh", "page 1"):
        assert expected in text, expected
    assert len(reader.pages[0].images) >= 1  # the chart is on the page

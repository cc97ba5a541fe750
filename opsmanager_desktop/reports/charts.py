"""The analytics charts as matplotlib `Figure` objects, built directly (no pyplot: no global
state, safe beside Qt and in worker threads). Each takes the figures of
reports/figures.py; `save_png` writes one to a file, the Analytics page embeds them in a
FigureCanvasQTAgg, the report pack puts them on paper.

Money is converted to float only here, to place bars (the labels are formatted from the
exact Decimals).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.reports.figures import (
    AgeingRow,
    CollectionPoint,
    ConsumptionPoint,
    Defaulter,
    RevenuePoint,
)

BRAND = "#1f6fb2"
LIGHT = "#7fd3f7"
ACCENT = "#e0a800"
ALERT = "#b3261e"
GREY = "#5a6470"
SERIES = (BRAND, "#2a9d8f", ACCENT, "#8e44ad", ALERT, GREY)
SIZE = (8.0, 4.2)


def _figure(title: str, size: tuple[float, float] = SIZE) -> Figure:
    figure = Figure(figsize=size, dpi=100, layout="constrained")
    figure.suptitle(title, fontsize=12, fontweight="bold", x=0.01, ha="left", color="#1b2733")
    return figure


def _style(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dde3ea", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8.5, colors="#333")


def compact(value: float) -> str:
    """4.42M, 856k, 950: a bar's label or an axis tick (the tables carry the cents)."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.2f}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:,.0f}k"
    return f"{value:,.0f}"


def bar_text(value: Decimal) -> str:
    """A bar's label: to the cent while it is short, compact once it is large."""
    return format_money(value) if abs(value) < 10_000 else compact(float(value))


def _money_axis(ax: Axes, axis: str = "y") -> None:
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(
        FuncFormatter(lambda value, _pos: compact(value)))


def _empty(ax: Axes, text: str = "Nothing to show for this choice") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes,
            fontsize=10, color=GREY)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _f(value: Decimal) -> float:
    return float(value)


def _tick_labels(labels: Sequence[str]) -> dict[str, Any]:
    return {"rotation": 45 if len(labels) > 8 else 0, "ha": "right" if len(labels) > 8
            else "center", "fontsize": 8.5}


def revenue_chart(points: Sequence[RevenuePoint]) -> Figure:
    figure = _figure("Revenue collected per month")
    ax = figure.add_subplot()
    if not points:
        _empty(ax)
        return figure
    labels = [p.month for p in points]
    bars = ax.bar(labels, [_f(p.collected) for p in points], color=BRAND, width=0.7)
    ax.set_xticks(range(len(labels)), labels, **_tick_labels(labels))
    _style(ax)
    _money_axis(ax)
    ax.set_ylabel("collected", fontsize=9, color=GREY)
    if len(points) <= 24:
        ax.bar_label(bars, [bar_text(p.collected) for p in points], fontsize=7.5,
                     padding=2, color="#333")
    total = sum((p.collected for p in points), Decimal("0.00"))
    ax.set_title(f"Total {format_money(total)}", loc="right", fontsize=9, color=GREY)
    return figure


def collection_chart(points: Sequence[CollectionPoint]) -> Figure:
    figure = _figure("Billed and collected per billing cycle")
    ax = figure.add_subplot()
    if not points:
        _empty(ax)
        return figure
    labels = [p.cycle for p in points]
    x = range(len(points))
    width = 0.4
    ax.bar([i - width / 2 for i in x], [_f(p.billed) for p in points], width,
           label="billed", color=LIGHT)
    ax.bar([i + width / 2 for i in x], [_f(p.collected) for p in points], width,
           label="collected", color=BRAND)
    ax.set_xticks(list(x), labels, **_tick_labels(labels))
    _style(ax)
    _money_axis(ax)
    rate = ax.twinx()
    rate.plot(list(x), [_f(p.efficiency) * 100 if p.efficiency is not None else float("nan")
                        for p in points], color=ACCENT, marker="o", linewidth=2,
              label="collection efficiency")
    rate.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    rate.set_ylim(0, 110)
    rate.spines[["top"]].set_visible(False)
    rate.tick_params(labelsize=8.5, colors=ACCENT)
    handles = ax.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8,
              frameon=False, ncols=3)
    ax.set_ylim(0, max(_f(p.billed) for p in points) * 1.25 or 1)
    return figure


def consumption_chart(points: Sequence[ConsumptionPoint]) -> Figure:
    """Average units per connection over the cycles, one panel per utility (their units
    differ: kWh and m3 do not share an axis)."""
    utilities = sorted({p.utility for p in points})
    figure = _figure("Average consumption per connection", (SIZE[0], SIZE[1]))
    if not utilities:
        _empty(figure.add_subplot())
        return figure
    axes = figure.subplots(1, len(utilities), squeeze=False)[0]
    cycles = sorted({p.cycle for p in points})
    for i, (ax, utility) in enumerate(zip(axes, utilities, strict=True)):
        mine = {p.cycle: p for p in points if p.utility == utility}
        shown = [c for c in cycles if c in mine]
        unit = next(iter(mine.values())).unit
        ax.plot(shown, [_f(mine[c].average_units) for c in shown], marker="o",
                color=SERIES[i % len(SERIES)], linewidth=2)
        ax.set_title(f"{utility.capitalize()} ({unit})", fontsize=10, loc="left")
        ax.set_xticks(range(len(shown)), shown, **_tick_labels(shown))
        ax.set_ylim(0, max(_f(p.average_units) for p in mine.values()) * 1.15 or 1)
        ax.yaxis.set_major_locator(MaxNLocator(6))
        _style(ax)
    return figure


def ageing_chart(rows: Sequence[AgeingRow]) -> Figure:
    figure = _figure("Ageing of dues (days past the due date)")
    ax = figure.add_subplot()
    if not rows or not any(r.bills for r in rows):
        _empty(ax, "No open balances")
        return figure
    colours = [BRAND, ACCENT, "#e07b00", ALERT][:len(rows)]
    bars = ax.bar([r.bucket for r in rows], [_f(r.amount) for r in rows], color=colours,
                  width=0.6)
    ax.bar_label(bars, [f"{format_money(r.amount)}\n{r.bills:,} bills" for r in rows],
                 fontsize=8, padding=3)
    ax.set_ylim(0, max(_f(r.amount) for r in rows) * 1.3 or 1)
    ax.set_xlabel("days", fontsize=9, color=GREY)
    _style(ax)
    _money_axis(ax)
    return figure


def defaulters_chart(rows: Sequence[Defaulter]) -> Figure:
    figure = _figure(f"Top {len(rows)} defaulters (overdue amount)" if rows
                     else "Top defaulters", (SIZE[0], max(SIZE[1], 1.4 + 0.28 * len(rows))))
    ax = figure.add_subplot()
    if not rows:
        _empty(ax, "No overdue bills")
        return figure
    ordered = list(reversed(rows))  # the largest at the top
    labels = [f"{r.account_no}  {r.name[:24]}" for r in ordered]
    bars = ax.barh(labels, [_f(r.overdue_amount) for r in ordered], color=ALERT, height=0.65)
    ax.bar_label(bars, [f"{format_money(r.overdue_amount)} ({r.days_overdue} d)"
                        for r in ordered], fontsize=7.5, padding=3)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlim(0, max(_f(r.overdue_amount) for r in rows) * 1.3 or 1)
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#dde3ea", linewidth=0.8)
    _money_axis(ax, "x")
    return figure


CHARTS: dict[str, tuple[str, Callable[..., Figure]]] = {
    "revenue": ("Revenue per month", revenue_chart),
    "collection": ("Billed vs collected", collection_chart),
    "consumption": ("Consumption", consumption_chart),
    "ageing": ("Ageing of dues", ageing_chart),
    "defaulters": ("Top defaulters", defaulters_chart),
}


def save_png(figure: Figure, path: str | Path, dpi: int = 150) -> Path:
    """The figure as a PNG file (matplotlib renders it with Agg for the file, whatever
    canvas shows it on screen, without replacing that canvas)."""
    target = Path(path)
    figure.savefig(target, format="png", dpi=dpi, facecolor="white")
    return target

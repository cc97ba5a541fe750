"""The report pack for management: every analytics chart with the table of its figures, as
one PDF (reportlab platypus). Charts are drawn by reports/charts.py and placed as pictures;
the tables carry the exact figures to the cent.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.reports import charts
from opsmanager_desktop.reports.figures import Dashboard
from opsmanager_desktop.reports.pdf_text import fmt_qty

WIDTH = A4[0] - 3.6 * cm
MAX_HEIGHT = 10.5 * cm
_STYLES = getSampleStyleSheet()
H1 = ParagraphStyle("h1", parent=_STYLES["Title"], alignment=0, fontSize=20,
                    textColor=colors.HexColor("#1b2733"))
H2 = ParagraphStyle("h2", parent=_STYLES["Heading2"], textColor=colors.HexColor("#1f6fb2"))
BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=9.5, leading=13)
NOTE = ParagraphStyle("note", parent=BODY, fontSize=8, textColor=colors.HexColor("#5a6470"))


def _picture(figure: Figure, width: float = WIDTH, most: float = MAX_HEIGHT) -> Image:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=170, facecolor="white")
    buffer.seek(0)
    w, h = figure.get_size_inches()
    width = min(width, most * w / h)  # a tall chart narrower, so its table fits below
    return Image(buffer, width=width, height=width * h / w)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]],
           total: Sequence[str] | None = None, text_columns: int = 1) -> Table:
    """Text in the first `text_columns` columns (left), figures after them (right)."""
    data = [list(header), *[list(r) for r in rows]]
    if total is not None:
        data.append(list(total))
    table = Table(data, repeatRows=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f6fb2")),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("ALIGN", (text_columns, 0), (-1, -1), "RIGHT"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f1f5f9")]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.HexColor("#1f6fb2")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if total is not None:
        style += [("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8.5),
                  ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]
    table.setStyle(TableStyle(style))
    return table


def _money_sum(values: Sequence[Decimal]) -> str:
    return format_money(sum(values, Decimal("0.00")))


def _percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _sections(d: Dashboard) -> list[tuple[str, Figure, Table, str]]:
    out: list[tuple[str, Figure, Table, str]] = []
    if d.revenue is not None:
        out.append(("Revenue collected per month", charts.revenue_chart(d.revenue), _table(
            ["Month", "Collected"], [[r.month, format_money(r.collected)] for r in d.revenue],
            ["Total", _money_sum([r.collected for r in d.revenue])]),
            "Money received in the month, net of reversed payments."))
    if d.collection is not None:
        c = d.collection
        out.append(("Billed and collected per cycle", charts.collection_chart(c), _table(
            ["Cycle", "Bills", "Billed", "Collected", "Still open", "Efficiency"],
            [[r.cycle, f"{r.bills:,}", format_money(r.billed), format_money(r.collected),
              format_money(r.outstanding), _percent(r.efficiency)] for r in c],
            ["Total", f"{sum(r.bills for r in c):,}", _money_sum([r.billed for r in c]),
             _money_sum([r.collected for r in c]), _money_sum([r.outstanding for r in c]),
             ""]),
            "Issued bills of each cycle; efficiency = collected / billed."))
    out.append(("Average consumption per connection", charts.consumption_chart(d.consumption),
                _table(["Cycle", "Utility", "Connections", "Units billed", "Average"],
                       [[r.cycle, r.utility, f"{r.connections:,}",
                         f"{fmt_qty(r.total_units)} {r.unit}",
                         f"{fmt_qty(r.average_units)} {r.unit}"] for r in d.consumption],
                       text_columns=2),
                "Units billed in each cycle, per connection billed."))
    if d.ageing is not None:
        out.append(("Ageing of dues", charts.ageing_chart(d.ageing), _table(
            ["Days past due", "Open bills", "Amount"],
            [[r.bucket, f"{r.bills:,}", format_money(r.amount)] for r in d.ageing],
            ["Total", f"{sum(r.bills for r in d.ageing):,}",
             _money_sum([r.amount for r in d.ageing])]),
            f"Open balances as of {d.as_of:%d %b %Y}; 0-30 includes bills not due yet."))
    if d.defaulters is not None:
        out.append(("Top defaulters", charts.defaulters_chart(d.defaulters), _table(
            ["Account", "Name", "Overdue bills", "Overdue amount", "Oldest due", "Days"],
            [[r.account_no, r.name[:30], f"{r.overdue_bills:,}",
              format_money(r.overdue_amount), r.oldest_due.isoformat(),
              f"{r.days_overdue:,}"] for r in d.defaulters], text_columns=2),
            f"Accounts with bills past their due date as of {d.as_of:%d %b %Y}."))
    return out


def write_pack(dashboard: Dashboard, path: Path, title: str, company: str = "") -> int:
    """The pack at `path`; returns its page count."""
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=1.8 * cm,
                            rightMargin=1.8 * cm, topMargin=1.6 * cm, bottomMargin=1.6 * cm,
                            title=title, author=company or "Ops Manager Desktop")
    story: list[Any] = [
        Paragraph(title, H1),
        Paragraph(escape(company), BODY),
        Paragraph(f"{dashboard.filter.describe()}. Made "
                  f"{datetime.now():%d %b %Y %H:%M}.", NOTE),
        Spacer(1, 0.4 * cm),
    ]
    for i, (heading, figure, table, note) in enumerate(_sections(dashboard)):
        if i:
            story.append(PageBreak())
        story += [KeepTogether([Paragraph(heading, H2), Paragraph(note, NOTE),
                                Spacer(1, 0.2 * cm), _picture(figure)]),
                  Spacer(1, 0.3 * cm), table]

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#5a6470"))
        canvas.drawString(1.8 * cm, 1 * cm, title)
        canvas.drawRightString(A4[0] - 1.8 * cm, 1 * cm, f"page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return int(doc.page)

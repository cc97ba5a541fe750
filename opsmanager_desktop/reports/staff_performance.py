"""The staff performance table as files: an Excel workbook (a sheet per person and per team)
and a PDF on the company's letterhead (landscape A4, a table per person and per team).

Both take the computed result (services/staff_performance.StaffPerformance) and show the
same columns as the desktop page (COLUMNS below); a figure whose source table does not
exist yet is left out rather than shown as zeros.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from opsmanager_desktop.domain.staff_performance import SCORED
from opsmanager_desktop.reports.pack import BODY, H1, H2, NOTE, _table
from opsmanager_desktop.reports.printable import Company
from opsmanager_desktop.reports.workbooks import COUNT, Col, _sheet

RATE_FORMAT = "0.0%"
SCORE_FORMAT = "0.00"


@dataclass(frozen=True)
class ReportColumn:
    key: str
    title: str
    value: Callable[[Any], Any]   # of a services.staff_performance.PerformanceRow
    kind: str = "count"           # text | count | rate | score
    source: str | None = None     # shown only when this source was counted
    teams: bool = True            # shown on the team table
    people: bool = True           # shown on the person table


COLUMNS: tuple[ReportColumn, ...] = (
    ReportColumn("rank", "Rank", lambda r: r.rank),
    ReportColumn("key", "User", lambda r: r.key, "text", teams=False),
    ReportColumn("key", "Team", lambda r: r.key, "text", people=False),
    ReportColumn("name", "Name", lambda r: r.name, "text"),
    ReportColumn("team", "Team", lambda r: r.team or "", "text", teams=False),
    ReportColumn("people", "People", lambda r: r.people, people=False),
    ReportColumn("score", "Score", lambda r: r.score, "score"),
    ReportColumn("readings", "Readings", lambda r: r.metrics.readings, source="readings"),
    ReportColumn("approved", "Approved", lambda r: r.metrics.readings_approved,
                 source="readings"),
    ReportColumn("rejected", "Rejected", lambda r: r.metrics.readings_rejected,
                 source="readings"),
    ReportColumn("rate", "Approval rate", lambda r: r.metrics.approval_rate, "rate",
                 source="readings"),
    ReportColumn("bills", "Bills distributed", lambda r: r.metrics.bills_distributed,
                 source="bill deliveries"),
    ReportColumn("enumerations", "Enumerations", lambda r: r.metrics.enumerations,
                 source="enumerations"),
    ReportColumn("enumerations_approved", "Enum. approved",
                 lambda r: r.metrics.enumerations_approved, source="enumerations"),
    ReportColumn("evaluations", "Evaluations", lambda r: r.metrics.evaluations,
                 source="evaluations"),
    ReportColumn("evaluations_approved", "Eval. approved",
                 lambda r: r.metrics.evaluations_approved, source="evaluations"),
    ReportColumn("on_time", "Closed on time", lambda r: r.metrics.closed_on_time,
                 source="cases"),
    ReportColumn("late", "Closed late", lambda r: r.metrics.closed_late, source="cases"),
    ReportColumn("disconnections", "Disconnections", lambda r: r.metrics.disconnections,
                 source="disconnections"),
    ReportColumn("reconnections", "Reconnections", lambda r: r.metrics.reconnections,
                 source="disconnections"),
)


def columns_for(sources: Sequence[str], *, teams: bool) -> list[ReportColumn]:
    have = set(sources)
    if have & {"complaints", "support tickets"}:
        have.add("cases")
    return [c for c in COLUMNS if (c.teams if teams else c.people)
            and (c.source is None or c.source in have)]


def score_note() -> str:
    figures = ", ".join(name for name, _value in SCORED)
    return ("Score (0-100): each of these figures divided by the best anyone in the table "
            f"reached, averaged: {figures}. Late closures are shown, not scored. Equal "
            "scores are ordered by user name (team code).")


def text_of(column: ReportColumn, value: Any) -> str:
    if value is None:
        return "" if column.kind != "rate" else "-"
    if column.kind == "rate":
        return f"{Decimal(value) * 100:.1f}%"
    if column.kind == "score":
        return f"{value:.2f}"
    if column.kind == "count":
        return f"{value:,}"
    return str(value)


# --- Excel ------------------------------------------------------------------------------------
def _xlsx_columns(columns: Sequence[ReportColumn]) -> list[Col]:
    formats = {"text": None, "count": COUNT, "rate": RATE_FORMAT, "score": SCORE_FORMAT}
    widths = {"name": 26, "key": 14, "rate": 15, "score": 10}
    return [Col(c.title, c.value, formats[c.kind], widths.get(c.key, widths.get(c.kind, 13)),
                total=c.kind == "count" and c.key not in ("rank", "people"))
            for c in columns]


def write_workbook(result: Any, path: Path, title: str, company: Company) -> list[str]:
    book = Workbook()
    for default in list(book.worksheets):
        book.remove(default)
    made = (f"{company.name}; {result.period.describe()}, both days included; "
            f"made {datetime.now():%Y-%m-%d %H:%M}")
    _sheet(book, "Per person", f"{title}: per person", made,
           _xlsx_columns(columns_for(result.sources, teams=False)), result.people)
    _sheet(book, "Per team", f"{title}: per team (sum of the members)", made,
           _xlsx_columns(columns_for(result.sources, teams=True)), result.teams)
    notes = book.create_sheet("How it is counted")
    notes["A1"] = score_note()
    notes["A2"] = "Figures counted: " + ", ".join(result.sources)
    notes.column_dimensions["A"].width = 120
    book.properties.title = title
    book.properties.creator = company.name
    book.save(path)
    return list(book.sheetnames)


# --- PDF --------------------------------------------------------------------------------------
def _pdf_table(rows: Sequence[Any], columns: Sequence[ReportColumn]) -> Any:
    texts = sum(1 for c in columns[1:] if c.kind == "text") + 1
    ordered = [columns[0], *[c for c in columns[1:] if c.kind == "text"],
               *[c for c in columns[1:] if c.kind != "text"]]
    body = [[text_of(c, c.value(r)) if c.key != "name" else str(c.value(r))[:28]
             for c in ordered] for r in rows]
    return _table([c.title for c in ordered], body, text_columns=texts)


def write_pdf(result: Any, path: Path, title: str, company: Company) -> int:
    size = landscape(A4)
    doc = SimpleDocTemplate(str(path), pagesize=size, leftMargin=1.2 * cm,
                            rightMargin=1.2 * cm, topMargin=1.2 * cm, bottomMargin=1.4 * cm,
                            title=title, author=company.name)
    head = [Paragraph(escape(company.name), H1)]
    for line in (company.address, company.contact):
        if line:
            head.append(Paragraph(escape(line), BODY))
    story: list[Any] = [
        *head, Spacer(1, 0.3 * cm), Paragraph(escape(title), H2),
        Paragraph(f"{result.period.describe()}, both days included"
                  + (f"; team {escape(result.team)}" if result.team else "")
                  + f". Made {datetime.now():%d %b %Y %H:%M}.", NOTE),
        Paragraph(escape(score_note()), NOTE), Spacer(1, 0.3 * cm),
        Paragraph("Per person", H2),
    ]
    story.append(_pdf_table(result.people, columns_for(result.sources, teams=False))
                 if result.people else Paragraph("Nobody did any of this work.", BODY))
    story += [PageBreak(), Paragraph("Per team", H2)]
    story.append(_pdf_table(result.teams, columns_for(result.sources, teams=True))
                 if result.teams else Paragraph("No teams.", BODY))

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#5a6470"))
        canvas.drawString(1.2 * cm, 0.8 * cm, f"{company.name}: {title}")
        canvas.drawRightString(size[0] - 1.2 * cm, 0.8 * cm, f"page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return int(doc.page)

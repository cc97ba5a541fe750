"""The year's reports as one formatted Excel workbook: a sheet per report, each with a
title, what it covers, a bold frozen header with an auto-filter, real numbers (money
#,##0.00, units #,##0.000, ratios as percentages, dates as dates) and sensible widths.

Money cells hold the exact Decimal the database summed (openpyxl writes its digits); totals
are sums of those Decimals, written as values so any reader sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from opsmanager_desktop.reports.figures import Dashboard

MONEY = "#,##0.00"
UNITS = "#,##0.000"
COUNT = "#,##0"
PERCENT = "0.00%"
DATE = "yyyy-mm-dd"
TITLE = Font(bold=True, size=14, color="1B2733")
SUBTITLE = Font(italic=True, size=9, color="5A6470")
HEADER = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F6FB2")
TOTAL = Font(bold=True)
TOTAL_BORDER = Border(top=Side(style="thin", color="1B2733"))
HEADER_ROW = 4  # title, subtitle, blank line, header


@dataclass(frozen=True)
class Col:
    title: str
    value: Callable[[Any], Any]
    number_format: str | None = None
    width: int = 14
    total: bool = False  # a sum under the column


def _sheet(book: Workbook, name: str, title: str, subtitle: str, columns: Sequence[Col],
           rows: Sequence[Any]) -> Worksheet:
    sheet: Worksheet = book.create_sheet(name)
    sheet["A1"] = title
    sheet["A1"].font = TITLE
    sheet["A2"] = subtitle
    sheet["A2"].font = SUBTITLE
    for c, col in enumerate(columns, start=1):
        cell = sheet.cell(HEADER_ROW, c, col.title)
        cell.font = HEADER
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="left" if col.number_format is None
                                   else "right", vertical="center")
        sheet.column_dimensions[get_column_letter(c)].width = max(col.width,
                                                                   len(col.title) + 3)
    for r, row in enumerate(rows, start=HEADER_ROW + 1):
        for c, col in enumerate(columns, start=1):
            cell = sheet.cell(r, c, col.value(row))
            if col.number_format:
                cell.number_format = col.number_format
    last = HEADER_ROW + len(rows)
    if rows and any(col.total for col in columns):
        total_row = last + 1
        sheet.cell(total_row, 1, "Total").font = TOTAL
        for c, col in enumerate(columns, start=1):
            under = sheet.cell(total_row, c)
            under.border = TOTAL_BORDER
            if col.total:
                under.value = sum((col.value(row) or 0 for row in rows),
                                 Decimal("0.00") if col.number_format == MONEY else 0)
                under.number_format = col.number_format or COUNT
                under.font = TOTAL
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    right = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{right}{max(last, HEADER_ROW)}"
    if not rows:
        sheet.cell(HEADER_ROW + 1, 1, "Nothing in this period.").font = SUBTITLE
    return sheet


def write_year_workbook(dashboard: Dashboard, path: Path, title: str) -> list[str]:
    """The workbook at `path`; returns its sheet names. The dashboard must carry the money
    figures (a financial role computed it)."""
    if dashboard.revenue is None or dashboard.collection is None or dashboard.ageing is None \
            or dashboard.defaulters is None:
        raise ValueError("the workbook needs the financial figures")
    book = Workbook()
    for default in list(book.worksheets):  # the empty sheet a new workbook starts with
        book.remove(default)
    covers = dashboard.filter.describe()
    made = f"{covers}; made {datetime.now():%Y-%m-%d %H:%M}"
    today = f"open balances as of {dashboard.as_of.isoformat()}"
    _sheet(book, "Revenue by month", f"{title}: revenue collected per month", made, [
        Col("Month", lambda r: r.month, width=12),
        Col("Collected", lambda r: r.collected, MONEY, 18, total=True),
    ], dashboard.revenue)
    _sheet(book, "Billed vs collected", f"{title}: billed and collected per cycle", made, [
        Col("Cycle", lambda r: r.cycle, width=12),
        Col("Bills issued", lambda r: r.bills, COUNT, total=True),
        Col("Billed", lambda r: r.billed, MONEY, 18, total=True),
        Col("Collected", lambda r: r.collected, MONEY, 18, total=True),
        Col("Still open", lambda r: r.outstanding, MONEY, 18, total=True),
        # the ratio (0.9512) itself; the cell's percent format shows 95.12%
        Col("Collection efficiency", lambda r: r.efficiency, PERCENT, 20),
    ], dashboard.collection)
    _sheet(book, "Ageing", f"{title}: ageing of dues", today, [
        Col("Days past due", lambda r: r.bucket, width=16),
        Col("Open bills", lambda r: r.bills, COUNT, total=True),
        Col("Amount", lambda r: r.amount, MONEY, 18, total=True),
    ], dashboard.ageing)
    _sheet(book, "Top defaulters", f"{title}: top {len(dashboard.defaulters)} defaulters",
           today, [
               Col("Account", lambda r: r.account_no, width=14),
               Col("Name", lambda r: r.name, width=30),
               Col("Overdue bills", lambda r: r.overdue_bills, COUNT),
               Col("Overdue amount", lambda r: r.overdue_amount, MONEY, 18, total=True),
               Col("Oldest due date", lambda r: r.oldest_due, DATE, 16),
               Col("Days overdue", lambda r: r.days_overdue, COUNT),
           ], dashboard.defaulters)
    _sheet(book, "Consumption", f"{title}: consumption per utility and cycle", made, [
        Col("Cycle", lambda r: r.cycle, width=12),
        Col("Utility", lambda r: r.utility, width=14),
        Col("Unit", lambda r: r.unit, width=8),
        Col("Connections billed", lambda r: r.connections, COUNT),
        Col("Units billed", lambda r: r.total_units, UNITS, 18),
        Col("Average per connection", lambda r: r.average_units, UNITS, 22),
    ], dashboard.consumption)
    _sheet(book, "By tariff", f"{title}: consumption and billing by utility and tariff",
           made, [
               Col("Utility", lambda r: r.utility, width=14),
               Col("Tariff", lambda r: r.tariff, width=12),
               Col("Tariff name", lambda r: r.tariff_name, width=26),
               Col("Unit", lambda r: r.unit, width=8),
               Col("Bills", lambda r: r.bills, COUNT, total=True),
               Col("Units billed", lambda r: r.total_units, UNITS, 18),
               Col("Average per bill", lambda r: r.average_units, UNITS, 18),
               Col("Billed", lambda r: r.billed, MONEY, 18, total=True),
           ], dashboard.by_tariff)
    book.properties.title = title
    book.properties.creator = "Ops Manager Desktop"
    book.save(path)
    return list(book.sheetnames)


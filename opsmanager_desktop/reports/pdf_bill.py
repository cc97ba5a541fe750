"""One bill as a section of the printed statement (reports/pdf_statement.py lays out the
pages): the connection and its readings, every charge line, the bill's subtotal and the
adjustments on it.

A section is drawn below a `top` the page layout chooses; its frame (band, labels, the
charges' column heads) is a form drawn once per document and placed by a translation, so
a page writes only its figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.reports.pdf_text import (
    BOLD,
    FONT,
    fit,
    fmt_date,
    fmt_qty,
    fmt_rate,
    font_for,
    put_text,
    use_fill,
    use_font,
)
from opsmanager_desktop.reports.printable import PrintableBill, PrintLine

WIDTH, HEIGHT = A4
LEFT, RIGHT = 36.0, WIDTH - 36.0
BRAND = HexColor("#1f6fb2")
TINT = HexColor("#eaf3fb")
GREY = HexColor("#5a6470")
RULE = HexColor("#b8c4d0")
ALERT = HexColor("#b3261e")
PAID = HexColor("#1d5e33")
BLACK = Color(0, 0, 0)
ZERO_MONEY = Decimal("0.00")

SECTION_FORM = "section"
FORM_TOP = 800.0  # the form is drawn for a section whose top is here, then moved
# a section, from its top: band, two rows of connection and reading, the column heads,
# then its lines
BAND = 16.0
HEAD = 60.0  # from the top to the rule under the column heads
LINE_STEP = 11.5
SUBTOTAL = 17.0  # the rule above the subtotal and the subtotal's row
GAP = 8.0  # between sections
MAX_LINES = 13
# the charges columns (right edges of the figures)
COL_UNITS, COL_RATE, COL_AMOUNT = 372.0, 462.0, RIGHT - 6
# the three columns of the connection rows: label, value
COLUMNS = ((LEFT + 6, LEFT + 76), (240.0, 310.0), (444.0, RIGHT - 6))


def _labels(c: Any, top: float) -> None:
    use_fill(c, GREY)
    use_font(c, FONT, 8)
    for (x, _value), labels in zip(COLUMNS, (("Meter no.", "Previous reading"),
                                              ("Tariff", "Current reading"),
                                              ("Route", "Units used")), strict=True):
        c.drawString(x, top - 29, labels[0])
        c.drawString(x, top - 41, labels[1])


def draw_section_form(c: Any) -> None:
    c.beginForm(SECTION_FORM)
    top = FORM_TOP
    use_fill(c, TINT)
    c.rect(LEFT, top - BAND, RIGHT - LEFT, BAND, stroke=0, fill=1)
    use_fill(c, GREY)
    use_font(c, FONT, 8)
    c.drawString(200, top - 11.5, "Bill no.")
    _labels(c, top)
    use_font(c, BOLD, 7.5)
    c.drawString(LEFT + 6, top - HEAD + 4, "Description")
    c.drawRightString(COL_UNITS, top - HEAD + 4, "Units")
    c.drawRightString(COL_RATE, top - HEAD + 4, "Rate")
    c.drawRightString(COL_AMOUNT, top - HEAD + 4, "Amount")
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(LEFT, top - HEAD, RIGHT, top - HEAD)
    c.endForm()


def printed_lines(bill: PrintableBill) -> list[PrintLine]:
    """The charge lines as printed: more than MAX_LINES (never in practice) end in one
    line of the rest, so the section still adds up."""
    lines = list(bill.lines)
    if len(lines) <= MAX_LINES:
        return lines
    rest = lines[MAX_LINES - 1:]
    return [*lines[:MAX_LINES - 1], PrintLine(
        "OTHER", f"{len(rest)} further charges", None, None,
        sum((ln.amount for ln in rest), ZERO_MONEY))]


def section_height(bill: PrintableBill) -> float:
    lines = min(len(bill.lines), MAX_LINES)
    return HEAD + lines * LINE_STEP + SUBTOTAL + len(bill.adjustments) * LINE_STEP + GAP


def line_text(line: PrintLine) -> str:
    if line.kind == "TAX" and line.quantity is not None:
        return f"{line.description} of {format_money(line.quantity)}"
    return line.description


def _value(c: Any, x: float, y: float, text: str, width: float, size: float = 9.0,
           bold: bool = False, right: bool = False) -> None:
    font = font_for(text, bold)
    put_text(c, x, y, fit(text, font, size, width), font, size, right)


def _reading(c: Any, x: float, y: float, value: Decimal | None, on: date | None) -> None:
    """A meter reading and, smaller and grey, the day it was read."""
    text = fmt_qty(value)
    put_text(c, x, y, text, FONT, 9)
    if on is not None:
        use_fill(c, GREY)
        put_text(c, x + stringWidth(text, FONT, 9) + 4, y, f"on {fmt_date(on)}", FONT, 7.5)
        use_fill(c, BLACK)


def draw_section(c: Any, bill: PrintableBill, top: float) -> float:
    """The section below `top`; returns where the next one begins."""
    c.saveState()
    c.translate(0, top - FORM_TOP)
    c.doForm(SECTION_FORM)
    c.restoreState()
    band = top - 11.5
    use_fill(c, BRAND)
    _value(c, LEFT + 6, band, bill.utility.upper(), 150, 9.5, bold=True)
    use_fill(c, BLACK)
    put_text(c, 234, band, bill.bill_no, BOLD, 8.5)
    if bill.is_estimated:
        use_fill(c, ALERT)
        put_text(c, RIGHT - 6, band, "ESTIMATED READING", BOLD, 8.5, right=True)
    elif bill.status == "PAID":
        use_fill(c, PAID)
        put_text(c, RIGHT - 6, band, "PAID", BOLD, 8.5, right=True)
    use_fill(c, BLACK)
    (_l1, v1), (_l2, v2), (_l3, v3) = COLUMNS
    _value(c, v1, top - 29, bill.meter_number, 150)
    _value(c, v2, top - 29, f"{bill.tariff_code} {bill.tariff_name}", 128)
    _value(c, v3, top - 29, bill.transformer or "-", 60, right=True)
    _reading(c, v1, top - 41, bill.previous_reading, bill.previous_read_on)
    _reading(c, v2, top - 41, bill.current_reading, bill.read_on)
    put_text(c, v3, top - 41, f"{fmt_qty(bill.units)} {bill.unit}"
             + (" E" if bill.is_estimated else ""), BOLD, 9.5, right=True)
    y = top - HEAD - 11
    for line in printed_lines(bill):
        _value(c, LEFT + 6, y, line_text(line), 250)
        # units and rate columns hold energy units and money rates only: a tax line's
        # quantity is its base (money) and its rate a percent, said in its description
        if line.kind == "ENERGY" and line.quantity is not None:
            put_text(c, COL_UNITS, y, fmt_qty(line.quantity), FONT, 9, right=True)
        if line.kind in ("ENERGY", "FIXED") and line.rate is not None:
            put_text(c, COL_RATE, y, fmt_rate(line.rate), FONT, 9, right=True)
        put_text(c, COL_AMOUNT, y, format_money(line.amount), FONT, 9, right=True)
        y -= LINE_STEP
    rule = y + LINE_STEP - 4
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(LEFT + 200, rule, RIGHT, rule)
    y = rule - 11.5
    _value(c, COL_RATE, y, f"{bill.utility} charges", 200, bold=True, right=True)
    put_text(c, COL_AMOUNT, y, format_money(bill.total), BOLD, 9, right=True)
    use_fill(c, GREY)
    for adjustment in bill.adjustments:
        y -= LINE_STEP
        _value(c, LEFT + 6, y, f"{adjustment.description} (in the account summary's "
               "adjustments)", 330, 8.5)
        put_text(c, COL_AMOUNT, y, format_money(adjustment.amount), FONT, 8.5, right=True)
    use_fill(c, BLACK)
    return top - section_height(bill)

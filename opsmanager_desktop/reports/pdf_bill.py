"""The printed bill: one A4 page a customer understands at a glance.

Top to bottom: company and bill number; the customer and the amount due with its date;
the connection and its readings; every charge line; the account summary (previous balance,
payments since the last bill, current charges, total due); and a payment slip to tear off
with a QR code carrying the payment reference.

Speed (a cycle is tens of thousands of pages): everything that is the same on every page
(frame, headings, labels, logo, company name) is drawn once per document as a form
XObject (`beginForm`/`doForm`); a page then only writes its own figures and its QR code.
`render_chunk` is the unit of work a worker process runs.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.reports.pdf_text import (
    BOLD,
    FONT,
    fit,
    fmt_date,
    fmt_due,
    fmt_qty,
    fmt_rate,
    font_for,
    wrap,
)
from opsmanager_desktop.reports.printable import Company, PrintableBill, PrintLine
from opsmanager_desktop.reports.qr import draw_qr

WIDTH, HEIGHT = A4
LEFT, RIGHT = 36.0, WIDTH - 36.0
BRAND = HexColor("#1f6fb2")
TINT = HexColor("#eaf3fb")
GREY = HexColor("#5a6470")
RULE = HexColor("#b8c4d0")
ALERT = HexColor("#b3261e")
PAID = HexColor("#1d5e33")
BLACK = Color(0, 0, 0)
FORM = "bill"
ZERO_MONEY = Decimal("0.00")

# the charges table: rows at these heights (the frame is part of the form)
LINES_TOP = 506.0
LINE_STEP = 13.5
MAX_LINES = 13
# the charges columns (right edges of the figures)
COL_UNITS, COL_RATE, COL_AMOUNT = 372.0, 462.0, RIGHT - 8
# the payment slip
SLIP_TOP = 178.0
QR_SIZE = 118.0


# --- the form: drawn once per document -----------------------------------------------------

def _heading(c: Any, x: float, y: float, text: str) -> None:
    c.setFillColor(BRAND)
    c.setFont(BOLD, 8.5)
    c.drawString(x, y, text.upper())


def _labels(c: Any, x: float, y: float, labels: Sequence[str], step: float = 14.0) -> None:
    c.setFillColor(GREY)
    c.setFont(FONT, 8.5)
    for i, label in enumerate(labels):
        c.drawString(x, y - i * step, label)


def draw_form(c: Any, company: Company, logo: Path | None) -> None:
    c.beginForm(FORM)
    # header
    if logo is not None and logo.is_file():
        c.drawImage(str(logo), LEFT, 768, 48, 48, mask="auto")
    text_x = LEFT + (58 if logo is not None and logo.is_file() else 0)
    c.setFillColor(BLACK)
    c.setFont(BOLD, 15)
    name_font = font_for(company.name, bold=True)
    c.setFont(name_font, 15)
    c.drawString(text_x, 800, fit(company.name, name_font, 15, 250))
    c.setFillColor(GREY)
    c.setFont(FONT, 8)
    c.drawString(text_x, 787, fit(company.address, FONT, 8, 260))
    c.drawString(text_x, 776, fit(company.contact, FONT, 8, 260))
    _labels(c, 380, 786, ["Bill no.", "Billing month", "Issued on"], 12)
    c.setStrokeColor(BRAND)
    c.setLineWidth(2)
    c.line(LEFT, 752, RIGHT, 752)
    # customer (left) and amount due (right)
    c.setLineWidth(0.6)
    c.setStrokeColor(RULE)
    _heading(c, LEFT, 736, "Customer")
    _labels(c, LEFT, 720, ["Account no.", "Name", "Address", "", "Route"])
    c.setFillColor(TINT)
    c.roundRect(350, 650, RIGHT - 350, 96, 6, stroke=0, fill=1)
    _heading(c, 362, 730, "Amount due")
    _labels(c, 362, 668, ["Pay by"])
    # connection and reading
    c.line(LEFT, 640, RIGHT, 640)
    _heading(c, LEFT, 626, "Connection and reading")
    _labels(c, LEFT, 610, ["Service", "Meter no.", "Tariff", "Billing period"])
    _labels(c, 300, 610, ["Previous reading", "Current reading", "Units used"])
    # charges
    c.line(LEFT, 546, RIGHT, 546)
    _heading(c, LEFT, 532, "Charges for this month")
    c.setFillColor(TINT)
    c.rect(LEFT, 512, RIGHT - LEFT, 14, stroke=0, fill=1)
    c.setFillColor(GREY)
    c.setFont(BOLD, 8)
    c.drawString(LEFT + 6, 516, "Description")
    c.drawRightString(COL_UNITS, 516, "Units")
    c.drawRightString(COL_RATE, 516, "Rate")
    c.drawRightString(COL_AMOUNT, 516, "Amount")
    bottom = LINES_TOP - MAX_LINES * LINE_STEP
    c.line(LEFT, bottom, RIGHT, bottom)
    c.setFillColor(BLACK)
    c.setFont(BOLD, 9.5)
    c.drawString(LEFT + 6, bottom - 14, "Current charges")
    # account summary (left) and notes (right)
    c.line(LEFT, 300, RIGHT, 300)
    _heading(c, LEFT, 286, "Account summary")
    _labels(c, LEFT, 270, ["Previous balance", "Less payments since the last bill",
                           "Current charges"])
    c.setStrokeColor(BLACK)
    c.line(LEFT, 226, 318, 226)
    c.setFillColor(BLACK)
    c.setFont(BOLD, 11)
    c.drawString(LEFT, 212, "Total due")
    _heading(c, 350, 286, "How to pay")
    c.setFillColor(GREY)
    c.setFont(FONT, 7.5)
    for i, line in enumerate((
            "Pay at any of our offices or partner banks, or online,",
            "quoting the payment reference on the slip below, or scan",
            "its QR code with your banking app.",
            "Payments made after the issue date appear on your next bill.",
            "E after the units: the reading was estimated; the next",
            "actual reading corrects it.")):
        c.drawString(350, 270 - i * 10, line)
    # the slip
    c.setStrokeColor(GREY)
    c.setDash(3, 3)
    c.line(LEFT, 192, RIGHT, 192)
    c.setDash()
    c.setFont(FONT, 7)
    c.setFillColor(GREY)
    c.drawCentredString(WIDTH / 2, 195, "Detach this slip and hand it in with your payment")
    c.setFillColor(BLACK)
    c.setFont(name_font, 10)
    c.drawString(LEFT, SLIP_TOP - 4, fit(company.name, name_font, 10, 230))
    _heading(c, 280, SLIP_TOP - 4, "Payment slip")
    _labels(c, LEFT, SLIP_TOP - 24, ["Account no.", "Name", "Bill no.", "Billing month",
                                     "Amount due", "Pay by", "Payment reference"], 15)
    c.endForm()


# --- one page ----------------------------------------------------------------------------

def _value(c: Any, x: float, y: float, text: str, size: float = 9.0, bold: bool = False,
           width: float = 220.0) -> None:
    font = font_for(text, bold)
    c.setFont(font, size)
    c.drawString(x, y, fit(text, font, size, width))


def draw_bill(c: Any, bill: PrintableBill) -> None:
    c.doForm(FORM)
    c.setFillColor(BLACK)
    # header: the bill's own title and numbers
    c.setFont(BOLD, 15)
    c.drawRightString(RIGHT, 800, f"{bill.utility} bill".upper())
    c.setFont(BOLD, 9)
    c.drawRightString(RIGHT, 786, bill.bill_no)
    c.setFont(FONT, 9)
    c.drawRightString(RIGHT, 774, bill.cycle)
    c.drawRightString(RIGHT, 762, fmt_date(bill.issue_date) if bill.issue_date
                      else "not issued")
    # customer
    _value(c, 110, 720, bill.account_no, bold=True)
    _value(c, 110, 706, bill.customer_name, width=230)
    for i, line in enumerate(wrap(bill.address, font_for(bill.address), 9, 230, 2)):
        _value(c, 110, 692 - i * 12, line, width=230)
    _value(c, 110, 664, bill.transformer or "-")
    # amount due: what to pay now (money in hand, or a bill already paid, said in words)
    c.setFont(BOLD, 22)
    if bill.status == "PAID":
        c.setFillColor(PAID)
        c.drawRightString(RIGHT - 12, 694, "PAID")
        c.setFont(FONT, 8.5)
        c.drawRightString(RIGHT - 12, 682, "Nothing more to pay on this bill. Thank you.")
        c.setFillColor(BLACK)
    else:
        c.drawRightString(RIGHT - 12, 694, format_money(amount_to_pay(bill)))
        if bill.total_due < 0:
            c.setFont(FONT, 8.5)
            c.drawRightString(RIGHT - 12, 682, f"Nothing to pay: your account is "
                              f"{format_money(-bill.total_due)} in credit")
    c.setFont(BOLD, 11)
    c.drawString(410, 668, fmt_date(bill.due_date) if bill.due_date else "on issue")
    c.setFont(BOLD, 8)
    if bill.status == "GENERATED":
        c.setFillColor(ALERT)
        c.drawString(362, 656, "DRAFT: not issued yet, not a demand for payment")
    elif bill.status == "OVERDUE":
        c.setFillColor(ALERT)
        c.drawString(362, 656, "OVERDUE: the due date has passed; please pay now")
    c.setFillColor(BLACK)
    # connection and reading
    _value(c, 110, 610, f"{bill.utility} ({bill.unit})", width=180)
    _value(c, 110, 596, bill.meter_number, width=180)
    _value(c, 110, 582, f"{bill.tariff_code} {bill.tariff_name}", width=180)
    _value(c, 110, 568, f"{fmt_date(bill.cycle_start)} to {fmt_date(bill.cycle_end)}",
           width=180)
    c.setFont(FONT, 9)
    c.drawRightString(RIGHT - 8, 610, fmt_qty(bill.previous_reading))
    c.drawRightString(RIGHT - 8, 596, fmt_qty(bill.current_reading))
    c.setFillColor(GREY)
    c.setFont(FONT, 8)
    c.drawString(380, 610, f"on {fmt_date(bill.previous_read_on)}"
                 if bill.previous_read_on else "")
    c.drawString(380, 596, f"on {fmt_date(bill.read_on)}" if bill.read_on else "")
    c.setFillColor(BLACK)
    units = f"{fmt_qty(bill.units)} {bill.unit}" + (" E" if bill.is_estimated else "")
    c.setFont(BOLD, 10)
    c.drawRightString(RIGHT - 8, 582, units)
    if bill.is_estimated:
        c.setFillColor(ALERT)
        c.setFont(BOLD, 8)
        c.drawRightString(RIGHT - 8, 569, "ESTIMATED READING")
        c.setFillColor(BLACK)
    # charges
    _draw_lines(c, bill)
    # account summary
    c.setFont(FONT, 9.5)
    c.drawRightString(318, 270, format_money(bill.previous_balance))
    c.drawRightString(318, 256, f"- {format_money(bill.payments_since_last_bill)}")
    c.drawRightString(318, 242, format_money(bill.current_charges))
    c.setFont(BOLD, 11)
    c.drawRightString(318, 212, fmt_due(bill.total_due))
    if bill.last_bill_issued is not None:
        c.setFillColor(GREY)
        c.setFont(FONT, 7.5)
        c.drawString(LEFT + 128, 256, f"(of {fmt_date(bill.last_bill_issued)})")
        c.setFillColor(BLACK)
    _draw_slip(c, bill)
    c.showPage()


def line_text(line: PrintLine) -> str:
    if line.kind == "TAX" and line.quantity is not None:
        return f"{line.description} of {format_money(line.quantity)}"
    return line.description


def _draw_lines(c: Any, bill: PrintableBill) -> None:
    lines = list(bill.lines)
    if len(lines) > MAX_LINES:  # never in practice; the paper must still add up
        rest = lines[MAX_LINES - 1:]
        lines = [*lines[:MAX_LINES - 1], PrintLine(
            "OTHER", f"{len(rest)} further charges", None, None,
            sum((ln.amount for ln in rest), Decimal("0.00")))]
    y = LINES_TOP - 10
    for line in lines:
        c.setFont(FONT, 9)
        c.drawString(LEFT + 6, y, fit(line_text(line), FONT, 9, 250))
        # units and rate columns hold energy units and money rates only: a tax line's
        # quantity is its base (money) and its rate a percent, said in its description
        if line.kind == "ENERGY" and line.quantity is not None:
            c.drawRightString(COL_UNITS, y, fmt_qty(line.quantity))
        if line.kind in ("ENERGY", "FIXED") and line.rate is not None:
            c.drawRightString(COL_RATE, y, fmt_rate(line.rate))
        c.drawRightString(COL_AMOUNT, y, format_money(line.amount))
        y -= LINE_STEP
    c.setFont(BOLD, 9.5)
    c.drawRightString(COL_AMOUNT, LINES_TOP - MAX_LINES * LINE_STEP - 14,
                      format_money(bill.current_charges))


def amount_to_pay(bill: PrintableBill) -> Decimal:
    """The slip's amount: the total due, nothing when in credit or already paid."""
    if bill.status == "PAID":
        return ZERO_MONEY
    return max(bill.total_due, ZERO_MONEY)


def qr_payload(bill: PrintableBill) -> str:
    """What the QR code carries: a tag, the payment reference (the bill number), the
    account, the amount to pay and the due date, in QR's compact upper-case alphabet."""
    due = bill.due_date.strftime("%Y%m%d") if bill.due_date else ""
    amount = f"{amount_to_pay(bill):.2f}"
    return f"OPSMPAY:{bill.payment_reference}:{bill.account_no}:{amount}:{due}".upper()


def _draw_slip(c: Any, bill: PrintableBill) -> None:
    top = SLIP_TOP - 24
    due = fmt_date(bill.due_date) if bill.due_date else "-"
    to_pay = "Paid" if bill.status == "PAID" else format_money(amount_to_pay(bill))
    values = [bill.account_no, bill.customer_name, bill.bill_no, bill.cycle, to_pay, due,
              bill.payment_reference]
    for i, text in enumerate(values):
        bold = i in (4, 6)
        _value(c, 150, top - i * 15, text, size=10 if bold else 9, bold=bold, width=250)
    draw_qr(c, qr_payload(bill), RIGHT - QR_SIZE, 22, QR_SIZE)
    c.setFillColor(GREY)
    c.setFont(FONT, 7)
    c.drawCentredString(RIGHT - QR_SIZE / 2, 18, "Scan to pay")
    c.setFillColor(BLACK)


# --- documents ---------------------------------------------------------------------------

@contextmanager
def _binary_streams() -> Iterator[None]:
    """Flate without the ASCII85 layer: smaller files, and pdf_merge reads them by length."""
    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def render_chunk(bills: Sequence[PrintableBill], company: Company,
                 logo: str | None = None, title: str = "Bills") -> bytes:
    """The bills as one PDF, one page each (the work of one worker process call)."""
    buffer = io.BytesIO()
    with _binary_streams():
        c = Canvas(buffer, pagesize=A4, pageCompression=1)
        c.setTitle(title)
        c.setCreator("Ops Manager Desktop")
        draw_form(c, company, Path(logo) if logo else None)
        for bill in bills:
            draw_bill(c, bill)
        c.save()
    return buffer.getvalue()

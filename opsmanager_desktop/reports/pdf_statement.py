"""The printed account statement (docs/decisions.md 42): what one account receives for a
cycle, on as many A4 pages as its connections need.

First page: company and statement number; the account and the amount due with its date;
then a section per bill (reports/pdf_bill.py). Further pages: a short heading ("continued",
the account and statement number) and more sections. The last page ends with the account
summary (previous balance, payments received and reversed since, adjustments, current
charges of all the statement's bills, total due or credit) and the one payment slip, with
a QR code carrying the payment reference. Every page of a statement of several says
"Page x of y".

Speed (a cycle is tens of thousands of pages): everything that is the same on every page
(headings, labels, logo, company name, a section's frame) is drawn once per document as a
form XObject (`beginForm`/`doForm`); a page then only writes its own figures and its QR
code. `render_chunk` is the unit of work a worker process runs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.reports.pdf_bill import (
    ALERT,
    BLACK,
    BRAND,
    GREY,
    LEFT,
    PAID,
    RIGHT,
    RULE,
    TINT,
    WIDTH,
    draw_section,
    draw_section_form,
    section_height,
)
from opsmanager_desktop.reports.pdf_merge import joinable_streams
from opsmanager_desktop.reports.pdf_text import (
    BOLD,
    FONT,
    fit,
    fmt_date,
    fmt_due,
    font_for,
    put_text,
    use_fill,
    use_font,
    wrap,
)
from opsmanager_desktop.reports.printable import (
    Company,
    PaperKind,
    PrintableBill,
    PrintableStatement,
)
from opsmanager_desktop.reports.qr import draw_qr

FIRST, NEXT, CLOSE = "first", "next", "close"
# where sections may go: below the first page's account block or a further page's
# heading, above the bottom margin, or above the summary on the last page
FIRST_TOP, NEXT_TOP, PAGE_BOTTOM = 640.0, 774.0, 44.0
SUMMARY_TOP = 322.0
SUMMARY_ROOM = SUMMARY_TOP + 4
SUMMARY_RIGHT = 318.0  # right edge of the summary's figures
SLIP_TOP = 178.0
QR_SIZE = 118.0


# --- the forms: drawn once per document ----------------------------------------------------

def _heading(c: Any, x: float, y: float, text: str) -> None:
    use_fill(c, BRAND)
    use_font(c, BOLD, 8.5)
    c.drawString(x, y, text.upper())


def _labels(c: Any, x: float, y: float, labels: Sequence[str], step: float = 14.0) -> None:
    use_fill(c, GREY)
    use_font(c, FONT, 8.5)
    for i, label in enumerate(labels):
        c.drawString(x, y - i * step, label)


def _first_form(c: Any, company: Company, logo: Path | None) -> None:
    c.beginForm(FIRST)
    if logo is not None and logo.is_file():
        c.drawImage(str(logo), LEFT, 768, 48, 48, mask="auto")
    text_x = LEFT + (58 if logo is not None and logo.is_file() else 0)
    use_fill(c, BLACK)
    name_font = font_for(company.name, bold=True)
    use_font(c, name_font, 15)
    c.drawString(text_x, 800, fit(company.name, name_font, 15, 250))
    use_fill(c, GREY)
    use_font(c, FONT, 8)
    c.drawString(text_x, 787, fit(company.address, FONT, 8, 260))
    c.drawString(text_x, 776, fit(company.contact, FONT, 8, 260))
    _labels(c, 380, 786, ["Statement no.", "Billing month", "Issued on"], 12)
    c.setStrokeColor(BRAND)
    c.setLineWidth(2)
    c.line(LEFT, 752, RIGHT, 752)
    # the account (left) and the amount due (right)
    _heading(c, LEFT, 736, "Customer")
    _labels(c, LEFT, 720, ["Account no.", "Name", "Address", "", "Route"])
    use_fill(c, TINT)
    c.roundRect(350, 654, RIGHT - 350, 92, 6, stroke=0, fill=1)
    _heading(c, 362, 730, "Amount due")
    _labels(c, 362, 670, ["Pay by"])
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(LEFT, 646, RIGHT, 646)
    c.endForm()


def _next_form(c: Any, company: Company) -> None:
    c.beginForm(NEXT)
    name_font = font_for(company.name, bold=True)
    use_fill(c, BLACK)
    use_font(c, name_font, 11)
    c.drawString(LEFT, 806, fit(company.name, name_font, 11, 250))
    _labels(c, LEFT, 791, ["Account no."])
    _labels(c, 380, 791, ["Statement no."])
    c.setStrokeColor(BRAND)
    c.setLineWidth(1.5)
    c.line(LEFT, 782, RIGHT, 782)
    c.endForm()


def _close_form(c: Any, company: Company) -> None:
    """The last page's bottom: the summary's frame, how to pay and the slip's labels."""
    c.beginForm(CLOSE)
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(LEFT, SUMMARY_TOP, RIGHT, SUMMARY_TOP)
    _heading(c, LEFT, SUMMARY_TOP - 14, "Account summary")
    _heading(c, 350, SUMMARY_TOP - 14, "How to pay")
    use_fill(c, GREY)
    use_font(c, FONT, 7.5)
    for i, line in enumerate((
            "Pay at any of our offices or partner banks, or online,",
            "quoting the payment reference on the slip below, or scan",
            "its QR code with your banking app. One payment settles",
            "every bill of this statement.",
            "Payments made after the issue date appear on your next",
            "statement. E after the units: the reading was estimated;",
            "the next actual reading corrects it.")):
        c.drawString(350, SUMMARY_TOP - 30 - i * 10, line)
    c.setStrokeColor(GREY)
    c.setDash(3, 3)
    c.line(LEFT, 192, RIGHT, 192)
    c.setDash()
    use_font(c, FONT, 7)
    c.drawCentredString(WIDTH / 2, 195, "Detach this slip and hand it in with your payment")
    use_fill(c, BLACK)
    name_font = font_for(company.name, bold=True)
    use_font(c, name_font, 10)
    c.drawString(LEFT, SLIP_TOP - 4, fit(company.name, name_font, 10, 230))
    _heading(c, 280, SLIP_TOP - 4, "Payment slip")
    _labels(c, LEFT, SLIP_TOP - 24, ["Account no.", "Name", "Billing month", "Bills",
                                     "Amount due", "Pay by", "Payment reference"], 15)
    c.endForm()


def draw_forms(c: Any, company: Company, logo: Path | None) -> None:
    _first_form(c, company, logo)
    _next_form(c, company)
    _close_form(c, company)
    draw_section_form(c)


# --- layout ------------------------------------------------------------------------------

def pages_of(statement: PrintableStatement) -> list[list[PrintableBill]]:
    """The sections of each page: as many as fit, the summary and slip at the bottom of the
    last page. A section is never cut; when the summary does not fit under the last one,
    that section moves to a page of its own above the summary (a page with only the
    summary when it was the page's only section)."""
    pages: list[list[PrintableBill]] = [[]]
    top = FIRST_TOP
    for section in statement.sections:
        height = section_height(section)
        if pages[-1] and top - height < PAGE_BOTTOM:
            pages.append([])
            top = NEXT_TOP
        pages[-1].append(section)
        top -= height
    if top < SUMMARY_ROOM:
        last = pages[-1]
        pages.append([last.pop()] if len(last) > 1 else [])
    return pages


# --- one statement -----------------------------------------------------------------------

def _value(c: Any, x: float, y: float, text: str, size: float = 9.0, bold: bool = False,
           width: float = 220.0) -> None:
    font = font_for(text, bold)
    put_text(c, x, y, fit(text, font, size, width), font, size)


def _title(st: PrintableStatement) -> str:
    return "DRAFT STATEMENT" if st.kind is PaperKind.DRAFT else "ACCOUNT STATEMENT"


def _number(st: PrintableStatement) -> str:
    if st.statement_no is not None:
        return st.statement_no
    return "given at issue" if st.kind is PaperKind.DRAFT else "none: earlier bills"


def _first_page(c: Any, st: PrintableStatement) -> None:
    c.doForm(FIRST)
    use_fill(c, BLACK)
    put_text(c, RIGHT, 800, _title(st), BOLD, 15, right=True)
    put_text(c, RIGHT, 786, _number(st), BOLD, 9, right=True)
    put_text(c, RIGHT, 774, st.cycle, FONT, 9, right=True)
    put_text(c, RIGHT, 762, fmt_date(st.issue_date) if st.issue_date else "not issued", FONT,
             9, right=True)
    _value(c, 110, 720, st.account_no, bold=True)
    _value(c, 110, 706, st.customer_name, width=230)
    for i, line in enumerate(wrap(st.address, font_for(st.address), 9, 230, 2)):
        _value(c, 110, 692 - i * 12, line, width=230)
    _value(c, 110, 664, st.route or "-")
    _amount_box(c, st)


def _amount_box(c: Any, st: PrintableStatement) -> None:
    """What to pay now: money, or in words when the account is in credit or the statement
    is paid."""
    note = ""
    if st.figures.total_due < 0:
        put_text(c, RIGHT - 12, 696, format_money(st.amount_payable), BOLD, 22, right=True)
        note = f"Nothing to pay: {format_money(st.figures.credit)} in credit"
    elif st.paid:
        use_fill(c, PAID)
        put_text(c, RIGHT - 12, 696, "PAID", BOLD, 22, right=True)
        note = "Nothing more to pay. Thank you."
    else:
        put_text(c, RIGHT - 12, 696, format_money(st.amount_payable), BOLD, 22, right=True)
    put_text(c, RIGHT - 12, 684, note, FONT, 8.5, right=True)
    use_fill(c, BLACK)
    put_text(c, 410, 670, fmt_date(st.due_date) if st.due_date else "on issue", BOLD, 11)
    use_fill(c, ALERT)
    if st.kind is PaperKind.DRAFT:
        put_text(c, 362, 659, "DRAFT: not issued yet, not a demand for payment", BOLD, 7.5)
    elif st.overdue:
        put_text(c, 362, 659, "OVERDUE: the due date has passed; please pay now", BOLD, 7.5)
    elif st.kind is PaperKind.EARLIER:
        use_fill(c, GREY)
        put_text(c, 362, 659, f"REPRINT of earlier bills: account as at {fmt_date(st.as_at)}",
                 BOLD, 7.5)
    use_fill(c, BLACK)


def _next_page(c: Any, st: PrintableStatement) -> None:
    c.doForm(NEXT)
    use_fill(c, BLACK)
    put_text(c, RIGHT, 806, f"{_title(st)} (continued)", BOLD, 11, right=True)
    _value(c, 96, 791, f"{st.account_no}  {st.customer_name}", width=270)
    put_text(c, RIGHT, 791, _number(st), BOLD, 9, right=True)


def _signed(value: Decimal) -> str:
    return f"- {format_money(-value)}" if value < 0 else (
        f"+ {format_money(value)}" if value > 0 else format_money(value))


def summary_rows(st: PrintableStatement) -> list[tuple[str, str]]:
    """(label, figure) of the account summary above its total."""
    f = st.figures
    earlier = st.kind is PaperKind.EARLIER
    since = "to date" if earlier or st.previous_issue is None else \
        f"since {fmt_date(st.previous_issue)}"
    count = len(st.sections)
    rows = [("Other bills to date" if earlier else "Previous balance",
             fmt_due(f.previous_balance)),
            (f"Less payments received {since}", _signed(-f.payments))]
    if f.reversals:
        rows.append((f"Plus payments reversed {since}", _signed(f.reversals)))
    rows.append((f"Adjustments {since}", _signed(f.adjustments)))
    bills = f"{count} bill{'s' if count != 1 else ''}"
    rows.append((f"These {bills}" if earlier else f"Current charges ({bills})",
                 format_money(f.current_charges)))
    return rows


def _summary(c: Any, st: PrintableStatement) -> None:
    c.doForm(CLOSE)
    y = SUMMARY_TOP - 30
    for label, figure in summary_rows(st):
        use_fill(c, GREY)
        put_text(c, LEFT, y, label, FONT, 8.5)
        use_fill(c, BLACK)
        put_text(c, SUMMARY_RIGHT, y, figure, FONT, 9.5, right=True)
        y -= 14
    rule = y + 6
    c.setStrokeColor(BLACK)
    c.setLineWidth(0.6)
    c.line(LEFT, rule, SUMMARY_RIGHT, rule)
    total = st.figures.total_due
    put_text(c, LEFT, rule - 14, "In credit" if total < 0 else "Total due", BOLD, 11)
    put_text(c, SUMMARY_RIGHT, rule - 14, fmt_due(total), BOLD, 11, right=True)


def qr_payload(st: PrintableStatement) -> str:
    """What the QR code carries: a tag, the payment reference (the statement number), the
    account, the amount payable and the due date, in QR's compact upper-case alphabet."""
    due = st.due_date.strftime("%Y%m%d") if st.due_date else ""
    return (f"OPSMPAY:{st.payment_reference}:{st.account_no}:{st.amount_payable:.2f}:{due}"
            .upper())


def _slip(c: Any, st: PrintableStatement) -> None:
    top = SLIP_TOP - 24
    draft = st.kind is PaperKind.DRAFT
    if st.figures.total_due < 0:
        to_pay = f"{format_money(st.amount_payable)} (in credit)"
    else:
        to_pay = "Paid" if st.paid else format_money(st.amount_payable)
    utilities = ", ".join(dict.fromkeys(s.utility for s in st.sections))
    values = [st.account_no, st.customer_name, st.cycle, f"{len(st.sections)}: {utilities}",
              to_pay,
              fmt_date(st.due_date) if st.due_date else "on issue",
              st.payment_reference or "given at issue"]
    for i, text in enumerate(values):
        bold = i in (4, 6)
        _value(c, 150, top - i * 15, text, size=10 if bold else 9, bold=bold, width=250)
    if draft:  # nothing to pay against yet: a scanned draft would pay to no reference
        c.setStrokeColor(ALERT)
        c.rect(RIGHT - QR_SIZE + 10, 32, QR_SIZE - 20, QR_SIZE - 20, stroke=1, fill=0)
        use_fill(c, ALERT)
        put_text(c, RIGHT - QR_SIZE / 2, 86, "DRAFT", BOLD, 12, centred=True)
        put_text(c, RIGHT - QR_SIZE / 2, 74, "not for payment", FONT, 7.5, centred=True)
    else:
        draw_qr(c, qr_payload(st), RIGHT - QR_SIZE, 22, QR_SIZE)
        use_fill(c, GREY)
        put_text(c, RIGHT - QR_SIZE / 2, 18, "Scan to pay", FONT, 7, centred=True)
    use_fill(c, BLACK)


def draw_statement(c: Any, st: PrintableStatement) -> int:
    """Every page of the statement; returns how many."""
    pages = pages_of(st)
    for number, sections in enumerate(pages, start=1):
        if number == 1:
            _first_page(c, st)
            top = FIRST_TOP
        else:
            _next_page(c, st)
            top = NEXT_TOP
        if len(pages) > 1:
            use_fill(c, GREY)
            put_text(c, RIGHT, 822, f"Page {number} of {len(pages)}", FONT, 7.5, right=True)
            use_fill(c, BLACK)
        for section in sections:
            top = draw_section(c, section, top)
        if number == len(pages):
            _summary(c, st)
            _slip(c, st)
        else:
            use_fill(c, GREY)
            put_text(c, WIDTH / 2, 30, f"Continued on page {number + 1}", FONT, 8,
                     centred=True)
            use_fill(c, BLACK)
        c.showPage()
    return len(pages)


# --- documents ---------------------------------------------------------------------------

def render_chunk(statements: Sequence[PrintableStatement], company: Company,
                 logo: str | None = None, title: str = "Statements") -> bytes:
    """The statements as one PDF (the work of one worker process call)."""
    buffer = io.BytesIO()
    with joinable_streams():
        c = Canvas(buffer, pagesize=A4, pageCompression=1)
        c.setTitle(title)
        c.setCreator("Ops Manager Desktop")
        draw_forms(c, company, Path(logo) if logo else None)
        for statement in statements:
            draw_statement(c, statement)
        c.save()
    return buffer.getvalue()

"""The statement paper drawn from hand-made data (no database): pages for 1 to 12
connections, the summary and slip on the last page, the QR payload, drafts, credit,
reversals, bills issued before statements."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader

from opsmanager_desktop.domain.statement import StatementFigures
from opsmanager_desktop.reports.pdf_bill import section_height
from opsmanager_desktop.reports.pdf_statement import (
    FIRST_TOP,
    NEXT_TOP,
    PAGE_BOTTOM,
    SUMMARY_ROOM,
    pages_of,
    qr_payload,
    render_chunk,
)
from opsmanager_desktop.reports.printable import Company, PaperKind, PrintableStatement
from tests.statement_paper import BILL, connections, statement

D = Decimal


def _pages(st: PrintableStatement) -> list[str]:
    pdf = render_chunk([st], Company("Ops"), None)
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("count", [1, 2, 5, 12])
def test_sections_fill_pages_and_the_summary_ends_the_last(count: int) -> None:
    st = statement(connections(count))
    layout = pages_of(st)
    assert [s.bill_no for page in layout for s in page] == [s.bill_no for s in st.sections]
    for number, page in enumerate(layout):
        top = FIRST_TOP if number == 0 else NEXT_TOP
        bottom = top - sum(section_height(s) for s in page)
        assert bottom >= (SUMMARY_ROOM if number == len(layout) - 1 else PAGE_BOTTOM)
    texts = _pages(st)
    assert len(texts) == len(layout)
    assert len(texts) == 1 if count <= 2 else len(texts) >= 2 + (count == 12)
    for number, text in enumerate(texts, start=1):
        last = number == len(texts)
        assert ("ACCOUNT SUMMARY" in text) is last and ("PAYMENT SLIP" in text) is last
        assert ("Total due" in text) is last
        assert (f"Page {number} of {len(texts)}" in text) is (len(texts) > 1)
        assert ("(continued)" in text) is (number > 1)
        assert (f"Continued on page {number + 1}" in text) is not last
    printed = " ".join(texts)
    # each bill once ("S202601-..." is the statement's number)
    assert all(len(re.findall(rf"(?<!S){s.bill_no}", printed)) == 1 for s in st.sections)
    assert f"Current charges ({count} bill{'s' if count > 1 else ''})" in texts[-1]


def test_the_qr_carries_the_statement_number_account_amount_and_due_date() -> None:
    st = statement()  # 300.00 - 300.00 + 1,182.50
    assert qr_payload(st) == "OPSMPAY:S202601-00000001:A1:1182.50:20260215"
    paid = replace(st, sections=(replace(BILL, status="PAID"),))
    assert qr_payload(paid) == "OPSMPAY:S202601-00000001:A1:0.00:20260215"
    [text] = _pages(paid)
    assert "PAID" in text and "Nothing more to pay" in text


def test_an_account_in_credit_has_nothing_to_pay() -> None:
    st = statement(payments="2000.00")  # 300.00 - 2,000.00 + 1,182.50 = -517.50
    assert st.figures.total_due == D("-517.50")
    assert qr_payload(st).split(":")[3] == "0.00"
    [text] = _pages(st)
    assert "In credit" in text and "517.50 CR" in text
    assert "Nothing to pay: 517.50 in credit" in text and "0.00 (in credit)" in text
    assert "Total due" not in text


def test_reversals_and_adjustments_show_when_there_are_any() -> None:
    st = statement()
    assert "reversed" not in _pages(st)[0]
    refund = replace(BILL, adjustments=(replace(BILL.lines[0], kind="ADJUSTMENT",
                                                description="Adjustment: meter test",
                                                quantity=None, rate=None,
                                                amount=D("-2.50")),))
    figures = StatementFigures(D("300.00"), D("300.00"), D("40.00"), D("-2.50"),
                               D("1182.50"), D("1220.00"))
    [text] = _pages(replace(st, sections=(refund,), figures=figures))
    assert "Plus payments reversed since 2 Jan 2026" in text and "+ 40.00" in text
    assert "Adjustments since 2 Jan 2026" in text and "- 2.50" in text
    assert "Adjustment: meter test" in text and "1,220.00" in text


def test_a_draft_is_no_demand_and_has_no_code_to_pay_with() -> None:
    draft = replace(statement(number=None, kind=PaperKind.DRAFT), issue_date=None,
                    due_date=None, sections=(replace(BILL, status="GENERATED"),))
    assert draft.payment_reference == ""
    [text] = _pages(draft)
    assert "DRAFT STATEMENT" in text and "DRAFT: not issued yet" in text
    assert "not for payment" in text and "given at issue" in text
    assert "OPSMPAY" not in text


def test_bills_issued_before_statements_quote_a_bill_number() -> None:
    earlier = replace(statement(number=None, kind=PaperKind.EARLIER), previous_issue=None)
    assert earlier.payment_reference == BILL.bill_no
    assert qr_payload(earlier).startswith(f"OPSMPAY:{BILL.bill_no}:A1:")
    [text] = _pages(earlier)
    assert "none: earlier bills" in text and "REPRINT of earlier bills" in text
    assert "Other bills to date" in text and "Less payments received to date" in text


def test_text_written_straight_reads_back_as_written() -> None:
    """Helvetica text bypasses drawString (reports/pdf_text.put_text): accents of Windows
    Latin-1, brackets and backslashes must still come out as written."""
    st = replace(statement(), customer_name="José Müller (Jr.)", address=r"Flat 2\B, Ærø",
                 sections=(replace(BILL, tariff_name="Domestic (old) 50%"),))
    [text] = _pages(st)
    assert "José Müller (Jr.)" in text and r"Flat 2\B, Ærø" in text
    assert "DOM Domestic (old) 50%" in text

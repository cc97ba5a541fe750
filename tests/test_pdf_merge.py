"""The streaming joiner: chunks drawn apart become one valid PDF, pages in order, and what
is not a reportlab PDF is refused (no database needed)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from opsmanager_desktop.reports.pdf_bill import render_chunk
from opsmanager_desktop.reports.pdf_merge import PdfFormatError, PdfJoiner, join_files
from opsmanager_desktop.reports.printable import Company, PrintableBill, PrintLine

D = Decimal
BILL = PrintableBill(
    bill_no="202601-00000001", status="DUE", cycle="2026-01", cycle_start=date(2026, 1, 1),
    cycle_end=date(2026, 1, 31), account_no="A1", customer_name="Ada", address="1 Road",
    utility="Electricity", unit="kWh", meter_number="M1", transformer="TR-1",
    tariff_code="DOM", tariff_name="Domestic", previous_read_on=date(2025, 12, 28),
    read_on=date(2026, 1, 28), previous_reading=D("100"), current_reading=D("250"),
    units=D("150"), is_estimated=False,
    lines=(PrintLine("ENERGY", "Energy 0-100", D("100"), D("5"), D("500.00")),),
    current_charges=D("500.00"), previous_balance=D("0.00"),
    payments_since_last_bill=D("0.00"), last_bill_issued=None, total_due=D("500.00"),
    issue_date=date(2026, 2, 1), due_date=date(2026, 2, 15))


def _chunk(first: int, count: int) -> bytes:
    bills = [replace(BILL, bill_no=f"202601-{n:08d}") for n in range(first, first + count)]
    return render_chunk(bills, Company("Ops"), None)


def test_chunks_join_into_one_document_in_order(tmp_path: Path) -> None:
    out = tmp_path / "all.pdf"
    pages = join_files([_chunk(1, 3), _chunk(4, 1), _chunk(5, 4)], out, "Bills")
    reader = PdfReader(str(out))
    assert pages == len(reader.pages) == 8
    numbers = [next(w for w in p.extract_text().split() if w.startswith("202601-"))
               for p in reader.pages]
    assert numbers == [f"202601-{n:08d}" for n in range(1, 9)]
    assert reader.metadata is not None and reader.metadata.title == "Bills"


def test_an_empty_join_is_still_a_pdf(tmp_path: Path) -> None:
    assert join_files([], tmp_path / "none.pdf") == 0
    assert len(PdfReader(str(tmp_path / "none.pdf")).pages) == 0


def test_what_is_not_a_reportlab_pdf_is_refused() -> None:
    joiner = PdfJoiner(io.BytesIO())
    with pytest.raises(PdfFormatError):
        joiner.add(b"%PDF-1.7\nnot really\n")
    with pytest.raises(PdfFormatError):
        joiner.add(b"hello")

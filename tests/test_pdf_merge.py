"""The streaming joiner: chunks drawn apart become one valid PDF, pages in order, and what
is not a reportlab PDF is refused (no database needed)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from opsmanager_desktop.reports.pdf_merge import PdfFormatError, PdfJoiner, join_files
from opsmanager_desktop.reports.pdf_statement import render_chunk
from opsmanager_desktop.reports.printable import Company
from tests.statement_paper import statement


def _chunk(first: int, count: int) -> bytes:
    papers = [replace(statement(), statement_no=f"S202601-{n:08d}")
              for n in range(first, first + count)]
    return render_chunk(papers, Company("Ops"), None)


def test_chunks_join_into_one_document_in_order(tmp_path: Path) -> None:
    out = tmp_path / "all.pdf"
    pages = join_files([_chunk(1, 3), _chunk(4, 1), _chunk(5, 4)], out, "Bills")
    reader = PdfReader(str(out))
    assert pages == len(reader.pages) == 8
    numbers = [next(w for w in p.extract_text().split() if w.startswith("S202601-"))
               for p in reader.pages]
    assert numbers == [f"S202601-{n:08d}" for n in range(1, 9)]
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

"""Printed statements on both databases: the figures on the paper of known accounts (one and
two connections, credit, estimated readings, many connections), drafts, bills issued before
statements, reprints, page count, walking order, split files, worker processes, refusals
and cancel."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, event, select, update

from opsmanager_desktop.db.models import (
    AuditEntry,
    Bill,
    BillingCycle,
    Connection,
    Customer,
    Statement,
)
from opsmanager_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.reports.pdf_statement import qr_payload
from opsmanager_desktop.reports.printable import PaperKind
from opsmanager_desktop.services import bills, dues, payments, printing, statements
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.printing import PrintCancelled, PrintSelection
from opsmanager_desktop.services.statement_ledger import draft_figures
from tests.billing_data import World, add_connections, make_world, open_cycle, readings_for
from tests.helpers import token_for

D = Decimal
PNG_DIR = Path(__file__).resolve().parent.parent / "build" / "pictures"


def _texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def _figure(text: str, label: str) -> str | None:
    """The money printed after `label` on the page (the summary's rows)."""
    found = re.search(rf"{re.escape(label)}\s*(-?\s?[\d,]+\.\d\d(?: CR)?)", text)
    return None if found is None else found.group(1)


def _bill_no(backend: Backend, connection_id: int, period: str) -> str:
    with backend.sessions() as s:
        return str(s.scalar(select(Bill.bill_no).join(BillingCycle, BillingCycle.id == Bill.cycle_id)
                            .where(Bill.connection_id == connection_id,
                                   BillingCycle.period == period)))


def _statement_no(backend: Backend, account_no: str, period: str) -> str:
    with backend.sessions() as s:
        return str(s.scalar(
            select(Statement.statement_no)
            .join(Customer, Customer.id == Statement.customer_id)
            .join(BillingCycle, BillingCycle.id == Statement.cycle_id)
            .where(Customer.account_no == account_no, BillingCycle.period == period)))


def _position(backend: Backend, account_no: str) -> Decimal:
    """What `dues` says the account owes (+) or holds (-): outstanding minus credit."""
    found = dues.dues(backend, token_for(backend, Role.ACCOUNTS_OFFICER), account_no)
    return found.outstanding - found.credit


def _statement_world(backend: Backend) -> tuple[World, int]:
    """P-1: January 150 units (1,155.00) issued 2 Feb, 1,000.00 paid on 10 Feb,
    February 120 units issued 2 Mar: 100 x 5 + 20 x 10 + 50 fixed + 10 % VAT = 825.00."""
    world = make_world(backend)
    open_cycle(world, "2026-01")
    open_cycle(world, "2026-02")
    ids = add_connections(world, [("DOM", "150", "0")], "2026-01", account_no="P-1")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-02")
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(backend, ao, "P-1", "1000.00", "BANK", "T-1", date(2026, 2, 10))
    readings_for(world, "2026-02", {ids[0]: "120"})
    run_billing(backend, world.officer, "2026-02")
    bills.issue_bills(backend, world.officer, "2026-02", "2026-03-02")
    return world, ids[0]


def test_the_pdf_of_a_known_statement_carries_its_figures(backend: Backend,
                                                          tmp_path: Path) -> None:
    world, conn = _statement_world(backend)
    bill_no = _bill_no(backend, conn, "2026-02")
    number = _statement_no(backend, "P-1", "2026-02")
    out = tmp_path / "one.pdf"
    result = printing.print_statements(backend, world.officer,
                                       PrintSelection(bill_nos=(bill_no,)), out)
    assert (result.statements, result.bills, result.pages, result.files) == (1, 1, 1, (out,))
    [text] = _texts(out)
    stored = statements.get_statement(backend, world.officer, number).statement
    assert stored.total_due == D("980.00") == _position(backend, "P-1")  # as at its issue
    for expected in (
            number, bill_no, "P-1", "ACCOUNT STATEMENT", "ELECTRICITY", "DOM Domestic",
            "120 kWh",  # units
            "1,000", "1,120",  # previous and current reading (add_reading starts at 1000)
            "Energy 0-100", "500.00", "5.00",  # first slab: 100 x 5.00
            "Energy 101+", "200.00", "10.00",  # second slab: 20 x 10.00
            "Fixed charge", "50.00",
            "VAT 10% of 750.00", "75.00",  # VAT 10 % of (700 + 50)
            "Electricity charges", "825.00",
            "Previous balance", "1,155.00",  # January's statement
            "Less payments received since 2 Feb 2026", "- 1,000.00",
            "Current charges (1 bill)",
            "Total due", "980.00",  # 1,155.00 - 1,000.00 + 825.00
            "16 Mar 2026",  # due date: issued 2 Mar + 14 days
            "2 Mar 2026", "Payment reference"):
        assert expected in text, expected
    assert "ESTIMATED" not in text and "DRAFT" not in text and "reversed" not in text
    [paper] = printing.load_printable(backend, world.officer, list(printing.papers_to_print(
        backend, world.officer, PrintSelection(statement_nos=(number,))).chunk(0, 1))
    ).statements
    assert qr_payload(paper) == f"OPSMPAY:{number}:P-1:980.00:20260316"


def test_two_connections_print_one_statement_whose_total_is_the_dues(
        backend: Backend, tmp_path: Path) -> None:
    """The defect of issue 13: each bill took the whole account's previous balance and
    payments but only its own charges. Now the account gets one paper whose total due is
    what `dues` says at the issue."""
    world = make_world(backend)
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    open_cycle(world, "2026-01")
    open_cycle(world, "2026-02")
    power, water = add_connections(world, [("DOM", "150", "0"), ("WAT", "12", "0")],
                                   "2026-01", account_no="P-2")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-02")
    payments.record_payment(backend, ao, "P-2", "500.00", "BANK", "T-2", date(2026, 2, 10))
    readings_for(world, "2026-02", {power: "120", water: "8"})
    run_billing(backend, world.officer, "2026-02")
    bills.issue_bills(backend, world.officer, "2026-02", "2026-03-02")
    at_issue = _position(backend, "P-2")
    numbers = [_bill_no(backend, c, "2026-02") for c in (power, water)]
    out = tmp_path / "p2.pdf"
    # the water bill alone chooses the account's statement, with both bills
    result = printing.print_statements(backend, world.officer,
                                       PrintSelection(bill_nos=(numbers[1],)), out)
    assert (result.statements, result.bills, result.pages) == (1, 2, 1)
    [text] = _texts(out)
    assert all(n in text for n in numbers) and "WATER" in text and "ELECTRICITY" in text
    assert _statement_no(backend, "P-2", "2026-02") in text
    assert _figure(text, "Total due") == format_money(at_issue)
    january = D("1155.00") + 12 * D("1.25") + 3  # power, and water: flat, 12 units at 1.25
    assert _figure(text, "Previous balance") == format_money(january)
    assert "Current charges (2 bills)" in text and "- 500.00" in text
    # a later payment moves the dues, not what the statement first said
    payments.record_payment(backend, ao, "P-2", "100.00", "CASH", "C-9", date(2026, 3, 5))
    printing.print_statements(backend, world.officer, PrintSelection(bill_nos=(numbers[0],)),
                              out)
    assert format_money(at_issue) in _texts(out)[0]
    assert _position(backend, "P-2") == at_issue - 100


def test_an_account_in_credit_prints_nothing_to_pay(backend: Backend, tmp_path: Path) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", "150", "0"), ("WAT", "12", "0")], "2026-01",
                    account_no="CR-1")
    payments.record_payment(backend, token_for(backend, Role.ACCOUNTS_OFFICER), "CR-1",
                            "2000.00", "BANK", "AHEAD", date(2026, 1, 20))
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-02")
    credit = -_position(backend, "CR-1")
    assert credit == D("2000.00") - D("1155.00") - D("18.00")
    out = tmp_path / "credit.pdf"
    printing.print_statements(backend, world.officer,
                              PrintSelection(statement_nos=(_statement_no(backend, "CR-1",
                                                                          "2026-01"),)), out)
    [text] = _texts(out)
    assert _figure(text, "In credit") == f"{format_money(credit)} CR"
    assert f"Nothing to pay: {format_money(credit)} in credit" in text
    assert "0.00 (in credit)" in text and "Total due" not in text


def test_estimated_units_are_marked(backend: Backend, tmp_path: Path) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    [conn] = add_connections(world, [("DOM", None, "0")], "2026-01")
    from opsmanager_desktop.db.models import MeterReading
    from tests.billing_data import add_reading

    with backend.sessions.begin() as s:
        cycle_id = s.scalar(select(BillingCycle.id).where(BillingCycle.period == "2026-01"))
        meter = s.scalar(select(Connection.meter_number).where(Connection.id == conn))
        add_reading(s, conn, int(cycle_id or 0), str(meter), D("42"), estimated=True)
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    out = tmp_path / "est.pdf"
    printing.print_statements(backend, world.officer, PrintSelection(cycle="2026-01"), out)
    [text] = _texts(out)
    assert "42 kWh E" in text and "ESTIMATED READING" in text
    with backend.sessions() as s:
        assert s.scalar(select(MeterReading.is_estimated)) is True


def test_twelve_connections_run_onto_pages_with_the_summary_last(backend: Backend,
                                                                 tmp_path: Path) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    ids = add_connections(world, [("DOM" if i % 2 == 0 else "WAT", str(100 + i), "0")
                                  for i in range(12)], "2026-01", account_no="M-12")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    out = tmp_path / "many.pdf"
    result = printing.print_statements(backend, world.officer,
                                       PrintSelection(cycle="2026-01"), out)
    texts = _texts(out)
    assert (result.statements, result.bills, result.pages) == (1, 12, len(texts))
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        last = number == len(texts)
        assert f"Page {number} of {len(texts)}" in text
        assert ("PAYMENT SLIP" in text) is last and ("Total due" in text) is last
        assert ("ACCOUNT STATEMENT (continued)" in text) is (number > 1)
    assert "Current charges (12 bills)" in texts[-1]
    everything = " ".join(texts)
    assert all(_bill_no(backend, c, "2026-01") in everything for c in ids)
    assert _figure(texts[-1], "Total due") == format_money(_position(backend, "M-12"))


def test_drafts_print_as_statements_of_the_bills_not_issued(backend: Backend,
                                                            tmp_path: Path) -> None:
    world, conn = _statement_world(backend)
    open_cycle(world, "2026-03")
    readings_for(world, "2026-03", {conn: "30"})
    run_billing(backend, world.officer, "2026-03")
    bill_no = _bill_no(backend, conn, "2026-03")
    bills.adjust_bill(backend, world.officer, bill_no, "-5.00", "meter test refund")
    out = tmp_path / "draft.pdf"
    printing.print_statements(backend, world.officer,
                              PrintSelection(cycle="2026-03", status="generated"), out)
    [text] = _texts(out)
    assert "DRAFT STATEMENT" in text and "DRAFT: not issued yet" in text
    assert "not for payment" in text and "OPSMPAY" not in text
    with backend.sessions() as s:
        customer = s.scalar(select(Customer.id).where(Customer.account_no == "P-1"))
        bill = s.scalars(select(Bill).where(Bill.bill_no == bill_no)).one()
        expected = draft_figures(s, int(customer or 0), bill.total, bill.adjustments)
    papers = printing.papers_to_print(backend, world.officer, PrintSelection(cycle="2026-03"))
    [draft] = printing.load_printable(backend, world.officer, papers.chunk(0, 1)).statements
    assert draft.kind is PaperKind.DRAFT and draft.figures == expected
    assert draft.previous_issue == date(2026, 3, 2)  # February's statement
    assert expected.total_due == D("980.00") + bill.total - 5
    assert _figure(text, "Total due") == format_money(expected.total_due)
    assert "Adjustment: meter test refund" in text and "Adjustments since 2 Mar 2026" in text


def test_bills_issued_before_statements_print_as_one_paper_per_account(
        backend: Backend, tmp_path: Path) -> None:
    """A database upgraded with issued bills and no statements for them (revision 0009)."""
    world, conn = _statement_world(backend)
    with backend.sessions.begin() as s:
        s.execute(update(Bill).values(statement_id=None))
        s.execute(delete(Statement))
    bill_no = _bill_no(backend, conn, "2026-02")
    out = tmp_path / "earlier.pdf"
    result = printing.print_statements(backend, world.officer,
                                       PrintSelection(bill_nos=(bill_no,)), out)
    assert (result.statements, result.bills) == (1, 1)
    [text] = _texts(out)
    assert "none: earlier bills" in text and "REPRINT of earlier bills" in text
    assert _figure(text, "Other bills to date") == "1,155.00" and "These 1 bill" in text
    assert _figure(text, "Total due") == format_money(_position(backend, "P-1"))
    papers = printing.papers_to_print(backend, world.officer, PrintSelection(cycle="2026-02"))
    [paper] = printing.load_printable(backend, world.officer, papers.chunk(0, 1)).statements
    assert paper.kind is PaperKind.EARLIER and paper.payment_reference == bill_no
    assert qr_payload(paper) == f"OPSMPAY:{bill_no}:P-1:980.00:20260316"


def test_a_reprint_says_what_the_customer_was_first_told(backend: Backend,
                                                         tmp_path: Path) -> None:
    world, conn = _statement_world(backend)
    bill_no = _bill_no(backend, conn, "2026-02")
    later = backend.now() + timedelta(minutes=5)  # MariaDB keeps times to the second
    backend.clock = lambda: later
    bills.adjust_bill(backend, world.officer, bill_no, "-25.00", "goodwill")
    payments.record_payment(backend, token_for(backend, Role.ACCOUNTS_OFFICER), "P-1",
                            "100.00", "CASH", "C-1", date(2026, 3, 4))
    out = tmp_path / "again.pdf"
    printing.print_statements(backend, world.officer, PrintSelection(bill_nos=(bill_no,)), out)
    [text] = _texts(out)
    assert _figure(text, "Total due") == "980.00" and "goodwill" not in text
    assert _position(backend, "P-1") == D("855.00")


def _route_world(backend: Backend) -> tuple[World, dict[int, str | None]]:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    routes = ["TR-2", None, "TR-1", "TR-2", "TR-1", None, "TR-1"]
    ids = add_connections(world, [("DOM", str(10 + i), "0") for i in range(len(routes))],
                          "2026-01")
    with backend.sessions.begin() as s:
        for conn, route in zip(ids, routes, strict=True):
            s.execute(update(Connection).where(Connection.id == conn)
                      .values(transformer_code=route))
    run_billing(backend, world.officer, "2026-01")
    return world, dict(zip(ids, routes, strict=True))


def _walking(backend: Backend, routes: dict[int, str | None]) -> list[str]:
    """Route first (none last), then account, as the field team walks."""
    with backend.sessions() as s:
        account = {r.id: r.account_no for r in s.execute(
            select(Connection.id, Customer.account_no)
            .join(Customer, Customer.id == Connection.customer_id))}
    return [account[c] for c in sorted(routes, key=lambda c: (
        routes[c] is None, routes[c] or "", account[c]))]


def _accounts_on(path: Path) -> list[str]:
    return [re.findall(r"\bA\d{6}\b", t)[0] for t in _texts(path)]


def test_a_cycle_prints_in_walking_order_with_worker_processes(backend: Backend,
                                                              tmp_path: Path) -> None:
    world, routes = _route_world(backend)
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    seen: list[tuple[int, int]] = []
    out = tmp_path / "cycle.pdf"
    result = printing.print_statements(backend, world.officer, PrintSelection(cycle="2026-01"),
                                       out, workers=2, chunk_size=3,
                                       progress=lambda d, t: seen.append((d, t)))
    assert (result.statements, result.bills, result.pages) == (7, 7, 7)
    assert len(PdfReader(str(out)).pages) == 7
    assert _accounts_on(out) == _walking(backend, routes)
    assert seen == [(3, 7), (6, 7), (7, 7)]  # statements
    supervisor = token_for(backend, Role.SUPERVISOR)
    split = printing.print_statements(backend, supervisor, PrintSelection(cycle="2026-01"),
                                      tmp_path / "route.pdf", split=3, workers=2,
                                      chunk_size=2)
    assert [p.name for p in split.files] == ["route-001.pdf", "route-002.pdf", "route-003.pdf"]
    assert [len(PdfReader(str(p)).pages) for p in split.files] == [3, 3, 1]
    assert [n for p in split.files for n in _accounts_on(p)] == _walking(backend, routes)
    only = printing.print_statements(backend, supervisor,
                                     PrintSelection(cycle="2026-01", transformer="TR-1"),
                                     tmp_path / "tr1.pdf")
    assert only.statements == 3
    with backend.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "print")
                          .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.entity == "statements"
    assert "route TR-1" in (entry.after or "") and '"statements": 3' in (entry.after or "")


def test_an_account_walks_on_the_route_of_its_first_connection_that_has_one(
        backend: Backend, tmp_path: Path) -> None:
    """Water connections have no transformer: an account whose water meter came first
    still walks on its electricity connection's route, split over no files."""
    world, routes = _route_world(backend)
    water, power = add_connections(world, [("WAT", "5", "0"), ("DOM", "7", "0")],
                                   "2026-01", account_no="A999999")
    with backend.sessions.begin() as s:
        s.execute(update(Connection).where(Connection.id == power)
                  .values(transformer_code="TR-1"))
    run_billing(backend, world.officer, "2026-01")
    out = tmp_path / "tr1.pdf"
    result = printing.print_statements(backend, world.officer,
                                       PrintSelection(cycle="2026-01", transformer="TR-1"), out)
    assert (result.statements, result.bills) == (4, 5)
    tr1 = sorted(c for c, r in routes.items() if r == "TR-1")
    assert _accounts_on(out) == [*_walking(backend, {c: "TR-1" for c in tr1}), "A999999"]
    assert all(_bill_no(backend, c, "2026-01") in _texts(out)[-1] for c in (water, power))


def test_status_selection_and_drafts(backend: Backend, tmp_path: Path) -> None:
    world, _routes = _route_world(backend)
    with pytest.raises(NotFound, match="nothing to print"):
        printing.print_statements(backend, world.officer,
                                  PrintSelection(cycle="2026-01", status="due"),
                                  tmp_path / "x.pdf")
    assert not list(tmp_path.iterdir())
    out = tmp_path / "drafts.pdf"
    printing.print_statements(backend, world.officer,
                              PrintSelection(cycle="2026-01", status="generated"), out)
    texts = _texts(out)
    assert len(texts) == 7 and all("DRAFT: not issued yet" in t for t in texts)


def test_refusals_leave_no_file(backend: Backend, tmp_path: Path) -> None:
    world, _routes = _route_world(backend)
    everything = PrintSelection(cycle="2026-01")
    for role in (Role.ACCOUNTS_OFFICER, Role.FIELD_OFFICER, Role.ADMIN):
        with pytest.raises(PermissionDenied):
            printing.print_statements(backend, token_for(backend, role), everything,
                                      tmp_path / "no.pdf")
    with pytest.raises(ValidationError, match=r"must end in \.pdf"):
        printing.print_statements(backend, world.officer, everything, tmp_path / "bills.txt")
    with pytest.raises(ValidationError, match="choose a cycle"):
        printing.print_statements(backend, world.officer, PrintSelection(), tmp_path / "a.pdf")
    with pytest.raises(NotFound, match="no billing cycle 2030-01"):
        printing.print_statements(backend, world.officer, PrintSelection(cycle="2030-01"),
                                  tmp_path / "a.pdf")
    with pytest.raises(NotFound, match="'NOPE-1'"):
        printing.print_statements(backend, world.officer, PrintSelection(bill_nos=("NOPE-1",)),
                                  tmp_path / "a.pdf")
    with pytest.raises(NotFound, match="no statement 'S209901-00000001'"):
        printing.print_statements(backend, world.officer,
                                  PrintSelection(statement_nos=("s209901-00000001",)),
                                  tmp_path / "a.pdf")
    with pytest.raises(ValidationError, match="not a bill status"):
        printing.print_statements(backend, world.officer,
                                  PrintSelection(cycle="2026-01", status="LOST"),
                                  tmp_path / "a.pdf")
    with pytest.raises(ValidationError, match="papers"):
        printing.load_printable(backend, world.officer, [1, 2])  # type: ignore[list-item]
    assert not list(tmp_path.iterdir())


def test_cancel_stops_and_leaves_no_file(backend: Backend, tmp_path: Path) -> None:
    world, _routes = _route_world(backend)
    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)

    with pytest.raises(PrintCancelled):
        printing.print_statements(backend, world.officer, PrintSelection(cycle="2026-01"),
                                  tmp_path / "c.pdf", split=2, chunk_size=2, workers=2,
                                  progress=progress, cancelled=lambda: bool(calls))
    assert calls == [2]
    assert not list(tmp_path.iterdir())


def test_a_printed_page_renders_as_a_picture(sqlite_backend: Backend, tmp_path: Path) -> None:
    """pdftoppm (poppler-utils) draws the page as a viewer would; the picture is kept in
    build/pictures for a person to look at."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian package poppler-utils) is not installed")
    world, conn = _statement_world(sqlite_backend)
    out = tmp_path / "statement.pdf"
    printing.print_statements(sqlite_backend, world.officer,
                              PrintSelection(bill_nos=(_bill_no(sqlite_backend, conn,
                                                                "2026-02"),)), out)
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(out),
                    str(PNG_DIR / "statement")], check=True)
    picture = PNG_DIR / "statement.png"
    assert picture.read_bytes()[:4] == b"\x89PNG"
    assert picture.stat().st_size > 20_000  # a page with text, not a blank sheet
    if shutil.which("zbarimg") is not None:  # the QR code reads back
        decoded = subprocess.run(["zbarimg", "-q", "--raw", str(picture)],
                                 capture_output=True, text=True, check=False).stdout
        assert decoded.strip().startswith("OPSMPAY:S202602-")


def test_demo_statements_print_their_stored_figures_in_a_few_queries(backend: Backend) -> None:
    """A year of demo accounts (late, partial and missing payments, credit, two utilities):
    every paper of three cycles carries its stored statement and exactly its bills, and a
    chunk costs the same few queries whatever its size."""
    from opsmanager_desktop.services import demo
    from tests.helpers import admin_token

    admin = admin_token(backend)
    result = demo.generate_demo(backend, admin, customers=25, seed=3)
    officer = token_for(backend, Role.BILLING_OFFICER)
    with backend.sessions() as s:
        periods = list(s.scalars(select(BillingCycle.period).order_by(BillingCycle.period)))
    assert periods[0] == result.first_cycle and periods[-1] == result.last_cycle
    queries: list[str] = []

    def count(*_args: object) -> None:
        queries.append("q")

    for period in (periods[0], periods[5], periods[-1]):
        papers = printing.papers_to_print(backend, officer, PrintSelection(cycle=period))
        event.listen(backend.engine, "before_cursor_execute", count)
        try:
            few = len(printing.load_printable(backend, officer, papers.chunk(0, 3)).statements)
            queries_few = len(queries)
            queries.clear()
            job = printing.load_printable(backend, officer, papers.chunk(0, len(papers)))
            queries_all = len(queries)
            queries.clear()
        finally:
            event.remove(backend.engine, "before_cursor_execute", count)
        assert few == 3 and queries_all == queries_few <= 12
        assert len(job.statements) == len(papers) >= 20
        for paper in job.statements:
            assert paper.kind is PaperKind.STATEMENT and paper.statement_no is not None
            stored = statements.get_statement(backend, officer, paper.statement_no)
            row = stored.statement
            assert (paper.figures.previous_balance, paper.figures.payments,
                    paper.figures.reversals, paper.figures.adjustments,
                    paper.figures.current_charges, paper.figures.total_due) == (
                row.previous_balance, row.payments, row.reversals, row.adjustments,
                row.current_charges, row.total_due)
            assert [s.bill_no for s in paper.sections] == sorted(b.bill_no for b in stored.bills)
            assert sum(s.total for s in paper.sections) == row.current_charges
            for section in paper.sections:
                detail = bills.get_bill(backend, officer, section.bill_no)
                assert [ln.amount for ln in section.lines] == [ln.amount for ln in detail.lines]
                assert section.units == detail.bill.units


def test_paid_and_overdue_statements_say_so(backend: Backend, tmp_path: Path) -> None:
    world, conn = _statement_world(backend)
    bill_no = _bill_no(backend, conn, "2026-02")
    bills.mark_overdue(backend, token_for(backend, Role.ACCOUNTS_OFFICER), "2026-03-20")
    out = tmp_path / "late.pdf"
    printing.print_statements(backend, world.officer, PrintSelection(bill_nos=(bill_no,)), out)
    [late] = _texts(out)
    assert "OVERDUE: the due date has passed" in late
    # January's 155.00 left and February's 825.00: the oldest is paid first
    payments.record_payment(backend, token_for(backend, Role.ACCOUNTS_OFFICER), "P-1",
                            "980.00", "CASH", "T-9", date(2026, 3, 21))
    printing.print_statements(backend, world.officer, PrintSelection(bill_nos=(bill_no,)), out)
    [paid] = _texts(out)
    assert "PAID" in paid and "Nothing more to pay" in paid and "Paid" in paid
    assert "OVERDUE" not in paid
    assert _figure(paid, "Total due") == "980.00"  # the statement still says what it said


def test_names_beyond_latin_1_print_as_written(backend: Backend, tmp_path: Path) -> None:
    world, conn = _statement_world(backend)
    with backend.sessions.begin() as s:
        s.execute(update(Customer).where(Customer.account_no == "P-1").values(
            name="Zoë Łukasz Ọkọnkwọ", address="ул. Ленина 5, Москва"))
    out = tmp_path / "names.pdf"
    printing.print_statements(backend, world.officer,
                              PrintSelection(bill_nos=(_bill_no(backend, conn, "2026-02"),)),
                              out)
    [text] = _texts(out)
    assert "Zoë Łukasz Ọkọnkwọ" in text and "ул. Ленина 5, Москва" in text

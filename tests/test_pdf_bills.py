"""Printed bills: the figures on the paper of a known bill, page count, walking order, split
files, worker processes, refusals and cancel, on both databases."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from opsmanager_desktop.db.models import AuditEntry, Bill, BillingCycle, Connection
from opsmanager_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, payments, printing
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.printing import PrintCancelled, PrintSelection
from tests.billing_data import World, add_connections, make_world, open_cycle, readings_for
from tests.helpers import token_for

D = Decimal
PNG_DIR = Path(__file__).resolve().parent.parent / "build" / "pictures"


def _texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def _bill_no(backend: Backend, connection_id: int, period: str) -> str:
    with backend.sessions() as s:
        return str(s.scalar(select(Bill.bill_no).join(BillingCycle, BillingCycle.id == Bill.cycle_id)
                            .where(Bill.connection_id == connection_id,
                                   BillingCycle.period == period)))


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


def test_the_pdf_of_a_known_bill_carries_its_figures(backend: Backend, tmp_path: Path) -> None:
    world, conn = _statement_world(backend)
    bill_no = _bill_no(backend, conn, "2026-02")
    out = tmp_path / "one.pdf"
    result = printing.print_bills(backend, world.officer, PrintSelection(bill_nos=(bill_no,)),
                                  out)
    assert result.bills == 1 and result.files == (out,)
    [text] = _texts(out)
    detail = bills.get_bill(backend, world.officer, bill_no)
    assert detail.total_due == D("980.00")  # 1,155.00 - 1,000.00 + 825.00
    for expected in (
            bill_no, "P-1", "ELECTRICITY BILL", "DOM Domestic",
            "120 kWh",  # units
            "1,000", "1,120",  # previous and current reading (add_reading starts at 1000)
            "Energy 0-100", "500.00", "5.00",  # first slab: 100 x 5.00
            "Energy 101+", "200.00", "10.00",  # second slab: 20 x 10.00
            "Fixed charge", "50.00",
            "VAT 10% of 750.00", "75.00",  # VAT 10 % of (700 + 50)
            "1,155.00",  # previous balance
            "- 1,000.00",  # payments since the last bill
            "825.00",  # current charges
            "980.00",  # total due
            "16 Mar 2026",  # due date: issued 2 Mar + 14 days
            "2 Mar 2026", "(of 2 Feb 2026)", "Payment reference"):
        assert expected in text, expected
    assert "ESTIMATED" not in text and "DRAFT" not in text


def test_bulk_figures_equal_the_bill_detail(backend: Backend) -> None:
    """The print loader works the statement out for a chunk at once; every figure must be
    the one get_bill gives for that bill alone."""
    world, conn = _statement_world(backend)
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    others = add_connections(world, [("DOM", "30", "0"), ("WAT", "12.5", "0")], "2026-02",
                             account_no="P-2")
    payments.record_payment(backend, ao, "P-2", "0.10", "CASH", "C-1", date(2026, 2, 1))
    payments.record_payment(backend, ao, "P-2", "0.20", "CHEQUE", "C-2", date(2026, 2, 1))
    payments.reverse_payment(backend, ao, "CHEQUE", "C-2", "bounced")
    run_billing(backend, world.officer, "2026-02")
    bills.adjust_bill(backend, world.officer, _bill_no(backend, others[0], "2026-02"),
                      "-2.50", "meter test refund")
    numbers = [_bill_no(backend, c, p) for c, p in
               ((conn, "2026-01"), (conn, "2026-02"), (others[0], "2026-02"),
                (others[1], "2026-02"))]
    ids = list(printing.bills_to_print(backend, world.officer,
                                       PrintSelection(bill_nos=tuple(numbers))))
    job = printing.load_printable(backend, world.officer, ids)
    assert len(job.bills) == 4
    for printed in job.bills:
        detail = bills.get_bill(backend, world.officer, printed.bill_no)
        assert (printed.previous_balance, printed.payments_since_last_bill,
                printed.current_charges, printed.total_due) == (
            detail.previous_balance, detail.payments_since_last_bill,
            detail.current_charges, detail.total_due), printed.bill_no
        assert [ln.amount for ln in printed.lines] == \
            [ln.amount for ln in detail.lines] + [a.amount for a in detail.adjustments]
        assert printed.units == detail.bill.units
    refunded = next(b for b in job.bills if b.lines[-1].kind == "ADJUSTMENT")
    assert refunded.lines[-1].description == "Adjustment: meter test refund"


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
        rows = s.execute(select(Bill.bill_no, Bill.connection_id)).all()
    from opsmanager_desktop.db.models import Customer

    with backend.sessions() as s:
        account = {r.id: r.account_no for r in s.execute(
            select(Connection.id, Customer.account_no)
            .join(Customer, Customer.id == Connection.customer_id))}
    return [r.bill_no for r in sorted(rows, key=lambda r: (
        routes[r.connection_id] is None, routes[r.connection_id] or "", account[r.connection_id]))]


def _numbers_on(path: Path) -> list[str]:
    return [next(w for w in t.split() if w.startswith("202601-")) for t in _texts(path)]


def test_a_cycle_prints_in_walking_order_with_worker_processes(backend: Backend,
                                                              tmp_path: Path) -> None:
    world, routes = _route_world(backend)
    seen: list[tuple[int, int]] = []
    out = tmp_path / "cycle.pdf"
    result = printing.print_bills(backend, world.officer, PrintSelection(cycle="2026-01"), out,
                                  workers=2, chunk_size=3,
                                  progress=lambda d, t: seen.append((d, t)))
    assert result.bills == 7 and len(PdfReader(str(out)).pages) == 7
    assert _numbers_on(out) == _walking(backend, routes)
    assert seen == [(3, 7), (6, 7), (7, 7)]
    supervisor = token_for(backend, Role.SUPERVISOR)
    split = printing.print_bills(backend, supervisor, PrintSelection(cycle="2026-01"),
                                 tmp_path / "route.pdf", split=3, workers=2, chunk_size=2)
    assert [p.name for p in split.files] == ["route-001.pdf", "route-002.pdf", "route-003.pdf"]
    assert [len(PdfReader(str(p)).pages) for p in split.files] == [3, 3, 1]
    assert [n for p in split.files for n in _numbers_on(p)] == _walking(backend, routes)
    only = printing.print_bills(backend, supervisor,
                                PrintSelection(cycle="2026-01", transformer="TR-1"),
                                tmp_path / "tr1.pdf")
    assert only.bills == 3
    with backend.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "print")
                          .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and "route TR-1" in (entry.after or "")


def test_status_selection_and_drafts(backend: Backend, tmp_path: Path) -> None:
    world, _routes = _route_world(backend)
    with pytest.raises(NotFound, match="no bills to print"):
        printing.print_bills(backend, world.officer,
                             PrintSelection(cycle="2026-01", status="due"), tmp_path / "x.pdf")
    assert not list(tmp_path.iterdir())
    out = tmp_path / "drafts.pdf"
    printing.print_bills(backend, world.officer,
                         PrintSelection(cycle="2026-01", status="generated"), out)
    texts = _texts(out)
    assert len(texts) == 7 and all("DRAFT: not issued yet" in t for t in texts)


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
    out = tmp_path / "est.pdf"
    printing.print_bills(backend, world.officer, PrintSelection(cycle="2026-01"), out)
    [text] = _texts(out)
    assert "42 kWh E" in text and "ESTIMATED READING" in text
    with backend.sessions() as s:
        assert s.scalar(select(MeterReading.is_estimated)) is True


def test_refusals_leave_no_file(backend: Backend, tmp_path: Path) -> None:
    world, _routes = _route_world(backend)
    everything = PrintSelection(cycle="2026-01")
    for role in (Role.ACCOUNTS_OFFICER, Role.FIELD_OFFICER, Role.ADMIN):
        with pytest.raises(PermissionDenied):
            printing.print_bills(backend, token_for(backend, role), everything,
                                 tmp_path / "no.pdf")
    with pytest.raises(ValidationError, match=r"must end in \.pdf"):
        printing.print_bills(backend, world.officer, everything, tmp_path / "bills.txt")
    with pytest.raises(ValidationError, match="choose a cycle"):
        printing.print_bills(backend, world.officer, PrintSelection(), tmp_path / "a.pdf")
    with pytest.raises(NotFound, match="no billing cycle 2030-01"):
        printing.print_bills(backend, world.officer, PrintSelection(cycle="2030-01"),
                             tmp_path / "a.pdf")
    with pytest.raises(NotFound, match="'NOPE-1'"):
        printing.print_bills(backend, world.officer, PrintSelection(bill_nos=("NOPE-1",)),
                             tmp_path / "a.pdf")
    with pytest.raises(ValidationError, match="not a bill status"):
        printing.print_bills(backend, world.officer,
                             PrintSelection(cycle="2026-01", status="LOST"), tmp_path / "a.pdf")
    assert not list(tmp_path.iterdir())


def test_cancel_stops_and_leaves_no_file(backend: Backend, tmp_path: Path) -> None:
    world, _routes = _route_world(backend)
    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)

    with pytest.raises(PrintCancelled):
        printing.print_bills(backend, world.officer, PrintSelection(cycle="2026-01"),
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
    out = tmp_path / "bill.pdf"
    printing.print_bills(sqlite_backend, world.officer,
                         PrintSelection(bill_nos=(_bill_no(sqlite_backend, conn, "2026-02"),)),
                         out)
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(out),
                    str(PNG_DIR / "bill")], check=True)
    picture = PNG_DIR / "bill.png"
    assert picture.read_bytes()[:4] == b"\x89PNG"
    assert picture.stat().st_size > 20_000  # a page with text, not a blank sheet
    if shutil.which("zbarimg") is not None:  # the QR code reads back
        decoded = subprocess.run(["zbarimg", "-q", "--raw", str(picture)],
                                 capture_output=True, text=True, check=False).stdout
        assert decoded.strip().startswith("OPSMPAY:202602-")


def test_bulk_figures_on_demo_data_equal_the_bill_detail(backend: Backend) -> None:
    """A year of demo accounts (late, partial and missing payments, credit, two utilities):
    the chunk loader and get_bill agree on every bill of two cycles."""
    from opsmanager_desktop.services import demo
    from tests.helpers import admin_token

    admin = admin_token(backend)
    result = demo.generate_demo(backend, admin, customers=25, seed=3)
    officer = token_for(backend, Role.BILLING_OFFICER)
    with backend.sessions() as s:
        periods = list(s.scalars(select(BillingCycle.period).order_by(BillingCycle.period)))
    assert periods[0] == result.first_cycle and periods[-1] == result.last_cycle
    for period in (periods[0], periods[5], periods[-1]):
        ids = printing.bills_to_print(backend, officer, PrintSelection(cycle=period))
        job = printing.load_printable(backend, officer, list(ids))
        assert len(job.bills) == len(ids) > 25
        for printed in job.bills:
            detail = bills.get_bill(backend, officer, printed.bill_no)
            assert (printed.previous_balance, printed.payments_since_last_bill,
                    printed.total_due, printed.last_bill_issued) == (
                detail.previous_balance, detail.payments_since_last_bill, detail.total_due,
                None if detail.last_bill_no is None else _issue_date(backend, detail.last_bill_no))


def _issue_date(backend: Backend, bill_no: str) -> date | None:
    with backend.sessions() as s:
        return s.scalar(select(Bill.issue_date).where(Bill.bill_no == bill_no))


def test_paid_and_overdue_bills_say_so(backend: Backend, tmp_path: Path) -> None:
    world, conn = _statement_world(backend)
    bill_no = _bill_no(backend, conn, "2026-02")
    bills.mark_overdue(backend, token_for(backend, Role.ACCOUNTS_OFFICER), "2026-03-20")
    out = tmp_path / "late.pdf"
    printing.print_bills(backend, world.officer, PrintSelection(bill_nos=(bill_no,)), out)
    [late] = _texts(out)
    assert "OVERDUE: the due date has passed" in late
    # January's 155.00 left and February's 825.00: the oldest is paid first
    payments.record_payment(backend, token_for(backend, Role.ACCOUNTS_OFFICER), "P-1",
                            "980.00", "CASH", "T-9", date(2026, 3, 21))
    printing.print_bills(backend, world.officer, PrintSelection(bill_nos=(bill_no,)), out)
    [paid] = _texts(out)
    assert "PAID" in paid and "Nothing more to pay on this bill" in paid
    assert "OVERDUE" not in paid


def test_names_beyond_latin_1_print_as_written(backend: Backend, tmp_path: Path) -> None:
    from opsmanager_desktop.db.models import Customer

    world, conn = _statement_world(backend)
    with backend.sessions.begin() as s:
        s.execute(update(Customer).where(Customer.account_no == "P-1").values(
            name="Zoë Łukasz Ọkọnkwọ", address="ул. Ленина 5, Москва"))
    out = tmp_path / "names.pdf"
    printing.print_bills(backend, world.officer,
                         PrintSelection(bill_nos=(_bill_no(backend, conn, "2026-02"),)), out)
    [text] = _texts(out)
    assert "Zoë Łukasz Ọkọnkwọ" in text and "ул. Ленина 5, Москва" in text

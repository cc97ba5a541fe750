"""Exports opened back: XLSX with openpyxl (numbers, dates, header), CSV with csv."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import export as export_service
from opsmanager_desktop.services import payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.export import ExportCancelled, export
from tests.helpers import token_for
from tests.ledger_data import add_bill, add_customer


@pytest.fixture
def ao(backend: Backend) -> str:
    token = token_for(backend, Role.ACCOUNTS_OFFICER)
    add_bill(backend, "A001", "1000.00", due=date(2026, 1, 10))
    add_customer(backend, "A002")
    payments.record_payment(backend, token, "A001", "1000.00", "BANK", "T-1",
                            paid_at=date(2026, 1, 5))
    payments.record_payment(backend, token, "A002", "0.30", "CASH", "R-2",
                            paid_at=date(2026, 1, 6))
    payments.record_payment(backend, token, "A002", "1234567.89", "CHEQUE", "C-3",
                            paid_at=date(2026, 1, 7))
    return token


def test_payments_to_xlsx(backend: Backend, ao: str, tmp_path: Path) -> None:
    out = tmp_path / "payments.xlsx"
    seen: list[tuple[int, int]] = []
    result = export(backend, ao, "payments", out, sort="paid_at",
                    progress=lambda d, t: seen.append((d, t)))
    assert result.rows == 3 and seen[-1] == (3, 3)
    ws = load_workbook(out).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Account No.", "Customer Name", "Channel", "Reference"]
    assert "Id" not in header and all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}4"
    amount = header.index("Amount") + 1
    paid_at = header.index("Paid At") + 1
    cells = [ws.cell(r, amount) for r in range(2, 5)]
    assert all(c.data_type == "n" for c in cells)
    assert [Decimal(str(c.value)) for c in cells] == [
        Decimal("1000"), Decimal("0.3"), Decimal("1234567.89")]
    assert cells[0].number_format == "#,##0.00"
    assert ws.cell(2, paid_at).is_date and ws.cell(2, paid_at).value.date() == date(2026, 1, 5)
    assert ws.column_dimensions["A"].width >= len("Account No.")


@pytest.mark.parametrize("table", ["payments", "customers", "readings"])
def test_xlsx_says_its_size_to_read_only_readers(backend: Backend, ao: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  table: str) -> None:
    """Readers in openpyxl's read-only mode (our own imports among them) take a sheet's size
    from its dimension: without one max_row is None. Streamed (payments) and keyset-paged
    (customers) tables, over several chunks, and an empty one (readings)."""
    from opsmanager_desktop.services import listing

    monkeypatch.setattr(listing, "STREAM_CHUNK", 2)
    monkeypatch.setattr(export_service, "PAGE", 2)
    out = tmp_path / f"{table}.xlsx"
    token = ao if table != "readings" else token_for(backend, Role.BILLING_OFFICER)
    result = export(backend, token, table, out)
    assert result.rows == {"payments": 3, "customers": 2, "readings": 0}[table]
    book = load_workbook(out, read_only=True)
    try:
        ws = book.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        assert (ws.max_row, ws.max_column) == (result.rows + 1, len(rows[0]))
        assert len(rows) == result.rows + 1 and rows[0][0] is not None
    finally:
        book.close()


def test_payments_to_csv_with_filter(backend: Backend, ao: str, tmp_path: Path) -> None:
    out = tmp_path / "payments.csv"
    result = export(backend, ao, "payments", out, filters={"account": "A002"},
                    sort="amount")
    assert result.rows == 2
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["reference"], r["amount"], r["paid_at"]) for r in rows] == [
        ("R-2", "0.30", "2026-01-06"), ("C-3", "1234567.89", "2026-01-07")]
    assert rows[0]["reversed"] == "false" and "id" not in rows[0]


def test_export_pages_through_everything(backend: Backend, ao: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from opsmanager_desktop.services import listing

    monkeypatch.setattr(listing, "STREAM_CHUNK", 2)  # three rows: two chunks
    result = export(backend, ao, "payments", tmp_path / "p.csv")
    with (tmp_path / "p.csv").open(encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == result.rows == 3


def test_customers_and_connections(backend: Backend, ao: str, tmp_path: Path) -> None:
    result = export(backend, ao, "customers", tmp_path / "c.xlsx")
    assert result.rows == 2
    ws = load_workbook(tmp_path / "c.xlsx").active
    assert ws is not None and ws.max_row == 3
    result = export(backend, ao, "connections", tmp_path / "k.csv")
    with (tmp_path / "k.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert result.rows == 1 and rows[0]["account_no"] == "A001"


def test_permission_is_the_list_services(backend: Backend, ao: str, tmp_path: Path) -> None:
    field = token_for(backend, Role.FIELD_OFFICER)
    out = tmp_path / "p.xlsx"
    with pytest.raises(PermissionDenied):
        export(backend, field, "payments", out)
    assert not out.exists()
    consumer = token_for(backend, Role.CONSUMER, username="c2", account_no="A002")
    assert export(backend, consumer, "payments", tmp_path / "mine.csv").rows == 2
    with pytest.raises(PermissionDenied):
        export(backend, consumer, "customers", tmp_path / "all.csv")


def test_bad_requests_and_cancel(backend: Backend, ao: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot be exported"):
        export(backend, ao, "users", tmp_path / "u.csv")
    with pytest.raises(ValidationError, match=r"\.xlsx or \.csv"):
        export(backend, ao, "payments", tmp_path / "p.pdf")
    with pytest.raises(ExportCancelled):
        export(backend, ao, "payments", tmp_path / "p.xlsx", cancelled=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_empty_export_still_has_its_header(backend: Backend, tmp_path: Path) -> None:
    bo = token_for(backend, Role.BILLING_OFFICER)
    result = export(backend, bo, "readings", tmp_path / "r.csv")
    assert result.rows == 0
    with (tmp_path / "r.csv").open(encoding="utf-8-sig") as f:
        header = next(csv.reader(f))
    assert "meter_number" in header and "id" not in header


def test_bills_export_with_common_filters(backend: Backend, ao: str, tmp_path: Path) -> None:
    from opsmanager_desktop.services.export import common_filters

    add_bill(backend, "A002", "12.50", due=date(2026, 2, 10), cycle="2026-02")
    filters = common_filters("bills", {"account": "A002", "cycle": "2026-02", "to": None})
    assert filters == {"account": "A002", "cycle": "2026-02"}
    result = export(backend, ao, "bills", tmp_path / "b.xlsx", filters=filters)
    assert result.rows == 1
    ws = load_workbook(tmp_path / "b.xlsx").active
    assert ws is not None
    header = [c.value for c in ws[1]]
    total = ws.cell(2, header.index("Total") + 1)
    assert total.data_type == "n" and Decimal(str(total.value)) == Decimal("12.5")
    assert common_filters("connections", {"account": "A1"}) == {"account_no": "A1"}
    with pytest.raises(ValidationError, match="cannot be filtered by --channel"):
        common_filters("bills", {"channel": "CASH"})


def _bills_with_ties(backend: Backend) -> None:
    """Nine bills on three accounts: totals tie in threes and so do accounts; the drafts
    (GENERATED) have no due date, so sorting by it meets NULLs."""
    for i in range(9):
        add_bill(backend, f"T{i % 3:03d}", ("5.00", "7.50", "7.50")[i % 3],
                 due=date(2026, 1, 10 + i % 2),
                 status="GENERATED" if i % 4 == 0 else "DUE")


def test_pages_give_every_row_once_in_the_lists_order(backend: Backend, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """A streamed table (bills) read two rows at a time across ties and NULLs, each way:
    the file holds the rows the list itself returns in one page, in its order, each once."""
    from opsmanager_desktop.services import bills, listing
    from opsmanager_desktop.services.listing import ListQuery

    bo = token_for(backend, Role.BILLING_OFFICER)
    _bills_with_ties(backend)
    monkeypatch.setattr(listing, "STREAM_CHUNK", 2)
    for sort, descending in _SORTS:
        expected = [r.bill_no for r in bills.list_bills(
            backend, bo, ListQuery(sort=sort, descending=descending, limit=100)).rows]
        out = tmp_path / f"bills-{sort}-{descending}.csv"
        seen: list[tuple[int, int]] = []
        result = export(backend, bo, "bills", out, sort=sort, descending=descending,
                        progress=lambda d, t: seen.append((d, t)))  # noqa: B023
        with out.open(encoding="utf-8-sig") as f:
            got = [r["bill_no"] for r in csv.DictReader(f)]
        assert result.rows == 9 and len(set(got)) == 9, (sort, descending)
        assert got == expected, (sort, descending)
        assert [d for d, _t in seen] == [2, 4, 6, 8, 9] and {t for _d, t in seen} == {9}


_SORTS = (("", False), ("total", False), ("total", True), ("due_date", False),
          ("due_date", True), ("account_no", True))


def test_keyset_pages_match_offset_pages(backend: Backend) -> None:
    """listing.walk without a sink: pages of two by keyset, across ties and NULL sort
    keys, are the list's own pages by OFFSET, for every order."""
    from opsmanager_desktop.services import bills
    from opsmanager_desktop.services.listing import ListQuery, walk

    bo = token_for(backend, Role.BILLING_OFFICER)
    _bills_with_ties(backend)
    for sort, descending in _SORTS:
        by_offset = [[r.bill_no for r in bills.list_bills(backend, bo, ListQuery(
            sort=sort, descending=descending, offset=o, limit=2)).rows]
            for o in range(0, 10, 2)]
        by_keyset = []
        with walk() as keyset:
            for _ in range(5):
                by_keyset.append([r.bill_no for r in bills.list_bills(
                    backend, bo, ListQuery(sort=sort, descending=descending, limit=2)).rows])
                keyset.after = keyset.reached
        assert by_keyset == by_offset, (sort, descending)
        assert sum(len(p) for p in by_keyset) == 9


def test_customers_by_name_with_ties_to_xlsx(backend: Backend, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Customers page by keyset. Names equal but for case tie on both databases (NOCASE,
    unicode_ci): the pages must follow the database's order, not Python's."""
    from opsmanager_desktop.services import customers
    from opsmanager_desktop.services.listing import ListQuery

    bo = token_for(backend, Role.BILLING_OFFICER)
    for i, name in enumerate(["Ann Lee", "bob", "ann lee", "Ann Lee", "Bob", "Cy", "ANN LEE"]):
        add_customer(backend, f"N{i:03d}", name)
    monkeypatch.setattr(export_service, "PAGE", 2)
    for sort, descending in (("name", False), ("name", True), ("", False),
                             ("account_no", True)):
        expected = [r.account_no for r in customers.list_customers(
            backend, bo, ListQuery(sort=sort, descending=descending, limit=100)).rows]
        out = tmp_path / f"names-{sort}-{descending}.xlsx"
        assert export(backend, bo, "customers", out, sort=sort,
                      descending=descending).rows == 7
        ws = load_workbook(out).active
        assert ws is not None
        got = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
        assert got == expected and sorted(got) == [f"N{i:03d}" for i in range(7)]


def test_a_consumer_pages_through_their_own_rows_only(backend: Backend, ao: str,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from opsmanager_desktop.services import listing

    monkeypatch.setattr(listing, "STREAM_CHUNK", 1)
    consumer = token_for(backend, Role.CONSUMER, username="c2", account_no="A002")
    seen: list[tuple[int, int]] = []
    out = tmp_path / "mine.csv"
    assert export(backend, consumer, "payments", out, sort="amount", descending=True,
                  progress=lambda d, t: seen.append((d, t))).rows == 2
    with out.open(encoding="utf-8-sig") as f:
        assert [r["reference"] for r in csv.DictReader(f)] == ["C-3", "R-2"]
    assert seen == [(1, 2), (2, 2)]


def test_a_cancel_between_chunks_leaves_no_file(backend: Backend, ao: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from opsmanager_desktop.services import listing

    monkeypatch.setattr(listing, "STREAM_CHUNK", 1)
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2  # after two rows written

    for name in ("p.csv", "p.xlsx"):
        asked.clear()
        with pytest.raises(ExportCancelled):
            export(backend, ao, "payments", tmp_path / name, cancelled=cancelled)
    assert list(tmp_path.iterdir()) == []


def test_xlsx_cancel_and_progress_while_the_sheet_is_written(backend: Backend, ao: str,
                                                              tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """An XLSX export reads every row before it writes the sheet (the dimension comes
    first); Cancel is still heard and progress still moves while the sheet is written, each
    pass counting half."""
    from opsmanager_desktop.services import listing

    monkeypatch.setattr(listing, "STREAM_CHUNK", 1)
    asked: list[int] = []
    seen: list[tuple[int, int]] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 4  # three rows read, one written

    with pytest.raises(ExportCancelled):
        export(backend, ao, "payments", tmp_path / "p.xlsx", cancelled=cancelled,
               progress=lambda d, t: seen.append((d, t)))
    assert list(tmp_path.iterdir()) == []
    assert seen == [(0, 3), (1, 3), (1, 3), (2, 3)]


def test_a_list_that_ignores_the_walk_is_refused(backend: Backend, ao: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A list service not built on run_page would hand back its first page only (streamed
    tables) or the same page forever (keyset tables): the export stops instead."""
    from opsmanager_desktop.services.listing import Page

    def one_page(_backend: Backend, _token: str, query: object) -> Page[object]:
        return Page([object()] * export_service.PAGE, None, 0)

    monkeypatch.setattr(export_service, "_list_function", lambda _table: one_page)
    for table in ("payments", "customers"):
        with pytest.raises(RuntimeError, match="cannot be exported whole"):
            export(backend, ao, table, tmp_path / f"{table}.csv")
    assert list(tmp_path.iterdir()) == []


def test_statements_export_as_the_table_lists_them(backend: Backend, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from opsmanager_desktop.services import listing, statements
    from opsmanager_desktop.services.export import common_filters
    from opsmanager_desktop.services.listing import ListQuery
    from tests.statement_data import FEB, TWO, make_statements

    monkeypatch.setattr(listing, "STREAM_CHUNK", 1)  # streamed a row at a time
    data = make_statements(backend)
    out = tmp_path / "statements.csv"
    result = export(backend, data.accounts, "statements", out, sort="total_due",
                    filters=common_filters("statements", {"cycle": FEB}))
    listed = statements.list_statements(backend, data.accounts, ListQuery(
        sort="total_due", filters={"cycle": FEB})).rows
    assert result.rows == len(listed) == 2
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["statement_no"], Decimal(r["total_due"]), Decimal(r["balance"]))
            for r in rows] == [(s.statement_no, s.total_due, s.balance) for s in listed]
    assert TWO in {r["account_no"] for r in rows}

"""Settlement-file imports: duplicates reported not posted, all-or-nothing, skip-invalid."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from opsmanager_desktop.db.models import AuditEntry, Payment
from opsmanager_desktop.domain.errors import ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.imports import ImportCancelled
from tests.helpers import token_for
from tests.ledger_data import add_bill, add_customer, assert_ledger_consistent, bill, credit_of

HEADER = ["reference", "channel", "account_no", "amount", "paid_at", "bill_no"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def payment_count(backend: Backend) -> int:
    with backend.sessions() as session:
        return session.scalar(select(func.count()).select_from(Payment)) or 0


@pytest.fixture
def ao(backend: Backend) -> str:
    return token_for(backend, Role.ACCOUNTS_OFFICER)


def test_import_posts_and_a_second_import_posts_nothing(backend: Backend, ao: str,
                                                        tmp_path: Path) -> None:
    b1 = add_bill(backend, "A001", "0.30", due=date(2026, 1, 10))
    b2 = add_bill(backend, "A002", "100.00", due=date(2026, 1, 10))
    add_customer(backend, "A003")
    path = write_csv(tmp_path / "settle.csv", [
        ["T-1", "bank", "A001", "0.10", "2026-01-05", b1],
        ["T-2", "BANK", "A001", "0.20", "2026-01-06", ""],
        ["T-3", "ONLINE", "A002", "150.00", "2026-01-06", b2],
        ["T-4", "CASH", "A003", "5", "2026-01-07", ""],
    ])
    seen: list[tuple[int, int]] = []
    result = payments.import_payments(backend, ao, path,
                                      progress=lambda d, t: seen.append((d, t)))
    assert (result.posted, result.duplicates, result.rejected) == (4, 0, 0)
    assert result.amount_posted == Decimal("155.30")
    assert seen and seen[-1][0] == 4
    assert bill(backend, b1).balance == Decimal("0.00") and bill(backend, b1).status == "PAID"
    assert bill(backend, b2).status == "PAID"
    assert credit_of(backend, "A002") == Decimal("50.00")
    assert credit_of(backend, "A003") == Decimal("5.00")
    assert_ledger_consistent(backend)
    again = payments.import_payments(backend, ao, path)
    assert (again.posted, again.duplicates, again.rejected) == (0, 4, 0)
    assert payment_count(backend) == 4
    assert credit_of(backend, "A002") == Decimal("50.00")
    with backend.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "payment", AuditEntry.action == "import")) == 4


def test_duplicate_within_file_is_reported_not_posted(backend: Backend, ao: str,
                                                      tmp_path: Path) -> None:
    add_customer(backend, "A001")
    payments.record_payment(backend, ao, "A001", "9.00", "POS", "P-0")
    path = write_csv(tmp_path / "dup.csv", [
        ["P-1", "POS", "A001", "10.00", "2026-01-05", ""],
        ["P-1", "POS", "A001", "10.00", "2026-01-05", ""],
        ["P-0", "POS", "A001", "9.00", "2026-01-05", ""],
        ["P-1", "CASH", "A001", "10.00", "2026-01-05", ""],  # another channel: another key
    ])
    result = payments.import_payments(backend, ao, path)
    assert (result.posted, result.duplicates, result.rejected) == (2, 2, 0)
    assert credit_of(backend, "A001") == Decimal("29.00")


def test_bad_rows_refuse_the_whole_file(backend: Backend, ao: str, tmp_path: Path) -> None:
    add_bill(backend, "A001", "10.00", due=date(2026, 1, 10))
    unissued = add_bill(backend, "A001", "10.00", due=None, status="GENERATED")
    other = add_bill(backend, "A002", "10.00", due=date(2026, 1, 10))
    path = write_csv(tmp_path / "bad.csv", [
        ["G-1", "CASH", "A001", "1.00", "2026-01-05", ""],
        ["G-2", "CASH", "A001", "-1", "2026-01-05", ""],
        ["G-3", "PAYPAL", "NOPE", "1.001", "05/01/2026", ""],
        ["G-4", "CASH", "A001", "1.00", "2026-01-05", unissued],
        ["G-5", "CASH", "A001", "1.00", "2026-01-05", other],
        ["G-1", "CASH", "A001", "2.00", "2026-01-05", ""],
        ["", "CASH", "A001", "0", "2999-01-01", ""],
    ])
    with pytest.raises(ValidationError) as info:
        payments.import_payments(backend, ao, path)
    where = {(p.row, p.field) for p in info.value.problems}
    assert {(3, "amount"), (4, "channel"), (4, "account_no"), (4, "amount"), (4, "paid_at"),
            (5, "bill_no"), (6, "bill_no"), (7, "reference"), (8, "reference"),
            (8, "amount"), (8, "paid_at")} <= where
    assert "not been issued" in str(info.value)
    assert payment_count(backend) == 0


def test_skip_invalid_posts_good_rows_and_writes_rejects(backend: Backend, ao: str,
                                                         tmp_path: Path) -> None:
    add_bill(backend, "A001", "10.00", due=date(2026, 1, 10))
    path = write_csv(tmp_path / "mixed.csv", [
        ["S-1", "CASH", "A001", "4.00", "2026-01-05"],
        ["S-2", "CASH", "NOPE", "4.00", "2026-01-05"],
        ["S-3", "CHEQUE", "A001", "6.00", "2026-01-05"],
    ], header=HEADER[:5])
    result = payments.import_payments(backend, ao, path, skip_invalid=True)
    assert (result.posted, result.duplicates, result.rejected) == (2, 0, 1)
    assert result.rejects_path is not None
    with result.rejects_path.open(encoding="utf-8-sig") as f:
        rejected = list(csv.reader(f))
    assert rejected[0] == [*HEADER[:5], "error"]
    assert rejected[1][0] == "S-2" and "account" in rejected[1][-1]
    assert payment_count(backend) == 2
    assert_ledger_consistent(backend)


def test_xlsx_settlement_file(backend: Backend, ao: str, tmp_path: Path) -> None:
    add_customer(backend, "A001")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER[:5])
    ws.append(["X-1", "POS", "A001", 12.5, date(2026, 1, 5)])
    ws.append(["X-2", "POS", "A001", "0.25", "2026-01-06"])
    wb.save(tmp_path / "settle.xlsx")
    result = payments.import_payments(backend, ao, tmp_path / "settle.xlsx")
    assert result.posted == 2
    assert credit_of(backend, "A001") == Decimal("12.75")


def test_cancelled_import_posts_nothing(backend: Backend, ao: str, tmp_path: Path) -> None:
    add_customer(backend, "A001")
    path = write_csv(tmp_path / "big.csv", [
        [f"C-{i}", "CASH", "A001", "1.00", "2026-01-05", ""] for i in range(2500)])
    calls = 0

    def cancelled() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2  # after two chunks were written

    with pytest.raises(ImportCancelled):
        payments.import_payments(backend, ao, path, cancelled=cancelled)
    assert payment_count(backend) == 0
    assert credit_of(backend, "A001") == Decimal("0.00")


def test_only_accounts_officers_import(backend: Backend, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["R", "CASH", "A001", "1", "2026-01-01", ""]])
    from opsmanager_desktop.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        payments.import_payments(backend, token_for(backend, Role.SUPERVISOR), path)


def test_same_file_imported_twice_at_once_posts_once(backend: Backend, ao: str,
                                                     tmp_path: Path) -> None:
    """Two workstations import one settlement file at the same moment."""
    import threading

    for i in range(30):
        add_bill(backend, f"A{i:03d}", "10.00", due=date(2026, 1, 10))
    path = write_csv(tmp_path / "same.csv", [
        [f"W-{i}", "BANK", f"A{i % 30:03d}", "4.00", "2026-01-05", ""] for i in range(300)])
    results: list[payments.ImportResult] = []
    errors: list[Exception] = []

    def work() -> None:
        try:
            results.append(payments.import_payments(backend, ao, path))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted((r.posted, r.duplicates) for r in results) == [(0, 300), (300, 0)]
    assert payment_count(backend) == 300
    assert_ledger_consistent(backend)

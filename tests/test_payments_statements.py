"""Payments naming an account statement: its open bills first (oldest first), then the
account's other open bills, then credit; recorded one by one and in settlement files."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import Payment
from opsmanager_desktop.domain.errors import NotFound, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import token_for
from tests.ledger_data import assert_ledger_consistent, bill, credit_of
from tests.statement_data import (
    FEBRUARY_ELECTRICITY,
    FEBRUARY_WATER,
    JANUARY_ELECTRICITY,
    JANUARY_WATER,
    two_utility_account,
)

D = Decimal
PAID_ON = date(2026, 3, 10)


@pytest.fixture
def ao(backend: Backend) -> str:
    return token_for(backend, Role.ACCOUNTS_OFFICER)


def test_paying_a_statement_settles_both_of_its_bills(backend: Backend, ao: str) -> None:
    acc = two_utility_account(backend)
    number = acc.statement_no("2026-01")
    assert number.startswith("S202601-")
    total = JANUARY_ELECTRICITY + JANUARY_WATER
    result = payments.record_payment(backend, ao, "S-1", total, "BANK", "T-1", PAID_ON,
                                     bill_no=number.lower())  # any case
    assert [(p.bill_no, p.amount) for p in result.applied] == [
        (acc.bill_no("2026-01", 0), JANUARY_ELECTRICITY),
        (acc.bill_no("2026-01", 1), JANUARY_WATER)]
    assert result.kept_as_credit == D("0.00") and result.outstanding == D("0.00")
    assert bill(backend, acc.bill_no("2026-01", 1)).status == "PAID"
    # the payment records the statement the payer named, not one of its bills
    assert (result.payment.statement_no, result.payment.bill_no) == (number, None)
    listed = payments.list_payments(backend, ao, ListQuery(filters={"account": "S-1"}))
    assert [(r.reference, r.statement_no) for r in listed.rows] == [("T-1", number)]
    assert_ledger_consistent(backend)


def test_part_payment_goes_to_the_statements_oldest_bill_first(backend: Backend,
                                                               ao: str) -> None:
    acc = two_utility_account(backend, february=True)
    # February's statement carries two bills due the same day: the lower id goes first,
    # and January's bills (older, not on this statement) wait
    result = payments.record_payment(backend, ao, "S-1", "100.00", "CASH", "R-1", PAID_ON,
                                     bill_no=acc.statement_no("2026-02"))
    assert [(p.bill_no, p.amount) for p in result.applied] == [
        (acc.bill_no("2026-02", 0), D("100.00"))]
    assert bill(backend, acc.bill_no("2026-01", 0)).amount_paid == D("0.00")
    assert_ledger_consistent(backend)


def test_more_than_the_statement_goes_to_other_open_bills_then_credit(
        backend: Backend, ao: str) -> None:
    acc = two_utility_account(backend, february=True)
    february = FEBRUARY_ELECTRICITY + FEBRUARY_WATER
    january = JANUARY_ELECTRICITY + JANUARY_WATER
    result = payments.record_payment(backend, ao, "S-1", february + january + D("5.00"),
                                     "BANK", "T-2", PAID_ON, bill_no=acc.statement_no("2026-02"))
    assert [p.bill_no for p in result.applied] == [
        acc.bill_no("2026-02", 0), acc.bill_no("2026-02", 1),
        acc.bill_no("2026-01", 0), acc.bill_no("2026-01", 1)]
    assert result.kept_as_credit == D("5.00") and credit_of(backend, "S-1") == D("5.00")
    assert_ledger_consistent(backend)


def test_a_settled_statement_may_still_be_named(backend: Backend, ao: str) -> None:
    acc = two_utility_account(backend, february=True)
    january = acc.statement_no("2026-01")
    payments.record_payment(backend, ao, "S-1", JANUARY_ELECTRICITY + JANUARY_WATER, "BANK",
                            "T-3", PAID_ON, bill_no=january)
    again = payments.record_payment(backend, ao, "S-1", "10.00", "BANK", "T-4", PAID_ON,
                                    bill_no=january)
    assert [(p.bill_no, p.amount) for p in again.applied] == [
        (acc.bill_no("2026-02", 0), D("10.00"))]
    assert again.payment.statement_no == january
    assert_ledger_consistent(backend)


def test_statement_of_another_account_or_unknown_refused(backend: Backend, ao: str) -> None:
    acc = two_utility_account(backend)
    with pytest.raises(ValidationError) as info:
        payments.record_payment(backend, ao, "X-1", "10.00", "CASH", "R-9", PAID_ON,
                                bill_no=acc.statement_no("2026-01"))
    [problem] = info.value.problems
    assert problem.field == "bill" and "another account, not X-1" in problem.reason
    with pytest.raises(NotFound, match="no statement 'S209901-00000001'"):
        payments.record_payment(backend, ao, "S-1", "10.00", "CASH", "R-9", PAID_ON,
                                bill_no="S209901-00000001")
    with backend.sessions() as s:
        assert s.scalar(select(Payment.id)) is None


def test_a_retry_returns_the_same_payment(backend: Backend, ao: str) -> None:
    acc = two_utility_account(backend)
    number = acc.statement_no("2026-01")
    first = payments.record_payment(backend, ao, "S-1", "50.00", "ONLINE", "G-1", PAID_ON,
                                    bill_no=number)
    again = payments.record_payment(backend, ao, "S-1", "50.00", "ONLINE", "G-1", PAID_ON,
                                    bill_no=number)
    assert again.already_recorded and again.payment.id == first.payment.id
    assert again.applied == first.applied
    assert bill(backend, acc.bill_no("2026-01", 0)).amount_paid == D("50.00")
    assert_ledger_consistent(backend)


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["reference", "channel", "account_no", "amount", "paid_at", "bill_no"])
        writer.writerows(rows)
    return path


def test_import_with_bill_and_statement_numbers(backend: Backend, ao: str,
                                                tmp_path: Path) -> None:
    acc = two_utility_account(backend, february=True)
    january, february = acc.statement_no("2026-01"), acc.statement_no("2026-02")
    path = _csv(tmp_path / "settle.csv", [
        ["T-1", "BANK", "S-1", str(JANUARY_ELECTRICITY + JANUARY_WATER), "2026-03-05",
         january],
        ["T-2", "BANK", "S-1", str(FEBRUARY_WATER), "2026-03-05", acc.bill_no("2026-02", 1)],
        ["T-3", "BANK", "S-1", "170.00", "2026-03-06", february],
    ])
    result = payments.import_payments(backend, ao, path)
    assert (result.posted, result.duplicates, result.rejected) == (3, 0, 0)
    for which in (0, 1):
        assert bill(backend, acc.bill_no("2026-01", which)).status == "PAID"
    assert bill(backend, acc.bill_no("2026-02", 1)).status == "PAID"
    assert bill(backend, acc.bill_no("2026-02", 0)).status == "PAID"
    assert credit_of(backend, "S-1") == D("5.00")  # 170.00 on 165.00 left
    with backend.sessions() as s:
        named = {p.reference: (p.bill_id is not None, p.statement_id is not None)
                 for p in s.scalars(select(Payment))}
    assert named == {"T-1": (False, True), "T-2": (True, False), "T-3": (False, True)}
    assert_ledger_consistent(backend)
    again = payments.import_payments(backend, ao, path)
    assert (again.posted, again.duplicates) == (0, 3)


def test_import_refuses_unknown_and_foreign_statements_by_row(backend: Backend, ao: str,
                                                              tmp_path: Path) -> None:
    acc = two_utility_account(backend)
    path = _csv(tmp_path / "bad.csv", [
        ["T-1", "BANK", "S-1", "10.00", "2026-03-05", acc.statement_no("2026-01")],
        ["T-2", "BANK", "S-1", "10.00", "2026-03-05", "S209901-00000001"],
        ["T-3", "BANK", "X-1", "10.00", "2026-03-05", acc.statement_no("2026-01")],
    ])
    with pytest.raises(ValidationError) as info:
        payments.import_payments(backend, ao, path)
    found = {(p.row, p.field): p.reason for p in info.value.problems}
    assert set(found) == {(3, "bill_no"), (4, "bill_no")}
    assert "no statement 'S209901-00000001'" in found[(3, "bill_no")]
    assert "another account, not X-1" in found[(4, "bill_no")]
    with backend.sessions() as s:
        assert s.scalar(select(Payment.id)) is None

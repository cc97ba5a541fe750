"""Report figures from a known data set, to the cent, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from opsmanager_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import payments, reports
from opsmanager_desktop.services.backend import Backend
from tests.helpers import token_for
from tests.ledger_data import add_bill, add_customer


@pytest.fixture
def ao(backend: Backend) -> str:
    return token_for(backend, Role.ACCOUNTS_OFFICER)


def test_revenue_per_month_net_of_reversals(backend: Backend, ao: str) -> None:
    add_customer(backend, "A001")
    pay = payments.record_payment
    pay(backend, ao, "A001", "0.10", "CASH", "J1", paid_at=date(2025, 1, 1))
    pay(backend, ao, "A001", "0.20", "CASH", "J2", paid_at=date(2025, 1, 31))
    pay(backend, ao, "A001", "100.00", "BANK", "M1", paid_at=date(2025, 3, 15))
    pay(backend, ao, "A001", "50.00", "CHEQUE", "M2", paid_at=date(2025, 3, 16))
    pay(backend, ao, "A001", "1.01", "POS", "D1", paid_at=date(2025, 12, 31))
    pay(backend, ao, "A001", "7.00", "POS", "Y1", paid_at=date(2024, 12, 31))
    pay(backend, ao, "A001", "8.00", "POS", "Y2", paid_at=date(2026, 1, 1))
    payments.reverse_payment(backend, ao, "CHEQUE", "M2", "returned")
    rows = reports.revenue(backend, ao, 2025)
    assert [r.month for r in rows] == [f"2025-{m:02d}" for m in range(1, 13)]
    got = {r.month: r.collected for r in rows}
    assert got["2025-01"] == Decimal("0.30")
    assert got["2025-03"] == Decimal("100.00")
    assert got["2025-12"] == Decimal("1.01")
    assert str(got["2025-02"]) == "0.00"
    assert sum(got.values()) == Decimal("101.31")


def test_consumption_per_utility(backend: Backend, ao: str) -> None:
    add_bill(backend, "A001", "10.00", due=date(2026, 2, 1), units="100")
    add_bill(backend, "A002", "10.00", due=date(2026, 2, 1), units="150")
    add_bill(backend, "A003", "10.00", due=None, status="GENERATED", units="0.5")
    add_bill(backend, "A001", "10.00", due=date(2026, 2, 1), utility="water", units="10.001")
    add_bill(backend, "A002", "10.00", due=date(2026, 2, 1), utility="water", units="20")
    add_bill(backend, "A002", "10.00", due=date(2026, 3, 1), cycle="2026-02", units="999")
    bo = token_for(backend, Role.BILLING_OFFICER)
    rows = reports.consumption(backend, bo, "2026-01")
    assert [(r.utility, r.connections, r.total_units, r.average_units) for r in rows] == [
        ("electricity", 3, Decimal("250.500"), Decimal("83.500")),
        ("water", 2, Decimal("30.001"), Decimal("15.001"))]  # 15.0005 rounded half-up
    with pytest.raises(NotFound):
        reports.consumption(backend, bo, "2030-01")
    with pytest.raises(ValidationError, match="YYYY-MM"):
        reports.consumption(backend, bo, "2026-13")


def test_collection_efficiency(backend: Backend, ao: str) -> None:
    add_bill(backend, "A001", "100.00", due=date(2026, 2, 1))
    add_bill(backend, "A002", "50.00", due=date(2026, 2, 1))
    add_bill(backend, "A003", "30.00", due=None, status="GENERATED")
    add_bill(backend, "A001", "200.00", due=date(2026, 3, 1), cycle="2026-02")
    add_customer(backend, "A004")
    payments.record_payment(backend, ao, "A002", "75.00", "CASH", "E1")  # 50 + 25 credit
    payments.record_payment(backend, ao, "A001", "25.00", "CASH", "E2")
    rows = reports.collection_efficiency(backend, ao)
    assert [(r.cycle, r.billed, r.collected, r.ratio) for r in rows] == [
        ("2026-01", Decimal("150.00"), Decimal("75.00"), Decimal("0.5000")),
        ("2026-02", Decimal("200.00"), Decimal("0.00"), Decimal("0.0000"))]
    only = reports.collection_efficiency(backend, ao, from_cycle="2026-02")
    assert [r.cycle for r in only] == ["2026-02"]


def test_report_permissions(backend: Backend, ao: str) -> None:
    bo = token_for(backend, Role.BILLING_OFFICER)
    with pytest.raises(PermissionDenied):
        reports.revenue(backend, bo, 2026)
    with pytest.raises(PermissionDenied):
        reports.collection_efficiency(backend, bo)
    supervisor = token_for(backend, Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        reports.consumption(backend, supervisor, "2026-01")
    admin = token_for(backend, Role.ADMIN)
    assert len(reports.revenue(backend, admin, 2026)) == 12
    assert reports.ageing(backend, admin, date(2026, 1, 1)).total == Decimal("0.00")

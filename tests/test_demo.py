"""Demo data on a fresh database, both backends: realistic, consistent, repeatable."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    BillLine,
    Connection,
    Customer,
    MeterReading,
    NotificationOutbox,
    Statement,
    UtilityType,
)
from opsmanager_desktop.domain.errors import Conflict, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import compute_charges
from opsmanager_desktop.services import bills
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.demo import generate_demo
from opsmanager_desktop.services.listing import ListQuery
from opsmanager_desktop.services.tariffs import tariff_for_version
from tests.conftest import empty_tables
from tests.helpers import admin_token, token_for
from tests.ledger_data import assert_ledger_consistent

NOW = datetime(2026, 3, 15, 10, 0)


@pytest.fixture
def clocked(backend: Backend) -> Backend:
    backend.clock = lambda: NOW
    return backend


def _digest(backend: Backend) -> list[tuple[object, ...]]:
    with backend.sessions() as s:
        return [tuple(r) for r in s.execute(
            select(Bill.bill_no, Bill.total, Bill.amount_paid, Bill.balance, Bill.status,
                   Customer.name).join(Customer, Customer.id == Bill.customer_id)
            .order_by(Bill.bill_no))]


def test_demo_data_is_realistic_and_consistent(clocked: Backend) -> None:
    backend = clocked
    admin = admin_token(backend)
    steps: list[int] = []
    result = generate_demo(backend, admin, customers=60, seed=3,
                           progress=lambda done, total: steps.append(done))
    assert steps == list(range(1, 3 * 12 + 4))
    assert (result.customers, result.cycles) == (60, 12)
    assert (result.first_cycle, result.last_cycle) == ("2025-03", "2026-02")
    assert result.connections > 60 and result.payments > 0
    with backend.sessions() as s:
        utilities = set(s.scalars(select(UtilityType.code).join(
            Connection, Connection.utility_type_id == UtilityType.id)))
        assert utilities == {"electricity", "water"}
        assert s.scalar(select(func.count()).select_from(BillingCycle)) == 12
        assert s.scalar(select(func.count()).select_from(MeterReading)) == result.readings
        statuses = {r[0]: r[1] for r in s.execute(select(Bill.status, func.count())
                                                  .group_by(Bill.status))}
        assert {"PAID", "OVERDUE", "DUE"} <= set(statuses)
        assert "GENERATED" not in statuses
        assert sum(statuses.values()) == result.bills
        # the newest cycle has readings waiting for approval: no bill for those
        unbilled = s.scalar(select(func.count()).select_from(MeterReading).where(
            MeterReading.status == "SUBMITTED"))
        assert result.bills == result.readings - (unbilled or 0)
        # every bill is exactly what the calculator says, lines included
        loads = {r[0]: r[1] for r in s.execute(select(Connection.id,
                                                      Connection.sanctioned_load_kw))}
        tariffs: dict[int, object] = {}
        versions = set()
        for bill in s.scalars(select(Bill)):
            if bill.tariff_version_id not in tariffs:
                tariffs[bill.tariff_version_id] = tariff_for_version(s, bill.tariff_version_id)
            versions.add(bill.tariff_version_id)
            expected = compute_charges(tariffs[bill.tariff_version_id],  # type: ignore[arg-type]
                                       bill.units, loads[bill.connection_id])
            assert bill.total == expected.total
            amounts = s.scalars(select(BillLine.amount).where(BillLine.bill_id == bill.id)
                                .order_by(BillLine.seq)).all()
            assert amounts == [ln.amount for ln in expected.lines]
        assert len(versions) == 5  # four plans, one with a mid-year rate rise
        credit = s.scalar(select(func.count()).select_from(Customer).where(
            Customer.credit > Decimal(0)))
        assert credit == result.accounts_with_credit
    assert_ledger_consistent(backend)


def test_same_seed_same_data_and_only_into_an_empty_database(clocked: Backend) -> None:
    backend = clocked
    admin = admin_token(backend)
    generate_demo(backend, admin, customers=25, seed=11)
    first = _digest(backend)
    with pytest.raises(Conflict, match="empty database"):
        generate_demo(backend, admin, customers=5)
    empty_tables(backend.engine)
    admin = admin_token(backend)
    generate_demo(backend, admin, customers=25, seed=11)
    assert _digest(backend) == first
    empty_tables(backend.engine)
    admin = admin_token(backend)
    generate_demo(backend, admin, customers=25, seed=12)
    assert _digest(backend) != first


def test_demo_refusals(clocked: Backend) -> None:
    admin = admin_token(clocked)
    for bad in (0, -3, True, 2_000_000):
        with pytest.raises(ValidationError, match="customers"):
            generate_demo(clocked, admin, customers=bad)
    with pytest.raises(PermissionDenied):
        generate_demo(clocked, token_for(clocked, Role.BILLING_OFFICER), customers=5)


def test_a_demo_consumer_sees_their_bills(clocked: Backend) -> None:
    generate_demo(clocked, admin_token(clocked), customers=8, seed=2)
    consumer = token_for(clocked, Role.CONSUMER, "c1", account_no="AC0000003")
    page = bills.list_bills(clocked, consumer, ListQuery(limit=100))
    assert page.total and {r.account_no for r in page.rows} == {"AC0000003"}


def test_demo_messages_are_history_not_pending(clocked: Backend) -> None:
    """Issuing the demo's bills queues bill_issued messages to made-up addresses, one per
    account statement; they must not wait for a gateway someone configures later."""
    generate_demo(clocked, admin_token(clocked), customers=12, seed=5)
    with clocked.sessions() as s:
        rows = s.execute(select(NotificationOutbox.status, NotificationOutbox.template,
                                NotificationOutbox.sent_at, NotificationOutbox.created_at,
                                Bill.issue_date, Bill.statement_id)
                         .join(Bill, Bill.id == NotificationOutbox.bill_id)).all()
        assert s.scalar(select(func.count()).select_from(NotificationOutbox)) == len(rows)
        statements = s.scalar(select(func.count()).select_from(Statement))
        several = s.scalar(select(func.count()).select_from(Statement)
                           .where(Statement.bills > 1))
    assert len(rows) > 12 and several  # accounts with electricity and water among them
    # one message per statement, none per bill
    papers = [r.statement_id for r in rows]
    assert None not in papers and len(set(papers)) == len(papers) <= statements
    assert {(r.status, r.template) for r in rows} == {("SENT", "bill_issued")}
    # sent when its bill went out, not when the demo ran
    assert all(r.sent_at == r.created_at == datetime.combine(r.issue_date, time(8))
               for r in rows)

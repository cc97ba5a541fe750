"""8 workstations record 500 payments each on 200 shared bills at the same time: nothing is
lost, posted twice or over-applied, and money received = applied to bills + credit. The
same workload through a naive read-then-write version of payment recording breaks these
checks, which shows the test can fail. The same payment key sent 20 times at once posts
once."""

from __future__ import annotations

import os
import random
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Bill, Customer, Payment, PaymentAllocation
from opsmanager_desktop.domain.allocation import OpenBill, allocate
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import auth, payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import run_in_transaction
from tests.concurrency.conftest import run_processes
from tests.concurrency.ledger_check import ledger_anomalies
from tests.helpers import PASSWORD, token_for
from tests.ledger_data import add_bill

pytestmark = [pytest.mark.mysql, pytest.mark.slow]
PROCESSES = 8
# the size (4,000 payments, about 2 minutes on the 2-core test machine);
# OPSMANAGER_RACE_PER_PROCESS scales it for a quick local run
PER_PROCESS = int(os.environ.get("OPSMANAGER_RACE_PER_PROCESS", "500"))
CUSTOMERS = 50
BILLS_EACH = 4  # 200 bills


def _world(url: str, seed: int) -> dict[str, list[str]]:
    backend = Backend.from_url(url)
    rng = random.Random(seed)
    token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    bills: dict[str, list[str]] = {}
    for c in range(CUSTOMERS):
        account = f"C{c:03d}"
        bills[account] = [add_bill(backend, account, f"{rng.randint(50, 400)}.{rng.randint(0, 99):02d}",
                                   due=date(2026, 1 + b, 10)) for b in range(BILLS_EACH)]
    backend.dispose()
    return bills


def _plans(bills: dict[str, list[str]], seed: int) -> list[list[tuple[str, str | None, str, str]]]:
    rng = random.Random(seed)
    accounts = sorted(bills)
    plans = []
    for p in range(PROCESSES):
        plan = []
        for i in range(PER_PROCESS):
            account = rng.choice(accounts)
            named = rng.choice(bills[account]) if rng.random() < 0.3 else None
            amount = f"{rng.randint(1, 60)}.{rng.randint(0, 99):02d}"
            plan.append((account, named, amount, f"P{p}-{i:04d}"))
        plans.append(plan)
    return plans


def naive_record(backend: Backend, account: str, bill_no: str | None, amount: Decimal,
                 reference: str, who: str) -> None:
    """Payment recording as it is often first written: read the balances, decide in
    Python, write the new absolute values back. No row locks."""
    def body(session: Session, now: datetime) -> None:
        customer = session.execute(select(Customer.id, Customer.credit)
                                   .where(Customer.account_no == account)).one()
        rows = session.execute(select(Bill.id, Bill.bill_no, Bill.balance, Bill.amount_paid,
                                      Bill.due_date)
                               .where(Bill.customer_id == customer.id,
                                      Bill.status.in_(["DUE", "OVERDUE"]))).all()
        named = [r.id for r in rows if r.bill_no == bill_no]
        plan = allocate(amount, [OpenBill(r.id, r.balance, r.due_date) for r in rows], named)
        time.sleep(0.002)  # a workstation's round trip between reading and writing
        payment_id = session.execute(insert(Payment).values(
            customer_id=customer.id, amount=amount, channel="CASH", reference=reference,
            paid_at=now.date(), recorded_by=who, recorded_at=now)).inserted_primary_key[0]
        by_id = {r.id: r for r in rows}
        for part in plan.allocations:
            bill = by_id[part.bill_id]
            balance = bill.balance - part.amount
            session.execute(update(Bill).where(Bill.id == part.bill_id).values(
                amount_paid=bill.amount_paid + part.amount, balance=balance,
                status="PAID" if balance == 0 else "DUE", paid_at=now.date()))
            session.execute(insert(PaymentAllocation).values(
                payment_id=payment_id, bill_id=part.bill_id, amount=part.amount,
                kind="PAYMENT", created_at=now))
        if plan.credit > 0:
            session.execute(insert(PaymentAllocation).values(
                payment_id=payment_id, bill_id=None, amount=plan.credit, kind="PAYMENT",
                created_at=now))
            session.execute(update(Customer).where(Customer.id == customer.id).values(
                credit=customer.credit + plan.credit))
    run_in_transaction(backend, False, body)


def _pay_worker(i: int, queue: Any, barrier: Any, url: str, plan: list[Any],
                naive: bool) -> None:
    backend = Backend.from_url(url)
    token = auth.sign_in(backend, "ao", PASSWORD).token
    barrier.wait()
    started = time.perf_counter()
    failures = []
    for account, bill_no, amount, reference in plan:
        try:
            if naive:
                naive_record(backend, account, bill_no, Decimal(amount), reference, "ao")
            else:
                payments.record_payment(backend, token, account, Decimal(amount), "CASH",
                                        reference, bill_no=bill_no)
        except Exception as exc:  # reported to the test, which expects none
            failures.append(f"{reference}: {type(exc).__name__}: {exc}")
    queue.put((i, (time.perf_counter() - started, failures)))
    backend.dispose()


def _race(url: str, naive: bool, per_process: int) -> tuple[list[str], float, list[str]]:
    bills = _world(url, seed=7)
    plans = [plan[:per_process] for plan in _plans(bills, seed=11)]
    expected = {ref: Decimal(amount) for plan in plans for _a, _b, amount, ref in plan}
    results = run_processes(_pay_worker, [(url, plan, naive) for plan in plans], timeout=300)
    failures = [f for _t, fs in results for f in fs]
    engine = create_engine(url)
    try:
        problems = ledger_anomalies(engine, expected)
    finally:
        engine.dispose()
    return problems, max(t for t, _f in results), failures


def test_eight_workstations_record_4000_payments_on_200_bills(mysql_url: str) -> None:
    problems, seconds, failures = _race(mysql_url, naive=False, per_process=PER_PROCESS)
    print(f"\n{PROCESSES} x {PER_PROCESS} payments on {CUSTOMERS * BILLS_EACH} bills: "
          f"{seconds:.1f} s, anomalies {len(problems)}, failed calls {len(failures)}")
    assert failures == []
    assert problems == []


def test_the_naive_version_fails_the_same_checks(mysql_url: str) -> None:
    """Proof that the race test can fail: lost updates show up as anomalies."""
    problems, _seconds, failures = _race(mysql_url, naive=True, per_process=100)
    print(f"\nnaive read-then-write: {len(problems)} anomalies, e.g. {problems[:3]}")
    assert failures == []
    assert problems, "the naive version passed: the race test would not catch a race"


def _same_key_worker(i: int, queue: Any, barrier: Any, url: str) -> None:
    backend = Backend.from_url(url)
    token = auth.sign_in(backend, "ao", PASSWORD).token
    barrier.wait()
    try:
        result = payments.record_payment(backend, token, "K001", Decimal("75.25"), "ONLINE",
                                         "GATEWAY-777")
        queue.put((i, (result.payment.id, result.already_recorded)))
    except Exception as exc:
        queue.put((i, (None, f"{type(exc).__name__}: {exc}")))
    backend.dispose()


def test_the_same_payment_key_sent_20_times_at_once_posts_once(mysql_url: str) -> None:
    backend = Backend.from_url(mysql_url)
    token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    add_bill(backend, "K001", "60.00", due=date(2026, 2, 1))
    backend.dispose()
    results = run_processes(_same_key_worker, [(mysql_url,)] * 20)
    ids = {payment_id for payment_id, _ in results}
    assert None not in ids, results
    assert len(ids) == 1
    assert sorted(already for _, already in results) == [False] + [True] * 19
    engine = create_engine(mysql_url)
    try:
        assert ledger_anomalies(engine, {"GATEWAY-777": Decimal("75.25")}) == []
    finally:
        engine.dispose()

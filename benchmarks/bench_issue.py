"""Issuing a cycle with its account statements, against the bare issue, in the same run.

    python -m benchmarks issue --n 100000 --db mysql
    python -m benchmarks.bench_issue --n 1000000 --db sqlite

Builds n customers with two connections each (written in bulk, not timed) and two
cycles of bills; the first cycle is issued through the service (its statements are the
previous ones of the second) and half of its bills paid. Then times, on the second cycle:
  (a) floor: the bare issue, `issue_cycle_bills` (one UPDATE of the cycle's bills and the
      bill_issued queue), rolled back afterwards;
  (b) issue_bills(): the service as a billing officer calls it (credit applied, a
      statement per account made from its running totals, bills pointed at it, audit).
Prints seconds, statements/s and the ratio (b)/(a), and checks that a sample of the
statements equals outstanding - credit of their accounts.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, func, insert, select

from benchmarks._databases import fresh_url
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Connection,
    Customer,
    Payment,
    PaymentAllocation,
    Statement,
    TariffPlan,
    TariffVersion,
    UtilityType,
)
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import auth, bills, dues, users
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.bills import issue_cycle_bills

PASSWORD = "bench-password-1"
ZERO = Decimal("0.00")
CHUNK = 5000


def _build(engine: Engine, n: int) -> None:
    rng = random.Random(5)
    with engine.begin() as conn:
        conn.execute(insert(UtilityType), [
            {"code": "electricity", "name": "Electricity", "unit": "kWh"},
            {"code": "water", "name": "Water", "unit": "m3"}])
        conn.execute(insert(TariffPlan), [
            {"code": "DOM", "name": "Domestic", "utility_type_id": 1},
            {"code": "WAT", "name": "Water", "utility_type_id": 2}])
        conn.execute(insert(TariffVersion), [{
            "plan_id": p, "effective_from": date(2020, 1, 1), "mode": "telescopic",
            "fixed_charge": ZERO, "fixed_charge_per_kw": ZERO, "minimum_charge": ZERO}
            for p in (1, 2)])
        conn.execute(insert(BillingCycle), [
            {"period": f"2026-0{m}", "start_date": date(2026, m, 1),
             "end_date": date(2026, m, 28)} for m in (1, 2)])
        for start in range(0, n, CHUNK):
            part = range(start, min(n, start + CHUNK))
            conn.execute(insert(Customer), [{"id": i + 1, "account_no": f"IA{i:07d}",
                                             "name": f"Customer {i}"} for i in part])
            conn.execute(insert(Connection), [{
                "id": 2 * i + k + 1, "customer_id": i + 1, "utility_type_id": k + 1,
                "meter_number": f"IM{2 * i + k:08d}", "active_meter": f"IM{2 * i + k:08d}",
                "tariff_plan_id": k + 1} for i in part for k in (0, 1)])
            for cycle in (1, 2):
                conn.execute(insert(Bill), [{
                    "bill_no": f"2026{cycle:02d}-{2 * i + k + 1:08d}",
                    "connection_id": 2 * i + k + 1, "customer_id": i + 1, "cycle_id": cycle,
                    "tariff_version_id": k + 1, "units": Decimal("100.000"),
                    "energy_charge": (amount := Decimal(rng.randint(100, 300_000)) / 100),
                    "fixed_charge": ZERO, "tax": ZERO, "total": amount, "adjustments": ZERO,
                    "amount_paid": ZERO, "balance": amount, "status": "GENERATED"}
                    for i in part for k in (0, 1)])


def _pay_half(engine: Engine, n: int) -> None:
    """Every other account pays its first cycle in full (no checks: the floor's data)."""
    with engine.begin() as conn:
        rows = conn.execute(select(Bill.id, Bill.customer_id, Bill.balance)
                            .where(Bill.cycle_id == 1, Bill.customer_id % 2 == 0)).all()
        conn.execute(insert(Payment), [{
            "id": k + 1, "customer_id": c, "bill_id": b, "amount": amount, "channel": "BANK",
            "reference": f"P{k}", "paid_at": date(2026, 2, 10), "recorded_by": "bench"}
            for k, (b, c, amount) in enumerate(rows)])
        conn.execute(insert(PaymentAllocation), [{
            "payment_id": k + 1, "bill_id": b, "amount": amount, "kind": "PAYMENT"}
            for k, (b, _c, amount) in enumerate(rows)])
        conn.execute(Bill.__table__.update().where(Bill.id.in_(
            select(PaymentAllocation.bill_id))).values(amount_paid=Bill.total, balance=ZERO,
                                                       status="PAID"))


def run(url: str, n: int = 100_000, say: Callable[[str], None] = print) -> dict[str, float]:
    backend = Backend.from_url(url)
    try:
        upgrade(backend.engine)
        auth.create_first_admin(backend, "admin", PASSWORD)
        admin = auth.sign_in(backend, "admin", PASSWORD).token
        users.add_user(backend, admin, "bo", Role.BILLING_OFFICER, PASSWORD)
        users.add_user(backend, admin, "ao", Role.ACCOUNTS_OFFICER, PASSWORD)
        bo = auth.sign_in(backend, "bo", PASSWORD).token
        ao = auth.sign_in(backend, "ao", PASSWORD).token
        started = time.perf_counter()
        _build(backend.engine, n)
        built = time.perf_counter() - started
        started = time.perf_counter()
        bills.issue_bills(backend, bo, "2026-01", date(2026, 2, 1))
        first = time.perf_counter() - started
        _pay_half(backend.engine, n)
        with backend.sessions() as session:
            started = time.perf_counter()
            issue_cycle_bills(session, 2, date(2026, 3, 1), date(2026, 3, 15))
            floor = time.perf_counter() - started
            session.rollback()
        started = time.perf_counter()
        result = bills.issue_bills(backend, bo, "2026-02", date(2026, 3, 1))
        seconds = time.perf_counter() - started
        rng = random.Random(3)
        sample = [f"IA{rng.randrange(n):07d}" for _ in range(50)]
        exact = 0
        with backend.sessions() as session:
            made = session.scalar(select(func.count()).select_from(Statement)
                                  .where(Statement.cycle_id == 2))
            for account in sample:
                owed = dues.dues(backend, ao, account)
                total_due = session.scalar(
                    select(Statement.total_due).join(Customer,
                                                     Customer.id == Statement.customer_id)
                    .where(Customer.account_no == account, Statement.cycle_id == 2))
                exact += total_due == owed.outstanding - owed.credit
        load = os.getloadavg()
        say(f"{backend.engine.dialect.name}: {n:,} accounts, {2 * n:,} bills a cycle "
            f"(built in {built:.1f} s; load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})")
        say(f"  first cycle issued with statements (no history): {first:7.2f} s")
        say(f"  floor: bare issue of the second cycle:            {floor:7.2f} s")
        say(f"  issue_bills with statements:                      {seconds:7.2f} s  "
            f"{result.statements / seconds:,.0f} statements/s  ratio {seconds / floor:.2f}x")
        say(f"  statements made {made:,} (service said {result.statements:,}); "
            f"{exact}/{len(sample)} sampled equal to dues")
        return {"seconds": seconds, "floor": floor, "first": first}
    finally:
        backend.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_issue", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="accounts (default 100000)")
    parser.add_argument("--db", action="append",
                        help="sqlite, mysql or a URL of an empty database (repeatable; "
                        "default both)")
    args, _unknown = parser.parse_known_args(argv)
    for db in args.db or ["sqlite", "mysql"]:
        url, cleanup = fresh_url(db)
        try:
            run(url, args.n)
        finally:
            cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

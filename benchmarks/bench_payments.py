"""Settlement-file import of payments against its floor, measured in the same run.

    python -m benchmarks payments --n 10000 --db mysql
    python -m benchmarks.bench_payments --n 10000 --db sqlite

Builds n customers, each with one DUE bill (written in bulk, not timed), and a settlement
CSV of n payments: most settle a bill exactly, some pay part, some overpay (credit), one in
ten names its bill. Then times:
  (a) reference: the rows such an import must write, with no checks: n payments, n
      allocations and n bill updates by executemany, one transaction;
  (b) import_payments(): the service as an officer calls it (file read and checked, keys
      and accounts looked up, customers and bills locked, allocation, audit);
  (c) the same file imported again: every row a duplicate, nothing posted.
Prints seconds, payments/s, the ratio (b)/(a), and checks the money posted equals the
file's total. The DESIGN target: 10,000 payments in under 30 s on MariaDB.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, select, update

from benchmarks._databases import fresh_url
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Connection,
    Customer,
    Payment,
    PaymentAllocation,
    TariffPlan,
    TariffVersion,
    UtilityType,
)
from opsmanager_desktop.db.security.append_only import empty_tables
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import auth, payments, users
from opsmanager_desktop.services.backend import Backend

PASSWORD = "bench-password-1"
ZERO = Decimal("0.00")


def _build(engine: Engine, n: int) -> list[tuple[str, str, Decimal]]:
    """n customers with one DUE bill each; returns (account_no, bill_no, total)."""
    rng = random.Random(7)
    bills = [(f"PA{i:07d}", f"PB{i:07d}", Decimal(rng.randint(100, 500_000)) / 100)
             for i in range(n)]
    with engine.begin() as conn:
        conn.execute(insert(UtilityType), [{"code": "electricity", "name": "Electricity",
                                            "unit": "kWh"}])
        conn.execute(insert(TariffPlan), [{"code": "DOM", "name": "Domestic",
                                           "utility_type_id": 1}])
        conn.execute(insert(TariffVersion), [{
            "plan_id": 1, "effective_from": date(2020, 1, 1), "mode": "telescopic",
            "fixed_charge": ZERO, "fixed_charge_per_kw": ZERO, "minimum_charge": ZERO}])
        conn.execute(insert(BillingCycle), [{"period": "2026-01", "start_date": date(2026, 1, 1),
                                             "end_date": date(2026, 1, 31)}])
        for start in range(0, n, 5000):
            part = range(start, min(n, start + 5000))
            conn.execute(insert(Customer), [{"id": i + 1, "account_no": bills[i][0],
                                             "name": f"Customer {i}"} for i in part])
            conn.execute(insert(Connection), [{
                "id": i + 1, "customer_id": i + 1, "utility_type_id": 1,
                "meter_number": f"PM{i:07d}", "active_meter": f"PM{i:07d}",
                "tariff_plan_id": 1} for i in part])
            conn.execute(insert(Bill), [{
                "id": i + 1, "bill_no": bills[i][1], "connection_id": i + 1,
                "customer_id": i + 1, "cycle_id": 1, "tariff_version_id": 1,
                "units": Decimal("100.000"), "energy_charge": bills[i][2], "fixed_charge": ZERO,
                "tax": ZERO, "total": bills[i][2], "adjustments": ZERO, "amount_paid": ZERO,
                "balance": bills[i][2], "status": "DUE", "issue_date": date(2026, 2, 1),
                "due_date": date(2026, 2, 15)} for i in part])
    return bills


def _settlement(path: Path, bills: list[tuple[str, str, Decimal]]) -> Decimal:
    rng = random.Random(11)
    total = ZERO
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["reference", "channel", "account_no", "amount", "paid_at", "bill_no"])
        for i, (account, bill_no, bill_total) in enumerate(bills):
            roll = rng.random()
            amount = bill_total if roll < 0.7 else (
                (bill_total / 2).quantize(Decimal("0.01")) if roll < 0.9
                else bill_total + Decimal("10.00"))
            total += amount
            writer.writerow([f"STL-{i:07d}", rng.choice(["BANK", "ONLINE", "POS"]), account,
                             str(amount), "2026-02-10", bill_no if i % 10 == 0 else ""])
    return total


def _reference(engine: Engine, bills: list[tuple[str, str, Decimal]]) -> float:
    """The writes alone, then undone so the service starts from the same data."""
    n = len(bills)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Payment), [{
            "id": i + 1, "customer_id": i + 1, "bill_id": None, "amount": bills[i][2],
            "channel": "REF", "reference": f"REF-{i}", "paid_at": date(2026, 2, 10),
            "recorded_by": "bench"} for i in range(n)])
        conn.execute(insert(PaymentAllocation), [{
            "payment_id": i + 1, "bill_id": i + 1, "amount": bills[i][2], "kind": "PAYMENT"}
            for i in range(n)])
        table: Any = Bill.__table__
        conn.execute(update(table).where(table.c.id == bindparam("b_id")).values(
            amount_paid=bindparam("b_paid", type_=table.c.amount_paid.type),
            balance=bindparam("b_bal", type_=table.c.balance.type), status="PAID"),
            [{"b_id": i + 1, "b_paid": bills[i][2], "b_bal": ZERO} for i in range(n)])
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        # the append-only triggers refuse DELETE; the benchmark's own reset goes around them
        empty_tables(conn, ["payment_allocations", "payments"])
        conn.execute(update(Bill).values(amount_paid=ZERO, balance=Bill.total, status="DUE"))
    return seconds


def run(url: str, n: int = 10_000, say: Callable[[str], None] = print) -> dict[str, float]:
    backend = Backend.from_url(url)
    folder = Path(tempfile.mkdtemp(prefix="opsm-bench-pay-"))
    try:
        upgrade(backend.engine)
        auth.create_first_admin(backend, "admin", PASSWORD)
        admin = auth.sign_in(backend, "admin", PASSWORD).token
        users.add_user(backend, admin, "ao", Role.ACCOUNTS_OFFICER, PASSWORD)
        token = auth.sign_in(backend, "ao", PASSWORD).token
        bills = _build(backend.engine, n)
        file_total = _settlement(folder / "settlement.csv", bills)
        reference = _reference(backend.engine, bills)
        started = time.perf_counter()
        result = payments.import_payments(backend, token, folder / "settlement.csv")
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = payments.import_payments(backend, token, folder / "settlement.csv")
        repeat = time.perf_counter() - started
        with backend.engine.connect() as conn:
            posted = conn.execute(select(func.sum(Payment.amount))).scalar_one()
            credit = conn.execute(select(func.sum(Customer.credit))).scalar_one()
        db = backend.engine.dialect.name
        say(f"{db}: {n:,} payments")
        say(f"  reference (bare inserts/updates): {reference:7.2f} s")
        say(f"  import_payments:                  {seconds:7.2f} s  "
            f"{n / seconds:,.0f} payments/s  ratio {seconds / reference:.1f}x")
        say(f"  same file again (all duplicates): {repeat:7.2f} s  "
            f"duplicates {again.duplicates:,}, posted {again.posted}")
        say(f"  posted {result.posted:,} = {posted} (file total {file_total}, "
            f"equal: {posted == file_total}); credit kept {credit}")
        return {"seconds": seconds, "per_second": n / seconds, "reference": reference,
                "repeat": repeat}
    finally:
        backend.dispose()
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_payments", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="payments (default 10000)")
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

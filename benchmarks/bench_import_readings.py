"""Readings import against its floor: n rows of a readings CSV through import_readings(), and
the same rows written by bare bulk INSERTs with no checks, in the same run on the same data.

    python -m benchmarks import_readings --n 1000000 --db mysql
    python -m benchmarks.bench_import_readings --n 100000 --db sqlite

Builds n customers with one electricity connection each and --months approved readings per
connection in the cycles before (default 1; 0 = never read; 12 = a year, what a live office
has), so the import reads a real history for every meter. Then times:
  (a) floor: the import's rows (prepared beforehand, not timed) inserted into a scratch copy
      of meter_readings with executemany in chunks of 10,000;
  (b) import_readings(): the service as a billing officer calls it (file read, every check,
      bulk lookups, history, flags, bulk inserts, one transaction).
Prints seconds, rows/s, the ratio (b)/(a) and the peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    MetaData,
    Table,
    UniqueConstraint,
    func,
    insert,
    select,
)

from benchmarks._databases import fresh_url
from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.db.models import (
    BillingCycle,
    Connection,
    Customer,
    MeterReading,
    TariffPlan,
    UtilityType,
)
from opsmanager_desktop.db.models._common import MYSQL_OPTIONS
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import auth, cycles, readings, tariffs, users, utilities
from opsmanager_desktop.services.backend import Backend

D = Decimal
PASSWORD = "bench-password-1"
CHUNK = 10_000
PERIOD = "2026-02"
MAX_MONTHS = 12


def history_periods(months: int) -> list[str]:
    """The `months` periods before PERIOD, oldest first (January 2026 the last)."""
    periods, year, month = [], 2026, 1
    for _ in range(months):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]


def build(backend: Backend, n: int, months: int) -> str:
    """Reference data, n customers and connections (meter M0000001...), and `months`
    approved readings each, January 2026 the last; returns a billing officer's token."""
    auth.create_first_admin(backend, "admin", PASSWORD)
    admin = auth.sign_in(backend, "admin", PASSWORD).token
    utilities.add_utility(backend, admin, "electricity", "Electricity", "kWh")
    tariffs.add_tariff(backend, admin, "DOM-1", "Domestic", "electricity",
                       Tariff.simple((Slab(D("100"), D("5")), Slab(None, D("10")))))
    periods = history_periods(months)
    for period in (*periods, PERIOD):
        cycles.open_cycle(backend, admin, period)
    users.add_user(backend, admin, "officer", Role.BILLING_OFFICER, PASSWORD)
    now = datetime(2026, 1, 1)
    with backend.sessions() as session, session.begin():
        utility = session.scalar(select(UtilityType.id))
        plan = session.scalar(select(TariffPlan.id))
        cycle_ids = dict(session.execute(select(BillingCycle.period, BillingCycle.id)).all())
        for start in range(0, n, CHUNK):
            ids = range(start + 1, min(n, start + CHUNK) + 1)
            session.execute(insert(Customer), [
                {"id": i, "account_no": f"A{i:07d}", "name": f"Customer {i}", "address": "",
                 "phone": "", "email": "", "credit": D("0"), "created_at": now, "version": 1}
                for i in ids])
            session.execute(insert(Connection), [
                {"id": i, "customer_id": i, "utility_type_id": utility,
                 "meter_number": f"M{i:07d}", "active_meter": f"M{i:07d}",
                 "tariff_plan_id": plan, "status": "ACTIVE", "sanctioned_load_kw": D("0"),
                 "initial_reading": D("0"), "transformer_code": None,
                 # dated, as every connection now is, so the import's check of it is timed
                 "connected_on": date(2020, 1, 1), "created_at": now, "version": 1}
                for i in ids])
            for back, period in enumerate(reversed(periods)):  # January first
                session.execute(insert(MeterReading), [
                    {"connection_id": i, "cycle_id": cycle_ids[period],
                     "meter_number": f"M{i:07d}", "previous_reading": _read(i, back + 1,
                                                                            months),
                     "current_reading": _read(i, back, months),
                     "units": _read(i, back, months) - _read(i, back + 1, months),
                     "carried_units": D("0"), "read_at": now.date(),
                     "source": "IMPORT", "status": "APPROVED", "reject_reason": None,
                     "flags": "", "reader": "", "photo_path": None, "is_estimated": False,
                     "entered_by": "bench", "entered_at": now, "decided_by": "bench",
                     "decided_at": now} for i in ids])
    return auth.sign_in(backend, "officer", PASSWORD).token


def _read(i: int, back: int, months: int) -> Decimal:
    """Connection i's reading `back` months before January 2026 (0 = January); before the
    first month of a `months` history the meter stood at 0."""
    if back >= months:
        return D("0")
    return _january(i) - back * (5 + i % 3)


def _january(i: int) -> Decimal:
    return D(100 + i % 50)


def _february(i: int) -> Decimal:
    return _january(i) + D(i % 400) + D("0.125")  # some HIGH, a few ZERO-free, 3 decimals


def write_file(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["meter_number", "utility", "reading", "read_at", "reader"])
        for i in range(1, n + 1):
            out.writerow([f"M{i:07d}", "electricity", str(_february(i)), "2026-02-27",
                          f"reader {i % 40}"])


def floor(backend: Backend, n: int) -> float:
    """Seconds to insert the same n rows, prepared beforehand, into a scratch copy of
    meter_readings (same columns and indexes) with no checks at all."""
    columns = [Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
               for c in MeterReading.__table__.columns]
    scratch = Table("bench_meter_readings", MetaData(), *columns,
                    UniqueConstraint("connection_id", "cycle_id"),
                    Index("ix_bench_cycle_status", "cycle_id", "status"), **MYSQL_OPTIONS)
    scratch.create(backend.engine)
    now = datetime(2026, 2, 28)
    seconds = 0.0
    with backend.sessions() as session, session.begin():
        for start in range(0, n, CHUNK):
            rows = [{"connection_id": i, "cycle_id": 2, "meter_number": f"M{i:07d}",
                     "previous_reading": _january(i), "current_reading": _february(i),
                     "units": _february(i) - _january(i), "carried_units": D("0"),
                     "read_at": date(2026, 2, 27), "source": "IMPORT", "status": "SUBMITTED",
                     "reject_reason": None, "flags": "", "reader": f"reader {i % 40}",
                     "photo_path": None, "is_estimated": False, "entered_by": "officer",
                     "entered_at": now, "decided_by": None, "decided_at": None}
                    for i in range(start + 1, min(n, start + CHUNK) + 1)]
            t0 = time.perf_counter()
            session.execute(insert(scratch), rows)
            seconds += time.perf_counter() - t0
        t0 = time.perf_counter()
    return seconds + time.perf_counter() - t0  # the commit counts too


def run(url: str, n: int, *, months: int = 1,
        say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Build n connections in the (empty) database at `url`, import an n-row readings CSV,
    print and return the figures."""
    say = say or (lambda line: print(line, flush=True))
    engine = make_engine(url)
    upgrade(engine)
    backend = Backend(engine, client="bench")
    folder = Path(tempfile.mkdtemp(prefix="opsm-bench-readings-"))
    path = folder / "readings.csv"
    try:
        t0 = time.perf_counter()
        token = build(backend, n, months)
        write_file(path, n)
        say(f"{engine.dialect.name}: built {n:,} connections"
            f" with {months} monthly reading{'s' * (months != 1)} each and a {n:,}-row CSV "
            f"({path.stat().st_size / 1048576:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        floor_s = floor(backend, n)
        say(f"  (a) floor: bare bulk INSERT   {floor_s:8.2f} s  {n / floor_s:>10,.0f} rows/s")
        t1, cpu1 = time.perf_counter(), time.process_time()
        result = readings.import_readings(backend, token, path, PERIOD)
        import_s, import_cpu = time.perf_counter() - t1, time.process_time() - cpu1
        with backend.sessions() as session:
            stored = session.scalar(select(func.count(MeterReading.id)).join(
                BillingCycle, BillingCycle.id == MeterReading.cycle_id).where(
                BillingCycle.period == PERIOD))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        say(f"  (b) import_readings()         {import_s:8.2f} s  {n / import_s:>10,.0f} rows/s"
            f"   ({result.imported:,} imported, {result.flagged_high:,} flagged HIGH)")
        say(f"  ratio (b)/(a): {import_s / floor_s:.2f}   CPU of this process {import_cpu:.1f} s"
            f"   peak RSS {peak:.0f} MB   {stored:,} readings stored")
        return {"database": engine.dialect.name, "n": n, "months": months,
                "floor_s": round(floor_s, 2), "import_s": round(import_s, 2),
                "import_cpu_s": round(import_cpu, 2),
                "rows_per_s": round(n / import_s), "ratio": round(import_s / floor_s, 2),
                "peak_rss_mb": round(peak), "imported": result.imported, "stored": stored}
    finally:
        backend.dispose()
        path.unlink(missing_ok=True)
        folder.rmdir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_import_readings",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="rows (default 100000)")
    parser.add_argument("--db", action="append",
                        help="sqlite, mysql or a URL of an empty database (repeatable; "
                        "default both)")
    parser.add_argument("--months", type=int, default=1, choices=range(MAX_MONTHS + 1),
                        metavar=f"0..{MAX_MONTHS}", help="approved readings per "
                        "connection before the import (default 1; 0: never read)")
    args, _unknown = parser.parse_known_args(argv)
    for db in args.db or ["sqlite", "mysql"]:
        url, cleanup = fresh_url(db)
        try:
            run(url, args.n, months=args.months)
        finally:
            cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

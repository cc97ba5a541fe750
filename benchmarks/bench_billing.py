"""Billing run against its floor: the same bills and lines written by one set-based
INSERT ... SELECT each, measured in the same run on the same data.

    python -m benchmarks billing --n 1000000 --db mysql
    python -m benchmarks.bench_billing --n 200000 --db sqlite

Builds n customers with one connection each (80 % electricity on a domestic or a
commercial per-kW tariff with categories, 20 % water) and two cycles with identical
approved readings, all in SQL. Then times, each on its own fresh cycle:
  (a) reference: the charge sets prepared beforehand (not timed), then one
      INSERT ... SELECT for all bills and one for all lines, one transaction;
  (b) run_billing(): the service as an officer calls it (lock, charge sets computed by the
      domain calculator, chunked commits, exception list, audit).
Prints seconds, bills/s, the ratio (b)/(a), peak RSS, and checks both cycles hold the same
number of bills and lines and the same grand total.
"""

from __future__ import annotations

import argparse
import os
import resource
import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.orm import Session

from benchmarks._databases import fresh_url
from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    BillLine,
    Connection,
    Customer,
    MeterReading,
    TariffPlan,
    UtilityType,
)
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Category, Slab, SlabMode, Tariff, Tax, TaxBase
from opsmanager_desktop.services import auth, cycles, tariffs, users, utilities
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import DEFAULT_CHUNK, run_billing
from opsmanager_desktop.services.billing_engine import ChunkBiller, load_book, table_of

D = Decimal
PASSWORD = "bench-password-1"

_DIGITS = Table("bench_digits", MetaData(),
               Column("d", Integer, primary_key=True, autoincrement=False))

DOMESTIC = Tariff.simple((Slab(D("100"), D("5.00")), Slab(D("300"), D("7.50")),
                          Slab(None, D("10.00"))), D("50.00"),
                         taxes=(Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED),))
COMMERCIAL = Tariff(
    SlabMode.TELESCOPIC,
    (Category(D("200"), D("100.00"), (Slab(None, D("8.25")),)),
     Category(None, D("150.00"), (Slab(D("500"), D("9.10")), Slab(None, D("11.3333"))))),
    fixed_charge_per_kw=D("25.00"), minimum_charge=D("250.00"),
    taxes=(Tax("Duty", D("5"), TaxBase.ENERGY), Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED)))
WATER = Tariff.simple((Slab(D("10"), D("0.80")), Slab(None, D("1.60"))), D("5.00"),
                      mode=SlabMode.FLAT)


class PeakRss:
    """Samples this process's resident set while a block runs (ru_maxrss is lifetime)."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kb = max(self.peak_kb, _rss_kb())

    def __enter__(self) -> PeakRss:
        self.peak_kb = _rss_kb()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, _rss_kb())


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _qty(engine: Engine, expr: Any) -> Any:
    """A whole number of units as the Quantity column stores it (x1000 on SQLite)."""
    return expr * 1000 if engine.dialect.name == "sqlite" else expr


def _units(engine: Engine, whole: Any, thousandths: Any) -> Any:
    """whole + thousandths / 1000 as the Quantity column stores it."""
    if engine.dialect.name == "sqlite":
        return whole * 1000 + thousandths
    return whole + cast(thousandths, Numeric(14, 3)) / 1000


def _numbers(engine: Engine, n: int) -> Any:
    """1..n as a subquery: cross joins of a ten-row digits table (no generator needed)."""
    places = max(1, len(str(n - 1)))
    digits = [_DIGITS.alias(f"d{k}") for k in range(places)]
    number = sum((d.c.d * 10 ** k for k, d in enumerate(digits)), literal(0)) + 1
    joined: Any = digits[0]
    for d in digits[1:]:
        joined = joined.join(d, true())
    return select(number.label("i")).select_from(joined).where(number <= n).subquery("nums")


def _fill(session: Session, model: type[Any], values: dict[str, Any], source: Any) -> None:
    """INSERT INTO model (...) SELECT values FROM source; columns not given take their
    Python-side scalar default so the statement keeps up with model changes."""
    table = table_of(model)
    exprs = dict(values)
    for column in table.columns:
        if column.name in exprs or column.primary_key:
            continue
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            exprs[column.name] = literal(default.arg, column.type)  # type: ignore[attr-defined]
        elif default is not None and getattr(default, "is_callable", False):
            # SQLAlchemy wraps a zero-argument default (utcnow) to take the context
            value = default.arg(None)  # type: ignore[attr-defined]
            exprs[column.name] = literal(value, column.type)
        elif not column.nullable:
            raise RuntimeError(f"bench: no value for {table.name}.{column.name}")
    session.execute(insert(table).from_select(list(exprs), select(*exprs.values())
                                              .select_from(source)))


def build(backend: Backend, n: int, *, distinct: bool = False) -> tuple[str, list[str]]:
    """Reference data through the services, n connections and their readings in SQL;
    returns the billing officer's token and the two cycle periods. `distinct` gives the
    readings fractional units so nearly every connection has a charge set of its own (the
    worst case for the charge-set design)."""
    auth.create_first_admin(backend, "admin", PASSWORD)
    admin = auth.sign_in(backend, "admin", PASSWORD).token
    users.add_user(backend, admin, "bo", Role.BILLING_OFFICER, PASSWORD)
    utilities.add_utility(backend, admin, "electricity", "Electricity", "kWh")
    utilities.add_utility(backend, admin, "water", "Water", "m3")
    for code, utility, tariff in (("DOM", "electricity", DOMESTIC),
                                  ("COM", "electricity", COMMERCIAL),
                                  ("WAT", "water", WATER)):
        tariffs.add_tariff(backend, admin, code, code, utility, tariff, date(2020, 1, 1))
    periods = ["2026-01", "2026-02"]
    for period in periods:
        cycles.open_cycle(backend, admin, period)
    engine = backend.engine
    with backend.sessions.begin() as s:
        _DIGITS.create(s.connection())
        s.execute(insert(_DIGITS), [{"d": d} for d in range(10)])
        plans = {p.code: p.id for p in s.scalars(select(TariffPlan))}
        util = {u.code: u.id for u in s.scalars(select(UtilityType))}
        cycle_ids = [s.scalar(select(BillingCycle.id).where(BillingCycle.period == p))
                     for p in periods]
    nums = _numbers(engine, n)
    i = nums.c.i
    kind = i % 10  # 0-5 domestic, 6-7 commercial, 8-9 water

    def pick(dom: Any, com: Any, wat: Any) -> Any:
        return case((kind < 6, dom), (kind < 8, com), else_=wat)

    def txt(prefix: str) -> Any:
        return literal(prefix, String) + cast(i, String(20))

    with backend.sessions.begin() as s:
        _fill(s, Customer, {"id": i, "account_no": txt("B"), "name": txt("Customer "),
                            "address": txt("Street "), "phone": txt("07"),
                            "email": literal("", String)}, nums)
    with backend.sessions.begin() as s:
        _fill(s, Connection, {
            "id": i, "customer_id": i,
            "utility_type_id": pick(util["electricity"], util["electricity"], util["water"]),
            "meter_number": txt("M"), "active_meter": txt("M"),
            "tariff_plan_id": pick(plans["DOM"], plans["COM"], plans["WAT"]),
            "sanctioned_load_kw": _qty(engine, pick(literal(2), i % 5 + 5, literal(0)))}, nums)
    # units: domestic 0-699, commercial 0-1499 (x 5 loads), water 0-59 (m3)
    units = pick(i * 7919 % 700, i * 104729 % 1500, i % 60)
    thousandths = i // 700 % 1000 if distinct else literal(0)
    for cycle_id in cycle_ids:
        with backend.sessions.begin() as s:
            _fill(s, MeterReading, {
                "connection_id": i, "cycle_id": literal(cycle_id), "meter_number": txt("M"),
                "previous_reading": _qty(engine, literal(10000)),
                "current_reading": _units(engine, units + 10000, thousandths),
                "units": _units(engine, units, thousandths),
                "read_at": literal(date(2026, 1, 28)),
                "source": literal("IMPORT"), "status": literal("APPROVED"),
                "entered_by": literal("bo")}, nums)
    with backend.sessions.begin() as s:
        _DIGITS.drop(s.connection())
    return auth.sign_in(backend, "bo", PASSWORD).token, periods


def reference(backend: Backend, period: str) -> tuple[float, int]:
    """Charge sets prepared untimed; then the two INSERT ... SELECTs timed."""
    with backend.sessions.begin() as s:
        cycle = s.scalars(select(BillingCycle).where(BillingCycle.period == period)).one()
        biller = ChunkBiller(s, cycle, load_book(s, cycle.end_date), backend.now())
        top = int(s.scalar(select(func.max(Connection.id))) or 0)
        sets = biller.add_charge_sets(0, top)
    with backend.sessions.begin() as s:
        biller.session = s
        started = time.perf_counter()
        biller.insert_bills(0, top, skip_billed=False)
        biller.insert_lines(0)
    return time.perf_counter() - started, sets


def _totals(backend: Backend, period: str) -> tuple[int, int, Decimal, Decimal]:
    """Bills, lines, the bills' grand total and the lines' (they must agree). Lines are
    counted by the cycle's bill-id range: the benchmark's bills are written in one go, and
    a join over millions of lines would cost more than the run being measured."""
    with backend.sessions() as s:
        cycle_id = s.scalar(select(BillingCycle.id).where(BillingCycle.period == period))
        bills, total, low, high = s.execute(
            select(func.count(), func.sum(Bill.total), func.min(Bill.id), func.max(Bill.id))
            .where(Bill.cycle_id == cycle_id)).one()
        lines, line_total = s.execute(select(func.count(), func.sum(BillLine.amount)).where(
            BillLine.bill_id.between(low, high))).one()
        return int(bills), int(lines or 0), total, line_total


def run(url: str, n: int, *, chunk_size: int | None = None, distinct: bool = False,
        say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Build n connections in the (empty) database at `url`, time reference and
    run_billing, print and return the figures."""
    say = say or (lambda line: print(line, flush=True))
    # the digits cross join is meant: no cartesian-product lint warnings
    engine = make_engine(url, enable_from_linting=False)
    upgrade(engine)
    backend = Backend(engine, client="bench")
    try:
        t0 = time.perf_counter()
        token, (ref_period, run_period) = build(backend, n, distinct=distinct)
        say(f"{engine.dialect.name}: built {n:,} connections with readings for 2 cycles "
            f"in {time.perf_counter() - t0:.1f} s")
        ref_seconds, sets = reference(backend, ref_period)
        say(f"  (a) reference INSERT ... SELECT  {ref_seconds:8.2f} s  "
            f"{n / ref_seconds:>10,.0f} bills/s   ({sets:,} distinct charge sets)")
        rss_before = _rss_kb()
        with PeakRss() as peak:
            t1 = time.perf_counter()
            result = run_billing(backend, token, run_period,
                                 chunk_size=chunk_size or DEFAULT_CHUNK)
            run_seconds = time.perf_counter() - t1
        ref_counts, run_counts = _totals(backend, ref_period), _totals(backend, run_period)
        same = ref_counts == run_counts and result.bills_created == n \
            and run_counts[2] == run_counts[3]
        figures = {
            "database": engine.dialect.name, "n": n, "charge_sets": sets,
            "reference_s": round(ref_seconds, 2), "run_billing_s": round(run_seconds, 2),
            "reference_bills_per_s": round(n / ref_seconds),
            "run_bills_per_s": round(n / run_seconds),
            "ratio": round(run_seconds / ref_seconds, 2),
            "rss_before_mb": round(rss_before / 1024, 1),
            "rss_peak_during_run_mb": round(peak.peak_kb / 1024, 1),
            "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "bills": run_counts[0], "lines": run_counts[1], "grand_total": str(run_counts[2]),
            "same_as_reference": same,
        }
        say(f"  (b) run_billing()                {run_seconds:8.2f} s  "
            f"{n / run_seconds:>10,.0f} bills/s")
        say(f"  ratio (b)/(a): {run_seconds / ref_seconds:.2f}   "
            f"RSS {rss_before / 1024:.0f} MB before, peak {peak.peak_kb / 1024:.0f} MB during "
            "the run")
        say(f"  {run_counts[0]:,} bills, {run_counts[1]:,} lines, total {run_counts[2]}; "
            f"identical to the reference: {same}")
        return figures
    finally:
        backend.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_billing", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="connections (default 100000)")
    parser.add_argument("--db", action="append",
                        help="sqlite, mysql or a URL of an empty database (repeatable; "
                        "default both)")
    parser.add_argument("--chunk", type=int, default=None, help="connections per chunk")
    parser.add_argument("--distinct", action="store_true",
                        help="worst case: nearly every connection its own charge set")
    args, _unknown = parser.parse_known_args(argv)
    for db in args.db or ["sqlite", "mysql"]:
        url, cleanup = fresh_url(db)
        try:
            run(url, args.n, chunk_size=args.chunk, distinct=args.distinct)
        finally:
            cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

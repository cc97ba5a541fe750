"""`opsmanager export` of whole tables against its floor, measured in the same run.

    python -m benchmarks export                          # 100,000 rows, SQLite and MariaDB
    python -m benchmarks export --n 1000000 --db mysql --tries 1
    python -m benchmarks.bench_export --n 100000 --db sqlite --table bills --format csv

Builds n customers with one connection each and one cycle of n DUE bills, all in SQL (not
timed). Then, each measurement in a fresh process of its own (so its peak memory is the
export's alone, not the builder's or an earlier measurement's), for each table and format:
  (a) floor: one plain SELECT of the same columns, streamed (a server-side cursor), every
      row written as it is by csv.writer (CSV) or appended as it is to an openpyxl
      write-only sheet (XLSX): no permission, no row objects, no formats;
  (b) services.export.export(): the export as an officer runs it (`opsmanager export
      customers --out ...`; bills with --cycle), permission, list rows, formats, progress.
Prints seconds, rows/s, the ratio (b)/(a) and each process's peak RSS (ru_maxrss), and
checks that both files hold n data rows. Medians when --tries is above one.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, Select, String, cast, insert, literal, select

from benchmarks._databases import fresh_url
from benchmarks.bench_billing import _DIGITS, _fill, _numbers, _qty
from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Connection,
    Customer,
    TariffPlan,
    TariffVersion,
    UtilityType,
)
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import auth, cycles, tariffs, utilities
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.export import export

PASSWORD = "bench-password-1"
PERIOD = "2026-01"
# table -> the export's filters (the CLI's --cycle for bills: "a cycle's bills")
CASES: dict[str, dict[str, Any]] = {"customers": {}, "bills": {"cycle": PERIOD}}
FORMATS = ("csv", "xlsx")


# --- building the data -------------------------------------------------------------------

def build(url: str, n: int, say: Callable[[str], None]) -> None:
    """n customers, n connections, one cycle with n bills; an admin to export them."""
    engine = make_engine(url, enable_from_linting=False)  # the digits cross join is meant
    upgrade(engine)
    backend = Backend(engine, client="bench")
    started = time.perf_counter()
    try:
        auth.create_first_admin(backend, "bench", PASSWORD, "Bench Admin")
        token = auth.sign_in(backend, "bench", PASSWORD).token
        utilities.add_utility(backend, token, "electricity", "Electricity", "kWh")
        tariffs.add_tariff(backend, token, "DOM", "Domestic", "electricity",
                           Tariff.simple((Slab(None, Decimal("5.00")),)))
        cycles.open_cycle(backend, token, PERIOD)
        with backend.sessions.begin() as s:
            _DIGITS.create(s.connection())
            s.execute(insert(_DIGITS), [{"d": d} for d in range(10)])
            util = s.scalar(select(UtilityType.id))
            plan = s.scalar(select(TariffPlan.id))
            version = s.scalar(select(TariffVersion.id))
            cycle = s.scalar(select(BillingCycle.id))
        nums = _numbers(engine, n)
        i = nums.c.i

        def txt(prefix: str) -> Any:
            return literal(prefix, String) + cast(i, String(20))

        def money(whole: Any) -> Any:  # whole currency units as the Money column stores them
            return whole * 100 if engine.dialect.name == "sqlite" else whole

        with backend.sessions.begin() as s:
            _fill(s, Customer, {"id": i, "account_no": txt("AC"), "name": txt("Customer "),
                                "address": txt("Street "), "phone": txt("07"),
                                "email": literal("", String)}, nums)
        with backend.sessions.begin() as s:
            _fill(s, Connection, {"id": i, "customer_id": i, "utility_type_id": literal(util),
                                  "meter_number": txt("M"), "active_meter": txt("M"),
                                  "tariff_plan_id": literal(plan)}, nums)
        total = i % 5000 + 100
        with backend.sessions.begin() as s:
            _fill(s, Bill, {
                "id": i, "bill_no": txt("BL"), "connection_id": i, "customer_id": i,
                "cycle_id": literal(cycle), "tariff_version_id": literal(version),
                "units": _qty(engine, i % 700), "energy_charge": money(total),
                "fixed_charge": money(literal(0)), "tax": money(literal(0)),
                "total": money(total), "balance": money(total), "status": literal("DUE"),
                "issue_date": literal(date(2026, 2, 1)),
                "due_date": literal(date(2026, 2, 15))}, nums)
        with backend.sessions.begin() as s:
            _DIGITS.drop(s.connection())
        if engine.dialect.name == "mysql":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE TABLE customers, connections, bills")
    finally:
        backend.dispose()
    say(f"  built {n:,} customers, connections and bills in "
        f"{time.perf_counter() - started:.0f} s")


# --- measuring, in a process of its own ----------------------------------------------------

def _floor_select(table: str) -> Select[Any]:
    """The export's columns in the export's order, with nothing around them."""
    if table == "customers":
        return (select(Customer.account_no, Customer.name, Customer.address, Customer.phone,
                       Customer.email, Connection.active_meter, Customer.created_at)
                .outerjoin(Connection, Connection.customer_id == Customer.id)
                .order_by(Customer.account_no))
    return (select(Bill.bill_no, Customer.account_no, UtilityType.code, Connection.meter_number,
                   BillingCycle.period, Bill.units, Bill.energy_charge, Bill.fixed_charge,
                   Bill.tax, Bill.total, Bill.amount_paid, Bill.balance, Bill.status,
                   Bill.issue_date, Bill.due_date, Customer.name, Bill.adjustments,
                   Bill.is_estimated, Bill.paid_at)
            .join(Customer, Customer.id == Bill.customer_id)
            .join(Connection, Connection.id == Bill.connection_id)
            .join(UtilityType, UtilityType.id == Connection.utility_type_id)
            .join(BillingCycle, BillingCycle.id == Bill.cycle_id)
            .where(BillingCycle.period == PERIOD).order_by(Bill.id))


def _floor(engine: Engine, table: str, out: Path) -> int:
    rows = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=5000).execute(
            _floor_select(table))
        if out.suffix == ".csv":
            with out.open("w", encoding="utf-8-sig", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(result.keys())
                for row in result:
                    writer.writerow(row)
                    rows += 1
        else:
            wb = Workbook(write_only=True)
            ws = wb.create_sheet(table)
            ws.append(list(result.keys()))
            for row in result:
                ws.append(list(row))
                rows += 1
            wb.save(out)
    return rows


def _data_rows(path: Path) -> int:
    """Rows in the file, header left out: the file opened back, not the writer's count."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return sum(1 for _ in csv.reader(f)) - 1
    wb = load_workbook(path, read_only=True)
    try:
        ws: Any = wb.active
        return sum(1 for _ in ws.iter_rows(values_only=True)) - 1
    finally:
        wb.close()


def measure(url: str, kind: str, table: str, fmt: str) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="opsm-bench-export-"))
    out = folder / f"{table}.{fmt}"
    backend = Backend.from_url(url)
    try:
        if kind == "floor":
            started = time.perf_counter()
            rows = _floor(backend.engine, table, out)
        else:
            token = auth.sign_in(backend, "bench", PASSWORD).token
            started = time.perf_counter()
            rows = export(backend, token, table, out, filters=CASES[table]).rows
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        in_file = _data_rows(out)
    finally:
        backend.dispose()
        out.unlink(missing_ok=True)
        folder.rmdir()
    return {"seconds": seconds, "rows": rows, "in_file": in_file, "peak_mb": peak_mb}


def _child(url: str, kind: str, table: str, fmt: str) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_export", "--measure", url, "--kind", kind,
         "--table", table, "--format", fmt],
        capture_output=True, text=True, check=False)
    lines = [line for line in child.stdout.splitlines() if line.startswith("RESULT ")]
    if child.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} {table} {fmt} failed:\n{child.stdout[-3000:]}\n"
                           f"{child.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])  # type: ignore[no-any-return]


# --- running ---------------------------------------------------------------------------------

def run(url: str, db: str, n: int, tables: list[str], formats: list[str], tries: int,
        say: Callable[[str], None]) -> list[dict[str, Any]]:
    figures = []
    say(f"  {'table':<10}{'fmt':<6}{'floor s':>9}{'export s':>10}{'rows/s':>11}"
        f"{'ratio':>7}{'floor MB':>10}{'export MB':>10}  rows ok")
    for table in tables:
        for fmt in formats:
            floor, done = [], []
            for _ in range(tries):  # alternated, so a slow spell of the machine hits both
                floor.append(_child(url, "floor", table, fmt))
                done.append(_child(url, "export", table, fmt))
            f_s = statistics.median(r["seconds"] for r in floor)
            e_s = statistics.median(r["seconds"] for r in done)
            ok = all(r["rows"] == r["in_file"] == n for r in floor + done)
            row = {"db": db, "n": n, "table": table, "format": fmt, "tries": tries,
                   "floor_s": round(f_s, 2), "export_s": round(e_s, 2),
                   "export_rows_per_s": round(n / e_s), "ratio": round(e_s / f_s, 2),
                   "floor_peak_mb": round(max(r["peak_mb"] for r in floor)),
                   "export_peak_mb": round(max(r["peak_mb"] for r in done)), "rows_ok": ok}
            figures.append(row)
            say(f"  {table:<10}{fmt:<6}{f_s:9.2f}{e_s:10.2f}{n / e_s:11,.0f}"
                f"{e_s / f_s:7.2f}{row['floor_peak_mb']:10}{row['export_peak_mb']:10}  {ok}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_export",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000,
                        help="customers, and bills in the cycle (default 100000)")
    parser.add_argument("--db", action="append",
                        help="sqlite, mysql or a URL of an empty database (repeatable; "
                        "default both)")
    parser.add_argument("--table", action="append", choices=sorted(CASES),
                        help="repeatable; default customers and bills")
    parser.add_argument("--format", action="append", choices=FORMATS,
                        help="repeatable; default csv and xlsx")
    parser.add_argument("--tries", type=int, default=3, help="runs of each, median shown")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process: a URL
    parser.add_argument("--kind", choices=("floor", "export"), help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(argv)
    if args.measure:
        print("RESULT " + json.dumps(measure(args.measure, args.kind, args.table[0],
                                             args.format[0])))
        return 0
    say = lambda line: print(line, flush=True)  # noqa: E731
    figures: list[dict[str, Any]] = []
    for db in args.db or ["sqlite", "mysql"]:
        url, cleanup = fresh_url(db)
        try:
            say(f"- {db}: {args.n:,} rows per table, median of {args.tries}")
            build(url, args.n, say)
            figures += run(url, db, args.n, args.table or list(CASES),
                           args.format or list(FORMATS), args.tries, say)
        finally:
            cleanup()
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

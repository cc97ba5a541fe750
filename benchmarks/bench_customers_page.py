"""The Customers page on a million customers: first rows, filters, the last row, memory.

    python -m benchmarks customers_page --n 1000000 --db mysql
    python -m benchmarks.bench_customers_page --n 1000000 --db sqlite --keep

Builds n customers, each with an electricity connection and one in five with a water
connection too (bulk INSERTs, not timed; `--keep` keeps the database for the next run,
which then skips the build). Then, in a separate process (so its peak memory is the
page's, not the builder's), opens the real CustomersPage offscreen, signed in, and times:
  (a) open: from creating the page until its first rows are on screen; then until the
      count (the scroll bar's full length) has arrived;
  (b) a filter by name (a full name, and a first name alone), by meter number and by
      phone: from the search being applied (Enter; typing waits 300 ms more for the
      debounce) until the first matching rows are shown, and until the count follows;
  (c) Ctrl+End: from the jump until the last row is shown; the middle of the list too;
  (d) the process's peak memory (ru_maxrss) after all of it.
Reference, same run: the first page's SELECT and the COUNT(*) straight on the engine.
Prints the medians of 3 tries and the DESIGN targets (0.5 s, 0.3 s, 1 s, 400 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, text

from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.db.models import Connection, Customer, TariffPlan, UtilityType
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import auth, tariffs, utilities
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.demo_data import FIRST, LAST, STREETS, TOWNS

PASSWORD = "bench-password-1"
MYSQL_SERVER = os.environ.get("OPSMANAGER_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306")
BATCH = 10_000
TARGETS = {"open": 0.5, "filter": 0.3, "last": 1.0, "memory_mb": 400}


# --- building the data -------------------------------------------------------------------

def _count(engine: Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Customer)).scalar_one())
    except Exception:  # no schema yet
        return -1


def build(url: str, n: int, say: Callable[[str], None] = print) -> None:
    engine = create_engine(url)
    have = _count(engine)
    if have == n:
        say(f"  reusing {n:,} customers in {url.rsplit('@', 1)[-1]}")
        engine.dispose()
        return
    if have > 0:
        raise SystemExit(f"{url} holds {have:,} customers, not {n:,}; use a fresh database")
    upgrade(engine)
    engine.dispose()
    backend = Backend.from_url(url)
    auth.create_first_admin(backend, "bench", PASSWORD, "Bench Admin")
    token = auth.sign_in(backend, "bench", PASSWORD).token
    utilities.add_utility(backend, token, "electricity", "Electricity", "kWh")
    utilities.add_utility(backend, token, "water", "Water", "m3")
    slabs = (Slab(Decimal(100), Decimal("5.00")), Slab(None, Decimal("10.00")))
    tariffs.add_tariff(backend, token, "DOM-E", "Domestic", "electricity", Tariff.simple(slabs))
    tariffs.add_tariff(backend, token, "DOM-W", "Water", "water", Tariff.simple(slabs))
    started = time.perf_counter()
    rng = random.Random(11)
    now = datetime(2026, 1, 1, 9, 0)
    with backend.engine.begin() as conn:
        util = dict(conn.execute(select(UtilityType.code, UtilityType.id)).all())
        plan = dict(conn.execute(select(TariffPlan.code, TariffPlan.id)).all())
    for start in range(1, n + 1, BATCH):
        stop = min(start + BATCH, n + 1)
        people, meters = [], []
        for i in range(start, stop):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            people.append({
                "id": i, "account_no": f"AC{i:07d}", "name": f"{first} {last}",
                "address": f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}",
                "phone": f"07{rng.randint(0, 99_999_999):08d}",
                "email": f"{first.lower()}.{last.lower()}{i}@example.com",
                "credit": Decimal("0.00"), "created_at": now, "version": 1})
            meters.append({"customer_id": i, "utility_type_id": util["electricity"],
                           "meter_number": f"E{i:08d}", "active_meter": f"E{i:08d}",
                           "tariff_plan_id": plan["DOM-E"], "status": "ACTIVE",
                           "sanctioned_load_kw": Decimal(0), "initial_reading": Decimal(0),
                           "connected_on": date(2025, 1, 1), "created_at": now, "version": 1})
            if i % 5 == 0:
                meters.append({**meters[-1], "utility_type_id": util["water"],
                               "meter_number": f"W{i:08d}", "active_meter": f"W{i:08d}",
                               "tariff_plan_id": plan["DOM-W"]})
        with backend.engine.begin() as conn:
            conn.execute(insert(Customer), people)
            conn.execute(insert(Connection), meters)
        if (stop - 1) % 100_000 == 0 or stop > n:
            say(f"  built {stop - 1:,} customers ({time.perf_counter() - started:.0f} s)")
    if backend.engine.dialect.name == "mysql":
        with backend.engine.begin() as conn:
            conn.execute(text("ANALYZE TABLE customers, connections"))
    backend.dispose()


# --- measuring, in a process of its own ----------------------------------------------------

def _wait(condition: Callable[[], bool], timeout: float = 60.0) -> float:
    """Run the event loop (sleeping until events come, as an idle window does: no busy loop
    taking the interpreter from the worker threads) until `condition` holds."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    start = time.perf_counter()
    while not condition():
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the page did not answer within a minute")
    return time.perf_counter() - start


def _reference(engine: Engine) -> dict[str, float]:
    with engine.connect() as conn:
        start = time.perf_counter()
        conn.execute(select(Customer).order_by(Customer.account_no).limit(200)).all()
        first = time.perf_counter() - start
        start = time.perf_counter()
        conn.execute(select(func.count()).select_from(Customer)).scalar_one()
        count = time.perf_counter() - start
    return {"first_page_sql": first, "count_sql": count}


def measure(url: str, n: int, tries: int) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from opsmanager_desktop.gui.context import AppContext
    from opsmanager_desktop.gui.icons import apply_style
    from opsmanager_desktop.gui.pages.customers import PAGE, CustomersPage
    from opsmanager_desktop.gui.settings_store import AppSettings

    app = QApplication([sys.argv[0]])
    apply_style(app)
    backend = Backend.from_url(url)
    signed = auth.sign_in(backend, "bench", PASSWORD)
    folder = tempfile.mkdtemp(prefix="opsm-bench-page-")
    settings = AppSettings.in_file(Path(folder) / "settings.ini")
    ctx = AppContext(backend, signed, settings)
    figures: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        figures.setdefault(key, []).append(value)

    reference = _reference(backend.engine)
    probes = {"filter_full_name": "Amara Okafor", "filter_first_name": "Amara",
              "filter_meter": f"E{n // 2:08d}", "filter_phone": "0712345"}
    last = ""
    for _ in range(tries):
        last = _one_try(CustomersPage(ctx, PAGE), time.perf_counter(), probes, add)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    backend.dispose()
    del app
    return {"n": n, "last_account": last, "reference": reference, "peak_mb": peak_mb,
            "medians": {k: statistics.median(v) for k, v in figures.items()}}


def _one_try(page: Any, started: float, probes: dict[str, str],
             add: Callable[[str, float], None]) -> str:
    """Open, filter, jump; returns the last row's account number."""
    from opsmanager_desktop.gui.windowed_model import WindowedTableModel

    page.resize(1280, 760)
    page.show()
    page.on_shown()
    model = page.model
    assert isinstance(model, WindowedTableModel)
    _wait(lambda: model.rowCount() > 0 and model.is_loaded(0))
    add("open_first_rows", time.perf_counter() - started)
    counted = lambda: model.total is not None and not model.counting  # noqa: E731
    _wait(counted)
    add("open_count", time.perf_counter() - started)
    total = model.total or 0
    resets = [0]
    model.modelReset.connect(lambda: resets.__setitem__(0, resets[0] + 1))
    for key, probe in probes.items():
        before = resets[0]
        page.filter_bar.search.setText(probe)
        started = time.perf_counter()
        page.filter_bar.flush()
        _wait(lambda: resets[0] > before)  # noqa: B023 (waited for here, in this pass)
        add(key, time.perf_counter() - started)
        _wait(counted)
        add(key + "_count", time.perf_counter() - started)
        add(key + "_rows", float(model.total or 0))
    page.filter_bar.search.setText("")
    page.filter_bar.flush()
    _wait(lambda: model.total == total and not model.counting)
    page.table.setFocus()
    started = time.perf_counter()
    page.table.scrollToBottom()
    _wait(lambda: model.is_loaded(total - 1))
    add("last_row", time.perf_counter() - started)
    last = str(model.row_at(total - 1).account_no)
    started = time.perf_counter()
    page.table.scrollTo(model.index(total // 2, 0))
    _wait(lambda: model.is_loaded(total // 2))
    add("middle_row", time.perf_counter() - started)
    for row in random.Random(3).sample(range(total), 20):  # wander: memory stays flat
        page.table.scrollTo(model.index(row, 0))
        _wait(lambda: model.is_loaded(row))  # noqa: B023
    page.close()
    page.deleteLater()
    return last


# --- running ---------------------------------------------------------------------------------

def _url(db: str, n: int, keep: bool) -> tuple[str, Callable[[], None]]:
    if db == "sqlite":
        folder = Path(tempfile.gettempdir()) / "opsm-bench-customers"
        folder.mkdir(exist_ok=True)
        path = folder / f"customers-{n}.sqlite3"

        def drop_file() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        if not keep:
            drop_file()
        return f"sqlite:///{path}", (lambda: None) if keep else drop_file
    if db == "mysql":
        name = f"opsm_bench_customers_{n}"
        server = create_engine(MYSQL_SERVER + "/?charset=utf8mb4")
        with server.begin() as conn:
            if not keep:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 "
                              "COLLATE utf8mb4_unicode_ci"))

        def drop_db() -> None:
            with server.begin() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            server.dispose()
        return f"{MYSQL_SERVER}/{name}", (lambda: server.dispose()) if keep else drop_db
    return db, lambda: None


def _report(db: str, result: dict[str, Any]) -> None:
    m, ref = result["medians"], result["reference"]
    print(f"  {result['n']:,} customers on {db}; medians of the tries, seconds")
    print(f"  (reference: first page SELECT {ref['first_page_sql']:.3f}, "
          f"COUNT(*) {ref['count_sql']:.3f})")
    rows = [("open: first rows shown", "open_first_rows", TARGETS["open"]),
            ("open: count arrived", "open_count", None)]
    for key, label in (("filter_full_name", "full name 'Amara Okafor'"),
                       ("filter_first_name", "first name 'Amara'"),
                       ("filter_meter", "meter number"), ("filter_phone", "phone '0712345'")):
        rows.append((f"filter by {label}: rows ({m[key + '_rows']:,.0f} match)", key,
                     TARGETS["filter"]))
        rows.append(("   ... and its count", key + "_count", None))
    rows += [("Ctrl+End: last row shown", "last_row", TARGETS["last"]),
             ("middle of the list shown", "middle_row", None)]
    for label, key, target in rows:
        verdict = "" if target is None else (
            f"  target {target} s: {'ok' if m[key] <= target else 'MISSED'}")
        print(f"  {label:<58} {m[key]:7.3f}{verdict}")
    ratio = m["open_first_rows"] / max(ref["first_page_sql"], 1e-6)
    print(f"  first rows / bare first-page SELECT: {ratio:.1f}x")
    ok = "ok" if result["peak_mb"] <= TARGETS["memory_mb"] else "MISSED"
    print(f"  peak memory of the page's process: {result['peak_mb']:.0f} MB  "
          f"target {TARGETS['memory_mb']} MB: {ok}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_customers_page",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="customers (default 1000000)")
    parser.add_argument("--db", action="append",
                        help="sqlite, mysql or a database URL (repeatable; default both)")
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--keep", action="store_true",
                        help="keep the built database for the next run (and reuse it)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process
    args, _unknown = parser.parse_known_args(argv)
    if args.measure:
        print("RESULT " + json.dumps(measure(args.measure, args.n, args.tries)))
        return 0
    for db in args.db or ["sqlite", "mysql"]:
        url, cleanup = _url(db, args.n, args.keep)
        try:
            print(f"- {db}: building {args.n:,} customers (not timed)", flush=True)
            build(url, args.n)
            child = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_customers_page", "--measure", url,
                 "--n", str(args.n), "--tries", str(args.tries)],
                capture_output=True, text=True, check=False,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
            lines = [line for line in child.stdout.splitlines() if line.startswith("RESULT ")]
            if child.returncode != 0 or not lines:
                print(child.stdout[-3000:], child.stderr[-3000:], sep="\n")
                return 1
            _report(db, json.loads(lines[-1][len("RESULT "):]))
        finally:
            cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

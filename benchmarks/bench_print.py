"""Printing a cycle's account statements to one PDF with worker processes, against one
process.

    python -m benchmarks print --n 2000 --runs 3 --db sqlite
    python -m benchmarks.bench_print --n 5000 --db mysql --workers 2

Builds a database with the demo data set (a year of bills for about n / 1.45 customers,
most with two connections, so about n / 1.45 statements of one page; not timed), gives the
connections distribution transformers (routes), then runs, in alternating rounds so both
see the same machine (the 2 cores are shared and noisy):
  (a) reference: print_statements() with one process doing everything (load, draw, join);
  (b) print_statements() as an officer runs it (`bills print --cycle`): statements chosen
      in walking order, loaded a chunk at a time, drawn by one worker process per core,
      joined into one file as the chunks come back (the workers, kept by the program
      between jobs, are started by an untimed first run).
Prints pages and statements per second of every run with the load average, the medians,
the ratio (b)/(a) (what the extra processes earn), the cost of drawing alone and of
loading alone, the file size and the peak memory of this process and of one worker. The
target: (b) at 200 pages a second or better with two workers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import String, cast, func, literal, select, update

from benchmarks._databases import fresh_url
from opsmanager_desktop.bootstrap import make_backend
from opsmanager_desktop.db.models import Bill, BillingCycle, Connection
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.reports.pdf_statement import pages_of, render_chunk
from opsmanager_desktop.resources_path import resource as resource_file
from opsmanager_desktop.services import auth, demo, print_pool, printing, users
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.printing import PrintSelection

PASSWORD = "bench-password-1"
ROUTES = 40
TARGET = 200  # pages a second with two workers


def _build(backend: Backend, n: int) -> tuple[str, str, int]:
    """Demo data; returns (officer token, newest cycle, its bill count)."""
    auth.create_first_admin(backend, "admin", PASSWORD)
    admin = auth.sign_in(backend, "admin", PASSWORD).token
    started = time.perf_counter()
    result = demo.generate_demo(backend, admin, customers=max(10, int(n / 1.45) + 1), seed=7)
    users.add_user(backend, admin, "printer", Role.BILLING_OFFICER, PASSWORD)
    with backend.sessions.begin() as s:
        s.execute(update(Connection).values(
            transformer_code=literal("TR-") + cast(Connection.id % ROUTES, String)))
    with backend.sessions() as s:
        count = s.scalar(select(func.count(Bill.id)).join(BillingCycle, BillingCycle.id
                                                         == Bill.cycle_id)
                         .where(BillingCycle.period == result.last_cycle)) or 0
    print(f"demo data: {result.bills:,} bills in {result.cycles} cycles "
          f"({time.perf_counter() - started:.1f} s); cycle {result.last_cycle}: {count:,} "
          "bills", flush=True)
    return auth.sign_in(backend, "printer", PASSWORD).token, result.last_cycle, count


def _reference(backend: Backend, token: str, cycle: str) -> tuple[float, float]:
    """(pages a second drawing alone in this process, statements a second loading), a
    chunk at a time so this process's memory stays what printing needs."""
    papers = printing.papers_to_print(backend, token, PrintSelection(cycle=cycle))
    logo = str(resource_file("logo.png"))
    loading = drawing = 0.0
    pages = 0
    for i in range(0, len(papers), printing.CHUNK):
        began = time.perf_counter()
        job = printing.load_printable(backend, token, papers.chunk(i, i + printing.CHUNK))
        loaded = time.perf_counter()
        render_chunk(job.statements, job.company, logo)
        loading += loaded - began
        drawing += time.perf_counter() - loaded
        pages += sum(len(pages_of(s)) for s in job.statements)
    return pages / drawing, len(papers) / loading


def _reset_peak() -> None:
    """Forget this process's peak memory so far (Linux: building the demo data set is not
    what is measured)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb(pid: int | str = "self", field: str = "VmHWM") -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _worker_peak_mb(workers: int) -> float:
    """The largest peak memory of the print workers (they live on between jobs, so the
    operating system's figure for finished children does not count them)."""
    pids = getattr(print_pool.pool(workers), "_processes", {}) or {}
    return max([0.0, *(_peak_mb(pid) for pid in pids)])


def _timed(backend: Backend, token: str, cycle: str, out: Path, workers: int
           ) -> printing.PrintResult:
    return printing.print_statements(backend, token, PrintSelection(cycle=cycle), out,
                                     workers=workers)


def run(url: str, n: int, runs: int, workers: int | None) -> None:
    backend = make_backend(url, migrate=True)
    many = workers or os.cpu_count() or 1
    try:
        token, cycle, _bills = _build(backend, n)
        drawing, loading = _reference(backend, token, cycle)
        print(f"drawing alone, one process: {drawing:,.0f} pages/s; loading alone "
              f"{loading:,.0f} statements/s", flush=True)
        single: list[printing.PrintResult] = []
        pooled: list[printing.PrintResult] = []
        loads: list[float] = []
        _reset_peak()
        before = _peak_mb(field="VmRSS")
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "cycle.pdf"
            # the program keeps its workers between jobs; start them before timing
            _timed(backend, token, cycle, out, many)
            for i in range(runs):
                single.append(_timed(backend, token, cycle, out, 1))
                pooled.append(_timed(backend, token, cycle, out, many))
                loads.append(os.getloadavg()[0])
                print(f"round {i + 1}: (a) one process {single[-1].pages_per_second:,.0f} "
                      f"pages/s ({single[-1].statements_per_second:,.0f} statements/s), "
                      f"(b) {many} workers {pooled[-1].pages_per_second:,.0f} pages/s "
                      f"({pooled[-1].statements_per_second:,.0f} statements/s) "
                      f"(load average {loads[-1]:.1f})", flush=True)
            size = out.stat().st_size
        last = pooled[-1]
        a = statistics.median(r.pages_per_second for r in single)
        b = statistics.median(r.pages_per_second for r in pooled)
        b_statements = statistics.median(r.statements_per_second for r in pooled)
        ratios = statistics.median(p.pages_per_second / s.pages_per_second
                                   for p, s in zip(pooled, single, strict=True))
        me = _peak_mb()
        child = _worker_peak_mb(many)
        print(f"median over {runs} rounds of {last.statements:,} statements ({last.bills:,} "
              f"bills, {last.pages:,} pages): (a) {a:,.0f} pages/s, (b) {b:,.0f} pages/s "
              f"({b_statements:,.0f} statements/s); ratio (b)/(a) {ratios:.2f}; target "
              f"{TARGET} pages/s: {'met' if b >= TARGET else 'NOT met'} (load average "
              f"{statistics.median(loads):.1f}, {os.cpu_count()} cores)")
        print(f"file {size / 1e6:,.1f} MB ({size / max(last.pages, 1) / 1024:,.1f} KB a page); "
              f"peak memory while printing: this process {me:,.0f} MB ({me - before:+,.0f} MB "
              f"over what it held before), one worker {child:,.0f} MB")
        print("note: the cores are shared per login session (Linux autogroup): on a busy "
              "machine more processes in this session get no more CPU, so (b)/(a) shows "
              "what the workers earn only when the machine is otherwise idle")
    finally:
        backend.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_print", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="bills in the cycle printed "
                        "(default 2000: about 1,400 statements)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (median reported)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: one per core)")
    parser.add_argument("--db", action="append",
                        help="sqlite, mysql or a URL of an empty database (repeatable; "
                        "default sqlite)")
    args, _unknown = parser.parse_known_args(argv)
    for db in args.db or ["sqlite"]:
        print(f"--- {db}", flush=True)
        url, cleanup = fresh_url(db)
        try:
            run(url, args.n, args.runs, args.workers)
        finally:
            cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

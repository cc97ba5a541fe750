"""Printing bills: one PDF (or files of N bills) for one bill, a cycle, a status or a route.

    result = print_bills(backend, token, PrintSelection(cycle="2026-01"), "jan.pdf",
                         split=None, progress=..., cancelled=...)

How it stays fast and small (a cycle is 100,000 pages):
- the bills are chosen once, as ids in the order the field team walks (route, then
  account: print_data.walking_order) — one integer each;
- they are loaded a chunk at a time (`load_printable`: six queries a chunk) and rendered by
  worker processes, one chunk each, both cores busy, while this process loads the next;
- the chunk PDFs are joined into the output as they come back (reports/pdf_merge), in
  order, so only a few chunks are ever in memory;
- `--split N` writes files of N bills (name-001.pdf, ...), chunks never spanning two files.
Every file is written under a temporary name and renamed when the whole job has worked: a
refused, failed or cancelled job leaves no half-written PDF. Printing changes no bill (it
does not issue them: a bill not issued yet prints as a draft); the job is audited.

The worker processes are kept between jobs (services/print_pool.py).
"""

from __future__ import annotations

import os
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from opsmanager_desktop.db.models import Bill, BillingCycle, Connection, Customer, Statement
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.cycle import Period
from opsmanager_desktop.domain.errors import NotFound, OpsError, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.reports.pdf_bill import render_chunk
from opsmanager_desktop.reports.pdf_merge import PdfJoiner
from opsmanager_desktop.reports.printable import Company, PrintableBill
from opsmanager_desktop.resources_path import resource
from opsmanager_desktop.services import print_pool
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.print_data import company_of, printable_bills, walking_order

CHUNK = 200  # bills a worker renders at a time: big enough to pay for the hand-over
MAX_BILL_NOS = 10_000
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class PrintCancelled(OpsError):
    exit_code = 1

    def __init__(self) -> None:
        super().__init__("printing was cancelled; no file was written")


@dataclass(frozen=True)
class PrintSelection:
    """Which bills: a cycle, or bill numbers (a selection in a table), narrowed by status
    and by route (distribution transformer)."""

    cycle: str | None = None
    bill_nos: tuple[str, ...] = ()
    status: str | None = None
    transformer: str | None = None
    statement_nos: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"cycle {self.cycle}" if self.cycle else "",
                 f"{len(self.bill_nos)} chosen bills" if self.bill_nos else "",
                 f"{len(self.statement_nos)} chosen statements" if self.statement_nos
                 else "",
                 f"status {self.status}" if self.status else "",
                 f"route {self.transformer}" if self.transformer else ""]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class PrintJob:
    """What `load_printable` hands the renderer: the bills and the company's letterhead."""

    bills: list[PrintableBill]
    company: Company


@dataclass(frozen=True)
class PrintResult:
    bills: int
    files: tuple[Path, ...]
    seconds: float

    @property
    def pages_per_second(self) -> float:
        return self.bills / self.seconds if self.seconds > 0 else 0.0


def _check_selection(selection: object) -> PrintSelection:
    if not isinstance(selection, PrintSelection):
        raise invalid("selection", "choose the bills to print: a cycle or bill numbers")
    if not selection.cycle and not selection.bill_nos and not selection.statement_nos:
        raise invalid("selection", "choose a cycle (--cycle YYYY-MM), bills (--bill NO) or "
                      "statements (--statement NO)")
    if len(selection.bill_nos) + len(selection.statement_nos) > MAX_BILL_NOS:
        raise invalid("bill_nos", f"at most {MAX_BILL_NOS:,} bill numbers at a time; "
                      "print a cycle, status or route for more")
    if selection.status and selection.status.strip().upper() not in BillStatus.__members__:
        raise invalid("status", f"{selection.status!r} is not a bill status; use one of "
                      + ", ".join(BillStatus))
    return selection


@service(Permission.BILLS_PRINT, readonly=True)
def bills_to_print(ctx: Ctx, selection: PrintSelection) -> array[int]:
    """The ids of the chosen bills in walking order. NotFound for a cycle that does not
    exist or bill numbers that do not."""
    chosen = _check_selection(selection)
    stmt = (select(Bill.id).join(Customer, Customer.id == Bill.customer_id)
            .join(Connection, Connection.id == Bill.connection_id))
    if chosen.cycle:
        period = str(Period.parse(chosen.cycle, "cycle"))
        cycle_id = ctx.session.scalar(select(BillingCycle.id)
                                      .where(BillingCycle.period == period))
        if cycle_id is None:
            raise NotFound(f"there is no billing cycle {period}")
        stmt = stmt.where(Bill.cycle_id == cycle_id)
    if chosen.bill_nos:
        wanted = {n.strip() for n in chosen.bill_nos if n.strip()}
        found = set(ctx.session.scalars(select(Bill.bill_no).where(Bill.bill_no.in_(wanted))))
        missing = sorted(wanted - found)
        if missing:
            raise NotFound("no bill " + ", ".join(repr(n) for n in missing[:10])
                           + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""))
        stmt = stmt.where(Bill.bill_no.in_(wanted))
    if chosen.statement_nos:
        numbers = {n.strip().upper() for n in chosen.statement_nos if n.strip()}
        found = set(ctx.session.scalars(select(Statement.statement_no)
                                        .where(Statement.statement_no.in_(numbers))))
        missing = sorted(numbers - found)
        if missing:
            raise NotFound("no statement " + ", ".join(repr(n) for n in missing[:10])
                           + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""))
        stmt = stmt.where(Bill.statement_id.in_(
            select(Statement.id).where(Statement.statement_no.in_(numbers))))
    if chosen.status:
        stmt = stmt.where(Bill.status == chosen.status.strip().upper())
    if chosen.transformer:
        stmt = stmt.where(Connection.transformer_code == chosen.transformer.strip())
    ids = array("q")
    for part in ctx.session.execute(stmt.order_by(*walking_order())).scalars().partitions(
            10_000):
        ids.extend(part)
    return ids


@service(Permission.BILLS_PRINT, readonly=True)
def load_printable(ctx: Ctx, bill_ids: Sequence[int]) -> PrintJob:
    """A chunk of bills as the paper shows them, in the order of `bill_ids`."""
    if isinstance(bill_ids, str | bytes) or not all(isinstance(i, int) for i in bill_ids):
        raise invalid("bill_ids", "expected a list of bill ids")
    if len(bill_ids) > 5 * CHUNK:
        raise invalid("bill_ids", f"at most {5 * CHUNK} bills at a time")
    return PrintJob(printable_bills(ctx.session, list(bill_ids), ctx.now.date()),
                    company_of(ctx.session))


@service(Permission.BILLS_PRINT)
def record_print(ctx: Ctx, description: str, bills: int, files: Sequence[str]) -> None:
    """The audit entry of a print job (who printed which bills into which files)."""
    if not isinstance(bills, int) or isinstance(files, str):
        raise invalid("bills", "expected the number of bills and the list of files")
    ctx.audit("bills", description[:64], "print",
              after={"selection": description, "bills": bills, "files": list(files)})


def output_paths(out: Path, total: int, split: int | None) -> list[Path]:
    if not split or total <= split:
        return [out]
    count = -(-total // split)
    width = max(3, len(str(count)))
    return [out.with_name(f"{out.stem}-{i:0{width}d}{out.suffix}") for i in range(1, count + 1)]


def _chunks(total: int, split: int | None, size: int) -> Iterator[tuple[int, int, int]]:
    """(file index, start, end) of each chunk; a chunk never spans two files."""
    per_file = split or total
    for file_index, file_start in enumerate(range(0, total, per_file)):
        file_end = min(total, file_start + per_file)
        for start in range(file_start, file_end, size):
            yield file_index, start, min(file_end, start + size)


def _check_out(out: str | Path, split: int | None) -> Path:
    path = Path(out)
    if path.suffix.lower() != ".pdf":
        raise invalid("out", f"{path.name}: the file name must end in .pdf")
    if not path.parent.is_dir():
        raise invalid("out", f"the folder {path.parent} does not exist")
    if split is not None and split < 1:
        raise invalid("split", "must be 1 or more bills per file")
    return path


def print_bills(backend: Backend, token: str, selection: PrintSelection, out: str | Path,
                *, split: int | None = None, progress: Progress | None = None,
                cancelled: Cancelled | None = None, workers: int | None = None,
                chunk_size: int = CHUNK) -> PrintResult:
    """Render the chosen bills (see the module docstring). The permission is checked by
    the services it calls (BILLS_PRINT)."""
    began = time.perf_counter()
    path = _check_out(out, split)
    ids = bills_to_print(backend, token, selection)
    if not ids:
        raise NotFound(f"no bills to print for {_check_selection(selection).describe()}")
    total = len(ids)
    paths = output_paths(path, total, split)
    parts = [p.with_name(p.name + ".part") for p in paths]
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    chunks = list(_chunks(total, split if len(paths) > 1 else None, chunk_size))
    logo = str(resource("logo.png"))
    title = f"Bills: {selection.describe()}"
    try:
        _run(backend, token, ids, chunks, parts, _Renderer(workers if len(chunks) > 1 else 1),
             logo, title, progress, cancelled)
    except BaseException:
        for part in parts:
            part.unlink(missing_ok=True)
        raise
    for part, final in zip(parts, paths, strict=True):
        os.replace(part, final)
    record_print(backend, token, selection.describe(), total, [str(p) for p in paths])
    return PrintResult(total, tuple(paths), time.perf_counter() - began)


def _run(backend: Backend, token: str, ids: array[int], chunks: list[tuple[int, int, int]],
         parts: list[Path], renderer: _Renderer, logo: str, title: str,
         progress: Progress | None, cancelled: Cancelled | None) -> None:
    total = len(ids)
    pending: deque[tuple[int, Future[bytes] | bytes]] = deque()
    window = 2 * renderer.workers  # chunks in flight: enough to keep every core busy
    current_file = -1
    joiner: PdfJoiner | None = None
    handle: Any = None
    done = 0
    todo = iter(chunks)

    def submit() -> bool:
        item = next(todo, None)
        if item is None:
            return False
        file_index, start, end = item
        job = load_printable(backend, token, list(ids[start:end]))
        pending.append((file_index, renderer.submit(job, logo, title)))
        return True

    try:
        while len(pending) < window and submit():
            pass
        while pending:
            if cancelled is not None and cancelled():
                raise PrintCancelled()
            file_index, result = pending.popleft()
            pdf = result if isinstance(result, bytes) else result.result()
            if file_index != current_file:
                if joiner is not None:
                    joiner.close()
                    handle.close()
                current_file = file_index
                handle = parts[file_index].open("wb")
                joiner = PdfJoiner(handle, title)
            assert joiner is not None
            done += joiner.add(pdf)
            if progress is not None:
                progress(done, total)
            submit()
        if joiner is not None:
            joiner.close()
    finally:
        for _index, left in pending:  # cancelled or failed: drop the chunks not drawn yet
            if isinstance(left, Future):
                left.cancel()
        if handle is not None:
            handle.close()


class _Renderer:
    """Chunks drawn by the worker processes (print_pool), or here for a one-chunk job or
    one core."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def submit(self, job: PrintJob, logo: str, title: str) -> Future[bytes] | bytes:
        if self.workers <= 1:
            return render_chunk(job.bills, job.company, logo, title)
        future: Future[bytes] = print_pool.submit(self.workers, render_chunk, job.bills,
                                                  job.company, logo, title)
        return future

"""Printing account statements: one PDF (or files of N statements) for a statement, a
bill's statement, a cycle, a status or a route (docs/decisions.md 42).

    result = print_statements(backend, token, PrintSelection(cycle="2026-01"), "jan.pdf",
                              split=None, progress=..., cancelled=...)

The unit of a job is the paper an account receives: its statement of the cycle with every
bill on it (or the draft or earlier bills of an account in a cycle: services/print_data).
Choosing bills (by number, status or cycle) chooses the statements holding them, whole.

How it stays fast and small (a cycle is 100,000 pages):
- the statements are chosen once, in the order the field team walks (route, then
  account: print_data.papers_in_walking_order) — four integers each;
- they are loaded a chunk at a time (`load_printable`: a few queries a chunk) and rendered
  by worker processes, one chunk each, both cores busy, while this process loads the next;
- the chunk PDFs are joined into the output as they come back (reports/pdf_merge), in
  order, so only a few chunks are ever in memory;
- `--split N` writes files of N statements (name-001.pdf, ...), chunks never spanning two
  files; progress counts statements.
Every file is written under a temporary name and renamed when the whole job has worked: a
refused, failed or cancelled job leaves no half-written PDF. Printing changes no bill (it
does not issue them: bills not issued yet print as a draft statement); the job is audited.

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

from sqlalchemy import ColumnElement, select

from opsmanager_desktop.db.models import Bill, BillingCycle, Statement
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.cycle import Period
from opsmanager_desktop.domain.errors import NotFound, OpsError, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.reports.pdf_merge import PdfJoiner
from opsmanager_desktop.reports.pdf_statement import render_chunk
from opsmanager_desktop.reports.printable import Company, PrintableStatement
from opsmanager_desktop.resources_path import resource
from opsmanager_desktop.services import print_pool
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.print_data import (
    Paper,
    company_of,
    papers_in_walking_order,
    printable_statements,
)

CHUNK = 200  # statements a worker renders at a time: big enough to pay for the hand-over
MAX_NUMBERS = 10_000
Progress = Callable[[int, int], None]  # (statements done, statements in all)
Cancelled = Callable[[], bool]


class PrintCancelled(OpsError):
    exit_code = 1

    def __init__(self) -> None:
        super().__init__("printing was cancelled; no file was written")


@dataclass(frozen=True)
class PrintSelection:
    """Which statements: those of a cycle, or those holding chosen bills or named by their
    numbers, narrowed to those holding a bill of a status and to a route (the account's
    distribution transformer)."""

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
    """What `load_printable` hands the renderer: the statements and the letterhead."""

    statements: list[PrintableStatement]
    company: Company


@dataclass(frozen=True)
class PrintResult:
    bills: int
    files: tuple[Path, ...]
    seconds: float
    statements: int = 0
    pages: int = 0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    @property
    def statements_per_second(self) -> float:
        return self.statements / self.seconds if self.seconds > 0 else 0.0


class Papers:
    """Papers in walking order, four integers each (a cycle may be a million accounts)."""

    WIDTH = 4

    def __init__(self, papers: Iterator[Paper] | Sequence[Paper] = ()) -> None:
        self._flat = array("q")
        for paper in papers:
            self._flat.extend((paper.statement_id, paper.customer_id, paper.cycle_id,
                               int(paper.draft)))

    def __len__(self) -> int:
        return len(self._flat) // self.WIDTH

    def chunk(self, start: int, end: int) -> list[Paper]:
        w, flat = self.WIDTH, self._flat
        return [Paper(flat[i * w], flat[i * w + 1], flat[i * w + 2], bool(flat[i * w + 3]))
                for i in range(start, min(end, len(self)))]


def _check_selection(selection: object) -> PrintSelection:
    if not isinstance(selection, PrintSelection):
        raise invalid("selection", "choose what to print: a cycle, bills or statements")
    if not selection.cycle and not selection.bill_nos and not selection.statement_nos:
        raise invalid("selection", "choose a cycle (--cycle YYYY-MM), bills (--bill NO) or "
                      "statements (--statement NO)")
    if len(selection.bill_nos) + len(selection.statement_nos) > MAX_NUMBERS:
        raise invalid("bill_nos", f"at most {MAX_NUMBERS:,} bill or statement numbers at a "
                      "time; print a cycle, status or route for more")
    if selection.status and selection.status.strip().upper() not in BillStatus.__members__:
        raise invalid("status", f"{selection.status!r} is not a bill status; use one of "
                      + ", ".join(BillStatus))
    return selection


def _missing(what: str, wanted: set[str], found: set[str]) -> None:
    missing = sorted(wanted - found)
    if missing:
        raise NotFound(f"no {what} " + ", ".join(repr(n) for n in missing[:10])
                       + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""))


@service(Permission.BILLS_PRINT, readonly=True)
def papers_to_print(ctx: Ctx, selection: PrintSelection) -> Papers:
    """The chosen statements in walking order. NotFound for a cycle, bill numbers or
    statement numbers that do not exist."""
    chosen = _check_selection(selection)
    where: list[ColumnElement[bool]] = []
    if chosen.cycle:
        period = str(Period.parse(chosen.cycle, "cycle"))
        cycle_id = ctx.session.scalar(select(BillingCycle.id)
                                      .where(BillingCycle.period == period))
        if cycle_id is None:
            raise NotFound(f"there is no billing cycle {period}")
        where.append(Bill.cycle_id == cycle_id)
    if chosen.bill_nos:
        wanted = {n.strip() for n in chosen.bill_nos if n.strip()}
        _missing("bill", wanted, set(ctx.session.scalars(
            select(Bill.bill_no).where(Bill.bill_no.in_(wanted)))))
        where.append(Bill.bill_no.in_(wanted))
    if chosen.statement_nos:
        numbers = {n.strip().upper() for n in chosen.statement_nos if n.strip()}
        _missing("statement", numbers, set(ctx.session.scalars(
            select(Statement.statement_no).where(Statement.statement_no.in_(numbers)))))
        where.append(Bill.statement_id.in_(
            select(Statement.id).where(Statement.statement_no.in_(numbers))))
    if chosen.status:
        where.append(Bill.status == chosen.status.strip().upper())
    route = chosen.transformer.strip() if chosen.transformer else None
    return Papers(papers_in_walking_order(ctx.session, where, route))


@service(Permission.BILLS_PRINT, readonly=True)
def load_printable(ctx: Ctx, papers: Sequence[Paper]) -> PrintJob:
    """A chunk of statements as the paper shows them, in the order of `papers`."""
    if isinstance(papers, str | bytes) or not all(isinstance(p, Paper) for p in papers):
        raise invalid("papers", "expected a list of papers from papers_to_print")
    if len(papers) > 5 * CHUNK:
        raise invalid("papers", f"at most {5 * CHUNK} statements at a time")
    return PrintJob(printable_statements(ctx.session, list(papers), ctx.now.date()),
                    company_of(ctx.session))


@service(Permission.BILLS_PRINT)
def record_print(ctx: Ctx, description: str, statements: int, bills: int, pages: int,
                 files: Sequence[str]) -> None:
    """The audit entry of a print job (who printed which statements into which files)."""
    if not all(isinstance(n, int) for n in (statements, bills, pages)) \
            or isinstance(files, str):
        raise invalid("statements", "expected the numbers printed and the list of files")
    ctx.audit("statements", description[:64], "print",
              after={"selection": description, "statements": statements, "bills": bills,
                     "pages": pages, "files": list(files)})


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
        raise invalid("split", "must be 1 or more statements per file")
    return path


def print_statements(backend: Backend, token: str, selection: PrintSelection,
                     out: str | Path, *, split: int | None = None,
                     progress: Progress | None = None, cancelled: Cancelled | None = None,
                     workers: int | None = None, chunk_size: int = CHUNK) -> PrintResult:
    """Render the chosen statements (see the module docstring). The permission is checked
    by the services it calls (BILLS_PRINT)."""
    began = time.perf_counter()
    path = _check_out(out, split)
    papers = papers_to_print(backend, token, selection)
    if not len(papers):
        raise NotFound(f"nothing to print for {_check_selection(selection).describe()}")
    total = len(papers)
    paths = output_paths(path, total, split)
    parts = [p.with_name(p.name + ".part") for p in paths]
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    chunks = list(_chunks(total, split if len(paths) > 1 else None, chunk_size))
    logo = str(resource("logo.png"))
    title = f"Statements: {selection.describe()}"
    try:
        bills, pages = _run(backend, token, papers, chunks, parts,
                            _Renderer(workers if len(chunks) > 1 else 1), logo, title,
                            progress, cancelled)
    except BaseException:
        for part in parts:
            part.unlink(missing_ok=True)
        raise
    for part, final in zip(parts, paths, strict=True):
        os.replace(part, final)
    record_print(backend, token, selection.describe(), total, bills, pages,
                 [str(p) for p in paths])
    return PrintResult(bills, tuple(paths), time.perf_counter() - began, total, pages)


def _run(backend: Backend, token: str, papers: Papers, chunks: list[tuple[int, int, int]],
         parts: list[Path], renderer: _Renderer, logo: str, title: str,
         progress: Progress | None, cancelled: Cancelled | None) -> tuple[int, int]:
    """Load, draw and join every chunk; returns (bills, pages) printed."""
    total = len(papers)
    pending: deque[tuple[int, int, Future[bytes] | bytes]] = deque()
    window = 2 * renderer.workers  # chunks in flight: enough to keep every core busy
    current_file = -1
    joiner: PdfJoiner | None = None
    handle: Any = None
    done = bills = pages = 0
    todo = iter(chunks)

    def submit() -> bool:
        nonlocal bills
        item = next(todo, None)
        if item is None:
            return False
        file_index, start, end = item
        job = load_printable(backend, token, papers.chunk(start, end))
        bills += sum(len(s.sections) for s in job.statements)
        pending.append((file_index, end - start, renderer.submit(job, logo, title)))
        return True

    try:
        while len(pending) < window and submit():
            pass
        while pending:
            if cancelled is not None and cancelled():
                raise PrintCancelled()
            file_index, count, result = pending.popleft()
            pdf = result if isinstance(result, bytes) else result.result()
            if file_index != current_file:
                if joiner is not None:
                    joiner.close()
                    handle.close()
                current_file = file_index
                handle = parts[file_index].open("wb")
                joiner = PdfJoiner(handle, title)
            assert joiner is not None
            pages += joiner.add(pdf)
            done += count
            if progress is not None:
                progress(done, total)
            submit()
        if joiner is not None:
            joiner.close()
    finally:
        for _index, _count, left in pending:  # cancelled or failed: drop what is not drawn
            if isinstance(left, Future):
                left.cancel()
        if handle is not None:
            handle.close()
    return bills, pages


class _Renderer:
    """Chunks drawn by the worker processes (print_pool), or here for a one-chunk job or
    one core."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def submit(self, job: PrintJob, logo: str, title: str) -> Future[bytes] | bytes:
        if self.workers <= 1:
            return render_chunk(job.statements, job.company, logo, title)
        future: Future[bytes] = print_pool.submit(self.workers, render_chunk,
                                                  job.statements, job.company, logo, title)
        return future

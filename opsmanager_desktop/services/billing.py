"""The billing run of a cycle (docs/design.md 3 and 6).

Every ACTIVE connection with an APPROVED reading for the cycle and no bill for it gets
exactly one bill, priced with the tariff version in force on the cycle's last day.

Safety over a long run on a shared database:
- a per-cycle lock: the run's row in billing_runs holds `lock_cycle_id` (unique) while it
  goes, so a second workstation is refused with a Conflict naming who runs the cycle; a
  lock whose heartbeat is older than STALE_AFTER (a workstation that died) is taken over;
- chunked commits: connections are billed in primary-key ranges, one transaction each,
  with deterministic bill numbers and the unique (connection, cycle) key, so a run killed
  after any chunk and started again ends with exactly the bills of one clean run;
- each chunk is set-based (services/billing_engine.py): Python computes only the distinct
  charge combinations, the database writes the bills and lines.
One audit entry per run with its counts (not one per bill).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from opsmanager_desktop.db.engine import BEGIN_IMMEDIATE
from opsmanager_desktop.db.models import Bill, BillingCycle, BillingRun
from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.errors import Conflict, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.tariff import MONEY_ZERO
from opsmanager_desktop.services.billing_engine import (
    ChunkBiller,
    MissingReading,
    clear_charge_sets,
    estimation_candidates,
    id_span,
    load_book,
    missing_readings,
    next_chunk,
    table_of,
)
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.cycles import cycle_by_period
from opsmanager_desktop.services.estimation import estimate_missing_readings
from opsmanager_desktop.services.pending_tariffs import apply_pending_tariffs

STALE_AFTER = timedelta(minutes=10)
DEFAULT_CHUNK = 25_000
MAX_CHUNK = 200_000

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

_RUNS = table_of(BillingRun)


@dataclass(frozen=True)
class RunResult:
    cycle: str
    bills_created: int
    skipped_existing: int
    missing_readings: tuple[MissingReading, ...]
    estimated: int
    total_amount: Decimal
    # True when the caller cancelled between chunks: the bills so far stay, a new run
    # finishes the cycle (missing_readings is then empty: the cycle was not gone through)
    cancelled: bool = False


@service(Permission.BILLING_RUN)
def run_billing(ctx: Ctx, period: str, progress: Progress | None = None,
                cancelled: Cancelled | None = None, *, chunk_size: int = DEFAULT_CHUNK
                ) -> RunResult:
    """Bill the cycle `period` (YYYY-MM). `progress(done, total)` is called after each
    committed chunk (connections gone through / all connections); `cancelled()` is asked
    after each chunk and stops the run there when it returns True."""
    if isinstance(chunk_size, bool) or not 1 <= chunk_size <= MAX_CHUNK:
        raise invalid("chunk_size", f"must be 1 to {MAX_CHUNK:,} connections")
    cycle = cycle_by_period(ctx.session, period)
    if cycle.status != CycleStatus.OPEN:
        raise Conflict(f"billing cycle {cycle.period} is closed; it takes no more billing runs")
    run_id, took_over = _take_lock(ctx, cycle)
    # plans found on approved inspections that bill from this cycle (evaluations)
    apply_pending_tariffs(ctx, cycle.period)
    ctx.session.commit()
    try:
        return _Run(ctx, cycle, run_id, took_over, chunk_size).go(progress, cancelled)
    except BaseException as exc:
        _release_after_failure(ctx, cycle, run_id, exc)
        raise


def _begin(ctx: Ctx) -> None:
    """Start the next chunk's transaction; on SQLite take the write lock up front (the
    decorator does this only for the first transaction of a service)."""
    if ctx.session.get_bind().dialect.name == "sqlite":
        ctx.session.connection(execution_options={BEGIN_IMMEDIATE: True})


def _held_message(holder: BillingRun, period: str) -> str:
    where = f" on {holder.workstation}" if holder.workstation else ""
    return (f"billing cycle {period} is being billed by {holder.started_by}{where} since "
            f"{holder.started_at:%Y-%m-%d %H:%M} UTC ({holder.bills_created:,} bills so far);"
            " wait until that run ends. A run whose workstation stopped is taken over "
            f"{int(STALE_AFTER.total_seconds() // 60)} minutes after its last sign of life.")


def _take_lock(ctx: Ctx, cycle: BillingCycle) -> tuple[int, int | None]:
    session = ctx.session
    now = ctx.backend.now()
    holder = session.scalars(select(BillingRun).where(BillingRun.lock_cycle_id == cycle.id)
                             .with_for_update()).first()
    took_over = None
    if holder is not None:
        if now - holder.heartbeat_at < STALE_AFTER:
            raise Conflict(_held_message(holder, cycle.period))
        holder.lock_cycle_id = None
        holder.status = "ABANDONED"
        holder.finished_at = now
        took_over = holder.id
        session.flush()
    run = BillingRun(cycle_id=cycle.id, lock_cycle_id=cycle.id, started_by=ctx.username,
                     started_at=now, heartbeat_at=now, status="RUNNING",
                     workstation=ctx.backend.client[:120])
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        # another workstation took the lock between our look and our insert
        other = session.scalars(select(BillingRun)
                                .where(BillingRun.lock_cycle_id == cycle.id)).first()
        if other is None:
            raise Conflict(f"billing cycle {cycle.period} was being started by someone "
                           "else at the same moment; try again") from None
        raise Conflict(_held_message(other, cycle.period)) from None
    return run.id, took_over


def _release_after_failure(ctx: Ctx, cycle: BillingCycle, run_id: int,
                           exc: BaseException) -> None:
    """Free the lock at once so a rerun need not wait for it to go stale; if even that
    fails (the database is gone) the lock goes stale and the next run takes it over."""
    session = ctx.session
    try:
        session.rollback()
        _begin(ctx)
        session.execute(update(_RUNS).where(_RUNS.c.id == run_id)
                        .values(lock_cycle_id=None, status="FAILED",
                                finished_at=ctx.backend.now()))
        ctx.audit("billing_run", run_id, "run_failed",
                  after={"cycle": cycle.period, "error": f"{type(exc).__name__}: {exc}"[:500]})
        session.commit()
    except Exception:
        session.rollback()


class _Run:
    def __init__(self, ctx: Ctx, cycle: BillingCycle, run_id: int, took_over: int | None,
                 chunk_size: int) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.cycle = cycle
        self.run_id = run_id
        self.took_over = took_over
        self.chunk_size = chunk_size
        self.created = 0
        self.estimated = 0
        self.total = MONEY_ZERO
        self.chunks = 0

    def _heartbeat(self) -> None:
        """Refresh the lock in the chunk's own transaction; a run whose lock was taken over
        (it looked dead) stops here instead of racing the new one."""
        done = self.session.execute(
            update(_RUNS).where(_RUNS.c.id == self.run_id,
                                _RUNS.c.lock_cycle_id == self.cycle.id)
            .values(heartbeat_at=self.ctx.backend.now(), bills_created=self.created))
        if not getattr(done, "rowcount", 1):
            raise Conflict(f"this billing run of {self.cycle.period} lost its lock to another "
                           "workstation (it looked stopped); that run finishes the cycle")

    def go(self, progress: Progress | None, cancelled: Cancelled | None) -> RunResult:
        session, cycle = self.session, self.cycle
        _begin(self.ctx)
        skipped = int(session.scalar(select(func.count()).select_from(Bill)
                                     .where(Bill.cycle_id == cycle.id)) or 0)
        first_id, last_id = id_span(session)
        total = last_id - first_id + 1
        book = load_book(session, cycle.end_date)
        clear_charge_sets(session, cycle.id)
        biller = ChunkBiller(session, cycle, book, self.ctx.now, set_no=1)
        session.commit()
        if cycle.estimation_enabled and not self._estimate(cancelled):
            return self._finish(skipped, (), cancelled=True)
        after = 0
        missing: list[MissingReading] = []
        if progress is not None:
            progress(0, total)
        while True:
            _begin(self.ctx)
            bounds = next_chunk(session, after, self.chunk_size)
            if bounds is None:
                break
            after, hi, _count = bounds
            self._heartbeat()
            part = biller.bill_chunk(after, hi)
            self.created += part.bills
            self.estimated += part.estimated
            self.total += part.total
            self.chunks += 1
            # the chunk's exceptions are final now; read them while its pages are hot
            missing += missing_readings(session, cycle, book, after, hi)
            self._heartbeat()
            session.commit()
            after = hi
            if progress is not None:
                progress(min(hi - first_id + 1, total), total)
            if cancelled is not None and cancelled():
                return self._finish(skipped, (), cancelled=True)
        return self._finish(skipped, tuple(missing), cancelled=False)

    def _estimate(self, cancelled: Cancelled | None) -> bool:
        """Estimated readings for active connections without any reading (Engineer C's
        rules in services/estimation.py), chunk by chunk; False when cancelled."""
        after = 0
        while True:
            _begin(self.ctx)
            ids = estimation_candidates(self.session, self.cycle, after, self.chunk_size)
            if not ids:
                self.session.commit()
                return True
            self._heartbeat()
            estimate_missing_readings(self.session, self.cycle, ids, self.ctx.username,
                                      self.ctx.now)
            self.session.commit()
            after = ids[-1]
            if cancelled is not None and cancelled():
                return False

    def _finish(self, skipped: int, missing: tuple[MissingReading, ...], *, cancelled: bool
                ) -> RunResult:
        if not self.session.in_transaction():  # after a cancel; else still in the last one
            _begin(self.ctx)
        status = "CANCELLED" if cancelled else "FINISHED"
        # a cancelled run leaves no scratch either (only a crash does; the next run clears it)
        clear_charge_sets(self.session, self.cycle.id)
        self.session.execute(
            update(_RUNS).where(_RUNS.c.id == self.run_id)
            .values(lock_cycle_id=None, status=status, bills_created=self.created,
                    heartbeat_at=self.ctx.backend.now(), finished_at=self.ctx.backend.now()))
        result = RunResult(self.cycle.period, self.created, skipped, missing, self.estimated,
                           self.total, cancelled)
        counts: dict[str, Any] = {
            "cycle": self.cycle.period, "status": status, "bills_created": self.created,
            "skipped_existing": skipped, "missing_readings": len(missing),
            "estimated": self.estimated, "total_amount": str(self.total),
            "chunks": self.chunks, "took_over_run": self.took_over}
        self.ctx.audit("billing_run", self.run_id, "run_cancelled" if cancelled else "run",
                       after=counts)
        return result


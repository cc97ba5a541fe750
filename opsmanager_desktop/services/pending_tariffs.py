"""Tariff changes found on approved inspections (services/evaluations.py) bill from the next
cycle, not the one being billed now.

The change's cycle is fixed on approval: the first cycle after the latest one that already
has bills or is open (domain/field_records.effective_period). The change waits on the
evaluation row until a billing run starts for that cycle (or a later one): `run_billing`
calls `apply_pending_tariffs` in its first transaction, under the cycle's run lock, which
writes the plan found to the connection. So the earlier cycles keep the plan they were
started on, and the cycle of the change bills every connection on its new plan.

Why the billing run and not the opening of the cycle: cycles are opened ahead of time
while the previous cycle is still being billed (late readings); a plan changed at cycle
open would bill those late readings on the new plan.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from opsmanager_desktop.db.models import Bill, BillingCycle, Connection, Evaluation
from opsmanager_desktop.domain.cycle import CycleStatus
from opsmanager_desktop.domain.field_records import RecordStatus, effective_period
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.core import Ctx


def effective_period_now(session: object, today: date) -> str:
    """The cycle a plan found today bills from."""
    billed = select(Bill.id).where(Bill.cycle_id == BillingCycle.id).exists()
    latest = session.scalar(  # type: ignore[attr-defined]
        select(func.max(BillingCycle.period)).where(
            or_(BillingCycle.status == CycleStatus.OPEN.value, billed)))
    return effective_period(latest, f"{today:%Y-%m}")


def apply_pending_tariffs(ctx: Ctx, period: str) -> int:
    """Write the plans found on approved inspections due by `period` to their connections
    (oldest first, so the latest approved inspection of a connection wins). Returns how
    many connections changed."""
    session = ctx.session
    due = session.scalars(
        select(Evaluation).where(
            Evaluation.tariff_applied_at.is_(None), Evaluation.effective_period <= period,
            Evaluation.status == RecordStatus.APPROVED.value)
        .order_by(Evaluation.effective_period, Evaluation.id).with_for_update()).all()
    changed = 0
    for record in due:
        record.tariff_applied_at = ctx.now
        connection = session.get(Connection, record.connection_id, with_for_update=True)
        if connection is None or connection.active_meter is None:
            continue  # closed since: nothing left to bill on it
        if connection.tariff_plan_id == record.found_plan_id:
            continue
        before = snapshot(connection)
        connection.tariff_plan_id = record.found_plan_id
        session.flush()
        ctx.audit("connection", connection.id, "change_tariff", before=before,
                  after={**snapshot(connection), "evaluation": record.id, "cycle": period})
        changed += 1
    session.flush()
    return changed

"""The dispatcher: claim due outbox rows, send them, record what happened.

Three short transactions per batch, none held open while a gateway is talked to:
1. claim: due QUEUED rows (next_attempt_at NULL or past) become SENDING under a claim id
   (MariaDB: SELECT ... FOR UPDATE SKIP LOCKED, so two workstations sending at once take
   different rows; SQLite has a single writer). Rows a crashed workstation left SENDING for
   longer than STALE_CLAIM are taken back first. Each claimed row is rendered there.
2. send, outside any transaction, through the channel adapters.
3. record: SENT, or QUEUED again after domain.notifications.backoff(attempts), or FAILED
   after MAX_ATTEMPTS (or at once when retrying cannot help). Rows not tried (cancelled)
   go back to QUEUED as they were. Only rows still under this claim are touched.
A gateway outage therefore loses nothing: the message waits and is tried again. A
workstation that dies between sending and recording may send a message twice (at least
once, never lost).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    Connection,
    Customer,
    NotificationOutbox,
    NotificationTemplate,
    Statement,
)
from opsmanager_desktop.domain.errors import invalid
from opsmanager_desktop.domain.money import format_money
from opsmanager_desktop.domain.notifications import (
    DEFAULTS,
    MAX_ATTEMPTS,
    Channel,
    OutboxStatus,
    backoff,
    render,
)
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.statement import payable
from opsmanager_desktop.services.auth import require_permission
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.notify_channels import (
    Adapter,
    SendError,
    adapters_from,
    read_settings,
)
from opsmanager_desktop.services.print_data import company_of

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
BATCH = 50
STALE_CLAIM = timedelta(minutes=15)
_O = NotificationOutbox


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    recipient: str
    subject: str
    body: str


@dataclass(frozen=True)
class Outcome:
    id: int
    error: str = ""  # empty: sent
    permanent: bool = False
    tried: bool = True  # False: released untried (cancelled)


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    rows: tuple[Claimed, ...]
    settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DispatchResult:
    sent: int
    retrying: int
    failed: int
    released: int
    cancelled: bool


def template_texts(session: Session, code: str, channel: str) -> tuple[str, str]:
    """(subject, body) of a template: the admin's saved one, else the built-in default."""
    row = session.execute(select(NotificationTemplate.subject, NotificationTemplate.body).where(
        NotificationTemplate.code == code, NotificationTemplate.channel == channel)).first()
    if row is not None:
        return row.subject, row.body
    default = DEFAULTS[code]
    return (default.subject, default.email) if channel == Channel.EMAIL else ("", default.sms)


def values_for(session: Session, rows: list[Any]) -> dict[int, dict[str, str]]:
    """Placeholder values of outbox rows: the customer's, the bill's and its statement's,
    the company name, then what the queueing caller gave (which wins)."""
    company = company_of(session).name
    customers = {r.customer_id for r in rows}
    bills = {r.bill_id for r in rows if r.bill_id is not None}
    people = {c.id: c for c in session.execute(select(
        Customer.id, Customer.name, Customer.account_no).where(Customer.id.in_(customers)))}
    bill_rows = {b.id: b for b in session.execute(select(
        Bill.id, Bill.bill_no, Bill.total, Bill.adjustments, Bill.balance, Bill.due_date,
        Connection.meter_number, Statement.statement_no, Statement.total_due,
        Statement.bills.label("bill_count"))
        .join(Connection, Connection.id == Bill.connection_id)
        .outerjoin(Statement, Statement.id == Bill.statement_id)
        .where(Bill.id.in_(bills)))} if bills else {}
    out: dict[int, dict[str, str]] = {}
    for r in rows:
        person = people.get(r.customer_id)
        values = {"company": company, "name": person.name if person else "",
                  "account_no": person.account_no if person else ""}
        bill = bill_rows.get(r.bill_id)
        if bill is not None:
            values |= _bill_values(bill, r.template)
        # a damaged values column renders what the customer and bill give
        with contextlib.suppress(ValueError, AttributeError):
            values |= {str(k): str(v) for k, v in json.loads(r.values_json or "{}").items()}
        out[r.id] = values
    return out


def _bill_values(bill: Any, template: str) -> dict[str, str]:
    """A bill's placeholders and those of the statement it is on. A bill no statement
    carries (issued before statements existed) is its own paper: its number and amount
    stand in for the statement's, so a message queued then still reads whole. {due_date}
    stays the bill's: the same issue sets it on the statement and its bills."""
    owed = bill.balance if template == "overdue_reminder" else bill.total + bill.adjustments
    total = bill.total_due if bill.statement_no is not None else owed
    return {"bill_no": bill.bill_no, "amount": format_money(owed),
            "balance": format_money(bill.balance), "meter_no": bill.meter_number,
            "due_date": bill.due_date.isoformat() if bill.due_date else "",
            "statement_no": bill.statement_no or bill.bill_no,
            "total_due": format_money(total), "amount_payable": format_money(payable(total)),
            "bill_count": str(bill.bill_count if bill.statement_no is not None else 1)}


def rendered(session: Session, rows: list[Any]) -> dict[int, tuple[str, str]]:
    values = values_for(session, rows)
    texts: dict[tuple[str, str], tuple[str, str]] = {}
    out = {}
    for r in rows:
        key = (r.template, r.channel)
        if key not in texts:
            texts[key] = template_texts(session, r.template, r.channel)
        subject, body = texts[key]
        out[r.id] = (render(subject, values[r.id]), render(body, values[r.id]))
    return out


@service(Permission.NOTIFICATIONS_SEND)
def claim_due(ctx: Ctx, batch: int = BATCH) -> ClaimResult:
    """Step 1 (see the module docstring)."""
    if not isinstance(batch, int) or not 1 <= batch <= 1000:
        raise invalid("batch", "must be a whole number from 1 to 1000")
    session, claim = ctx.session, str(uuid.uuid4())
    session.execute(update(_O).where(
        _O.status == OutboxStatus.SENDING.value, _O.claimed_at < ctx.now - STALE_CLAIM)
        .values(status=OutboxStatus.QUEUED.value, claim=None, claimed_at=None))
    due = (select(_O.id).where(_O.status == OutboxStatus.QUEUED.value,
                               or_(_O.next_attempt_at.is_(None), _O.next_attempt_at <= ctx.now))
           .order_by(_O.id).limit(batch))
    if ctx.backend.is_mysql:
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if not ids:
        return ClaimResult(claim, ())
    session.execute(update(_O).where(_O.id.in_(ids), _O.status == OutboxStatus.QUEUED.value)
                    .values(status=OutboxStatus.SENDING.value, claim=claim,
                            claimed_at=ctx.now))
    rows = list(session.execute(select(_O.id, _O.template, _O.channel, _O.recipient,
                                       _O.customer_id, _O.bill_id, _O.values_json)
                                .where(_O.claim == claim).order_by(_O.id)))
    texts = rendered(session, rows)
    return ClaimResult(claim, tuple(Claimed(r.id, r.channel, r.recipient, *texts[r.id])
                                    for r in rows), read_settings(session))


@service(Permission.NOTIFICATIONS_SEND)
def record_outcomes(ctx: Ctx, claim: str, outcomes: list[Outcome],
                    sent_texts: dict[int, tuple[str, str]] | None = None) -> None:
    """Step 3 (see the module docstring)."""
    if not isinstance(outcomes, list) or not all(isinstance(o, Outcome) for o in outcomes):
        raise invalid("outcomes", "a list of send outcomes")
    mine = and_(_O.claim == claim, _O.status == OutboxStatus.SENDING.value)
    texts = sent_texts or {}
    for o in outcomes:
        where = and_(mine, _O.id == o.id)
        if not o.tried:
            ctx.session.execute(update(_O).where(where).values(
                status=OutboxStatus.QUEUED.value, claim=None, claimed_at=None))
            continue
        attempts = int(ctx.session.scalar(select(_O.attempts).where(where)) or 0) + 1
        subject, body = texts.get(o.id, ("", ""))
        if not o.error:
            values: dict[str, Any] = {"status": OutboxStatus.SENT.value, "sent_at": ctx.now,
                                      "last_error": "", "subject": subject[:200],
                                      "message": body}
        elif o.permanent or attempts >= MAX_ATTEMPTS:
            values = {"status": OutboxStatus.FAILED.value, "last_error": o.error[:500]}
        else:
            values = {"status": OutboxStatus.QUEUED.value, "last_error": o.error[:500],
                      "next_attempt_at": ctx.now + backoff(attempts)}
        ctx.session.execute(update(_O).where(where).values(
            attempts=attempts, claim=None, claimed_at=None, **values))


def _send_one(adapters: dict[Channel, Adapter], row: Claimed) -> Outcome:
    adapter = adapters.get(Channel(row.channel))
    if adapter is None:
        kind = "SMTP server" if row.channel == Channel.EMAIL else "SMS gateway"
        return Outcome(row.id, f"no {kind} is configured (settings notify.*)")
    try:
        adapter.send(row.recipient, row.subject, row.body)
    except SendError as exc:
        return Outcome(row.id, str(exc) or type(exc).__name__, exc.permanent)
    return Outcome(row.id)


def send_due(backend: Backend, token: str, *, limit: int | None = None,
             progress: Progress | None = None, cancelled: Cancelled | None = None,
             batch: int = BATCH,
             adapters: dict[Channel, Adapter] | None = None) -> DispatchResult:
    """Send every due message (at most `limit`), batch by batch; progress(done, limit or
    done). `adapters` replaces the configured ones (the e-mail test)."""
    require_permission(backend, token, Permission.NOTIFICATIONS_SEND)
    if limit is not None and limit < 1:
        raise invalid("limit", "must be at least 1")
    counts = {"sent": 0, "retrying": 0, "failed": 0, "released": 0}
    done, stopped = 0, False
    while not stopped and (limit is None or done < limit):
        size = batch if limit is None else min(batch, limit - done)
        claimed = claim_due(backend, token, batch=size)
        if not claimed.rows:
            break
        channels = adapters if adapters is not None else adapters_from(claimed.settings)
        outcomes: list[Outcome] = []
        for row in claimed.rows:
            if stopped or (cancelled is not None and cancelled()):
                stopped = True
                outcomes.append(Outcome(row.id, tried=False))
                counts["released"] += 1
                continue
            outcome = _send_one(channels, row)
            outcomes.append(outcome)
            done += 1
            if progress is not None:
                progress(done, limit or done)
        record_outcomes(backend, token, claimed.claim, outcomes,
                        {r.id: (r.subject, r.body) for r in claimed.rows})
        for o in outcomes:
            if o.tried and not o.error:
                counts["sent"] += 1
        failed_ids = [o.id for o in outcomes if o.tried and o.error]
        if failed_ids:
            states = _statuses(backend, failed_ids)
            counts["failed"] += sum(s == OutboxStatus.FAILED.value for s in states)
            counts["retrying"] += sum(s == OutboxStatus.QUEUED.value for s in states)
    return DispatchResult(counts["sent"], counts["retrying"], counts["failed"],
                          counts["released"], stopped)


def _statuses(backend: Backend, ids: list[int]) -> list[str]:
    with backend.sessions() as session:
        return list(session.scalars(select(_O.status).where(_O.id.in_(ids))))

"""Queue customer notifications inside the caller's transaction.

`queue_notification` is what other services call (a payment, a disconnection ticket): it
adds one QUEUED outbox row, or nothing for a customer who opted out or cannot be reached.
`queue_for_bills` queues one message per bill of a selection, `queue_for_statements` one per
account statement, each with a single INSERT ... SELECT (issuing a cycle of a million
accounts queues a million messages without a Python loop).
The dispatcher (services/notify_dispatch.py) sends them later; nothing here talks to a
gateway, so a rolled-back transaction sends nothing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    insert,
    literal,
    null,
    select,
    true,
)
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    ContactPreference,
    Customer,
    NotificationOutbox,
    Statement,
)
from opsmanager_desktop.db.models._common import utcnow
from opsmanager_desktop.domain.notifications import (
    TEMPLATES,
    Channel,
    OutboxStatus,
    Preference,
)

_P = ContactPreference.__table__.c
IN_CHUNK = 900  # MariaDB turns a longer IN list into a temporary table
_C = Customer.__table__.c


def channel_expr() -> ColumnElement[Any]:
    """domain.notifications.choose_channel in SQL, over customers LEFT JOIN
    contact_preferences: the channel, or NULL when the customer is not to be sent anything."""
    has_email = func.coalesce(_C.email, "") != ""
    has_phone = func.coalesce(_C.phone, "") != ""
    return case(
        (func.coalesce(_P.opted_out, false()) == True, None),  # noqa: E712
        (_P.channel == Preference.NONE.value, None),
        (and_(_P.channel == Preference.SMS.value, has_phone), Channel.SMS.value),
        (has_email, Channel.EMAIL.value),
        (has_phone, Channel.SMS.value),
        else_=None)


def recipient_expr(channel: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((channel == Channel.EMAIL.value, _C.email), else_=_C.phone)


@functools.cache
def _reach_statement() -> Select[Any]:
    """Built once: the channel and address of one customer (a payment calls this per
    payment, and building the CASE expressions costs more than running them)."""
    channel = channel_expr()
    return (select(channel.label("channel"), recipient_expr(channel).label("recipient"))
            .select_from(Customer.__table__.outerjoin(
                ContactPreference.__table__, _P.customer_id == _C.id))
            .where(_C.id == bindparam("customer_id")))


def _check_template(template: str) -> None:
    if template not in TEMPLATES:
        raise ValueError(f"no notification template {template!r}; one of {', '.join(TEMPLATES)}")


def queue_notification(session: Session, template: str, customer_id: int,
                       values: dict[str, str], *, bill_id: int | None = None,
                       now: datetime | None = None, queued_by: str = "") -> None:
    """Add one outbox row in the caller's transaction (nothing for an opted-out customer,
    a NONE preference, or one with neither e-mail nor phone). `values` fill the template's
    placeholders; {name} and {account_no} come from the customer, the bill ones from
    `bill_id` when given. The row is due at once (next_attempt_at NULL)."""
    _check_template(template)
    with session.no_autoflush:  # the caller's pending rows are not this read's business
        row = session.execute(_reach_statement(), {"customer_id": customer_id}).first()
    if row is None:
        raise ValueError(f"no customer with id {customer_id}")
    if row.channel is None:
        return
    # a Core INSERT, not an ORM object: no identity map entry, nothing left to flush
    session.execute(insert(NotificationOutbox).values(
        template=template, customer_id=customer_id, channel=row.channel,
        recipient=row.recipient, bill_id=bill_id,
        values_json=json.dumps({str(k): str(v) for k, v in values.items()}, sort_keys=True),
        status=OutboxStatus.QUEUED.value, attempts=0, next_attempt_at=None, last_error="",
        subject="", message="", queued_by=queued_by, created_at=now or utcnow()))


def queue_many(session: Session, template: str,
               items: Sequence[tuple[int, dict[str, str]]], *, now: datetime | None = None,
               queued_by: str = "") -> int:
    """queue_notification for many (customer id, values) at once (an imported payments
    file): one read of the customers' channels per IN_CHUNK and one executemany INSERT.
    Returns how many were queued."""
    _check_template(template)
    reach: dict[int, Any] = {}
    ids = sorted({customer_id for customer_id, _ in items})
    channel = channel_expr()
    for start in range(0, len(ids), IN_CHUNK):
        reach |= {r.id: r for r in session.execute(
            select(_C.id, channel.label("channel"), recipient_expr(channel).label("recipient"))
            .select_from(Customer.__table__.outerjoin(
                ContactPreference.__table__, _P.customer_id == _C.id))
            .where(_C.id.in_(ids[start:start + IN_CHUNK])))}
    at = now or utcnow()
    rows = [{"template": template, "customer_id": customer_id,
             "channel": reach[customer_id].channel,
             "recipient": reach[customer_id].recipient, "bill_id": None,
             "values_json": json.dumps({str(k): str(v) for k, v in values.items()},
                                       sort_keys=True),
             "status": OutboxStatus.QUEUED.value, "attempts": 0, "next_attempt_at": None,
             "last_error": "", "subject": "", "message": "", "queued_by": queued_by,
             "created_at": at}
            for customer_id, values in items
            if customer_id in reach and reach[customer_id].channel is not None]
    if rows:
        session.execute(insert(NotificationOutbox), rows)
    return len(rows)


def queue_for_bills(session: Session, template: str, bills: Select[Any], *,
                    now: datetime | None = None, queued_by: str = "") -> int:
    """One message per bill id that `bills` (a SELECT of bill ids) yields, to the bill's
    customer, by a single INSERT ... SELECT. Returns how many were queued."""
    ids = bills.subquery()
    return queue_from(session, template, Bill.__table__, Bill.customer_id,
                      Bill.id.in_(select(ids.c[0])), bill_id=Bill.id, now=now,
                      queued_by=queued_by)


def queue_for_statements(session: Session, template: str, statements: Select[Any], *,
                         now: datetime | None = None, queued_by: str = "") -> int:
    """One message per statement id that `statements` (a SELECT of statement ids) yields,
    to its account, by a single INSERT ... SELECT. The message's bill is the statement's
    first: the dispatcher reaches the statement through it (a bill's statement never
    changes), and a saved template's bill placeholders still fill from it. Returns how
    many were queued."""
    ids = statements.subquery()
    b, s = Bill.__table__.c, Statement.__table__
    first = (select(b.statement_id.label("statement_id"), func.min(b.id).label("bill_id"))
             .where(b.statement_id.in_(select(ids.c[0]))).group_by(b.statement_id)
             .subquery())
    return queue_from(session, template, s.join(first, first.c.statement_id == s.c.id),
                      s.c.customer_id, true(), bill_id=first.c.bill_id, now=now,
                      queued_by=queued_by)


def queue_from(session: Session, template: str, rows: FromClause,
               customer_id: Any, where: ColumnElement[bool], *,
               bill_id: Any = None,
               values_json: ColumnElement[Any] | None = None,
               now: datetime | None = None, queued_by: str = "") -> int:
    """One message per row of `rows` matching `where`, to the customer `customer_id`
    names, by a single INSERT ... SELECT (the set-based queue_notification: opted-out
    customers and those with no address are skipped by the same reach expression).
    `values_json` is an SQL expression of the placeholders' JSON (default none); `bill_id`
    fills the bill ones when the message is sent. Returns how many were queued."""
    _check_template(template)
    channel = channel_expr()
    source = (
        select(literal(template), customer_id, channel, recipient_expr(channel_expr()),
               bill_id if bill_id is not None else null(),
               values_json if values_json is not None else literal("{}"),
               literal(OutboxStatus.QUEUED.value), literal(0),
               literal(""), literal(""), literal(""), literal(queued_by),
               literal(now) if now is not None else func.current_timestamp())
        .select_from(rows
                     .join(Customer.__table__, _C.id == customer_id)
                     .outerjoin(ContactPreference.__table__, _P.customer_id == _C.id))
        .where(where, channel.is_not(None)))
    t = NotificationOutbox.__table__.c
    result = session.execute(insert(NotificationOutbox).from_select(
        [t.template, t.customer_id, t.channel, t.recipient, t.bill_id, t.values_json,
         t.status, t.attempts, t.last_error, t.subject, t.message, t.queued_by,
         t.created_at], source))
    return int(getattr(result, "rowcount", 0) or 0)

"""The outbox as the office sees it, contact preferences, retries and the overdue bulk send.

Sending is services/notify_dispatch.py; queueing services/notify.py; templates and the
gateway settings services/notify_templates.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update

from opsmanager_desktop.db.models import (
    Bill,
    ContactPreference,
    Customer,
    NotificationOutbox,
    Statement,
)
from opsmanager_desktop.domain.errors import NotFound, invalid
from opsmanager_desktop.domain.notifications import (
    TEMPLATES,
    Channel,
    OutboxStatus,
    Preference,
)
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import (
    ListQuery,
    Page,
    chosen_filters,
    prefix_pattern,
    run_page,
)
from opsmanager_desktop.services.notify import queue_for_bills
from opsmanager_desktop.services.notify_dispatch import rendered

_O = NotificationOutbox
# a bill reminded within this many days is not reminded again by the bulk send
REMIND_AGAIN_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    created_at: datetime
    template: str
    channel: str
    account_no: str
    customer_name: str
    recipient: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str
    bill_no: str | None
    statement_no: str | None = None  # the paper a bill_issued message announces


@dataclass(frozen=True)
class OutboxDetail:
    row: OutboxRow
    subject: str
    message: str
    queued_by: str
    rendered_now: bool  # not sent yet: rendered from today's template and data


@dataclass(frozen=True)
class Preferences:
    account_no: str
    channel: str
    opted_out: bool
    opted_out_on: date | None
    email: str
    phone: str
    updated_by: str


_SORT = {"id": _O.id, "created_at": _O.created_at, "status": _O.status,
         "template": _O.template, "channel": _O.channel, "attempts": _O.attempts,
         "account_no": Customer.account_no, "next_attempt_at": _O.next_attempt_at,
         "sent_at": _O.sent_at}
_FILTERS = {"status": [s.value for s in OutboxStatus], "template": list(TEMPLATES),
            "channel": [c.value for c in Channel]}


def _select() -> Any:
    return (select(_O.id, _O.created_at, _O.template, _O.channel, Customer.account_no,
                   Customer.name, _O.recipient, _O.status, _O.attempts, _O.next_attempt_at,
                   _O.sent_at, _O.last_error, Bill.bill_no, _O.customer_id, _O.bill_id,
                   _O.values_json, _O.subject, _O.message, _O.queued_by,
                   Statement.statement_no)
            .join(Customer, Customer.id == _O.customer_id)
            .outerjoin(Bill, Bill.id == _O.bill_id)
            .outerjoin(Statement, Statement.id == Bill.statement_id))


def _row(r: Any) -> OutboxRow:
    return OutboxRow(r.id, r.created_at, r.template, r.channel, r.account_no, r.name,
                     r.recipient, r.status, r.attempts, r.next_attempt_at, r.sent_at,
                     r.last_error, r.bill_no, r.statement_no)


@service(Permission.NOTIFICATIONS_VIEW, readonly=True)
def list_outbox(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[OutboxRow]:
    """Newest first unless sorted otherwise. Filters: status, template, channel; the search
    matches an account number or recipient by prefix."""
    filters = {k: str(v).strip()
               for k, v in chosen_filters(query, _FILTERS, "the outbox").items()}
    stmt = _select()
    for key, value in filters.items():
        wanted = value.lower() if key == "template" else value.upper()
        if wanted not in _FILTERS[key]:
            raise invalid(key, f"{value!r} is not a {key}; use one of "
                          + ", ".join(_FILTERS[key]))
        stmt = stmt.where(getattr(_O, key) == wanted)
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip())
        stmt = stmt.where(or_(Customer.account_no.like(pattern, escape="\\"),
                              _O.recipient.like(pattern, escape="\\")))
    if not query.sort:
        query = ListQuery(query.search, "id", True, query.offset, query.limit, query.count,
                          query.filters)
    return run_page(ctx.session, stmt, query, _SORT, _O.id, _row)


@service(Permission.NOTIFICATIONS_VIEW, readonly=True)
def get_outbox_entry(ctx: Ctx, entry_id: int) -> OutboxDetail:
    """One message: as sent, or (not sent yet) as it would be sent now."""
    try:
        key = int(entry_id)
    except (TypeError, ValueError):
        raise invalid("id", f"{entry_id!r} is not an outbox message number") from None
    r = ctx.session.execute(_select().where(_O.id == key)).first()
    if r is None:
        raise NotFound(f"there is no outbox message {key}")
    if r.status == OutboxStatus.SENT.value:
        return OutboxDetail(_row(r), r.subject, r.message, r.queued_by, False)
    subject, body = rendered(ctx.session, [r])[r.id]
    return OutboxDetail(_row(r), subject, body, r.queued_by, True)


@service(Permission.NOTIFICATIONS_SEND)
def retry_failed(ctx: Ctx, ids: list[int] | None = None) -> int:
    """FAILED messages (all, or these) are QUEUED again with their attempts reset."""
    where = [_O.status == OutboxStatus.FAILED.value]
    if ids is not None:
        if not isinstance(ids, list | tuple) or not all(isinstance(i, int) for i in ids):
            raise invalid("ids", "a list of outbox message numbers")
        where.append(_O.id.in_(ids))
    done = ctx.session.execute(update(_O).where(*where).values(
        status=OutboxStatus.QUEUED.value, attempts=0, next_attempt_at=None))
    count = int(getattr(done, "rowcount", 0) or 0)
    if count:
        ctx.audit("notification_outbox", "failed", "retry", after={"requeued": count})
    return count


@service(Permission.NOTIFICATIONS_SEND)
def remind_overdue(ctx: Ctx) -> int:
    """Queue an overdue_reminder for every OVERDUE bill with a balance, except bills
    reminded in the last REMIND_AGAIN_AFTER (running it twice a day reminds nobody twice).
    One INSERT ... SELECT; returns how many were queued (opted-out customers skipped)."""
    recent = exists().where(_O.bill_id == Bill.id, _O.template == "overdue_reminder",
                            _O.created_at >= ctx.now - REMIND_AGAIN_AFTER)
    count = queue_for_bills(ctx.session, "overdue_reminder", select(Bill.id).where(
        Bill.status == "OVERDUE", Bill.balance > 0, ~recent),
        now=ctx.now, queued_by=ctx.username)
    ctx.audit("notification_outbox", "overdue_reminder", "queue", after={"queued": count})
    return count


def _customer(ctx: Ctx, account_no: str) -> Customer:
    customer = ctx.session.scalars(select(Customer).where(
        Customer.account_no == str(account_no).strip())).first()
    if customer is None:
        raise NotFound(f"no customer has account number {account_no!r}")
    return customer


def _preferences(ctx: Ctx, customer: Customer) -> Preferences:
    pref = ctx.session.get(ContactPreference, customer.id)
    if pref is None:
        return Preferences(customer.account_no, Preference.EMAIL.value, False, None,
                           customer.email, customer.phone, "")
    return Preferences(customer.account_no, pref.channel, pref.opted_out, pref.opted_out_on,
                       customer.email, customer.phone, pref.updated_by)


@service(Permission.NOTIFICATIONS_VIEW, Permission.CUSTOMERS_MANAGE, readonly=True)
def get_preferences(ctx: Ctx, account_no: str) -> Preferences:
    return _preferences(ctx, _customer(ctx, account_no))


@service(Permission.NOTIFICATIONS_SEND, Permission.CUSTOMERS_MANAGE)
def set_preferences(ctx: Ctx, account_no: str, *, channel: str | None = None,
                    opted_out: bool | None = None) -> Preferences:
    """The customer's channel (EMAIL, SMS or NONE) and/or opt-out. Officers who record
    customers (CUSTOMERS_MANAGE) or send notifications (NOTIFICATIONS_SEND) may set it:
    the customer asks at the desk or on the phone."""
    customer = _customer(ctx, account_no)
    if channel is not None and str(channel).strip().upper() not in Preference.__members__:
        raise invalid("channel", f"{channel!r} is not a channel; use EMAIL, SMS or NONE")
    pref = ctx.session.get(ContactPreference, customer.id)
    before = None
    if pref is None:
        pref = ContactPreference(customer_id=customer.id, channel=Preference.EMAIL.value,
                                 opted_out=False)
        ctx.session.add(pref)
    else:
        before = {"channel": pref.channel, "opted_out": pref.opted_out}
    if channel is not None:
        pref.channel = str(channel).strip().upper()
    if opted_out is not None and bool(opted_out) != pref.opted_out:
        pref.opted_out = bool(opted_out)
        pref.opted_out_on = ctx.now.date() if opted_out else None
    pref.updated_by, pref.updated_at = ctx.username, ctx.now
    ctx.session.flush()
    ctx.audit("contact_preferences", customer.account_no, "set", before=before,
              after={"channel": pref.channel, "opted_out": pref.opted_out})
    return _preferences(ctx, customer)

"""Bill distribution: recording how each bill reached its customer (domain/distribution.py
has the rules) and a bill's history; services/distribution_query.py reads a cycle at a
glance and what is not yet distributed.

A record names a bill or a statement (the one paper an account gets per cycle issue:
docs/decisions.md 45); an event recorded for a statement is recorded for each of its bills,
so everything reading per-bill deliveries keeps working. Events are written by
`write_events` (used by one manual record and by the field file import,
services/distribution_import.py): history rows inserted in bulk, then each bill's current
state moved to its newest event. An event already recorded (same bill, status and time) is
a duplicate: never a second row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    BillDelivery,
    BillDeliveryState,
    Customer,
    Statement,
    User,
)
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.distribution import (
    STATUS_CHOICES,
    DeliveryEvent,
    DeliveryStatus,
    event_problems,
    parse_status,
    replaces_current,
)
from opsmanager_desktop.domain.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    ValidationError,
    invalid,
)
from opsmanager_desktop.domain.money import D
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.statement import is_statement_no
from opsmanager_desktop.services.core import Ctx, service

IN_LIST_MAX = 900


@dataclass(frozen=True)
class DeliveryRow:
    bill_no: str
    status: DeliveryStatus
    occurred_at: datetime
    officer: str
    received_by: str
    latitude: Decimal | None
    longitude: Decimal | None
    email: str
    reason: str
    source: str
    recorded_by: str
    recorded_at: datetime
    statement_no: str | None = None  # the paper the bill was printed on


@dataclass(frozen=True)
class RecordedDelivery(DeliveryRow):
    """The event `record_delivery` recorded (as its first bill's history row) and every
    bill it was recorded for: one, or the bills of a statement not already carrying it."""

    bills: tuple[str, ...] = ()


@dataclass(frozen=True)
class BillTarget:
    id: int
    bill_no: str
    issued_on: date | None  # None: not issued
    email: str


@dataclass(frozen=True)
class Paper:
    """What a record names: one bill, or a statement and its bills (number as given)."""

    number: str
    bills: tuple[BillTarget, ...]
    is_statement: bool

    @property
    def issued_on(self) -> date | None:
        """None while any bill of it is not issued (a statement's bills all are)."""
        days = [b.issued_on for b in self.bills]
        return None if any(d is None for d in days) else max(d for d in days if d is not None)

    @property
    def noun(self) -> str:
        return "statement" if self.is_statement else "bill"


@dataclass(frozen=True)
class NewEvent:
    bill: BillTarget
    event: DeliveryEvent
    source: str


def batches(values: Sequence[Any], size: int = IN_LIST_MAX) -> Iterable[Sequence[Any]]:
    return (values[i:i + size] for i in range(0, len(values), size))


def bills_by_number(session: Session, numbers: Iterable[str]) -> dict[str, BillTarget]:
    found: dict[str, BillTarget] = {}
    for part in batches(sorted(set(numbers))):
        for r in session.execute(
                select(Bill.id, Bill.bill_no, Bill.status, Bill.issue_date, Customer.email)
                .join(Customer, Customer.id == Bill.customer_id)
                .where(Bill.bill_no.in_(part))):
            found[r.bill_no] = _target(r)
    return found


def _target(r: Any) -> BillTarget:
    issued = r.issue_date if r.status != BillStatus.GENERATED.value else None
    return BillTarget(r.id, r.bill_no, issued, r.email or "")


def papers_by_number(session: Session, numbers: Iterable[str]) -> dict[str, Paper]:
    """The bills each number names: a statement number (`S...`, any case) its statement's
    bills, any other number its bill. Keyed by the number as given; unknown ones absent."""
    wanted = {n for n in numbers if n}
    upper = {n: n.strip().upper() for n in wanted if is_statement_no(n)}
    bills: dict[str, list[BillTarget]] = {}
    for part in batches(sorted(set(upper.values()))):
        for r in session.execute(
                select(Statement.statement_no, Bill.id, Bill.bill_no, Bill.status,
                       Bill.issue_date, Customer.email)
                .join(Bill, Bill.statement_id == Statement.id)
                .join(Customer, Customer.id == Statement.customer_id)
                .where(Statement.statement_no.in_(part)).order_by(Bill.id)):
            bills.setdefault(r.statement_no, []).append(_target(r))
    found = {n: Paper(n, tuple(bills[key]), True) for n, key in upper.items() if key in bills}
    single = bills_by_number(session, wanted - set(found))
    return found | {n: Paper(n, (b,), False) for n, b in single.items()}


def unknown_paper(number: str) -> str:
    return f"no {'bill or statement' if is_statement_no(number) else 'bill'} {number!r}"


def known_users(session: Session, names: Iterable[str]) -> set[str]:
    """Which of `names` are user names: every import crediting rows to an officer looks
    its chunk's names up here, one IN list per batch."""
    wanted = sorted({n for n in names if n})
    found: set[str] = set()
    for part in batches(wanted):
        found.update(session.scalars(select(User.username).where(User.username.in_(part))))
    return found


def existing_keys(session: Session, bill_ids: Iterable[int]
                  ) -> set[tuple[int, str, datetime]]:
    keys: set[tuple[int, str, datetime]] = set()
    for part in batches(sorted(set(bill_ids))):
        keys.update((r.bill_id, r.status, r.occurred_at) for r in session.execute(
            select(BillDelivery.bill_id, BillDelivery.status, BillDelivery.occurred_at)
            .where(BillDelivery.bill_id.in_(part))))
    return keys


def write_events(ctx: Ctx, events: Sequence[NewEvent]) -> None:
    """History rows for `events` (already checked, no duplicates) and the bills' states."""
    if not events:
        return
    session = ctx.session
    session.execute(insert(BillDelivery), [{
        "bill_id": e.bill.id, "status": e.event.status.value,
        "occurred_at": e.event.occurred_at, "officer": e.event.officer,
        "received_by": e.event.received_by, "latitude": e.event.latitude,
        "longitude": e.event.longitude, "email": e.event.email, "reason": e.event.reason,
        "source": e.source, "recorded_by": ctx.username, "recorded_at": ctx.now}
        for e in events])
    newest: dict[int, NewEvent] = {}
    for e in events:
        held = newest.get(e.bill.id)
        if held is None or replaces_current(e.event.occurred_at, held.event.occurred_at):
            newest[e.bill.id] = e
    bill_ids = sorted(newest)
    ids: dict[tuple[int, str, datetime], int] = {}
    current: dict[int, datetime] = {}
    for part in batches(bill_ids):
        for r in session.execute(
                select(BillDelivery.id, BillDelivery.bill_id, BillDelivery.status,
                       BillDelivery.occurred_at).where(BillDelivery.bill_id.in_(part))):
            ids[(r.bill_id, r.status, r.occurred_at)] = r.id
        for s in session.execute(
                select(BillDeliveryState.bill_id, BillDeliveryState.occurred_at)
                .where(BillDeliveryState.bill_id.in_(part)).with_for_update()):
            current[s.bill_id] = s.occurred_at
    inserts, updates = [], []
    for bill_id, e in newest.items():
        at = e.event.occurred_at
        values = {"bill_id": bill_id, "status": e.event.status.value, "occurred_at": at,
                  "delivery_id": ids[(bill_id, e.event.status.value, at)]}
        if bill_id not in current:
            inserts.append(values)
        elif replaces_current(at, current[bill_id]):
            updates.append(values)
    if inserts:
        session.execute(insert(BillDeliveryState), inserts)
    if updates:
        session.execute(update(BillDeliveryState), updates)


def normalize_time(value: datetime) -> datetime:
    """Whole seconds (a MySQL DATETIME keeps no fraction: the key must compare alike)."""
    return value.replace(microsecond=0, tzinfo=None)


def _time(value: object, now: datetime) -> datetime:
    if value is None or value == "":
        return normalize_time(now)
    if isinstance(value, datetime):
        return normalize_time(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return normalize_time(datetime.fromisoformat(str(value).strip()))
    except ValueError:
        raise invalid("occurred_at", f"{value!r} is not a date and time; write it as "
                      "YYYY-MM-DD HH:MM") from None


def _coordinate(value: object, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return D(value)
    except ValueError as exc:
        raise invalid(field, str(exc)) from None


def _row(r: Any) -> DeliveryRow:
    return DeliveryRow(r.bill_no, DeliveryStatus(r.status), r.occurred_at, r.officer,
                       r.received_by, r.latitude, r.longitude, r.email, r.reason, r.source,
                       r.recorded_by, r.recorded_at, r.statement_no)


def _history(session: Session, bill_ids: Sequence[int]) -> list[DeliveryRow]:
    return [_row(r) for r in session.execute(
        select(Bill.bill_no, BillDelivery.status, BillDelivery.occurred_at,
               BillDelivery.officer, BillDelivery.received_by, BillDelivery.latitude,
               BillDelivery.longitude, BillDelivery.email, BillDelivery.reason,
               BillDelivery.source, BillDelivery.recorded_by, BillDelivery.recorded_at,
               Statement.statement_no)
        .join(Bill, Bill.id == BillDelivery.bill_id)
        .outerjoin(Statement, Statement.id == Bill.statement_id)
        .where(BillDelivery.bill_id.in_(bill_ids))
        .order_by(BillDelivery.occurred_at, BillDelivery.id))]


def _paper(ctx: Ctx, number: object) -> Paper:
    text = str(number).strip()
    paper = papers_by_number(ctx.session, [text]).get(text)
    if paper is None:
        raise NotFound(unknown_paper(text))
    return paper


@service(Permission.DISTRIBUTION_RECORD)
def record_delivery(ctx: Ctx, bill_no: str, status: str | DeliveryStatus, *,
                    occurred_at: datetime | str | None = None, officer: str | None = None,
                    received_by: str = "", latitude: Decimal | str | None = None,
                    longitude: Decimal | str | None = None, email: str = "",
                    reason: str = "") -> RecordedDelivery:
    """One event for one bill, or for each bill of a statement (`bill_no` names either).
    Defaults: now; for a paper handed over at the office, the officer recording it; for an
    e-mail, the customer's address. A statement's bill that already has the event is
    left as it is; when all have it, the record is refused as a repeat."""
    chosen = parse_status(status)
    if chosen is None:
        raise invalid("status", f"{status!r} is not a delivery status; use one of "
                      f"{STATUS_CHOICES}")
    paper = _paper(ctx, bill_no)
    who = (officer if officer is not None else
           ctx.username if chosen is DeliveryStatus.HANDED_OVER else "").strip()
    event = DeliveryEvent(chosen, _time(occurred_at, ctx.now), who, received_by.strip(),
                          _coordinate(latitude, "latitude"),
                          _coordinate(longitude, "longitude"),
                          (email.strip() or (paper.bills[0].email
                                             if chosen is DeliveryStatus.EMAILED else "")),
                          reason.strip())
    problems = event_problems(event, paper.issued_on, normalize_time(ctx.now))
    if who and not known_users(ctx.session, [who]):
        problems.append(FieldProblem("officer", f"no user {who!r}; name the officer who "
                                     f"handed the {paper.noun} over by their user name"))
    if problems:
        raise ValidationError(problems)
    known = existing_keys(ctx.session, [b.id for b in paper.bills])
    new = [b for b in paper.bills if (b.id, chosen.value, event.occurred_at) not in known]
    if not new:
        raise Conflict(f"{paper.noun} {paper.number} was already recorded as "
                       f"{chosen.label.lower()} at {event.occurred_at:%Y-%m-%d %H:%M}")
    write_events(ctx, [NewEvent(b, event, "MANUAL") for b in new])
    ctx.audit("bill_delivery", paper.number, "record", after={
        "status": chosen.value, "occurred_at": event.occurred_at, "officer": who,
        "received_by": event.received_by, "email": event.email, "reason": event.reason,
        **({"bills": [b.bill_no for b in new]} if paper.is_statement else {})})
    row = next(r for r in reversed(_history(ctx.session, [new[0].id]))
               if r.status is chosen and r.occurred_at == event.occurred_at)
    return RecordedDelivery(**{f.name: getattr(row, f.name) for f in fields(DeliveryRow)},
                            bills=tuple(b.bill_no for b in new))


@service(Permission.DISTRIBUTION_VIEW, readonly=True)
def delivery_history(ctx: Ctx, bill_no: str) -> list[DeliveryRow]:
    """Every event of one bill, or of every bill of a statement, oldest first."""
    return _history(ctx.session, [b.id for b in _paper(ctx, bill_no).bills])

"""Bill distribution: how each bill reached its customer (domain/distribution.py has the
rules), the status of a cycle at a glance and the bills not yet distributed.

Events are written by `write_events` (used by one manual record and by the field file
import, services/distribution_import.py): history rows inserted in bulk, then each bill's
current state moved to its newest event. An event already recorded (same bill, status and
time) is a duplicate: never a second row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    BillDelivery,
    BillDeliveryState,
    BillingCycle,
    Connection,
    Customer,
    User,
)
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.cycle import Period
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
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import ListQuery, Page, prefix_pattern, run_page

IN_LIST_MAX = 900
PENDING = "PENDING"  # a filter: no record yet, or not delivered
NO_RECORD = "NO_RECORD"


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


@dataclass(frozen=True)
class DistributionRow:
    """A bill of a cycle with its current distribution status (None: nothing recorded)."""

    bill_no: str
    account_no: str
    customer_name: str
    address: str
    meter_number: str
    transformer: str | None
    status: DeliveryStatus | None
    occurred_at: datetime | None
    officer: str
    reason: str


@dataclass(frozen=True)
class DistributionSummary:
    cycle: str
    issued: int  # bills issued (the ones to distribute)
    not_issued: int  # GENERATED bills: nothing to distribute yet
    handed_over: int
    emailed: int
    not_delivered: int
    no_record: int

    @property
    def distributed(self) -> int:
        return self.handed_over + self.emailed

    @property
    def pending(self) -> int:
        return self.not_delivered + self.no_record


@dataclass(frozen=True)
class BillTarget:
    id: int
    bill_no: str
    issued_on: date | None  # None: not issued
    email: str


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
            issued = r.issue_date if r.status != BillStatus.GENERATED.value else None
            found[r.bill_no] = BillTarget(r.id, r.bill_no, issued, r.email or "")
    return found


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
                       r.recorded_by, r.recorded_at)


def _history(session: Session, bill_id: int) -> list[DeliveryRow]:
    return [_row(r) for r in session.execute(
        select(Bill.bill_no, BillDelivery.status, BillDelivery.occurred_at,
               BillDelivery.officer, BillDelivery.received_by, BillDelivery.latitude,
               BillDelivery.longitude, BillDelivery.email, BillDelivery.reason,
               BillDelivery.source, BillDelivery.recorded_by, BillDelivery.recorded_at)
        .join(Bill, Bill.id == BillDelivery.bill_id).where(BillDelivery.bill_id == bill_id)
        .order_by(BillDelivery.occurred_at, BillDelivery.id))]


@service(Permission.DISTRIBUTION_RECORD)
def record_delivery(ctx: Ctx, bill_no: str, status: str | DeliveryStatus, *,
                    occurred_at: datetime | str | None = None, officer: str | None = None,
                    received_by: str = "", latitude: Decimal | str | None = None,
                    longitude: Decimal | str | None = None, email: str = "",
                    reason: str = "") -> DeliveryRow:
    """One event for one bill. Defaults: now; for a bill handed over at the office, the
    officer recording it; for an e-mail, the customer's address."""
    chosen = parse_status(status)
    if chosen is None:
        raise invalid("status", f"{status!r} is not a delivery status; use one of "
                      f"{STATUS_CHOICES}")
    number = str(bill_no).strip()
    bill = bills_by_number(ctx.session, [number]).get(number)
    if bill is None:
        raise NotFound(f"no bill {number!r}")
    who = (officer if officer is not None else
           ctx.username if chosen is DeliveryStatus.HANDED_OVER else "").strip()
    event = DeliveryEvent(chosen, _time(occurred_at, ctx.now), who, received_by.strip(),
                          _coordinate(latitude, "latitude"),
                          _coordinate(longitude, "longitude"),
                          (email.strip() or (bill.email if chosen is DeliveryStatus.EMAILED
                                             else "")), reason.strip())
    problems = event_problems(event, bill.issued_on, normalize_time(ctx.now))
    if who and not known_users(ctx.session, [who]):
        problems.append(FieldProblem("officer", f"no user {who!r}; name the officer who "
                                     "handed the bill over by their user name"))
    if problems:
        raise ValidationError(problems)
    if (bill.id, chosen.value, event.occurred_at) in existing_keys(ctx.session, [bill.id]):
        raise Conflict(f"bill {number} was already recorded as {chosen.label.lower()} at "
                       f"{event.occurred_at:%Y-%m-%d %H:%M}")
    write_events(ctx, [NewEvent(bill, event, "MANUAL")])
    ctx.audit("bill_delivery", number, "record", after={
        "status": chosen.value, "occurred_at": event.occurred_at, "officer": who,
        "received_by": event.received_by, "email": event.email, "reason": event.reason})
    return next(r for r in reversed(_history(ctx.session, bill.id))
                if r.status is chosen and r.occurred_at == event.occurred_at)


@service(Permission.DISTRIBUTION_VIEW, readonly=True)
def delivery_history(ctx: Ctx, bill_no: str) -> list[DeliveryRow]:
    """Every event of one bill, oldest first."""
    number = str(bill_no).strip()
    bill = bills_by_number(ctx.session, [number]).get(number)
    if bill is None:
        raise NotFound(f"no bill {number!r}")
    return _history(ctx.session, bill.id)


def _cycle_id(session: Session, cycle: object) -> int:
    period = str(Period.parse(str(cycle), "cycle"))
    found = session.scalar(select(BillingCycle.id).where(BillingCycle.period == period))
    if found is None:
        raise NotFound(f"there is no billing cycle {period}")
    return int(found)


@service(Permission.DISTRIBUTION_VIEW, readonly=True)
def distribution_status(ctx: Ctx, cycle: str) -> DistributionSummary:
    """The cycle's bills counted by current distribution status (one grouped query)."""
    cycle_id = _cycle_id(ctx.session, cycle)
    state = func.coalesce(BillDeliveryState.status, NO_RECORD)
    generated = Bill.status == BillStatus.GENERATED.value
    counts: dict[str, int] = {}
    not_issued = 0
    for r in ctx.session.execute(
            select(generated.label("draft"), state.label("state"), func.count().label("n"))
            .select_from(Bill)
            .outerjoin(BillDeliveryState, BillDeliveryState.bill_id == Bill.id)
            .where(Bill.cycle_id == cycle_id).group_by(generated, state)):
        if r.draft:
            not_issued += int(r.n)
        else:
            counts[r.state] = counts.get(r.state, 0) + int(r.n)
    return DistributionSummary(
        str(Period.parse(str(cycle))), sum(counts.values()), not_issued,
        counts.get(DeliveryStatus.HANDED_OVER.value, 0),
        counts.get(DeliveryStatus.EMAILED.value, 0),
        counts.get(DeliveryStatus.NOT_DELIVERED.value, 0), counts.get(NO_RECORD, 0))


_SORT = {"bill_no": Bill.bill_no, "account_no": Customer.account_no,
         "customer_name": Customer.name, "transformer": Connection.transformer_code,
         "status": BillDeliveryState.status, "occurred_at": BillDeliveryState.occurred_at}
_FILTERS = frozenset({"cycle", "status", "transformer"})


def _status_filter(value: object) -> Any:
    text = str(value).strip().upper().replace(" ", "_")
    if text == PENDING:
        return or_(BillDeliveryState.bill_id.is_(None),
                   BillDeliveryState.status == DeliveryStatus.NOT_DELIVERED.value)
    if text == NO_RECORD:
        return BillDeliveryState.bill_id.is_(None)
    if text == "DISTRIBUTED":
        return BillDeliveryState.status.in_([DeliveryStatus.HANDED_OVER.value,
                                             DeliveryStatus.EMAILED.value])
    chosen = parse_status(text)
    if chosen is None:
        raise invalid("status", f"{value!r} is not a distribution status; use pending, "
                      f"no_record, distributed or {STATUS_CHOICES}")
    return BillDeliveryState.status == chosen.value


@service(Permission.DISTRIBUTION_VIEW, readonly=True)
def list_distribution(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[DistributionRow]:
    """Issued bills with their distribution status, in walking order (route, account)
    unless sorted otherwise. Filters: cycle (required), status (pending, no_record,
    distributed, handed_over, emailed, not_delivered), transformer."""
    filters = {k: v for k, v in (query.filters or {}).items() if v not in (None, "")}
    unknown = sorted(set(filters) - _FILTERS)
    if unknown:
        raise invalid("filters", f"cannot filter distribution by {', '.join(unknown)}")
    if "cycle" not in filters:
        raise invalid("cycle", "choose the billing cycle whose bills to list")
    last = BillDelivery
    stmt = (select(Bill.bill_no, Customer.account_no, Customer.name, Customer.address,
                   Connection.meter_number, Connection.transformer_code,
                   BillDeliveryState.status, BillDeliveryState.occurred_at, last.officer,
                   last.reason)
            .join(Customer, Customer.id == Bill.customer_id)
            .join(Connection, Connection.id == Bill.connection_id)
            .outerjoin(BillDeliveryState, BillDeliveryState.bill_id == Bill.id)
            .outerjoin(last, last.id == BillDeliveryState.delivery_id)
            .where(Bill.cycle_id == _cycle_id(ctx.session, filters["cycle"]),
                   Bill.status != BillStatus.GENERATED.value))
    if "status" in filters:
        stmt = stmt.where(_status_filter(filters["status"]))
    if "transformer" in filters:
        stmt = stmt.where(Connection.transformer_code == str(filters["transformer"]).strip())
    if query.search.strip():
        pattern = prefix_pattern(query.search.strip())
        stmt = stmt.where(or_(Bill.bill_no.like(pattern, escape="\\"),
                              Customer.account_no.like(pattern, escape="\\"),
                              Customer.name.like(pattern, escape="\\")))
    if not query.sort:
        stmt = stmt.order_by(Connection.transformer_code.is_(None),
                             Connection.transformer_code, Customer.account_no)
    return run_page(ctx.session, stmt, query, _SORT, Bill.id, lambda r: DistributionRow(
        r.bill_no, r.account_no, r.name, r.address, r.meter_number, r.transformer_code,
        DeliveryStatus(r.status) if r.status else None, r.occurred_at, r.officer or "",
        r.reason or ""))

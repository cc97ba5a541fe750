"""Demo data for a fresh database (`opsmanager demo --customers N`): customers with
electricity and often water, four tariffs (categories, per-kW fixed charge, minimum
charge, taxes, a mid-year rate rise), twelve monthly cycles of readings billed by the real
billing engine, issued, and paid the way real customers pay: most on time, some late, some
in part, a few not at all (arrears), a few ahead (account credit).

Written in bulk (multi-row inserts, set-based billing and updates) in one transaction, so
a failure leaves nothing behind. Payments are written as rows that keep the payment
ledger's invariants (services/payment_ledger.py): each payment's allocations sum to it, a
bill's amount_paid is the sum of its allocations, an account's credit is its unapplied
money, and no account has both credit and dues. The bill_issued messages that issuing
queues are recorded as sent (demo addresses are made up: nothing may ever send them).
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    Connection,
    Customer,
    MeterReading,
    NotificationOutbox,
    Payment,
    PaymentAllocation,
    TariffPlan,
    UtilityType,
)
from opsmanager_desktop.domain.bill_lifecycle import OPEN, BillStatus
from opsmanager_desktop.domain.cycle import CycleStatus, Period
from opsmanager_desktop.domain.errors import Conflict, invalid
from opsmanager_desktop.domain.notifications import OutboxStatus
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services import demo_assets, demo_complaints
from opsmanager_desktop.services import demo_data as data
from opsmanager_desktop.services.billing_engine import (
    ChunkBiller,
    clear_charge_sets,
    load_book,
    next_chunk,
    table_of,
)
from opsmanager_desktop.services.bills import issue_cycle_bills, issue_statements
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.tariff_store import store_version

MONTHS = 12
MAX_CUSTOMERS = 1_000_000
BATCH = 10_000

Progress = Callable[[int, int], None]

_B = table_of(Bill)
_P = table_of(Payment)
_A = table_of(PaymentAllocation)
_CU = table_of(Customer)
_O = table_of(NotificationOutbox)
# what a demo message shows as its text: it was never rendered, nor sent
NOT_SENT = "(demo data: recorded as sent when the bill was issued; nothing was sent)"


@dataclass(frozen=True)
class DemoResult:
    customers: int
    connections: int
    cycles: int
    first_cycle: str
    last_cycle: str
    readings: int
    bills: int
    payments: int
    open_bills: int
    accounts_with_credit: int


@service(Permission.DEMO_GENERATE)
def generate_demo(ctx: Ctx, customers: int, seed: int = 1, progress: Progress | None = None
                  ) -> DemoResult:
    if isinstance(customers, bool) or not isinstance(customers, int) \
            or not 1 <= customers <= MAX_CUSTOMERS:
        raise invalid("customers", f"must be a whole number from 1 to {MAX_CUSTOMERS:,}")
    session = ctx.session
    existing = session.scalar(select(func.count(Customer.id))) or 0
    if existing or session.scalar(select(func.count(BillingCycle.id))):
        raise Conflict(f"demo data goes into an empty database; this one already has "
                       f"{existing:,} customers and billing cycles. Use a fresh database "
                       "(`opsmanager --db sqlite:///demo.sqlite3 db init --admin NAME`)")
    return _Demo(ctx, customers, seed, progress).build()


class _Demo:
    def __init__(self, ctx: Ctx, customers: int, seed: int, progress: Progress | None) -> None:
        self.ctx = ctx
        self.session: Session = ctx.session
        self.n = customers
        self.rng = random.Random(seed)
        self.seed = seed
        self.progress = progress
        self.today = ctx.now.date()
        last = Period(self.today.year, self.today.month)
        months = [(last.year * 12 + last.month - 1) - k for k in range(MONTHS, 0, -1)]
        self.periods = [Period(m // 12, m % 12 + 1) for m in months]
        self.steps, self.done = 3 + 3 * MONTHS, 0
        # per connection, compact: customer, plan index, base units, register (units)
        self.conn_customer = array("l")
        self.conn_plan = array("b")
        self.conn_base = array("l")
        self.conn_register = array("q")
        self.habits = bytearray()
        self.payment_id = 0
        self.counts = {"readings": 0, "payments": 0}

    def _step(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.steps)

    def build(self) -> DemoResult:
        plans = self._reference()
        self._step()
        self._customers(plans)
        self._step()
        cycles = self._cycles()
        for index, cycle in enumerate(cycles):
            self._readings(cycle, index == len(cycles) - 1)
            self._step()
            self._bill(cycle)
            self._step()
            self._pay(cycle)
            self._step()
        self._settle()
        credit_accounts = self._credits()
        demo_assets.add_network(self.ctx, self.seed)  # substations, DTs, their readings
        demo_complaints.add_complaints(self.ctx, self.seed)  # open complaints, enquiries
        self._step()
        open_bills = self.session.scalar(select(func.count()).select_from(_B).where(
            _B.c.status.in_(sorted(s.value for s in OPEN)))) or 0
        bills = self.session.scalar(select(func.count()).select_from(_B)) or 0
        result = DemoResult(self.n, len(self.conn_customer), len(cycles),
                            str(self.periods[0]), str(self.periods[-1]),
                            self.counts["readings"], bills, self.counts["payments"],
                            open_bills, credit_accounts)
        self.ctx.audit("demo", self.seed, "generate", after=result.__dict__)
        return result

    def _reference(self) -> list[TariffPlan]:
        s, now = self.session, self.ctx.now
        utilities = {u.code: u for u in s.scalars(select(UtilityType))}
        for code, name, unit in (("electricity", "Electricity", "kWh"), ("water", "Water", "m3")):
            if code not in utilities:
                utilities[code] = UtilityType(code=code, name=name, unit=unit)
                s.add(utilities[code])
        s.flush()
        taken = set(s.scalars(select(TariffPlan.code).where(
            TariffPlan.code.in_([p.code for p in data.PLANS]))))
        if taken:
            raise Conflict(f"tariff plan(s) {', '.join(sorted(taken))} exist already; demo "
                           "data goes into an empty database")
        plans = []
        first_day = self.periods[0].first_day
        for spec in data.PLANS:
            plan = TariffPlan(code=spec.code, name=spec.name, created_at=now,
                              utility_type_id=utilities[spec.utility].id)
            s.add(plan)
            s.flush()
            store_version(s, plan, spec.tariff, first_day, spec.uses_categories, now)
            plans.append(plan)
        rise_from = self.periods[MONTHS // 2].first_day
        store_version(s, plans[0], data.domestic_electricity(data.RATE_RISE_PCT), rise_from,
                      True, now)
        return plans

    def _customers(self, plans: list[TariffPlan]) -> None:
        rng, since = self.rng, self.periods[0].first_day - timedelta(days=400)
        customers: list[dict[str, Any]] = []
        connections: list[dict[str, Any]] = []
        for number in range(1, self.n + 1):
            p = data.person(rng, number)
            customers.append({"id": number, "account_no": f"AC{number:07d}", "name": p.name,
                              "address": p.address, "phone": p.phone, "email": p.email,
                              "created_at": self.ctx.now})
            self.habits.append(data.habit(rng))
            commercial = rng.random() < 0.1
            self._connection(connections, number, plans[1 if commercial else 0],
                             1 if commercial else 0, since)
            if rng.random() < 0.45:
                commercial_water = rng.random() < 0.08
                self._connection(connections, number, plans[3 if commercial_water else 2],
                                 3 if commercial_water else 2, since)
            if len(connections) >= BATCH:
                self._flush(Customer, customers)
                self._flush(Connection, connections)
        self._flush(Customer, customers)
        self._flush(Connection, connections)

    def _connection(self, rows: list[dict[str, Any]], customer: int, plan: TariffPlan,
                    kind: int, since: date) -> None:
        rng = self.rng
        number = len(self.conn_customer) + 1
        water = kind >= 2
        meter = f"{'W' if water else 'E'}{number:08d}"
        base = (rng.randint(6, 35) if kind == 2 else rng.randint(40, 400) if kind == 3
                else rng.randint(60, 450) if kind == 0 else rng.randint(300, 3000))
        load = (Decimal(rng.randint(10, 60)) if kind == 1 else
                Decimal(rng.randint(2, 16)) / 2 if kind == 0 else Decimal(0))
        register = rng.randint(0, 40_000)
        rows.append({"id": number, "customer_id": customer,
                     "utility_type_id": plan.utility_type_id, "meter_number": meter,
                     "active_meter": meter, "tariff_plan_id": plan.id, "status": "ACTIVE",
                     "sanctioned_load_kw": load, "initial_reading": Decimal(register),
                     "connected_on": since, "created_at": self.ctx.now})
        self.conn_customer.append(customer)
        self.conn_plan.append(kind)
        self.conn_base.append(base)
        self.conn_register.append(register)

    def _flush(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(table_of(model)), rows)
            rows.clear()

    def _cycles(self) -> list[BillingCycle]:
        cycles = []
        for index, period in enumerate(self.periods):
            closed = index < MONTHS - 2
            cycle = BillingCycle(period=str(period), start_date=period.first_day,
                                 end_date=period.last_day, due_days=14,
                                 status=(CycleStatus.CLOSED if closed else CycleStatus.OPEN)
                                 .value, estimation_enabled=False, created_at=self.ctx.now)
            self.session.add(cycle)
            cycles.append(cycle)
        self.session.flush()
        return cycles

    def _readings(self, cycle: BillingCycle, last: bool) -> None:
        rng, rows = self.rng, []
        month = cycle.start_date.month
        decided = datetime.combine(cycle.end_date + timedelta(days=1), time(9))
        for index in range(len(self.conn_customer)):
            # the newest cycle has a few readings still missing or waiting for approval
            if last and rng.random() < 0.01:
                continue
            status = "SUBMITTED" if last and rng.random() < 0.006 else "APPROVED"
            units = data.monthly_units(rng, self.conn_base[index], month,
                                       self.conn_plan[index] >= 2)
            previous = self.conn_register[index]
            self.conn_register[index] = previous + units
            meter = f"{'W' if self.conn_plan[index] >= 2 else 'E'}{index + 1:08d}"
            rows.append({
                "connection_id": index + 1, "cycle_id": cycle.id, "meter_number": meter,
                "previous_reading": Decimal(previous), "current_reading": Decimal(previous + units),
                "units": Decimal(units),
                "read_at": cycle.end_date - timedelta(days=rng.randint(0, 3)),
                "source": rng.choice(data.SOURCES), "status": status,
                "flags": "ZERO" if units == 0 else "", "reader": rng.choice(data.READERS),
                "is_estimated": False, "entered_by": "demo", "entered_at": decided,
                "decided_by": None if status == "SUBMITTED" else "demo",
                "decided_at": None if status == "SUBMITTED" else decided})
            if len(rows) >= BATCH:
                self.counts["readings"] += len(rows)
                self._flush(MeterReading, rows)
        self.counts["readings"] += len(rows)
        self._flush(MeterReading, rows)

    def _bill(self, cycle: BillingCycle) -> None:
        s = self.session
        generated = datetime.combine(cycle.end_date + timedelta(days=1), time(7))
        biller = ChunkBiller(s, cycle, load_book(s, cycle.end_date), generated)
        after = 0
        while (bounds := next_chunk(s, after, 50_000)) is not None:
            after, hi, _count = bounds
            biller.bill_chunk(after, hi)
            after = hi
        clear_charge_sets(s, cycle.id)
        issued = cycle.end_date + timedelta(days=2)
        if cycle.period == str(self.periods[-1]):  # the newest went out last week: still DUE
            issued = max(issued, self.today - timedelta(days=7))
        issued = min(issued, self.today)
        queued_after = s.scalar(select(func.max(_O.c.id))) or 0
        due = issued + timedelta(days=cycle.due_days)
        issue_cycle_bills(s, cycle.id, issued, due)
        # the year's payments are all in before the next cycle: count those made by then
        issue_statements(s, cycle.id, cycle.period, issued, due,
                         datetime.combine(issued, time(7)), "demo", paid_until=issued)
        self._as_sent(issued, queued_after)

    def _as_sent(self, issued: date, queued_after: int) -> None:
        """The bill_issued messages issuing just queued (ids after `queued_after`) are
        history: SENT on the day the bills went out, so a gateway set up later on a demo
        database never mails the made-up addresses. (By id range, not by status: the
        primary key finds them without MariaDB rewriting the status index it scans.)"""
        at = datetime.combine(issued, time(8))
        self.session.execute(update(_O).where(_O.c.id > queued_after)
                             .values(status=OutboxStatus.SENT.value, attempts=1,
                                     created_at=at, sent_at=at, message=NOT_SENT))

    def _pay(self, cycle: BillingCycle) -> None:
        rng = self.rng
        payments: list[dict[str, Any]] = []
        allocations: list[dict[str, Any]] = []
        last_id = 0
        while True:
            rows = self.session.execute(
                select(_B.c.id, _B.c.customer_id, _B.c.balance, _B.c.issue_date,
                       _B.c.due_date).where(_B.c.cycle_id == cycle.id, _B.c.id > last_id)
                .order_by(_B.c.id).limit(BATCH)).all()
            if not rows:
                break
            for bill_id, customer, balance, issued, due in rows:
                made = data.payment_for(rng, data.Habit(self.habits[customer - 1]), balance,
                                        issued, due)
                if made is None or made[1] > self.today:
                    continue
                self._payment(payments, allocations, customer, bill_id, made[0], made[1])
            last_id = rows[-1][0]
            self._flush(Payment, payments)
            self._flush(PaymentAllocation, allocations)

    def _payment(self, payments: list[dict[str, Any]], allocations: list[dict[str, Any]],
                 customer: int, bill_id: int | None, amount: Decimal, paid_at: date) -> None:
        self.payment_id += 1
        self.counts["payments"] += 1
        at = datetime.combine(paid_at, time(12))
        payments.append({"id": self.payment_id, "customer_id": customer, "bill_id": bill_id,
                         "amount": amount, "channel": self.rng.choice(data.CHANNELS),
                         "reference": f"DEMO{self.payment_id:09d}", "paid_at": paid_at,
                         "recorded_by": "demo", "recorded_at": at})
        allocations.append({"payment_id": self.payment_id, "bill_id": bill_id,
                            "amount": amount, "kind": "PAYMENT", "created_at": at})

    def _credits(self) -> int:
        """A few punctual customers with nothing open paid ahead: account credit."""
        open_bill = exists().where(_B.c.customer_id == Customer.id,
                                   _B.c.status.in_(sorted(s.value for s in OPEN)))
        candidates = self.session.scalars(select(Customer.id).where(~open_bill)
                                          .order_by(Customer.id)).all()
        chosen = [c for c in candidates
                  if self.habits[c - 1] == data.Habit.PUNCTUAL and self.rng.random() < 0.03]
        payments: list[dict[str, Any]] = []
        allocations: list[dict[str, Any]] = []
        for customer in chosen:
            amount = Decimal(self.rng.choice((100, 200, 250, 500))).quantize(Decimal("0.01"))
            paid_at = self.today - timedelta(days=self.rng.randint(0, 5))
            self._payment(payments, allocations, customer, None, amount, paid_at)
            self.session.execute(update(_CU).where(_CU.c.id == customer).values(credit=amount))
        self._flush(Payment, payments)
        self._flush(PaymentAllocation, allocations)
        return len(chosen)

    def _settle(self) -> None:
        """Bills take their payments from the allocation rows, then the lifecycle: paid in
        full -> PAID, past due with a balance -> OVERDUE (as mark-overdue would have)."""
        s = self.session
        has_money = exists().where(_A.c.bill_id == _B.c.id)
        s.execute(update(_B).where(has_money).values(amount_paid=_paid_so_far()))
        s.execute(update(_B).where(has_money).values(
            balance=_B.c.total + _B.c.adjustments - _B.c.amount_paid))
        last_paid = (select(func.max(_P.c.paid_at))
                     .select_from(_P.join(_A, _A.c.payment_id == _P.c.id))
                     .where(_A.c.bill_id == _B.c.id).scalar_subquery())
        s.execute(update(_B).where(has_money, _B.c.balance <= 0,
                                   _B.c.status != BillStatus.GENERATED.value)
                  .values(status=BillStatus.PAID.value, paid_at=last_paid))
        s.execute(update(_B).where(and_(_B.c.status == BillStatus.DUE.value,
                                        _B.c.due_date < self.today, _B.c.balance > 0))
                  .values(status=BillStatus.OVERDUE.value))


def _paid_so_far() -> Any:
    return (select(func.coalesce(func.sum(_A.c.amount), 0)).where(_A.c.bill_id == _B.c.id)
            .scalar_subquery())

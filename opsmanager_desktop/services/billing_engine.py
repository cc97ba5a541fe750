"""The set-based heart of the billing run (no permission checks: services/billing.py, the
demo generator and the benchmark call it).

Charges are computed by the domain calculator (domain/tariff.py compute_charges, the one
rule) once per DISTINCT (tariff plan, units, sanctioned load) of a chunk that has none yet,
stored in the scratch tables charge_sets / charge_lines, and then every bill and bill line
of the chunk is written by one INSERT ... SELECT each, joining readings + connections + the
charge set. Real data has a few thousand distinct combinations for a million connections,
so Python touches thousands of rows while the database writes millions; when most are
distinct it degrades to writing each charge twice, never to a row-by-row loop. Money
columns are copied, never recomputed, in SQL, so the scaled integers of SQLite stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import (
    Bill,
    BillingCycle,
    BillLine,
    Connection,
    Customer,
    MeterReading,
    TariffPlan,
    UtilityType,
)
from opsmanager_desktop.db.models.billing import ChargeLine, ChargeSet
from opsmanager_desktop.db.types import Money, Quantity, ScaledDecimal
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.customers import ConnectionStatus
from opsmanager_desktop.domain.readings import ReadingStatus
from opsmanager_desktop.domain.tariff import MONEY_ZERO, Tariff, compute_charges
from opsmanager_desktop.services.tariffs import tariffs_in_force

ACTIVE = ConnectionStatus.ACTIVE.value
APPROVED = ReadingStatus.APPROVED.value


# Walk the chunk's primary-key range first, then look up by unique keys. Fresh statistics
# after a bulk load (or a small charge_sets table) tempt MariaDB to start from charge_sets
# and scan every connection of a plan per set: 50x slower. The plan here is always right.
def _in_from_order(stmt: Any) -> Any:
    return stmt.prefix_with("STRAIGHT_JOIN", dialect="mysql") \
        .prefix_with("STRAIGHT_JOIN", dialect="mariadb")


def table_of(model: type[Any]) -> Table:
    """A model's Core table, for set-based statements without ORM overhead."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


_B = table_of(Bill)
_L = table_of(BillLine)
_C = table_of(Connection)
_R = table_of(MeterReading)
_CS = table_of(ChargeSet)
_CL = table_of(ChargeLine)


@dataclass(frozen=True)
class TariffBook:
    """The tariff version in force on the cycle's last day for each plan, and its rules."""

    on: date
    version_of_plan: dict[int, int]
    tariffs: dict[int, Tariff]  # by version id

    @property
    def per_kw_plans(self) -> list[int]:
        """Plans whose version charges per kW: only there does the load change the bill."""
        return sorted(p for p, v in self.version_of_plan.items()
                      if self.tariffs[v].fixed_charge_per_kw)

    def tariff_of_plan(self, plan_id: int) -> Tariff:
        return self.tariffs[self.version_of_plan[plan_id]]


def load_book(session: Session, on: date) -> TariffBook:
    in_force = tariffs_in_force(session, on)
    return TariffBook(on, {plan: version for plan, (version, _t) in in_force.items()},
                      {version: tariff for version, tariff in in_force.values()})


def bill_no_sql(session: Session, period: str, connection_id: Any) -> ColumnElement[str]:
    """f"{period without dash}-{connection_id:08d}" in SQL: deterministic, so a resumed run
    numbers its bills exactly as one clean run would."""
    prefix = period.replace("-", "") + "-"
    if session.get_bind().dialect.name == "sqlite":
        return literal(prefix) + func.printf("%08d", connection_id)
    return func.concat(prefix, func.lpad(connection_id,
                                         func.greatest(8, func.length(connection_id)), "0"))


def bill_no(period: str, connection_id: int) -> str:
    return f"{period.replace('-', '')}-{connection_id:08d}"


def load_sql(book: TariffBook) -> ColumnElement[Decimal]:
    """The connection's sanctioned load where its tariff charges per kW, else 0."""
    zero = literal(Decimal("0.000"), Quantity())
    plans = book.per_kw_plans
    if not plans:
        return zero
    return case((_C.c.tariff_plan_id.in_(plans), _C.c.sanctioned_load_kw), else_=zero)


def clear_charge_sets(session: Session, cycle_id: int) -> None:
    session.execute(delete(_CL).where(_CL.c.cycle_id == cycle_id))
    session.execute(delete(_CS).where(_CS.c.cycle_id == cycle_id))


def next_set_no(session: Session, cycle_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.max(_CS.c.set_no), 0))
                              .where(_CS.c.cycle_id == cycle_id)) or 0) + 1


def next_chunk(session: Session, after: int, chunk_size: int) -> tuple[int, int, int] | None:
    """The next range after < id <= hi of `chunk_size` connections (fewer in the last),
    found by walking the primary key: never more than one id in memory. Returns
    (after, hi, connections in the range), None when no connection is left."""
    hi = session.scalar(select(_C.c.id).where(_C.c.id > after).order_by(_C.c.id)
                        .offset(chunk_size - 1).limit(1))
    if hi is not None:
        return after, int(hi), chunk_size
    last, count = session.execute(select(func.max(_C.c.id), func.count())
                                  .where(_C.c.id > after)).one()
    return None if last is None else (after, int(last), int(count))


_SET_COLUMNS = ("cycle_id", "set_no", "plan_id", "tariff_version_id", "units", "load_kw",
                "energy_charge", "fixed_charge", "tax", "total")
_LINE_COLUMNS = ("cycle_id", "set_no", "seq", "kind", "description", "quantity", "rate",
                 "amount")


class _RawInsert:
    """Multi-row inserts through the driver, values already in the column's stored form
    (scaled integers on SQLite, Decimal on MySQL). In the worst case (most connections with
    a charge set of their own) SQLAlchemy's per-value bind processing cost more than the
    writes themselves; the same exactness check as db/types.py is kept."""

    BATCH = 5000

    def __init__(self, session: Session, table: Table, columns: tuple[str, ...]) -> None:
        self.connection = session.connection()
        dialect = self.connection.dialect
        self.sqlite = dialect.name == "sqlite"
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.sql = (f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
                    f"VALUES ({', '.join([mark] * len(columns))})")
        types = [table.c[c].type for c in columns]
        self.scaled = [(i, t.scale) for i, t in enumerate(types) if isinstance(t, ScaledDecimal)]
        self.rows: list[tuple[Any, ...]] = []

    def add(self, row: tuple[Any, ...]) -> None:
        if self.sqlite:
            values = list(row)
            for index, scale in self.scaled:
                value = values[index]
                if value is not None:
                    stored = value.scaleb(scale)
                    whole = int(stored)
                    if whole != stored:
                        raise ValueError(f"{value} has more than {scale} decimal places")
                    values[index] = whole
            row = tuple(values)
        self.rows.append(row)
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.connection.exec_driver_sql(self.sql, self.rows)
            self.rows = []


@dataclass
class ChunkResult:
    bills: int = 0
    estimated: int = 0
    total: Decimal = MONEY_ZERO
    charge_sets: int = 0


@dataclass
class ChunkBiller:
    """Writes the bills of one cycle, chunk by chunk, inside the caller's transaction."""

    session: Session
    cycle: BillingCycle
    book: TariffBook
    now: datetime
    set_no: int = 0

    def __post_init__(self) -> None:
        self._load = load_sql(self.book)
        self._cy = self.cycle.id
        if not self.set_no:
            self.set_no = next_set_no(self.session, self._cy)
        # connections above the highest one billed so far cannot have a bill for the cycle
        # (only billing runs write bills, and this one holds the cycle's lock), so their
        # chunks skip the "no bill yet" check: a fresh run never pays for it
        self.billed_upto = int(self.session.scalar(
            select(func.coalesce(func.max(_B.c.connection_id), 0))
            .where(_B.c.cycle_id == self._cy)) or 0)

    def _eligible(self, lo: int, hi: int, *, skip_billed: bool = True
                  ) -> tuple[Any, ColumnElement[bool]]:
        joined = _C.join(_R, and_(_R.c.connection_id == _C.c.id, _R.c.cycle_id == self._cy))
        # the plan filter also keeps SQLite walking the chunk's id range (per plan) instead
        # of every approved reading of the cycle; MySQL gets STRAIGHT_JOIN for that
        plans = sorted(self.book.version_of_plan)
        conditions = [_C.c.id > lo, _C.c.id <= hi, _C.c.status == ACTIVE,
                      _R.c.status == APPROVED,
                      _C.c.tariff_plan_id.in_(plans) if plans else ~true()]
        if skip_billed:
            conditions.append(~exists().where(_B.c.connection_id == _C.c.id,
                                              _B.c.cycle_id == self._cy))
        return joined, and_(*conditions)

    def charge_key(self, units: Any) -> ColumnElement[bool]:
        return and_(_CS.c.cycle_id == self._cy, _CS.c.plan_id == _C.c.tariff_plan_id,
                    _CS.c.units == units, _CS.c.load_kw == self._load)

    def add_charge_sets(self, lo: int, hi: int, *, skip_billed: bool = True) -> int:
        """Compute and store the charge sets the chunk needs that the cycle has not yet
        (plans with no version in force are left out: those connections stay unbilled)."""
        joined, where = self._eligible(lo, hi, skip_billed=skip_billed)
        combos = self.session.execute(_in_from_order(
            select(_C.c.tariff_plan_id, _R.c.units, self._load.label("load_kw")).distinct()
            .select_from(joined.outerjoin(_CS, self.charge_key(_R.c.units)))
            .where(where, _CS.c.set_no.is_(None)))).all()
        sets = _RawInsert(self.session, _CS, _SET_COLUMNS)
        lines = _RawInsert(self.session, _CL, _LINE_COLUMNS)
        cy, made = self._cy, 0
        for plan_id, units, load_kw in combos:
            version = self.book.version_of_plan.get(plan_id)
            if version is None:
                continue
            charges = compute_charges(self.book.tariffs[version], units, load_kw)
            no = self.set_no
            sets.add((cy, no, plan_id, version, units, load_kw, charges.energy, charges.fixed,
                      charges.tax, charges.total))
            for seq, line in enumerate(charges.lines, start=1):
                lines.add((cy, no, seq, line.kind.value, line.description, line.quantity,
                           line.rate, line.amount))
            self.set_no += 1
            made += 1
        sets.flush()
        lines.flush()
        return made

    def insert_bills(self, lo: int, hi: int, *, skip_billed: bool = True) -> int:
        """One INSERT ... SELECT: the bills of the range, amounts copied from the charge
        sets (which must exist). `skip_billed=False` is for the benchmark's reference."""
        joined, where = self._eligible(lo, hi, skip_billed=skip_billed)
        zero = literal(Decimal("0.00"), Money())
        rows = _in_from_order(select(
            bill_no_sql(self.session, self.cycle.period, _C.c.id), _C.c.id, _C.c.customer_id,
            literal(self._cy), _R.c.id, _CS.c.tariff_version_id, _R.c.units,
            _CS.c.energy_charge, _CS.c.fixed_charge, _CS.c.tax, _CS.c.total, zero, zero,
            _CS.c.total, literal(BillStatus.GENERATED.value), _R.c.is_estimated,
            literal(self.now, _B.c.generated_at.type))
            .select_from(joined.join(_CS, self.charge_key(_R.c.units))).where(where))
        inserted = self.session.execute(insert(_B).from_select(
            ["bill_no", "connection_id", "customer_id", "cycle_id", "reading_id",
             "tariff_version_id", "units", "energy_charge", "fixed_charge", "tax", "total",
             "adjustments", "amount_paid", "balance", "status", "is_estimated",
             "generated_at"], rows))
        return int(getattr(inserted, "rowcount", 0) or 0)

    def new_bills(self, after_id: int) -> ColumnElement[bool]:
        """The cycle's bills written after `after_id` (only this run writes the cycle's
        bills, under its lock; ids only grow)."""
        return and_(_B.c.id > after_id, _B.c.cycle_id == self._cy,
                    _B.c.status == BillStatus.GENERATED.value)

    def insert_lines(self, after_id: int) -> None:
        """One INSERT ... SELECT: the charge lines of each new bill's charge set."""
        line_rows = _in_from_order(select(_B.c.id, _CL.c.seq, _CL.c.kind, _CL.c.description,
                            _CL.c.quantity, _CL.c.rate, _CL.c.amount)
                     .select_from(_B.join(_C, _C.c.id == _B.c.connection_id)
                                  .join(_CS, self.charge_key(_B.c.units))
                                  .join(_CL, and_(_CL.c.cycle_id == _CS.c.cycle_id,
                                                  _CL.c.set_no == _CS.c.set_no)))
                     .where(self.new_bills(after_id)))
        self.session.execute(insert(_L).from_select(
            ["bill_id", "seq", "kind", "description", "quantity", "rate", "amount"],
            line_rows))

    def last_bill_id(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.max(_B.c.id), 0))) or 0)

    def bill_chunk(self, lo: int, hi: int) -> ChunkResult:
        """Bill every eligible connection with lo < id <= hi that has no bill yet."""
        result = ChunkResult()
        check = lo < self.billed_upto
        result.charge_sets = self.add_charge_sets(lo, hi, skip_billed=check)
        before = self.last_bill_id()
        result.bills = self.insert_bills(lo, hi, skip_billed=check)
        if not result.bills:
            return result
        self.insert_lines(before)
        sums = self.session.execute(
            select(func.sum(_B.c.total),
                   func.sum(case((_B.c.is_estimated == true(), 1), else_=0)))
            .where(self.new_bills(before))).one()
        result.total = sums[0] if sums[0] is not None else MONEY_ZERO
        result.estimated = int(sums[1] or 0)
        return result


@dataclass(frozen=True)
class MissingReading:
    """An active connection the cycle did not bill, and why."""

    connection_id: int
    account_no: str
    utility: str
    meter_number: str
    reason: str


def missing_readings(session: Session, cycle: BillingCycle, book: TariffBook,
                     lo: int = 0, hi: int | None = None) -> list[MissingReading]:
    """Active connections (connected by the cycle's end) with no bill for the cycle, in
    the id range lo < id <= hi. The connection is read first and the "no bill" test made on
    it before any join, so the cost is one index probe per connection plus the details of
    the few exceptions."""
    has_bill = exists().where(_B.c.connection_id == _C.c.id, _B.c.cycle_id == cycle.id)
    where = [_C.c.id > lo, _C.c.status == ACTIVE, ~has_bill, _connected_by(cycle)]
    if hi is not None:
        where.append(_C.c.id <= hi)
    rows = session.execute(_in_from_order(
        select(_C.c.id, Customer.account_no, UtilityType.code, _C.c.meter_number,
               _C.c.tariff_plan_id, TariffPlan.code, _R.c.status, _R.c.reject_reason)
        .select_from(_C.join(Customer, Customer.id == _C.c.customer_id)
                     .join(UtilityType, UtilityType.id == _C.c.utility_type_id)
                     .join(TariffPlan, TariffPlan.id == _C.c.tariff_plan_id)
                     .outerjoin(_R, and_(_R.c.connection_id == _C.c.id,
                                         _R.c.cycle_id == cycle.id)))
        .where(*where).order_by(_C.c.id))).all()
    return [MissingReading(r[0], r[1], r[2], r[3], _reason(r, book, cycle)) for r in rows]


def _connected_by(cycle: BillingCycle) -> ColumnElement[bool]:
    """Connections that exist by the cycle's last day: domain/readings.py
    before_connection_problem accepts a reading of the cycle for exactly these, so the run
    never lists a connection whose reading would be refused, nor leaves out one whose
    reading is accepted."""
    return _C.c.connected_on.is_(None) | (_C.c.connected_on <= cycle.end_date)


def id_span(session: Session) -> tuple[int, int]:
    """(first, last) connection id: progress is told through the id range, which costs two
    index probes where counting a million connections costs seconds."""
    first, last = session.execute(select(func.min(_C.c.id), func.max(_C.c.id))).one()
    return (int(first), int(last)) if first is not None else (1, 0)


def _reason(row: Any, book: TariffBook, cycle: BillingCycle) -> str:
    plan_id, plan_code, status, reject_reason = row[4], row[5], row[6], row[7]
    if status is None:
        return (f"no reading for {cycle.period}" + ("" if not cycle.estimation_enabled
                                                   else " and none could be estimated"))
    if status == ReadingStatus.SUBMITTED:
        return "reading submitted but not approved yet"
    if status == ReadingStatus.REJECTED:
        return "reading rejected" + (f": {reject_reason}" if reject_reason else "")
    if plan_id not in book.version_of_plan:
        return (f"tariff {plan_code} has no version in force on {book.on.isoformat()} "
                "(the cycle's last day)")
    return f"reading {status.lower()}, not billable"


def estimation_candidates(session: Session, cycle: BillingCycle, after: int, limit: int
                          ) -> list[int]:
    """Ids of active connections with no reading at all for the cycle, keyset-paged."""
    has_reading = exists().where(_R.c.connection_id == _C.c.id, _R.c.cycle_id == cycle.id)
    return list(session.scalars(
        select(_C.c.id).where(_C.c.id > after, _C.c.status == ACTIVE, ~has_reading,
                              _connected_by(cycle))
        .order_by(_C.c.id).limit(limit)))

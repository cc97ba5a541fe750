"""`customers import FILE`: one row per connection, rows with the same account number are one
customer (their name, address, phone and e-mail must agree). The import creates customers;
an account number already in the database is refused, so importing a file twice creates
nothing twice. `connected_on` (optional, default today) is the day a connection began, for
a file moved over from another system: no reading dated before it is accepted and the
billing run asks for readings from its cycle on (decision 40). services/imports.py has the
file handling and the all-or-nothing rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from opsmanager_desktop.db.models import Connection, Customer, TariffPlan
from opsmanager_desktop.domain import customers as rules
from opsmanager_desktop.domain.codes import plan_code, utility_code
from opsmanager_desktop.domain.customers import ConnectionStatus
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.connections import utility_ids
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.import_preview import ImportPreview, preview_import
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    batched,
    choice_cell,
    date_cell,
    decimal_cell,
    read_table,
    run_import,
    text_cell,
)

REQUIRED = ("account_no", "name", "utility", "meter_number", "tariff_code")
# connected_on came later; a column is only ever added as optional (docs/design.md section 4)
OPTIONAL = ("address", "phone", "email", "initial_reading", "connected_on")
_DETAILS = ("name", "address", "phone", "email")


@dataclass(frozen=True)
class CustomerImportResult:
    rows: int
    customers_created: int
    connections_created: int
    rejected: int
    rejects_path: Path | None


@dataclass(frozen=True)
class _Parsed:
    row: Row
    account: str
    details: tuple[str, str, str, str]
    utility_id: int
    meter: str
    plan_id: int
    initial: Decimal
    connected_on: date


@dataclass
class _Chunk:
    customers: list[dict[str, Any]] = field(default_factory=list)
    connections: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class _State:
    """What earlier rows of the file established (good rows only)."""

    accounts: dict[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)
    meters: dict[tuple[int, str], tuple[int, str]] = field(default_factory=dict)
    customer_ids: dict[str, int] = field(default_factory=dict)
    customers: int = 0
    connections: int = 0


class _CustomerImport:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.today = ctx.now.date()
        self.utilities = utility_ids(ctx.session)
        self.utility_names = {v: k for k, v in self.utilities.items()}
        self.plans = {code: (pid, uid, active) for code, pid, uid, active in ctx.session.execute(
            select(TariffPlan.code, TariffPlan.id, TariffPlan.utility_type_id,
                   TariffPlan.is_active))}
        self.state = _State()

    def _parse(self, row: Row, problems: Problems) -> _Parsed | None:
        account = text_cell(row, "account_no", problems, max_length=rules.ACCOUNT_MAX)
        if account is not None:
            account = rules.account_no(account)
            if problem := rules.account_problem(account):
                problems.add(row, "account_no", problem)
        name = text_cell(row, "name", problems, max_length=rules.NAME_MAX)
        address = text_cell(row, "address", problems, required=False,
                            max_length=rules.ADDRESS_MAX)
        phone = row["phone"]
        if problem := rules.phone_problem(phone):
            problems.add(row, "phone", problem)
        email = row["email"]
        if problem := rules.email_problem(email):
            problems.add(row, "email", problem)
        utility = choice_cell(row, "utility", problems, self.utilities, what="utility type",
                              normalize=utility_code)
        meter = text_cell(row, "meter_number", problems, max_length=rules.METER_MAX)
        if meter is not None:
            meter = rules.meter_number(meter)
            if problem := rules.meter_problem(meter):
                problems.add(row, "meter_number", problem)
        plan = choice_cell(row, "tariff_code", problems, self.plans, what="tariff plan",
                           normalize=plan_code)
        if plan is not None:
            _, plan_utility, active = plan
            if not active:
                problems.add(row, "tariff_code", f"tariff plan {plan_code(row['tariff_code'])} "
                             "is no longer offered")
            elif utility is not None and plan_utility != utility:
                problems.add(row, "tariff_code", f"tariff plan {plan_code(row['tariff_code'])} "
                             f"is for {self.utility_names.get(plan_utility, 'another utility')},"
                             f" not {self.utility_names[utility]}")
        initial = decimal_cell(row, "initial_reading", problems, places=3, required=False,
                               default=ZERO)
        connected_on = date_cell(row, "connected_on", problems, required=False) or self.today
        if problem := rules.connected_on_problem(connected_on, self.today):
            problems.add(row, "connected_on", problem)
        if problems.has(row):
            return None
        assert account and name is not None and address is not None and utility and meter
        assert plan is not None and initial is not None
        return _Parsed(row, account, (name, address, phone, email), utility, meter, plan[0],
                       initial, connected_on)

    def check(self, rows: list[Row], problems: Problems) -> list[_Chunk]:
        parsed = [p for p in (self._parse(r, problems) for r in rows) if p is not None]
        state = self.state
        new_accounts = {p.account for p in parsed if p.account not in state.accounts}
        in_db: set[str] = set()
        for part in batched(sorted(new_accounts)):
            in_db.update(self.ctx.session.scalars(select(Customer.account_no).where(
                Customer.account_no.in_(part))))
        fitted = self._fitted_meters(parsed)
        chunk = _Chunk()
        for p in parsed:
            key = (p.utility_id, p.meter)
            if key in state.meters:
                first, account = state.meters[key]
                problems.add(p.row, "meter_number", f"repeats row {first}" if account == p.account
                             else f"meter {p.meter} is also on row {first} (account {account})")
            elif key in fitted:
                problems.add(p.row, "meter_number", f"meter {p.meter} is already fitted on an "
                             f"open {self.utility_names[p.utility_id]} connection of account "
                             f"{fitted[key]}")
            if p.account in in_db:
                problems.add(p.row, "account_no", f"customer {p.account} already exists; the "
                             "import only creates new customers (add a connection to an existing"
                             " customer from its page)")
            elif p.account in state.accounts:
                first, details = state.accounts[p.account]
                differ = [f for f, a, b in zip(_DETAILS, details, p.details, strict=True) if a != b]
                if differ:
                    problems.add(p.row, differ[0], f"{', '.join(differ)} of account {p.account} "
                                 f"differ from row {first}; rows of one customer must agree")
            if problems.has(p.row):
                continue
            if p.account not in state.accounts:
                state.accounts[p.account] = (p.row.number, p.details)
                name, address, phone, email = p.details
                chunk.customers.append({
                    "account_no": p.account, "name": name, "address": address, "phone": phone,
                    "email": email, "credit": Decimal("0.00"), "created_at": self.ctx.now,
                    "version": 1})
            state.meters[key] = (p.row.number, p.account)
            chunk.connections.append((p.account, {
                "utility_type_id": p.utility_id, "meter_number": p.meter,
                "active_meter": p.meter, "tariff_plan_id": p.plan_id,
                "status": ConnectionStatus.ACTIVE.value, "sanctioned_load_kw": ZERO,
                "initial_reading": p.initial, "transformer_code": None,
                "connected_on": p.connected_on, "created_at": self.ctx.now,
                "version": 1}))
        return [chunk] if chunk.connections else []

    def _fitted_meters(self, parsed: list[_Parsed]) -> dict[tuple[int, str], str]:
        by_utility: dict[int, set[str]] = {}
        for p in parsed:
            if (p.utility_id, p.meter) not in self.state.meters:
                by_utility.setdefault(p.utility_id, set()).add(p.meter)
        fitted: dict[tuple[int, str], str] = {}
        for utility_id, meters in by_utility.items():
            for part in batched(sorted(meters)):
                for meter, account in self.ctx.session.execute(
                        select(Connection.active_meter, Customer.account_no)
                        .join(Customer, Customer.id == Connection.customer_id)
                        .where(Connection.utility_type_id == utility_id,
                               Connection.active_meter.in_(part))):
                    if meter is not None:
                        fitted[(utility_id, meter)] = account
        return fitted

    def write(self, chunks: Any) -> None:
        session, state = self.ctx.session, self.state
        for chunk in chunks:
            if chunk.customers:
                session.execute(insert(Customer), chunk.customers)
                accounts = [c["account_no"] for c in chunk.customers]
                for part in batched(accounts):
                    state.customer_ids.update(session.execute(
                        select(Customer.account_no, Customer.id)
                        .where(Customer.account_no.in_(part))).all())
                state.customers += len(accounts)
            session.execute(insert(Connection), [
                {**values, "customer_id": state.customer_ids[account]}
                for account, values in chunk.connections])
            state.connections += len(chunk.connections)


@service(Permission.CUSTOMERS_MANAGE)
def import_customers(ctx: Ctx, path: str | Path, *, skip_invalid: bool = False,
                     rejects_path: str | Path | None = None, progress: Progress | None = None,
                     cancelled: Cancelled | None = None) -> CustomerImportResult:
    """Columns account_no, name, utility, meter_number, tariff_code and optionally address,
    phone, email, initial_reading (default 0), connected_on (YYYY-MM-DD, default today)."""
    table = read_table(path, REQUIRED, OPTIONAL)
    job = _CustomerImport(ctx)
    summary = run_import(table, job.check, job.write, skip_invalid=skip_invalid,
                         rejects_path=rejects_path, progress=progress, cancelled=cancelled)
    result = CustomerImportResult(summary.rows, job.state.customers, job.state.connections,
                                  summary.rejected, summary.rejects_path)
    ctx.audit("customer_import", table.path.name, "import", after={
        "file": str(table.path), "rows": result.rows, "customers": result.customers_created,
        "connections": result.connections_created, "rejected": result.rejected})
    return result


@service(Permission.CUSTOMERS_MANAGE, readonly=True)
def check_customers_file(ctx: Ctx, path: str | Path, *, progress: Progress | None = None,
                         cancelled: Cancelled | None = None) -> ImportPreview:
    """What `import_customers` would do with the file, writing nothing (the desktop's
    import preview; services/import_preview.py): the import's own checks, the whole file."""
    table = read_table(path, REQUIRED, OPTIONAL)
    job = _CustomerImport(ctx)

    def check(rows: list[Row], problems: Problems) -> list[Any]:
        # one item per good row (each row is one connection), so the preview counts rows
        return [c for chunk in job.check(rows, problems) for c in chunk.connections]

    return preview_import(table, check, progress=progress, cancelled=cancelled)

"""Customers: billing officers create, edit and import them; officers look them up; a
consumer sees their own profile. Search is a prefix search on indexed columns so it stays
fast on a million customers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from opsmanager_desktop.db.models import Connection, Customer
from opsmanager_desktop.domain import customers as rules
from opsmanager_desktop.domain.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import customer_search
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.connections import (
    ConnectionRow,
    NewConnection,
    connection_row,
    connection_stmt,
    create_connection,
)
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.customer_import import CustomerImportResult as CustomerImportResult
from opsmanager_desktop.services.customer_import import import_customers as import_customers
from opsmanager_desktop.services.imports import batched
from opsmanager_desktop.services.listing import ListQuery, Page, run_page


@dataclass(frozen=True)
class CustomerRow:
    id: int
    account_no: str
    name: str
    address: str
    phone: str
    email: str
    connections: int
    meter_numbers: tuple[str, ...]  # of the connections that are not closed
    created_at: datetime
    version: int


@dataclass(frozen=True)
class CustomerDetail:
    id: int
    account_no: str
    name: str
    address: str
    phone: str
    email: str
    credit: Decimal
    created_at: datetime
    version: int
    connections: tuple[ConnectionRow, ...]


def _field_problems(name: str | None, address: str | None, phone: str | None,
                    email: str | None) -> list[FieldProblem]:
    checks = (("name", name, rules.name_problem), ("address", address, rules.address_problem),
              ("phone", phone, rules.phone_problem), ("email", email, rules.email_problem))
    problems = []
    for field, value, check in checks:
        problem = check(value) if value is not None else None
        if problem:
            problems.append(FieldProblem(field, problem))
    return problems


def _detail(ctx: Ctx, customer: Customer) -> CustomerDetail:
    ctx.session.flush()
    ctx.session.refresh(customer)  # the stored values (MySQL keeps whole seconds)
    rows = ctx.session.execute(connection_stmt().where(
        Connection.customer_id == customer.id).order_by(Connection.id)).all()
    return CustomerDetail(customer.id, customer.account_no, customer.name, customer.address,
                          customer.phone, customer.email, customer.credit, customer.created_at,
                          customer.version, tuple(connection_row(r) for r in rows))


def _get(ctx: Ctx, account_no: str, lock: bool = False) -> Customer:
    stmt = select(Customer).where(Customer.account_no == rules.account_no(account_no))
    customer = ctx.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if customer is None:
        raise NotFound(f"no customer has account number {rules.account_no(account_no)!r}")
    return customer


@service(Permission.CUSTOMERS_MANAGE)
def create_customer(ctx: Ctx, account_no: str, name: str, *, address: str = "",
                    phone: str = "", email: str = "",
                    connection: NewConnection | None = None) -> CustomerDetail:
    """A new customer, with its first connection when one is given."""
    return _detail(ctx, add_customer(ctx, account_no, name, address=address, phone=phone,
                                     email=email, connection=connection))


def add_customer(ctx: Ctx, account_no: str, name: str, *, address: str = "",
                 phone: str = "", email: str = "",
                 connection: NewConnection | None = None) -> Customer:
    """create_customer's rules inside the caller's service (approving an enumeration
    creates its customer with them): checked, audited, the connection added."""
    number = rules.account_no(account_no)
    problems = _field_problems(name, address, phone, email)
    account_problem = rules.account_problem(number)
    if account_problem:
        problems.insert(0, FieldProblem("account_no", account_problem))
    if problems:
        raise ValidationError(problems)
    if ctx.session.scalar(select(Customer.id).where(Customer.account_no == number)):
        raise Conflict(f"a customer with account number {number} already exists")
    customer = Customer(account_no=number, name=name.strip(), address=address.strip(),
                        phone=phone.strip(), email=email.strip(), created_at=ctx.now)
    ctx.session.add(customer)
    ctx.session.flush()
    ctx.audit("customer", customer.id, "create", after=snapshot(customer))
    if connection is not None:
        create_connection(ctx, customer, connection)
    return customer


@service(Permission.CUSTOMERS_MANAGE)
def update_customer(ctx: Ctx, account_no: str, version: int, *, name: str | None = None,
                    address: str | None = None, phone: str | None = None,
                    email: str | None = None) -> CustomerDetail:
    """Change the fields given. `version` is the one the caller read: if someone saved the
    customer since, the change is refused (Conflict) and the caller reloads."""
    problems = _field_problems(name, address, phone, email)
    if problems:
        raise ValidationError(problems)
    customer = _get(ctx, account_no, lock=True)
    if version != customer.version:
        raise Conflict(f"customer {customer.account_no} was changed by someone else since you "
                       "opened it; reload it and make your change again")
    before = snapshot(customer)
    for field, value in (("name", name), ("address", address), ("phone", phone),
                         ("email", email)):
        if value is not None:
            setattr(customer, field, value.strip())
    ctx.session.flush()
    ctx.audit("customer", customer.id, "update", before=before, after=snapshot(customer))
    return _detail(ctx, customer)


@service(Permission.CUSTOMERS_VIEW, Permission.OWN_ACCOUNT_VIEW, readonly=True)
def get_customer(ctx: Ctx, account_no: str) -> CustomerDetail:
    """A customer with its connections; a consumer may open only their own account."""
    customer = _get(ctx, account_no)
    if ctx.role is Role.CONSUMER and customer.id != ctx.user.customer_id:
        raise PermissionDenied("you may see only your own account")
    return _detail(ctx, customer)


# ids grow with creation time, so "created_at" sorts by the primary key, not an unindexed column
_SORT = {"account_no": Customer.account_no, "name": Customer.name, "phone": Customer.phone,
         "created_at": Customer.id}


@service(Permission.CUSTOMERS_VIEW, readonly=True)
def list_customers(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[CustomerRow]:
    """Search: prefix of the account number, name, phone or a meter number, each branch on
    its own index; services/customer_search.py chooses how to read the matches.

    Fast on a million customers: the page is chosen on ids alone (read from the sort
    column's index, so a deep offset skips index entries, not whole rows), then only the
    page's rows are read. Sorting by the unique account number needs no id tiebreak (with
    one, MariaDB sorts the whole table instead of reading the index in order).
    """
    stmt = select(Customer.id)
    total = None  # counted by the search itself (from the indexes) when there is one
    if query.search.strip():
        stmt, total = customer_search.narrow(ctx.session, stmt, query)
    tiebreak = Customer.account_no if query.sort in ("", "account_no") else Customer.id
    page = run_page(ctx.session, stmt, replace(query, count=query.count and total is None),
                    _SORT, tiebreak, lambda r: int(r[0]))
    found: dict[int, Customer] = {}
    for part in batched(page.rows):
        found.update((c.id, c) for c in ctx.session.scalars(
            select(Customer).where(Customer.id.in_(part))))
    return Page(_rows(ctx, [found[i] for i in page.rows]),
                page.total if total is None else total, page.offset)


def _rows(ctx: Ctx, customers: list[Any]) -> list[CustomerRow]:
    """The page's connection counts and meters in one query, not one per row."""
    ids = [c.id for c in customers]
    counts: dict[int, int] = {}
    meters: dict[int, list[str]] = {}
    for part in batched(ids):
        for cid, meter in ctx.session.execute(
                select(Connection.customer_id, Connection.active_meter)
                .where(Connection.customer_id.in_(part)).order_by(Connection.id)):
            counts[cid] = counts.get(cid, 0) + 1
            if meter is not None:
                meters.setdefault(cid, []).append(meter)
    return [CustomerRow(c.id, c.account_no, c.name, c.address, c.phone, c.email,
                        counts.get(c.id, 0), tuple(meters.get(c.id, ())), c.created_at,
                        c.version) for c in customers]


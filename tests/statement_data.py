"""Accounts with account statements, billed and issued through the services, for the
statement, payment, CLI and page tests.

- `make_statements`: two issued cycles: an account with electricity and water (a payment
  between the cycles, so its second statement has a previous balance and payments), one
  with electricity only that paid ahead (its second statement is in credit), and the
  customer a consumer is linked to (tests/gui/conftest.context_for: C0001) with
  electricity and water too.
- `two_utility_account`: one account with electricity and water (one statement carries two
  bills) with figures worked out by hand, and a second account X-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from opsmanager_desktop.db.models import Bill, Statement
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import billing, bills, payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.billing_engine import bill_no
from tests.billing_data import World, add_connections, make_world, open_cycle, readings_for
from tests.helpers import token_for

JAN, FEB = "2026-01", "2026-02"
TWO = "S0002"  # electricity and water
AHEAD = "S0003"  # electricity only; paid more than it owed
CONSUMER = "C0001"


@dataclass
class StatementWorld:
    world: World
    accounts: str  # an accounts officer's token

    @property
    def backend(self) -> Backend:
        return self.world.backend


def make_statements(backend: Backend, *, consumer: bool = False) -> StatementWorld:
    """JAN and FEB billed and issued; with `consumer`, C0001 (made by context_for before
    this is called) has connections and statements as well."""
    world = make_world(backend)
    open_cycle(world, JAN)
    open_cycle(world, FEB)
    specs = [(TWO, "DOM", "150"), (TWO, "WAT", "12"), (AHEAD, "DOM", "40")]
    if consumer:
        specs += [(CONSUMER, "DOM", "100"), (CONSUMER, "WAT", "10")]
    ids = [add_connections(world, [(plan, units, "0")], JAN, account_no=account)[0]
           for account, plan, units in specs]
    accounts = token_for(backend, Role.ACCOUNTS_OFFICER, "ao_statements")
    billing.run_billing(backend, world.officer, JAN)
    bills.issue_bills(backend, world.officer, JAN, date(2026, 2, 1))
    payments.record_payment(backend, accounts, TWO, "500.00", "CASH", "TWO-1",
                            date(2026, 2, 5))
    payments.record_payment(backend, accounts, AHEAD, "1000.00", "CASH", "AHEAD-1",
                            date(2026, 2, 5))
    readings_for(world, FEB, {conn: "20" for conn in ids})
    billing.run_billing(backend, world.officer, FEB)
    bills.issue_bills(backend, world.officer, FEB, date(2026, 3, 1))
    return StatementWorld(world, accounts)


@dataclass
class TwoUtilities:
    world: World
    account_no: str
    connections: list[int]  # electricity, water

    def bill_no(self, period: str, which: int) -> str:
        return bill_no(period, self.connections[which])

    def statement_no(self, period: str) -> str:
        with self.world.backend.sessions() as s:
            return str(s.scalar(
                select(Statement.statement_no).join(Bill, Bill.statement_id == Statement.id)
                .where(Bill.bill_no == self.bill_no(period, 0))))


# January: electricity 150 units = 100 x 5 + 50 x 10 + 50 fixed + 10 % = 1,155.00;
# water 20 m3 flat at 1.25 + 3.00 fixed = 28.00
JANUARY_ELECTRICITY = Decimal("1155.00")
JANUARY_WATER = Decimal("28.00")
# February: electricity 20 units = 20 x 5 + 50 + 10 % = 165.00; water 4 m3 at 0.75 + 3.00
FEBRUARY_ELECTRICITY = Decimal("165.00")
FEBRUARY_WATER = Decimal("6.00")


def two_utility_account(backend: Backend, account_no: str = "S-1", *,
                        february: bool = False) -> TwoUtilities:
    """The account's January bills issued on 2 February (one statement); with `february`,
    February's too issued 2 March. A second account, X-1, has a January bill of its own."""
    world = make_world(backend)
    open_cycle(world, "2026-01")
    open_cycle(world, "2026-02")
    ids = add_connections(world, [("DOM", "150", "0"), ("WAT", "20", "0")], "2026-01",
                          account_no=account_no)
    add_connections(world, [("DOM", "10", "0")], "2026-01", account_no="X-1")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-02")
    if february:
        readings_for(world, "2026-02", {ids[0]: "20", ids[1]: "4"})
        run_billing(backend, world.officer, "2026-02")
        bills.issue_bills(backend, world.officer, "2026-02", "2026-03-02")
    return TwoUtilities(world, account_no, ids)

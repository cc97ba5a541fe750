"""Two issued cycles with account statements, for the Statements, Bills and My account page
tests and the statements export: an account with electricity and water (a payment between the cycles, so its second
statement has a previous balance and payments), one with electricity only that paid ahead
(its second statement is in credit), and the customer a consumer is linked to
(tests/gui/conftest.context_for: C0001) with electricity and water too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import billing, bills, payments
from opsmanager_desktop.services.backend import Backend
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

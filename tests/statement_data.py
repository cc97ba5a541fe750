"""An account with electricity and water (two connections, so one statement carries two
bills) billed and issued through the services, for the statement, payment and CLI tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from opsmanager_desktop.db.models import Bill, Statement
from opsmanager_desktop.services import bills
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.billing_engine import bill_no
from tests.billing_data import World, add_connections, make_world, open_cycle, readings_for


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
    February's too issued 2 March. A
    second account, X-1, has a January bill of its own."""
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

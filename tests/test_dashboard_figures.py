"""Dashboard figures per role (aggregates to the cent on both databases) and the change
counter that drives the tables' auto-refresh."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from opsmanager_desktop.db.models import MeterReading
from opsmanager_desktop.domain.errors import PermissionDenied
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import billing, bills, changes, customers, dashboard, payments
from opsmanager_desktop.services.backend import Backend
from tests.billing_data import add_connections, make_world, open_cycle
from tests.helpers import token_for

D = Decimal
NOW = datetime(2026, 3, 20, 9, 30)


def _scene(backend: Backend) -> None:
    """February billed and issued (due 14 March: overdue by the 20th), March half done."""
    backend.clock = lambda: NOW
    world = make_world(backend)
    open_cycle(world, "2026-02")
    open_cycle(world, "2026-03")
    feb = add_connections(world, [("DOM", "150", "0"), ("DOM", "50", "0")], "2026-02")
    billing.run_billing(backend, world.officer, "2026-02")
    bills.issue_bills(backend, world.officer, "2026-02", "2026-02-28")  # due 2026-03-14
    march = add_connections(world, [("DOM", "120", "0"), ("WAT", "10", "0")], "2026-03")
    add_connections(world, [("DOM", "80", "0")], "2026-03", reading_status="SUBMITTED")
    add_connections(world, [("DOM", "90", "0")], "2026-03", reading_status="SUBMITTED")
    add_connections(world, [("DOM", None, "0")], "2026-03")  # no reading yet
    with backend.sessions.begin() as s:  # one waiting reading looks implausible
        s.execute(update(MeterReading).where(MeterReading.status == "SUBMITTED",
                                             MeterReading.units == D("90")).values(flags="HIGH"))
    billing.run_billing(backend, world.officer, "2026-03")
    assert feb and march
    accounts = token_for(backend, Role.ACCOUNTS_OFFICER)
    first = customers.list_customers(backend, world.officer).rows[0].account_no
    payments.record_payment(backend, accounts, first, "100.10", "CASH", "R-1", date(2026, 3, 2))
    payments.record_payment(backend, accounts, first, "0.20", "CASH", "R-2", date(2026, 3, 3))
    payments.record_payment(backend, accounts, first, "5.00", "BANK", "R-3", date(2026, 3, 4))
    payments.reverse_payment(backend, accounts, "BANK", "R-3", "bounced")
    payments.record_payment(backend, accounts, first, "40.30", "POS", "R-4", date(2026, 2, 27))


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ACCOUNTS_OFFICER])
def test_figures_follow_the_role(backend: Backend, role: Role) -> None:
    _scene(backend)
    figures = dashboard.dashboard(backend, token_for(backend, role))
    assert figures.as_of == date(2026, 3, 20)
    # both roles may see bills: 2 February bills past their due date, none merely due
    assert figures.overdue is not None and figures.due is not None
    assert figures.overdue.count == 2 and figures.due.count == 0
    if role is Role.SUPERVISOR:  # readings and payments
        assert (figures.readings_waiting, figures.readings_flagged) == (2, 1)
        assert figures.waiting_cycles == ("2026-02", "2026-03")
        cycle = figures.cycle
        assert cycle is not None and cycle.period == "2026-03"
        # 7 active connections, 4 readings of March, 2 approved, 2 bills, none issued
        assert (cycle.connections, cycle.readings, cycle.approved, cycle.billed,
                cycle.issued) == (7, 4, 2, 2, 0)
    else:  # no readings for an accounts officer, but the money
        assert figures.readings_waiting is None and figures.readings_flagged is None
    collections = figures.collections
    assert collections is not None
    # net of the reversed 5.00; cents exact (0.10 + 0.20 style) on both databases
    assert (collections.this_month, collections.this_amount, collections.this_count) == (
        "2026-03", D("100.30"), 2)
    assert (collections.last_month, collections.last_amount, collections.last_count) == (
        "2026-02", D("40.30"), 1)
    open_total = figures.overdue.amount
    assert open_total == sum((b.balance for b in bills.list_bills(
        backend, token_for(backend, Role.ACCOUNTS_OFFICER)).rows if b.status.value in (
        "DUE", "OVERDUE")), D("0"))


def test_sections_a_role_may_not_see_are_left_out(backend: Backend) -> None:
    _scene(backend)
    billing_officer = dashboard.dashboard(backend, token_for(backend, Role.BILLING_OFFICER))
    assert billing_officer.collections is None  # no payments list for billing officers
    assert billing_officer.readings_waiting == 2
    field = dashboard.dashboard(backend, token_for(backend, Role.FIELD_OFFICER))
    first = customers.list_customers(backend, token_for(backend, Role.FIELD_OFFICER)
                                     ).rows[0].account_no
    assert (field.readings_waiting, field.cycle, field.due, field.overdue,
            field.collections) == (None, None, None, None, None)
    with pytest.raises(PermissionDenied):
        dashboard.dashboard(backend, token_for(backend, Role.CONSUMER, account_no=first))


def test_no_open_cycle_and_no_bills(backend: Backend) -> None:
    figures = dashboard.dashboard(backend, token_for(backend, Role.SUPERVISOR))
    assert figures.cycle is None and figures.readings_waiting == 0
    assert figures.overdue is not None and figures.overdue.amount == D("0.00")
    assert figures.collections is not None and figures.collections.this_amount == D("0.00")


def test_latest_change_moves_with_every_write(backend: Backend) -> None:
    officer = token_for(backend, Role.BILLING_OFFICER)
    first = changes.latest_change(backend, officer)
    assert changes.latest_change(backend, officer) == first  # reading changes nothing
    customers.create_customer(backend, officer, "CH-1", "Changed Once")
    second = changes.latest_change(backend, officer)
    assert second > first
    consumer = token_for(backend, Role.CONSUMER, account_no="CH-1")
    assert changes.latest_change(backend, consumer) >= second

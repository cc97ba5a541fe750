"""Debits raised outside billing (penalties, fees), on SQLite and MariaDB: on the open bill
at once, or pending until the connection's next bill is issued; a paid bill is not reopened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import AccountCharge, Bill, BillAdjustment, BillingCycle, User
from opsmanager_desktop.domain.errors import ValidationError
from opsmanager_desktop.services import bills, payments
from opsmanager_desktop.services.account_charges import charge_account, pending_charges
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.core import Ctx
from tests.billing_data import add_connections, make_world, open_cycle, readings_for
from tests.helpers import token_for
from tests.ledger_data import assert_ledger_consistent

D = Decimal


@contextmanager
def ctx_of(backend: Backend, username: str = "sup") -> Iterator[Ctx]:
    """A service body's context, as the service decorator would make it (the calling
    service's own permission is the caller's business, not this module's)."""
    with backend.sessions.begin() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        yield Ctx(backend, session, user, backend.now())


def _bill(backend: Backend, connection_id: int, period: str) -> Bill:
    with backend.sessions() as s:
        return s.scalars(select(Bill).join(BillingCycle, BillingCycle.id == Bill.cycle_id)
                         .where(Bill.connection_id == connection_id,
                                BillingCycle.period == period)).one()


def test_an_issued_bill_is_not_changed_the_charge_waits(backend: Backend) -> None:
    from opsmanager_desktop.domain.roles import Role

    world = make_world(backend)
    token_for(backend, Role.SUPERVISOR, "sup")
    open_cycle(world, "2026-01")
    (conn,) = add_connections(world, [("DOM", "50", "1")], "2026-01")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    before = _bill(backend, conn, "2026-01")
    with ctx_of(backend) as ctx:
        result = charge_account(ctx, conn, "150.00", "Meter bypass penalty",
                                "EVALUATION_PENALTY", "EV-1")
        assert [p.charge_id for p in pending_charges(ctx, conn)] == [result.charge_id]
    assert _bill(backend, conn, "2026-01").balance == before.balance  # issued: unchanged
    open_cycle(world, "2026-02")
    readings_for(world, "2026-02", {conn: "20"})
    run_billing(backend, world.officer, "2026-02")
    generated = _bill(backend, conn, "2026-02")
    bills.issue_bills(backend, world.officer, "2026-02", "2026-03-01")
    feb = _bill(backend, conn, "2026-02")
    assert (feb.adjustments, feb.balance) == (D("150.00"), generated.balance + D("150.00"))
    with backend.sessions() as s:
        reason = s.scalar(select(BillAdjustment.reason))
        charge = s.scalars(select(AccountCharge)).one()
    assert reason == "Meter bypass penalty (evaluation penalty)"
    assert charge.bill_id == feb.id and charge.applied_at is not None
    assert_ledger_consistent(backend)


def test_charge_waits_when_every_bill_is_paid(backend: Backend) -> None:
    from opsmanager_desktop.domain.roles import Role

    world = make_world(backend)
    token_for(backend, Role.SUPERVISOR, "sup")
    accounts = token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    open_cycle(world, "2026-01")
    (conn,) = add_connections(world, [("DOM", "50", "1")], "2026-01")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    jan = _bill(backend, conn, "2026-01")
    with backend.sessions() as s:
        from opsmanager_desktop.db.models import Customer

        account = s.scalar(select(Customer.account_no).where(Customer.id == jan.customer_id))
    payments.record_payment(backend, accounts, str(account), jan.balance, "BANK", "R-1",
                            bill_no=jan.bill_no)
    with ctx_of(backend) as ctx:
        result = charge_account(ctx, conn, D("500"), "Reconnection fee", "RECONNECTION_FEE")
        assert [p.charge_id for p in pending_charges(ctx, conn)] == [result.charge_id]
    assert _bill(backend, conn, "2026-01").status == "PAID"  # never reopened
    open_cycle(world, "2026-02")
    readings_for(world, "2026-02", {conn: "20"})
    run_billing(backend, world.officer, "2026-02")
    generated = _bill(backend, conn, "2026-02")
    bills.issue_bills(backend, world.officer, "2026-02", "2026-03-01")
    feb = _bill(backend, conn, "2026-02")
    assert feb.adjustments == D("500.00")
    assert feb.balance == generated.balance + D("500.00")
    with ctx_of(backend) as ctx:
        assert pending_charges(ctx, conn) == []
    assert_ledger_consistent(backend)


@pytest.mark.parametrize(("amount", "reason", "field"), [
    ("0", "fee", "amount"), ("-5", "fee", "amount"), ("1.234", "fee", "amount"),
    ("abc", "fee", "amount"), ("10", "  ", "reason")])
def test_bad_charges_name_the_field_and_write_nothing(backend: Backend, amount: str,
                                                      reason: str, field: str) -> None:
    from opsmanager_desktop.domain.roles import Role

    world = make_world(backend)
    token_for(backend, Role.SUPERVISOR, "sup")
    (conn,) = add_connections(world, [("DOM", None, "1")])
    with pytest.raises(ValidationError) as caught, ctx_of(backend) as ctx:
        charge_account(ctx, conn, amount, reason, "TEST")
    assert caught.value.problems[0].field == field
    with backend.sessions() as s:
        assert s.scalar(select(AccountCharge.id)) is None

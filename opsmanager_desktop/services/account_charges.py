"""Debits raised outside billing: an inspection's penalty, a reconnection fee.

A charge goes on the connection's next issued bill, as utilities put such fees on the next
bill: it is recorded here (pending, `bill_id` NULL) and, when a cycle is issued, becomes a
debit adjustment on the connection's bill of that cycle before the account's credit is
applied, so credit can settle it (bills.issue_bills calls `apply_pending_charges`). A bill
already issued is not changed and a paid bill never reopened (docs/design.md 3).

Raising a charge therefore needs no right on bills: the supervisor who approves an
inspection or orders a reconnection writes a pending charge; only the billing officer's
issue touches the bill (the database grants follow: db/security/privileges.py).
`charge_account` is not a service of its own: the service that raises the charge calls it
inside its own transaction and permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from opsmanager_desktop.db.models import AccountCharge, Bill, Connection
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.errors import NotFound, invalid
from opsmanager_desktop.domain.money import D, has_at_most_places
from opsmanager_desktop.services.bills import AMOUNT_MAX, REASON_MAX, apply_adjustment
from opsmanager_desktop.services.core import Ctx


@dataclass(frozen=True)
class ChargeResult:
    charge_id: int
    amount: Decimal  # pending until the connection's next bill is issued


def _checked_amount(amount: Decimal | str | int) -> Decimal:
    try:
        value = D(amount)
    except ValueError as exc:
        raise invalid("amount", str(exc)) from None
    if value <= 0:
        raise invalid("amount", "a charge must be more than zero")
    if not has_at_most_places(value, 2) or value > AMOUNT_MAX:
        raise invalid("amount", f"{value} is not an amount of money (at most 2 decimals)")
    return value


def charge_account(ctx: Ctx, connection_id: int, amount: Decimal | str | int, reason: str,
                   source: str, source_ref: str = "") -> ChargeResult:
    """Record a charge for the connection's next issued bill (module docstring); audited."""
    value = _checked_amount(amount)
    why = (reason or "").strip()
    if not why:
        raise invalid("reason", "is required: say what the charge is for")
    if len(why) > REASON_MAX:
        raise invalid("reason", f"must be at most {REASON_MAX} characters")
    session = ctx.session
    connection = session.get(Connection, connection_id)
    if connection is None:
        raise NotFound(f"no connection with id {connection_id}")
    charge = AccountCharge(customer_id=connection.customer_id, connection_id=connection_id,
                           amount=value, reason=why, source=source[:32],
                           source_ref=source_ref[:64], created_by=ctx.username,
                           created_at=ctx.now)
    session.add(charge)
    session.flush()
    ctx.audit("account_charge", charge.id, "create", after={
        "connection_id": connection_id, "amount": value, "reason": why, "source": source,
        "source_ref": source_ref})
    return ChargeResult(charge.id, value)


def _apply(ctx: Ctx, charge: AccountCharge, bill_id: int) -> None:
    apply_adjustment(ctx, bill_id, charge.customer_id, charge.amount,
                     f"{charge.reason} ({charge.source.lower().replace('_', ' ')})")
    charge.bill_id = bill_id
    charge.applied_at = ctx.now


def apply_pending_charges(ctx: Ctx, cycle_id: int) -> int:
    """Put the pending charges of connections billed in this cycle on their bills (called
    when the cycle is issued, while its bills are still GENERATED). Returns how many."""
    session = ctx.session
    pending = session.execute(
        select(AccountCharge, Bill.id).join(Bill, Bill.connection_id == AccountCharge.connection_id)
        .where(AccountCharge.bill_id.is_(None), Bill.cycle_id == cycle_id,
               Bill.status == BillStatus.GENERATED.value)
        .order_by(AccountCharge.id)).all()
    for charge, bill_id in pending:
        _apply(ctx, charge, bill_id)
    return len(pending)


def pending_charges(ctx: Ctx, connection_id: int) -> list[ChargeResult]:
    """The charges of a connection still waiting for a bill."""
    rows = ctx.session.scalars(select(AccountCharge).where(
        AccountCharge.connection_id == connection_id, AccountCharge.bill_id.is_(None))
        .order_by(AccountCharge.id))
    return [ChargeResult(c.id, c.amount) for c in rows]

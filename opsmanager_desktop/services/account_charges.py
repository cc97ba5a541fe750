"""Debits raised outside billing: an inspection's penalty, a reconnection fee.

A charge goes on the connection's newest unpaid bill (GENERATED, DUE or OVERDUE) as a debit
adjustment at once, so the customer owes it where they already look. When there is none
(every bill paid, or none yet), it waits as a pending row and goes on the connection's bill
when the next cycle is issued (bills.issue_bills calls `apply_pending_charges` before the
account's credit is applied, so credit can settle it). A paid bill is never reopened
(DESIGN.md 3: PAID has no way back but a payment reversal).

`charge_account` is not a service of its own: the service that raises the charge (approving
an evaluation, creating a reconnection ticket) calls it inside its own transaction and
permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from opsmanager_desktop.db.models import AccountCharge, Bill, BillingCycle, Connection
from opsmanager_desktop.domain.bill_lifecycle import BillStatus
from opsmanager_desktop.domain.errors import NotFound, invalid
from opsmanager_desktop.domain.money import D, has_at_most_places
from opsmanager_desktop.services.bills import AMOUNT_MAX, REASON_MAX, apply_adjustment
from opsmanager_desktop.services.core import Ctx

_UNPAID = (BillStatus.GENERATED.value, BillStatus.DUE.value, BillStatus.OVERDUE.value)


@dataclass(frozen=True)
class ChargeResult:
    charge_id: int
    amount: Decimal
    bill_no: str | None  # None: pending until the connection's next bill is issued


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
    """Debit the account of a connection (see the module docstring); audited."""
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
    bill = session.execute(
        select(Bill.id, Bill.bill_no).join(BillingCycle, BillingCycle.id == Bill.cycle_id)
        .where(Bill.connection_id == connection_id, Bill.status.in_(_UNPAID))
        .order_by(BillingCycle.period.desc()).limit(1)).first()
    bill_no = None
    if bill is not None:
        _apply(ctx, charge, bill.id)
        bill_no = bill.bill_no
    ctx.audit("account_charge", charge.id, "create", after={
        "connection_id": connection_id, "amount": value, "reason": why, "source": source,
        "source_ref": source_ref, "bill_no": bill_no})
    return ChargeResult(charge.id, value, bill_no)


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
    return [ChargeResult(c.id, c.amount, None) for c in rows]

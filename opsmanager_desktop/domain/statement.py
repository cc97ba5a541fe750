"""The account statement's figures: one paper per account per cycle (docs/design.md 3).

A statement sums an account's ledger as running totals at its issue, so its figures come
from the rows that justify them, not from time windows a late-committing payment could
slip between:

    billed     = the totals of the account's issued bills
    adjusted   = their adjustments (debits +, credits -)
    received   = every payment ever recorded for the account
    reversed   = those of them since reversed

The account's position is then billed + adjusted - received + reversed, which is exactly
what `dues` reports as outstanding minus credit (every cent of a payment lies on a bill or
in the credit). Against the previous statement's running totals, the movements since are
the differences; what is left of the position is the previous balance plus any bill issued
in between that no statement carried (none, once every issue makes statements).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

NO_MONEY = Decimal("0.00")


@dataclass(frozen=True)
class RunningTotals:
    """An account's ledger summed up to a moment (see the module docstring)."""

    billed: Decimal = NO_MONEY
    adjusted: Decimal = NO_MONEY
    received: Decimal = NO_MONEY
    reversed: Decimal = NO_MONEY

    @property
    def position(self) -> Decimal:
        """What the account owes (+) or holds in credit (-)."""
        return self.billed + self.adjusted - self.received + self.reversed

    def plus_bills(self, totals: Decimal, adjustments: Decimal) -> RunningTotals:
        """As if bills of these totals and adjustments were issued now (a draft's paper)."""
        return RunningTotals(self.billed + totals, self.adjusted + adjustments,
                             self.received, self.reversed)


def payable(total_due: Decimal) -> Decimal:
    """What the slip (and the statement's message) asks for: nothing when the account is
    in credit."""
    return max(total_due, NO_MONEY)


@dataclass(frozen=True)
class StatementFigures:
    previous_balance: Decimal
    payments: Decimal  # received since the previous statement
    reversals: Decimal  # payments taken back since then (bounced cheques)
    adjustments: Decimal  # debits and credits on issued bills since then
    current_charges: Decimal  # the totals of this statement's bills
    total_due: Decimal  # negative: the account is in credit

    @property
    def amount_payable(self) -> Decimal:
        return payable(self.total_due)

    @property
    def credit(self) -> Decimal:
        return max(-self.total_due, NO_MONEY)


def statement_figures(previous: RunningTotals, now: RunningTotals,
                      current_charges: Decimal) -> StatementFigures:
    """The summary of a statement whose bills (of totals `current_charges`) are included in
    `now`; `previous` is the last statement's running totals (all zero for the first).

    previous balance - payments + reversals + adjustments + current charges = total due
    holds exactly, and total due is `now.position`."""
    payments = now.received - previous.received
    reversals = now.reversed - previous.reversed
    adjustments = now.adjusted - previous.adjusted
    # bills issued since the previous statement but not on this one belong to the balance
    # brought forward (cannot happen once every issue makes statements)
    carried = now.billed - previous.billed - current_charges
    return StatementFigures(previous.position + carried, payments, reversals, adjustments,
                            current_charges, now.position)


def statement_no(period: str, customer_id: int, seq: int) -> str:
    """`S` + the period without its dash + the customer id: `S202611-00000042`; a later
    statement of the same account and cycle (a late reading) adds `-2`, `-3`, ... The `S`
    keeps statement numbers apart from bill numbers (`202611-00000042`, a connection id)
    wherever a payer may quote either."""
    base = f"S{period.replace('-', '')}-{customer_id:08d}"
    return base if seq == 1 else f"{base}-{seq}"


def is_statement_no(reference: str) -> bool:
    return reference.strip().upper().startswith("S")

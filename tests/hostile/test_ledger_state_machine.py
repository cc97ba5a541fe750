"""A hypothesis state machine drives the bill lifecycle and payment allocation through the
services (issue, pay partly, pay over, name a bill, reverse, adjust, mark overdue) and
checks after every step that the database agrees with a simple model:

- money: per account, outstanding - credit == billed - received, and at most one of
  outstanding and credit is above zero (so both are determined by the model);
- each bill: balance = total + adjustments - paid, 0 <= balance; PAID exactly when the
  balance is zero; OVERDUE only past the due date; no DUE bill left past the date of the
  mark-overdue;
- refusals: adjusting a PAID bill or crediting more than the balance, reversing twice:
  the model says which calls must be refused, and the database is unchanged by them;
- the ledger invariants of services/payment_ledger.py (tests/ledger_data.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, select

from opsmanager_desktop.db.models import Bill, Customer
from opsmanager_desktop.domain.errors import Conflict, ValidationError
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, payments
from opsmanager_desktop.services.backend import Backend
from tests.conftest import empty_tables
from tests.helpers import token_for
from tests.ledger_data import add_bill, assert_ledger_consistent

pytestmark = pytest.mark.slow
ACCOUNTS = ("S1", "S2")
money = st.decimals("0.01", "300.00", places=2)
STEPS = {"runs": 0, "steps": 0, "refusals": 0}


class LedgerMachine(RuleBasedStateMachine):
    backend: Backend

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.backend.engine)
        STEPS["runs"] += 1
        self.ao = token_for(self.backend, Role.ACCOUNTS_OFFICER, "ao")
        self.bo = token_for(self.backend, Role.BILLING_OFFICER, "bo")
        self.billed = dict.fromkeys(ACCOUNTS, ZERO)
        self.received = dict.fromkeys(ACCOUNTS, ZERO)
        self.payments: dict[str, tuple[str, Decimal, bool]] = {}  # ref -> account, amount, reversed
        self.cycles = 0
        self.overdue_as_of: date | None = None
        self._accounts: dict[str, str] = {}

    @initialize()
    def first_bills(self) -> None:
        for account in ACCOUNTS:
            self.issue(account, Decimal("120.00"))

    def _bills(self) -> list[Bill]:
        with self.backend.sessions() as s:
            rows = s.execute(select(Bill, Customer.account_no)
                             .join(Customer, Customer.id == Bill.customer_id)
                             .order_by(Bill.id)).all()
        for bill, account in rows:
            self._accounts[bill.bill_no] = account
        return [bill for bill, _account in rows]

    @rule(account=st.sampled_from(ACCOUNTS), total=money)
    def issue(self, account: str, total: Decimal) -> None:
        self.cycles += 1
        year, month = divmod(self.cycles - 1, 12)
        period = f"{2024 + year}-{month + 1:02d}"
        add_bill(self.backend, account, str(total), due=None, status="GENERATED",
                 cycle=period)
        bills.issue_bills(self.backend, self.bo, period, date(2024 + year, month + 1, 3))
        self.billed[account] += total
        STEPS["steps"] += 1

    @rule(account=st.sampled_from(ACCOUNTS), amount=money, name_one=st.booleans())
    def pay(self, account: str, amount: Decimal, name_one: bool) -> None:
        named = None
        if name_one:
            open_bills = [b for b in self._bills() if b.status in ("DUE", "OVERDUE")
                          and self._account_of(b) == account]
            named = open_bills[-1].bill_no if open_bills else None
        reference = f"R{len(self.payments) + 1}"
        result = payments.record_payment(self.backend, self.ao, account, amount, "CASH",
                                         reference, bill_no=named)
        assert not result.already_recorded
        self.payments[reference] = (account, amount, False)
        self.received[account] += amount
        STEPS["steps"] += 1

    @precondition(lambda self: bool(self.payments))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        reference = data.draw(st.sampled_from(sorted(self.payments)))
        account, amount, reversed_before = self.payments[reference]
        STEPS["steps"] += 1
        if reversed_before:
            with pytest.raises(Conflict):
                payments.reverse_payment(self.backend, self.ao, "CASH", reference, "again")
            STEPS["refusals"] += 1
            return
        payments.reverse_payment(self.backend, self.ao, "CASH", reference, "bounced")
        self.payments[reference] = (account, amount, True)
        self.received[account] -= amount

    @rule(data=st.data(), amount=st.decimals("-300.00", "300.00", places=2)
          .filter(lambda d: d != 0))
    def adjust(self, data: st.DataObject, amount: Decimal) -> None:
        issued = [b for b in self._bills() if b.status != "GENERATED"]
        bill = data.draw(st.sampled_from(issued))
        STEPS["steps"] += 1
        refused = bill.status == "PAID" or (amount < 0 and -amount > bill.balance)
        if refused:
            with pytest.raises((Conflict, ValidationError)):
                bills.adjust_bill(self.backend, self.bo, bill.bill_no, amount, "model says no")
            STEPS["refusals"] += 1
            return
        bills.adjust_bill(self.backend, self.bo, bill.bill_no, amount, "correction")
        self.billed[self._account_of(bill)] += amount

    @rule(days_back=st.integers(0, 900))
    def mark_overdue(self, days_back: int) -> None:
        as_of = self.backend.now().date() - timedelta(days=days_back)
        bills.mark_overdue(self.backend, self.bo, as_of)
        self.overdue_as_of = max(self.overdue_as_of or as_of, as_of)
        STEPS["steps"] += 1
        for b in self._bills():  # nothing DUE past the date with a balance is left
            assert not (b.status == "DUE" and b.due_date and b.due_date < as_of
                        and b.balance > 0), b.bill_no

    def _account_of(self, bill: Bill) -> str:
        return self._accounts[bill.bill_no]

    @invariant()
    def money_agrees_with_the_model(self) -> None:
        with self.backend.sessions() as s:
            credit = {r[0]: r[1] for r in s.execute(select(Customer.account_no,
                                                           Customer.credit))}
        all_bills = self._bills()
        for account in ACCOUNTS:
            mine = [b for b in all_bills if self._account_of(b) == account
                    and b.status in ("DUE", "OVERDUE")]
            outstanding = sum((b.balance for b in mine), ZERO)
            net = self.billed[account] - self.received[account]
            assert outstanding - credit[account] == net, (account, outstanding, credit, net)
            assert outstanding == max(net, ZERO) and credit[account] == max(-net, ZERO)

    @invariant()
    def every_bill_is_sound(self) -> None:
        for b in self._bills():
            assert b.balance == b.total + b.adjustments - b.amount_paid
            assert b.balance >= ZERO
            if b.status == "GENERATED":
                continue
            assert (b.status == "PAID") == (b.balance == ZERO), (b.bill_no, b.status, b.balance)
            if b.status == "OVERDUE":  # only ever past its due date
                assert b.due_date is not None and b.due_date < self.backend.now().date()

    @invariant()
    def ledger_is_consistent(self) -> None:
        assert_ledger_consistent(self.backend)


def test_bill_lifecycle_and_allocation_agree_with_the_model(backend: Backend,
                                                             engine: Engine) -> None:
    LedgerMachine.backend = backend
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=10, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture,
                               HealthCheck.too_slow]))
    print(f"\nledger state machine: {STEPS['runs']} runs, {STEPS['steps']} steps, "
          f"{STEPS['refusals']} refusals predicted by the model")

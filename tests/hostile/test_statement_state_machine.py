"""The account statement adds up, whatever happened before it (issue 13).

A hypothesis state machine runs random sequences through the services: cycles of bills on
accounts of 1-3 connections (some readings late, billed and issued afterwards on a
statement of their own), partial and over-payments naming a bill or not, reversals,
debit and credit adjustments. After every issue it checks each new statement against
`dues` and against a plain model of the account kept by the test:

- total due = outstanding - credit as `dues` reports them right after the issue;
- current charges = the sum of the totals of the statement's bills;
- previous balance - payments + reversals + adjustments + current charges = total due;
- previous balance = the account's previous statement's total due;
- payments, reversals and adjustments = what the model saw happen since that statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, func, select

from opsmanager_desktop.db.models import Bill, Customer, Statement
from opsmanager_desktop.domain.errors import Conflict, ValidationError
from opsmanager_desktop.domain.money import ZERO
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, dues, payments
from opsmanager_desktop.services.backend import Backend
from tests.conftest import empty_tables
from tests.helpers import token_for
from tests.ledger_data import add_bill, add_customer, assert_ledger_consistent, cycle_row

pytestmark = pytest.mark.slow
ACCOUNTS = ("S1", "S2", "S3")
money = st.decimals("0.01", "400.00", places=2)
COUNTS = {"runs": 0, "statements": 0, "late": 0, "multi": 0}


@dataclass
class Account:
    """The test's own book of one account: what happened, not how the program sums it."""

    meters: list[str]
    billed: Decimal = ZERO  # issued bills' totals
    adjusted: Decimal = ZERO
    received: Decimal = ZERO
    reversed: Decimal = ZERO
    # the same four at the account's last statement, and its total due
    at_statement: tuple[Decimal, Decimal, Decimal, Decimal] | None = None
    last_due: Decimal | None = None
    bills: dict[str, Decimal] = field(default_factory=dict)  # bill_no -> total


class StatementMachine(RuleBasedStateMachine):
    backend: Backend

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.backend.engine)
        COUNTS["runs"] += 1
        self.ao = token_for(self.backend, Role.ACCOUNTS_OFFICER, "ao")
        self.bo = token_for(self.backend, Role.BILLING_OFFICER, "bo")
        self.accounts: dict[str, Account] = {}
        self.period = ""
        self.issue_day = date(2024, 1, 1)
        self.cycles = 0
        self.late: list[tuple[str, str]] = []  # (account, meter) not billed this cycle
        self.payments: dict[str, tuple[str, Decimal, bool]] = {}
        self.meter_no = 0

    @initialize(connections=st.tuples(*(st.integers(1, 3) for _ in ACCOUNTS)))
    def accounts_with_connections(self, connections: tuple[int, ...]) -> None:
        for account, count in zip(ACCOUNTS, connections, strict=True):
            meters = []
            for _ in range(count):
                self.meter_no += 1
                meters.append(f"{account}-M{self.meter_no}")
            self.accounts[account] = Account(meters)
            add_customer(self.backend, account)  # paid before anything was billed, say

    @rule(data=st.data())
    def bill_a_cycle(self, data: st.DataObject) -> None:
        self.cycles += 1
        year, month = divmod(self.cycles - 1, 12)
        self.period = f"{2024 + year}-{month + 1:02d}"
        self.issue_day = date(2024 + year, month + 1, 3)
        self.late = []
        with self.backend.sessions.begin() as s:
            cycle_row(s, self.period)  # even when every reading of the cycle is late
        for name, account in self.accounts.items():
            for meter in account.meters:
                if data.draw(st.integers(0, 5), label="late?") == 0:
                    self.late.append((name, meter))  # its reading comes in after the issue
                    continue
                self._bill(name, meter, data.draw(money, label="total"))
        self._issue()

    @precondition(lambda self: bool(self.late))
    @rule(data=st.data())
    def late_reading_billed(self, data: st.DataObject) -> None:
        name, meter = self.late.pop(data.draw(st.integers(0, len(self.late) - 1)))
        self._bill(name, meter, data.draw(money, label="late total"))
        COUNTS["late"] += 1
        self._issue()

    def _bill(self, name: str, meter: str, total: Decimal) -> None:
        number = add_bill(self.backend, name, str(total), due=None, status="GENERATED",
                          cycle=self.period, meter=meter,
                          bill_no=f"{self.period}-{meter}")
        self.accounts[name].bills[number] = total

    def _issue(self) -> None:
        with self.backend.sessions() as s:
            before = s.scalar(select(func.max(Statement.id))) or 0
        result = bills.issue_bills(self.backend, self.bo, self.period, self.issue_day)
        with self.backend.sessions() as s:
            made = s.execute(select(Statement, Customer.account_no)
                             .join(Customer, Customer.id == Statement.customer_id)
                             .where(Statement.id > before).order_by(Statement.id)).all()
            on_statement = {sid: list(s.execute(select(Bill.bill_no).where(
                Bill.statement_id == sid)).scalars()) for sid in (m[0].id for m in made)}
        assert result.statements == len(made)
        for statement, name in made:
            self._check(statement, name, on_statement[statement.id])

    def _check(self, st_: Statement, name: str, bill_nos: list[str]) -> None:
        account = self.accounts[name]
        current = sum((account.bills[n] for n in bill_nos), ZERO)
        account.billed += current
        COUNTS["statements"] += 1
        COUNTS["multi"] += len(bill_nos) > 1
        owed = dues.dues(self.backend, self.ao, name)
        assert st_.total_due == owed.outstanding - owed.credit, (name, st_.total_due, owed)
        assert st_.current_charges == current and st_.bills == len(bill_nos)
        assert (st_.previous_balance - st_.payments + st_.reversals + st_.adjustments
                + st_.current_charges) == st_.total_due
        now = (account.billed, account.adjusted, account.received, account.reversed)
        then = account.at_statement or (ZERO, ZERO, ZERO, ZERO)
        assert st_.payments == now[2] - then[2], (name, st_.payments, now, then)
        assert st_.reversals == now[3] - then[3]
        assert st_.adjustments == now[1] - then[1]
        assert st_.total_due == now[0] + now[1] - now[2] + now[3]
        if account.last_due is not None:
            assert st_.previous_balance == account.last_due
        account.at_statement, account.last_due = now, st_.total_due

    def _open_bills(self, name: str) -> list[Bill]:
        with self.backend.sessions() as s:
            return list(s.scalars(select(Bill).join(Customer, Customer.id == Bill.customer_id)
                                  .where(Customer.account_no == name,
                                         Bill.status.in_(("DUE", "OVERDUE")))
                                  .order_by(Bill.id)))

    @precondition(lambda self: self.cycles > 0)
    @rule(name=st.sampled_from(ACCOUNTS), amount=money, name_one=st.booleans())
    def pay(self, name: str, amount: Decimal, name_one: bool) -> None:
        open_bills = self._open_bills(name) if name_one else []
        reference = f"R{len(self.payments) + 1}"
        payments.record_payment(self.backend, self.ao, name, amount, "CASH", reference,
                                bill_no=open_bills[-1].bill_no if open_bills else None)
        self.payments[reference] = (name, amount, False)
        self.accounts[name].received += amount

    @precondition(lambda self: bool(self.payments))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        reference = data.draw(st.sampled_from(sorted(self.payments)))
        name, amount, done = self.payments[reference]
        if done:
            with pytest.raises(Conflict):
                payments.reverse_payment(self.backend, self.ao, "CASH", reference, "again")
            return
        payments.reverse_payment(self.backend, self.ao, "CASH", reference, "bounced")
        self.payments[reference] = (name, amount, True)
        self.accounts[name].reversed += amount

    @precondition(lambda self: self.cycles > 0)
    @rule(data=st.data(), amount=st.decimals("-300.00", "300.00", places=2)
          .filter(lambda d: d != 0))
    def adjust(self, data: st.DataObject, amount: Decimal) -> None:
        name = data.draw(st.sampled_from(ACCOUNTS))
        with self.backend.sessions() as s:
            issued = list(s.scalars(select(Bill).join(Customer, Customer.id == Bill.customer_id)
                                    .where(Customer.account_no == name,
                                           Bill.status != "GENERATED").order_by(Bill.id)))
        if not issued:
            return
        bill = data.draw(st.sampled_from(issued))
        if bill.status == "PAID" or (amount < 0 and -amount > bill.balance):
            with pytest.raises((Conflict, ValidationError)):
                bills.adjust_bill(self.backend, self.bo, bill.bill_no, amount, "model says no")
            return
        bills.adjust_bill(self.backend, self.bo, bill.bill_no, amount, "correction")
        self.accounts[name].adjusted += amount

    def teardown(self) -> None:
        assert_ledger_consistent(self.backend)


def test_every_statement_adds_up_and_matches_dues(backend: Backend, engine: Engine) -> None:
    StatementMachine.backend = backend
    run_state_machine_as_test(StatementMachine, settings=settings(
        max_examples=12, stateful_step_count=14, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture,
                               HealthCheck.too_slow]))
    print(f"\nstatement state machine: {COUNTS['runs']} runs, {COUNTS['statements']} "
          f"statements checked ({COUNTS['multi']} of several bills, {COUNTS['late']} "
          "late bills)")
    assert COUNTS["statements"] > 0

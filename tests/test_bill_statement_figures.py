"""A bill's statement figures are its account's (issue 13): both bills of a two-utility
account show their statement's total due, not the account's balance plus their own
charges; a draft shows what its statement would say; a bill issued before statements
shows the account as at today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, dues, payments, statements
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from tests.billing_data import readings_for
from tests.helpers import token_for
from tests.ledger_data import add_bill
from tests.statement_data import (
    FEBRUARY_ELECTRICITY,
    FEBRUARY_WATER,
    JANUARY_ELECTRICITY,
    JANUARY_WATER,
    two_utility_account,
)

D = Decimal


def test_both_bills_show_their_statements_figures(backend: Backend) -> None:
    acc = two_utility_account(backend, february=True)
    officer = acc.world.officer
    shown = [bills.get_bill(backend, officer, acc.bill_no("2026-02", i)) for i in (0, 1)]
    number = acc.statement_no("2026-02")
    january = JANUARY_ELECTRICITY + JANUARY_WATER
    february = FEBRUARY_ELECTRICITY + FEBRUARY_WATER
    for detail in shown:
        assert (detail.figures_of, detail.statement_no) == ("STATEMENT", number)
        assert detail.last_bill_no == acc.statement_no("2026-01")
        assert detail.as_at == date(2026, 3, 2)
        # the account's: January's two bills brought forward, both February bills charged
        assert (detail.previous_balance, detail.payments_since_last_bill,
                detail.current_charges, detail.total_due) == (
            january, D("0.00"), february, january + february)
        assert detail.statement.current_charges == february
    stored = statements.get_statement(backend, officer, number).statement
    assert shown[0].total_due == stored.total_due


def test_payments_and_reversals_since_the_previous_statement(backend: Backend) -> None:
    acc = two_utility_account(backend)
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(backend, ao, "S-1", "1000.00", "BANK", "T-1", date(2026, 2, 10))
    payments.record_payment(backend, ao, "S-1", "50.00", "CHEQUE", "C-1", date(2026, 2, 11))
    payments.reverse_payment(backend, ao, "CHEQUE", "C-1", "bounced")
    readings_for(acc.world, "2026-02", {acc.connections[0]: "20", acc.connections[1]: "4"})
    run_billing(backend, acc.world.officer, "2026-02")
    bills.issue_bills(backend, acc.world.officer, "2026-02", "2026-03-02")
    detail = bills.get_bill(backend, acc.world.officer, acc.bill_no("2026-02", 1))
    f = detail.statement
    assert (f.payments, f.reversals) == (D("1050.00"), D("50.00"))
    assert detail.payments_since_last_bill == D("1000.00")  # net, as before statements
    assert detail.previous_balance - detail.payments_since_last_bill \
        + detail.current_charges == detail.total_due
    owed = dues.dues(backend, ao, "S-1")
    assert detail.total_due == owed.outstanding - owed.credit


def test_a_draft_shows_what_its_statement_would_say(backend: Backend) -> None:
    acc = two_utility_account(backend)
    readings_for(acc.world, "2026-02", {acc.connections[0]: "20", acc.connections[1]: "4"})
    run_billing(backend, acc.world.officer, "2026-02")
    detail = bills.get_bill(backend, acc.world.officer, acc.bill_no("2026-02", 0))
    assert (detail.figures_of, detail.statement_no) == ("DRAFT", None)
    assert detail.last_bill_no == acc.statement_no("2026-01")
    assert detail.as_at == backend.now().date()
    assert (detail.current_charges, detail.total_due) == (
        FEBRUARY_ELECTRICITY + FEBRUARY_WATER,
        JANUARY_ELECTRICITY + JANUARY_WATER + FEBRUARY_ELECTRICITY + FEBRUARY_WATER)


def test_a_bill_issued_before_statements_shows_the_account_today(backend: Backend) -> None:
    first = add_bill(backend, "L-1", "100.00", due=date(2026, 1, 10))
    add_bill(backend, "L-1", "40.00", due=date(2026, 2, 10), cycle="2026-02")
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    payments.record_payment(backend, ao, "L-1", "30.00", "CASH", "R-1", date(2026, 2, 1))
    detail = bills.get_bill(backend, ao, first)
    assert (detail.figures_of, detail.statement_no, detail.last_bill_no) == (
        "EARLIER", None, None)
    assert (detail.previous_balance, detail.payments_since_last_bill,
            detail.current_charges, detail.total_due) == (
        D("40.00"), D("30.00"), D("100.00"), D("110.00"))
    owed = dues.dues(backend, ao, "L-1")
    assert detail.total_due == owed.outstanding - owed.credit

"""`check_ledger` (db check) on both databases: a demo checks clean, each invariant broken
by a raw statement is reported with its account and reference, and the check changes
nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Connection, func, literal_column, select, update

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import ledger_check, ledger_rules, payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.demo import generate_demo
from opsmanager_desktop.services.ledger_check import check_ledger, rules
from tests.helpers import admin_token, token_for
from tests.ledger_corruption import (
    ONE,
    B,
    C,
    S,
    add_payment,
    add_rows,
    bill_where,
    corrupt,
    first,
    later_statement,
    payment_on_a_bill,
    statement_of_account,
)

NOW = datetime(2026, 3, 15, 10, 0)
TODAY = NOW.date()
OPEN = B.c.status.in_(["DUE", "OVERDUE"])


@pytest.fixture
def demo(backend: Backend) -> Backend:
    backend.clock = lambda: NOW
    generate_demo(backend, admin_token(backend), customers=12, seed=5)
    return backend


# Each case breaks one invariant and returns (the account, the reference) it must be
# reported with; other invariants the same damage breaks may be reported too, but only
# for the accounts returned (the damaged account, and for a cross-account case the other).
Damage = Callable[[Connection], tuple[str, str] | tuple[str, str, str]]


def _bill_update(condition: object, **values: object) -> Damage:
    def damage(conn: Connection) -> tuple[str, str]:
        bill = bill_where(conn, condition)
        conn.execute(update(B).where(B.c.id == bill.id).values(**values))
        return bill.account_no, bill.bill_no
    return damage


def _statement_update(**values: object) -> Damage:
    def damage(conn: Connection) -> tuple[str, str]:
        st = statement_of_account(conn)
        conn.execute(update(S).where(S.c.id == st.id).values(**values))
        return st.account_no, st.statement_no
    return damage


def _payment_without_rows(conn: Connection) -> tuple[str, str]:
    customer = first(conn, select(C.c.id, C.c.account_no).order_by(C.c.id))
    add_payment(conn, customer.id, Decimal("7.00"), "NO-ROWS", TODAY)
    return customer.account_no, "CASH NO-ROWS"


def _more_on_its_bill(conn: Connection) -> tuple[str, str]:
    p = payment_on_a_bill(conn)
    add_rows(conn, p.id, [(p.bill_id, ONE)], TODAY)
    return p.account_no, f"{p.channel} {p.reference}"


def _credit_drawn_twice(conn: Connection) -> tuple[str, str]:
    p = payment_on_a_bill(conn)
    add_rows(conn, p.id, [(None, -ONE)], TODAY)
    return p.account_no, f"{p.channel} {p.reference}"


def _on_anothers_bill(conn: Connection) -> tuple[str, str, str]:
    p = payment_on_a_bill(conn)
    other = bill_where(conn, B.c.customer_id != p.customer_id, OPEN)
    add_rows(conn, p.id, [(other.id, ONE), (None, -ONE)], TODAY)
    return p.account_no, other.bill_no, other.account_no


def _taken_back_from_a_bill(conn: Connection) -> tuple[str, str]:
    p = payment_on_a_bill(conn)
    bill = bill_where(conn, B.c.customer_id == p.customer_id, B.c.id != p.bill_id)
    add_rows(conn, p.id, [(bill.id, -ONE), (None, ONE)], TODAY)
    return p.account_no, bill.bill_no


def _credit_and_dues(conn: Connection) -> tuple[str, str]:
    bill = bill_where(conn, OPEN)
    add_payment(conn, bill.customer_id, Decimal("5.00"), "ADVANCE", TODAY,
                rows=[(None, Decimal("5.00"))])
    conn.execute(update(C).where(C.c.id == bill.customer_id)
                 .values(credit=C.c.credit + Decimal("5.00")))
    return bill.account_no, bill.account_no


def _credit(value: Decimal | None) -> Damage:
    def damage(conn: Connection) -> tuple[str, str]:
        customer = first(conn, select(C.c.id, C.c.account_no).where(C.c.credit == 0)
                         .order_by(C.c.id))
        conn.execute(update(C).where(C.c.id == customer.id).values(
            credit=C.c.credit + ONE if value is None else value))
        return customer.account_no, customer.account_no
    return damage


def _bill_on_anothers_statement(conn: Connection) -> tuple[str, str, str]:
    bill = bill_where(conn, B.c.statement_id.isnot(None))
    st = statement_of_account(conn, not_customer=bill.customer_id)
    conn.execute(update(B).where(B.c.id == bill.id).values(statement_id=st.id))
    return st.account_no, st.statement_no, bill.account_no


def _running_total_down(name: str) -> Damage:
    def damage(conn: Connection) -> tuple[str, str]:
        later, _earlier, number, account = later_statement(conn, S.c[name] > 0)
        conn.execute(update(S).where(S.c.id == later).values({name: 0}))
        return account, number
    return damage


def _reversed_before(conn: Connection) -> tuple[str, str]:
    # nothing is reversed in the demo: the earlier statement says 1.00 was, the later none
    _later, earlier, number, account = later_statement(conn, literal_column("1") == 1)
    conn.execute(update(S).where(S.c.id == earlier).values(reversed_to_date=ONE))
    return account, number


CASES: dict[str, Damage] = {
    "payment.allocated": _payment_without_rows,
    "payment.over_applied": _more_on_its_bill,
    "payment.credit_negative": _credit_drawn_twice,
    "allocation.other_account": _on_anothers_bill,
    "allocation.negative": _taken_back_from_a_bill,
    "bill.amount_paid": _bill_update(OPEN & (B.c.balance > 1),
                                     amount_paid=B.c.amount_paid + ONE,
                                     balance=B.c.balance - ONE),
    "bill.balance": _bill_update(OPEN, balance=B.c.balance + ONE),
    "bill.balance_negative": _bill_update(B.c.status == "PAID", balance=B.c.balance - ONE,
                                          amount_paid=B.c.amount_paid + ONE),
    "bill.adjustments": _bill_update(OPEN, adjustments=B.c.adjustments + ONE,
                                     balance=B.c.balance + ONE),
    "bill.status": _bill_update(OPEN, status="LOST"),
    "bill.paid_status": _bill_update(OPEN & (B.c.balance > 0), status="PAID"),
    "bill.overdue_early": _bill_update((B.c.status == "DUE") & (B.c.due_date >= TODAY),
                                       status="OVERDUE"),
    "bill.generated_paid": _bill_update(B.c.status == "PAID", status="GENERATED",
                                        issue_date=None, due_date=None),
    "bill.generated_issued": _bill_update(OPEN & (B.c.amount_paid == 0), status="GENERATED"),
    "bill.issued_dates": _bill_update(B.c.status == "DUE", due_date=None),
    "account.credit": _credit(None),
    "account.credit_negative": _credit(-ONE),
    "account.credit_and_dues": _credit_and_dues,
    "statement.arithmetic": _statement_update(previous_balance=S.c.previous_balance + ONE),
    "statement.current_charges": _statement_update(
        current_charges=S.c.current_charges + ONE, previous_balance=S.c.previous_balance - ONE),
    "statement.bills": _statement_update(bills=S.c.bills + 1),
    "statement.other_account": _bill_on_anothers_statement,
    "statement.total_due": _statement_update(total_due=S.c.total_due + ONE,
                                             previous_balance=S.c.previous_balance + ONE),
    "statement.payments": _statement_update(payments=S.c.payments + ONE,
                                            previous_balance=S.c.previous_balance + ONE),
    "statement.reversals": _statement_update(reversals=S.c.reversals + ONE,
                                             previous_balance=S.c.previous_balance - ONE),
    "statement.adjustments": _statement_update(adjustments=S.c.adjustments + ONE,
                                               previous_balance=S.c.previous_balance - ONE),
    "statement.billed_to_date": _running_total_down("billed_to_date"),
    "statement.received_to_date": _running_total_down("received_to_date"),
    "statement.reversed_to_date": _reversed_before,
}


def test_every_invariant_has_a_case_that_breaks_it() -> None:
    assert set(CASES) == {rule.invariant for rule in rules(TODAY)}


def test_a_demo_checks_clean(demo: Backend) -> None:
    for role in (Role.ADMIN, Role.ACCOUNTS_OFFICER):
        result = check_ledger(demo, token_for(demo, role))
        assert result.ok, result.problems
        assert result.problems == () and result.accounts_named == ()
        assert (result.accounts, result.statements) == (12, 12 * 12)
        assert result.bills == 180 and result.payments > 100
        assert result.allocations >= result.payments
        assert len(result.invariants) == len(CASES)
    with pytest.raises(PermissionDenied):
        check_ledger(demo, token_for(demo, Role.BILLING_OFFICER))
    with pytest.raises(ValidationError, match="limit"):
        check_ledger(demo, admin_token(demo), 0)


@pytest.mark.parametrize("invariant", sorted(CASES))
def test_each_broken_invariant_is_reported_with_its_account(demo: Backend,
                                                             invariant: str) -> None:
    account, reference, *others = corrupt(demo, CASES[invariant])
    result = check_ledger(demo, admin_token(demo))
    assert not result.ok
    hits = [p for p in result.problems if p.invariant == invariant]
    assert [(p.account_no, reference in p.reference) for p in hits] == [(account, True)], \
        result.problems
    counted = {i.invariant: i.problems for i in result.invariants}
    assert counted[invariant] == 1
    assert set(result.accounts_named) <= {account, *others}, result.problems


def _fingerprint(backend: Backend) -> tuple[object, ...]:
    """Row counts of every table, the newest audit id and the ledger's money summed."""
    counts = [select(func.count()).select_from(t).scalar_subquery()
              for t in Base.metadata.sorted_tables]
    sums = [select(func.sum(column)).scalar_subquery() for column in (
        B.c.amount_paid, B.c.balance, B.c.adjustments, C.c.credit, S.c.total_due)]
    audit = select(func.max(literal_column("id"))).select_from(
        Base.metadata.tables["audit_log"]).scalar_subquery()
    with backend.engine.connect() as conn:
        return tuple(conn.execute(select(*counts, *sums, audit)).one())


def test_the_check_changes_nothing(demo: Backend) -> None:
    admin = admin_token(demo)
    corrupt(demo, CASES["account.credit_and_dues"])
    corrupt(demo, CASES["bill.balance"])
    before = _fingerprint(demo)
    result = check_ledger(demo, admin, 1)
    assert {i.invariant for i in result.invariants if i.problems} == {
        "account.credit_and_dues", "bill.balance"}
    assert _fingerprint(demo) == before


def test_problems_are_counted_past_the_limit(demo: Backend) -> None:
    def every_open_bill(conn: Connection) -> int:
        return conn.execute(update(B).where(OPEN).values(balance=B.c.balance + ONE)).rowcount
    broken = corrupt(demo, every_open_bill)
    assert broken > 3
    result = check_ledger(demo, admin_token(demo), 3)
    assert {i.invariant: i.problems for i in result.invariants}["bill.balance"] == broken
    assert len([p for p in result.problems if p.invariant == "bill.balance"]) == 3
    assert result.problem_count == broken


def test_ranges_cover_every_row_once(demo: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """The passes run per range of ids: ranges of a few ids find what one range finds."""
    for invariant in ("payment.allocated", "allocation.other_account", "account.credit",
                      "statement.arithmetic", "statement.received_to_date"):
        corrupt(demo, CASES[invariant])
    corrupt(demo, lambda conn: conn.execute(update(B).where(OPEN)
                                            .values(balance=B.c.balance + ONE)))
    admin = admin_token(demo)
    whole = check_ledger(demo, admin, 10_000)
    monkeypatch.setattr(ledger_rules, "ROWS_PER_RANGE", 7)
    monkeypatch.setattr(ledger_rules, "ACCOUNTS_PER_RANGE", 2)
    ranged = check_ledger(demo, admin, 10_000)
    assert ranged.invariants == whole.invariants
    assert sorted(ranged.problems, key=repr) == sorted(whole.problems, key=repr)
    assert whole.problem_count > 20


def test_payments_committed_while_it_runs_are_no_false_report(
        demo: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each rule reads what it compares in one statement: a payment committed between
    two of them (recorded, on another connection, before every pass) is seen whole or
    not at all."""
    ao = token_for(demo, Role.ACCOUNTS_OFFICER)
    with demo.engine.connect() as conn:
        accounts = conn.execute(select(C.c.account_no).order_by(C.c.id)).scalars().all()
    real = ledger_check._run
    made = iter(range(len(accounts)))

    def pay_then_run(conn: Connection, *args: object) -> None:
        i = next(made)
        # a part payment, then one that pays everything and leaves credit
        payments.record_payment(demo, ao, accounts[i], "25.00" if i % 2 else "9000.00",
                                "CASH", f"MID-{i}", TODAY)
        real(conn, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger_check, "_run", pay_then_run)
    result = check_ledger(demo, admin_token(demo))
    assert next(made) == len(ledger_rules.passes(TODAY))  # a payment before every pass
    assert result.ok, result.problems


def test_an_empty_database_checks_clean(backend: Backend) -> None:
    result = check_ledger(backend, admin_token(backend))
    assert result.ok and (result.accounts, result.bills, result.payments) == (0, 0, 0)


def test_dates_compare_as_dates(demo: Backend) -> None:
    """A bill due today is not overdue yet; one due yesterday may be."""
    def due(on: date) -> Damage:
        return _bill_update(B.c.status == "DUE", status="OVERDUE", due_date=on)
    corrupt(demo, due(date(2026, 3, 14)))
    assert check_ledger(demo, admin_token(demo)).ok
    corrupt(demo, due(TODAY))
    result = check_ledger(demo, admin_token(demo))
    assert [p.invariant for p in result.problems] == ["bill.overdue_early"]

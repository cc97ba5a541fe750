"""An account whose stored credit disagrees with its payments' rows (corrupted by a raw
UPDATE): issuing a cycle goes on without that account's credit and names it, a payment
or reversal on it is a Conflict naming it, and `db check` exits 5 naming it. Both
databases, services and the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Connection, select, update

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.db.models import AuditEntry, Bill, Customer
from opsmanager_desktop.domain.errors import Conflict, LedgerOutOfStep
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills, payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from opsmanager_desktop.services.ledger_check import check_ledger
from tests.billing_data import World, add_connections, make_world, open_cycle
from tests.helpers import PASSWORD, token_for
from tests.ledger_corruption import C, corrupt
from tests.ledger_data import assert_ledger_consistent

D = Decimal


def _set_credit(backend: Backend, account_no: str, credit: str) -> None:
    def damage(conn: Connection) -> None:
        conn.execute(update(C).where(C.c.account_no == account_no).values(credit=D(credit)))
    corrupt(backend, damage)


def _cycle_with_credit(backend: Backend) -> tuple[World, str]:
    """Two accounts that paid 100.00 ahead, then a cycle billed for them (not issued):
    C-1 one bill, C-2 two. C-2's stored credit is then raised to 150.00."""
    world = make_world(backend)
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", "150", "0")], "2026-01", account_no="C-1")
    add_connections(world, [("DOM", "150", "0"), ("DOM", "10", "0")], "2026-01",
                    account_no="C-2")
    ao = token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    for account in ("C-1", "C-2"):
        payments.record_payment(backend, ao, account, "100.00", "BANK", f"ADV-{account}",
                                date(2026, 1, 20))
    run_billing(backend, world.officer, "2026-01")
    _set_credit(backend, "C-2", "150.00")
    return world, ao


def _bills_of(backend: Backend, account_no: str) -> list[tuple[str, Decimal, Decimal]]:
    with backend.sessions() as s:
        return [(b.status, b.amount_paid, b.balance) for b in s.scalars(
            select(Bill).join(Customer, Customer.id == Bill.customer_id)
            .where(Customer.account_no == account_no).order_by(Bill.id))]


def test_issue_leaves_out_the_credit_of_an_account_out_of_step(backend: Backend) -> None:
    world, ao = _cycle_with_credit(backend)
    result = bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    assert (result.issued, result.statements) == (3, 2)
    assert result.credit_skipped == ("C-2",)
    assert result.credit_applied == D("100.00")  # C-1's, on its bill
    assert _bills_of(backend, "C-1")[0][1] == D("100.00")
    # C-2's bills went out in full; its credit is what the bad row says, untouched
    assert [(status, paid) for status, paid, _ in _bills_of(backend, "C-2")] == [
        ("DUE", D("0.00")), ("DUE", D("0.00"))]
    with backend.sessions() as s:
        assert s.scalar(select(Customer.credit).where(Customer.account_no == "C-2")) == \
            D("150.00")
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "issue_bills")).one()
    assert json.loads(audit.after or "{}")["credit_skipped"] == ["C-2"]
    assert "C-2" in bills.skipped_text(result.credit_skipped)
    check = check_ledger(backend, ao)
    assert check.accounts_named == ("C-2",)
    found = {(p.invariant, p.found, p.expected) for p in check.problems}
    assert ("account.credit", "150.00", "100.00") in found


def test_a_payment_on_an_account_out_of_step_is_a_conflict_naming_it(backend: Backend
                                                                     ) -> None:
    world, ao = _cycle_with_credit(backend)
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    with pytest.raises(LedgerOutOfStep, match=r"account C-2 .*opsmanager db check") as caught:
        payments.record_payment(backend, ao, "C-2", "10.00", "CASH", "R-1",
                                date(2026, 2, 2))
    assert isinstance(caught.value, Conflict) and caught.value.account_no == "C-2"
    # put right (the stored credit back to what the rows say): the next payment spreads
    # the credit the issue left out, and the ledger holds
    _set_credit(backend, "C-2", "100.00")
    payments.record_payment(backend, ao, "C-2", "10.00", "CASH", "R-1", date(2026, 2, 2))
    assert_ledger_consistent(backend)


def test_a_reversal_below_the_stored_credit_is_a_conflict(backend: Backend) -> None:
    world = make_world(backend)
    add_connections(world, [("DOM", None, "0")], account_no="C-3")
    ao = token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    payments.record_payment(backend, ao, "C-3", "100.00", "BANK", "ADV-3", date(2026, 1, 5))
    _set_credit(backend, "C-3", "0.00")
    with pytest.raises(LedgerOutOfStep, match="account C-3"):
        payments.reverse_payment(backend, ao, "BANK", "ADV-3", "cheque returned")
    page = payments.list_payments(backend, ao)
    assert [row.reversed for row in page.rows] == [False]  # nothing half-done


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(backend: Backend, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "ao") -> tuple[int, str, str]:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_the_commands_name_the_account(backend: Backend, run: Run) -> None:
    _cycle_with_credit(backend)
    code, out, err = run("bills", "issue", "--cycle", "2026-01", "--issue-date", "2026-02-01",
                         user="bo")
    assert code == 0, err
    assert "Credit not applied to 1 account(s)" in out and "(C-2)" in out
    assert "opsmanager db check" in out
    code, out, err = run("db", "check")
    assert code == 5, err
    assert "The ledger is out of step" in out and "accounts C-2." in out
    assert "Traceback" not in out + err
    code, out, _ = run("--json", "db", "check", "--limit", "1")
    data = json.loads(out)
    assert code == 5 and data["ok"] is False
    assert data["accounts_with_problems"] == ["C-2"]
    assert {p["account_no"] for p in data["problems"]} == {"C-2"}
    assert set(data["checked"]) == {"accounts", "bills", "payments", "allocations",
                                    "statements"}
    assert {"invariant", "rule", "problems"} == set(data["invariants"][0])
    code, _, err = run("db", "check", "--limit", "0")
    assert code == 2 and "limit" in err
    code, out, err = run("db", "check", user="bo")
    assert code == 3


def test_db_check_on_a_sound_ledger(backend: Backend, run: Run) -> None:
    world = make_world(backend)
    add_connections(world, [("DOM", None, "0")], account_no="C-4")
    token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    code, out, err = run("db", "check", user="admin")
    assert code == 0, err
    assert out.startswith("OK: the ledger holds. Checked 1 accounts, 0 bills")

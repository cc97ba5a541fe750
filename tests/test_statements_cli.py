"""statements list/show, bills show's account figures, payments naming a statement and
dues' latest statement, in-process on both databases: JSON keys, text and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD, token_for
from tests.ledger_data import add_customer
from tests.statement_data import (
    FEBRUARY_ELECTRICITY,
    FEBRUARY_WATER,
    JANUARY_ELECTRICITY,
    JANUARY_WATER,
    TwoUtilities,
    two_utility_account,
)

STATEMENT_KEYS = {"statement_no", "account_no", "customer_name", "cycle", "seq",
                  "issue_date", "due_date", "bills", "previous_balance", "payments",
                  "reversals", "adjustments", "current_charges", "total_due", "balance",
                  "status"}


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[..., Result]


@pytest.fixture
def acc(backend: Backend) -> TwoUtilities:
    token_for(backend, Role.ACCOUNTS_OFFICER, username="ao")
    token_for(backend, Role.FIELD_OFFICER, username="fo")
    acc = two_utility_account(backend, february=True)
    token_for(backend, Role.CONSUMER, username="cons", account_no="S-1")
    return acc


@pytest.fixture
def run(backend: Backend, acc: TwoUtilities, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "ao", as_json: bool = True) -> Result:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *(["--json"] if as_json else []), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def test_list_and_show(acc: TwoUtilities, run: Run) -> None:
    listed = run("statements", "list", "--account", "S-1")
    assert listed.code == 0, listed.err
    rows = listed.json
    assert [r["statement_no"] for r in rows] == [acc.statement_no("2026-01"),
                                                 acc.statement_no("2026-02")]
    assert all(set(r) == STATEMENT_KEYS for r in rows)
    february = rows[1]
    assert (february["cycle"], february["bills"], february["issue_date"]) == (
        "2026-02", 2, "2026-03-02")
    assert february["current_charges"] == str(FEBRUARY_ELECTRICITY + FEBRUARY_WATER)
    assert february["status"] == "OPEN"
    assert len(run("statements", "list", "--cycle", "2026-01").json) == 2  # and X-1's
    assert run("statements", "list", "--search", "X-", "--limit", "1").json[0][
        "account_no"] == "X-1"
    table = run("statements", "list", "--cycle", "2026-02", as_json=False)
    assert table.code == 0 and table.out.splitlines()[0].startswith("statement_no")

    shown = run("statements", "show", acc.statement_no("2026-02").lower())
    assert shown.code == 0, shown.err
    assert set(shown.json) == {"statement", "bills"}
    assert set(shown.json["statement"]) == STATEMENT_KEYS
    assert [b["bill_no"] for b in shown.json["bills"]] == [
        acc.bill_no("2026-02", 0), acc.bill_no("2026-02", 1)]
    assert {b["statement_no"] for b in shown.json["bills"]} == {acc.statement_no("2026-02")}
    text = run("statements", "show", acc.statement_no("2026-02"), as_json=False).out
    assert f"Statement {acc.statement_no('2026-02')}" in text
    assert acc.bill_no("2026-02", 1) in text and "2 bills:" in text


def test_bills_show_says_the_total_due_is_the_accounts(acc: TwoUtilities, run: Run) -> None:
    water = run("bills", "show", acc.bill_no("2026-02", 1), user="bo")
    assert water.code == 0, water.err
    total = JANUARY_ELECTRICITY + JANUARY_WATER + FEBRUARY_ELECTRICITY + FEBRUARY_WATER
    assert water.json["total_due"] == str(total)  # not January's balance + 6.00
    assert water.json["statement_no"] == acc.statement_no("2026-02")
    assert water.json["figures_of"] == "STATEMENT"
    text = run("bills", "show", acc.bill_no("2026-02", 1), user="bo", as_json=False).out
    assert f"Statement {acc.statement_no('2026-02')}: total due 1,354.00 (account)" in text
    assert "This bill: charges 6.00" in text


def test_pay_a_statement_and_see_it_in_dues(acc: TwoUtilities, run: Run) -> None:
    number = acc.statement_no("2026-02")
    paid = run("payments", "record", "--account", "S-1", "--bill", number, "--amount",
               "171.00", "--channel", "BANK", "--reference", "T-1", "--date", "2026-03-05")
    assert paid.code == 0, paid.err
    assert paid.json["applied"] == [
        {"bill_no": acc.bill_no("2026-02", 0), "amount": "165.00"},
        {"bill_no": acc.bill_no("2026-02", 1), "amount": "6.00"}]
    assert (paid.json["statement_no"], paid.json["bill_no"]) == (number, None)
    listed = run("payments", "list", "--account", "S-1")
    assert listed.json[0]["statement_no"] == number
    wrong = run("payments", "record", "--account", "X-1", "--bill", number, "--amount", "1",
                "--channel", "CASH", "--reference", "R-1")
    assert wrong.code == 2 and "another account, not X-1" in wrong.err
    unknown = run("payments", "record", "--account", "S-1", "--bill", "S209901-00000001",
                  "--amount", "1", "--channel", "CASH", "--reference", "R-2")
    assert unknown.code == 4 and "no statement" in unknown.err
    assert "Traceback" not in wrong.err + unknown.err

    due = run("dues", "S-1")
    assert due.json["latest_statement"] == {
        "statement_no": number, "cycle": "2026-02", "issue_date": "2026-03-02",
        "due_date": "2026-03-16", "total_due": "1354.00"}
    assert f"Latest statement {number}" in run("dues", "S-1", as_json=False).out


def test_a_consumer_sees_only_their_own(acc: TwoUtilities, run: Run) -> None:
    own = run("statements", "list", user="cons")
    assert own.code == 0 and {r["account_no"] for r in own.json} == {"S-1"}
    assert run("statements", "show", acc.statement_no("2026-01"), user="cons").code == 0
    other = run("statements", "list", "--account", "X-1", user="cons")
    assert other.code == 0 and other.json == []
    with_x = run("statements", "list", "--cycle", "2026-01").json
    x_no = next(r["statement_no"] for r in with_x if r["account_no"] == "X-1")
    assert run("statements", "show", x_no, user="cons").code == 4
    bills = run("bills", "list", user="cons").json
    assert {b["statement_no"] for b in bills} == {acc.statement_no("2026-01"),
                                                  acc.statement_no("2026-02")}
    assert run("dues", "S-1", user="cons").json["latest_statement"]["statement_no"] == \
        acc.statement_no("2026-02")
    assert run("statements", "list", user="bo").code == 0
    refused = run("statements", "list", user="fo")
    assert refused.code == 3


def test_no_statement_yet(run: Run, backend: Backend) -> None:
    add_customer(backend, "N-1")
    due = run("dues", "N-1")
    assert due.json["latest_statement"] is None
    assert "No statement issued yet." in run("dues", "N-1", as_json=False).out
    assert run("statements", "show", "S202601-99999999").code == 4
    assert run("statements", "list", "--cycle", "2026-13").code == 2

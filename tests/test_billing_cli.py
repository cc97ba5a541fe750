"""billing / bills / demo commands in-process on both databases: exit codes and the JSON
keys of the DESIGN contract."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from tests.billing_data import World, add_connections, make_world, open_cycle
from tests.helpers import PASSWORD, token_for

LIST_KEYS = {"bill_no", "account_no", "utility", "meter_number", "cycle", "units",
             "energy_charge", "fixed_charge", "tax", "total", "amount_paid", "balance",
             "status", "issue_date", "due_date", "statement_no"}
RUN_KEYS = {"cycle", "bills_created", "skipped_existing", "missing_readings", "estimated",
            "total_amount"}


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
def world(backend: Backend) -> World:
    world = make_world(backend)
    token_for(backend, Role.ACCOUNTS_OFFICER, username="ao")
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", "150", "0"), ("WAT", "12", "0")], "2026-01",
                    account_no="A-1")
    add_connections(world, [("COM", "80", "2.5"), ("DOM", None, "0")], "2026-01",
                    account_no="A-2")
    return world


@pytest.fixture
def run(backend: Backend, world: World, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "bo", as_json: bool = True) -> Result:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *(["--json"] if as_json else []), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def test_billing_run_json_and_rerun(run: Run) -> None:
    first = run("billing", "run", "--cycle", "2026-01")
    assert first.code == 0, first.err
    assert set(first.json) == RUN_KEYS
    assert first.json["bills_created"] == 3 and first.json["skipped_existing"] == 0
    assert first.json["total_amount"] == first.json["total_amount"].strip() \
        and "." in first.json["total_amount"]
    assert first.json["missing_readings"] == [{
        "account_no": "A-2", "utility": "electricity",
        "meter_number": first.json["missing_readings"][0]["meter_number"],
        "reason": "no reading for 2026-01"}]
    again = run("billing", "run", "--cycle", "2026-01")
    assert (again.json["bills_created"], again.json["skipped_existing"],
            again.json["total_amount"]) == (0, 3, "0.00")
    text = run("billing", "run", "--cycle", "2026-01", as_json=False)
    assert text.code == 0 and "0 bills created" in text.out and "A-2" in text.out


@pytest.mark.parametrize("args,user,code,message", [
    (("billing", "run", "--cycle", "2026-13"), "bo", 2, "month must be 01 to 12"),
    (("billing", "run", "--cycle", "2030-01"), "bo", 4, "not open yet"),
    (("billing", "run", "--cycle", "2026-01"), "ao", 3, "may not"),
    (("bills", "issue", "--cycle", "2026-01", "--issue-date", "soon"), "bo", 2, "not a date"),
    (("bills", "adjust", "NOPE", "--amount", "5", "--reason", "x"), "ao", 4, "no bill"),
    (("bills", "show", "NOPE"), "bo", 4, "no bill"),
    (("bills", "list", "--status", "LOST"), "bo", 2, "not a bill status"),
    (("demo", "--customers", "3"), "bo", 3, "may not"),
])
def test_exit_codes(run: Run, args: tuple[str, ...], user: str, code: int,
                    message: str) -> None:
    result = run(*args, user=user)
    assert result.code == code, result.err
    assert message in result.err
    assert "Traceback" not in result.err


def test_issue_list_adjust_show_overdue(backend: Backend, run: Run) -> None:
    assert run("billing", "run", "--cycle", "2026-01").code == 0
    issued = run("bills", "issue", "--cycle", "2026-01", "--issue-date", "2026-02-01")
    assert issued.code == 0, issued.err
    assert issued.json["issued"] == 3 and issued.json["due_date"] == "2026-02-15"
    listed = run("bills", "list", "--cycle", "2026-01")
    assert listed.code == 0, listed.err
    rows = listed.json
    assert len(rows) == 3 and all(set(r) == LIST_KEYS for r in rows)
    assert [r["bill_no"] for r in rows] == sorted(r["bill_no"] for r in rows)
    assert rows[0]["status"] == "DUE" and rows[0]["issue_date"] == "2026-02-01"
    assert len(run("bills", "list", "--account", "A-1").json) == 2
    assert run("bills", "list", "--status", "paid").json == []
    assert len(run("bills", "list", "--cycle", "2026-01", "--limit", "2").json) == 2
    target = next(r for r in rows if r["account_no"] == "A-1" and r["utility"] == "water")
    adjusted = run("bills", "adjust", target["bill_no"], "--amount", "-1.00", "--reason",
                   "meter read twice", user="ao")
    assert adjusted.code == 0, adjusted.err
    assert adjusted.json["adjustment"] == "-1.00"
    assert Decimal(adjusted.json["balance"]) == Decimal(target["balance"]) - 1
    too_much = run("bills", "adjust", target["bill_no"], "--amount", "-99999", "--reason",
                   "x", user="ao")
    assert too_much.code == 2 and "more than the balance" in too_much.err
    shown = run("bills", "show", target["bill_no"])
    assert shown.code == 0 and shown.json["bill"]["bill_no"] == target["bill_no"]
    assert [ln["kind"] for ln in shown.json["lines"]] == ["ENERGY", "FIXED"]
    assert shown.json["adjustments"][0]["reason"] == "meter read twice"
    assert run("bills", "show", target["bill_no"], as_json=False).out.startswith(
        f"Bill {target['bill_no']}")
    overdue = run("bills", "mark-overdue", "--as-of", "2026-03-01", user="ao")
    assert overdue.code == 0 and overdue.json == {"as_of": "2026-03-01", "marked": 3}
    consumer = token_for(backend, Role.CONSUMER, "con", account_no="A-2")
    assert consumer
    own = run("bills", "list", user="con")
    assert own.code == 0 and {r["account_no"] for r in own.json} == {"A-2"}
    text = run("bills", "list", "--account", "A-1", as_json=False)
    assert text.code == 0 and "bill_no" in text.out.splitlines()[0]


def test_demo_command(backend: Backend, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import empty_tables
    from tests.helpers import admin_token

    empty_tables(backend.engine)
    admin_token(backend)
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)
    monkeypatch.setenv("OPSMANAGER_USER", "admin")
    capsys.readouterr()
    assert main(["--db", url, "--json", "demo", "--customers", "12", "--seed", "4"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["customers"] == 12 and out["cycles"] == 12 and out["bills"] > 12
    assert main(["--db", url, "demo", "--customers", "12"]) == 5
    assert "empty database" in capsys.readouterr().err

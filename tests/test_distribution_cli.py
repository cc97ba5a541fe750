"""distribution commands in-process on both databases: output, JSON keys, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD, token_for
from tests.test_distribution import HEADER, _world
from tests.test_distribution_statements import make_papers

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(backend: Backend, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "bo", as_json: bool = True) -> tuple[int, str, str]:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *(["--json"] if as_json else []), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_distribution_commands(backend: Backend, run: Run, tmp_path: Path) -> None:
    _unused, nos = _world(backend)
    token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    token_for(backend, Role.SUPERVISOR, "sup")
    field = tmp_path / "field.csv"
    field.write_text(f"{HEADER}\n{nos[0]},handed over,2026-02-03 10:15,fo1,Mrs Ade,,,,\n"
                     f"{nos[1]},not delivered,2026-02-03 10:20,fo1,,,,,dog\n",
                     encoding="utf-8")
    code, out, err = run("distribution", "import", str(field))
    assert code == 0, err
    assert json.loads(out) == {"rows": 2, "recorded": 2, "duplicates": 0, "rejected": 0,
                               "rejects_path": None}
    code, out, err = run("distribution", "record", nos[2], "--status", "emailed", "--email",
                         "c@example.com", "--at", "2026-02-04 08:00", user="sup")
    assert code == 0, err
    assert json.loads(out)["status"] == "EMAILED"
    code, out, err = run("distribution", "status", "--cycle", "2026-01")
    assert code == 0, err
    assert json.loads(out) == {"cycle": "2026-01", "issued": 5, "not_issued": 0,
                               "handed_over": 1, "emailed": 1, "not_delivered": 1,
                               "no_record": 2, "distributed": 2, "pending": 3,
                               "statements": 5, "statements_distributed": 2,
                               "statements_not_delivered": 1, "statements_no_record": 2,
                               "statements_pending": 3}
    code, out, err = run("distribution", "status", "--cycle", "2026-01", as_json=False)
    assert "2 of 5 issued bills distributed (40.0%)" in out
    code, out, err = run("distribution", "pending", "--cycle", "2026-01")
    assert code == 0, err
    pending = json.loads(out)
    assert [p["bill_no"] for p in pending] == [nos[1], nos[3], nos[4]]
    assert pending[0]["status"] == "NOT_DELIVERED" and pending[0]["reason"] == "dog"
    code, out, _err = run("distribution", "pending", "--cycle", "2026-01", "--route", "TR-1",
                          as_json=False)
    assert nos[1] in out and nos[4] not in out
    code, out, err = run("distribution", "history", nos[0])
    assert code == 0 and json.loads(out)[0]["received_by"] == "Mrs Ade"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\n{nos[3]},handed over,2026-02-03 10:15,fo1,,,,,\n",
                   encoding="utf-8")
    code, _out, err = run("distribution", "import", str(bad))
    assert code == 2 and "row 2, received_by: is required" in err
    assert run("distribution", "status", "--cycle", "2026-01", user="ao")[0] == 3
    assert run("distribution", "record", "NOPE", "--status", "emailed", "--email",
               "a@b.cd")[0] == 4
    assert run("distribution", "record", nos[2], "--status", "emailed", "--email",
               "c@example.com", "--at", "2026-02-04 08:00")[0] == 5


def test_statements_on_the_command_line(backend: Backend, run: Run, tmp_path: Path) -> None:
    p = make_papers(backend)
    code, out, err = run("distribution", "record", p.two, "--status", "handed over",
                         "--officer", "fo1", "--to", "Mrs Ade", "--at", "2026-02-03 10:00",
                         as_json=False)
    assert code == 0, err
    assert out.strip() == (f"Statement {p.two} (bills {', '.join(p.two_bills)}): "
                           "handed over at 2026-02-03 10:00.")
    code, out, err = run("distribution", "record", p.one_bill, "--status", "not delivered",
                         "--reason", "dog", "--at", "2026-02-03 11:00")
    assert code == 0, err
    recorded = json.loads(out)
    assert (recorded["bill_no"], recorded["statement_no"], recorded["bills"]) == (
        p.one_bill, p.one, [p.one_bill])
    code, out, err = run("distribution", "status", "--cycle", "2026-01", as_json=False)
    assert "Statements: 1 of 2 distributed; 1 not delivered, 0 with no record yet." in out
    code, out, err = run("distribution", "pending", "--cycle", "2026-01", "--statements")
    assert code == 0, err
    [paper] = json.loads(out)
    assert list(paper) == ["statement_no", "account_no", "customer_name", "address", "bills",
                           "transformer", "status", "occurred_at", "reason"]
    assert {k: paper[k] for k in ("statement_no", "account_no", "bills", "transformer",
                                  "status", "occurred_at", "reason")} == {
        "statement_no": p.one, "account_no": "AC-ONE", "bills": 1, "transformer": "TR-1",
        "status": "NOT_DELIVERED", "occurred_at": "2026-02-03T11:00:00", "reason": "dog"}
    code, out, err = run("distribution", "pending", "--cycle", "2026-01")
    assert [(r["bill_no"], r["statement_no"]) for r in json.loads(out)] == [
        (p.one_bill, p.one)]
    code, out, err = run("distribution", "history", p.two)
    assert code == 0 and [r["bill_no"] for r in json.loads(out)] == p.two_bills
    assert run("distribution", "record", p.two, "--status", "handed_over", "--officer",
               "fo1", "--to", "Mrs Ade", "--at", "2026-02-03 10:00")[0] == 5
    assert run("distribution", "history", "S209912-00000001")[0] == 4

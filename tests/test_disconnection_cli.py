"""disconnection and reconnection commands in-process on both databases: output, JSON,
exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from tests import disconnection_data as data
from tests.helpers import PASSWORD, token_for

Run = Callable[..., tuple[int, str, str]]
ON = data.LIST_DATE.isoformat()


@pytest.fixture
def run(backend: Backend, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "sup", as_json: bool = True) -> tuple[int, str, str]:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *(["--json"] if as_json else []), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_disconnection_commands(backend: Backend, run: Run) -> None:
    dw = data.make(backend)
    token_for(backend, Role.BILLING_OFFICER, "bo")
    conns = [data.connection(dw, transformer=f"DT-{i}") for i in range(3)]
    for c, amount in zip(conns, ("700.00", "250.00", "40.00"), strict=True):
        data.bill(dw, c, amount, data.LIST_DATE - timedelta(days=50))

    code, out, err = run("disconnection", "rules", "show", as_json=False)
    assert code == 0 and "built-in defaults" in out and "500.00" in out
    code, out, err = run("disconnection", "rules", "set", "--min-outstanding", "200",
                         "--fee", "120.00")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["rules"]["min_outstanding"] == "200.00"
    assert shown["rules"]["min_days_overdue"] == 30  # kept
    code, out, err = run("disconnection", "rules", "set", "--min-days", "zero")
    assert code == 2 and "min_days_overdue" in err

    code, out, err = run("disconnection", "list", "--date", ON)
    assert code == 0, err
    assert [(r["transformer_code"], r["outstanding"], r["days_overdue"])
            for r in json.loads(out)] == [("DT-0", "700.00", 50), ("DT-1", "250.00", 50)]
    code, out, err = run("disconnection", "list", "--date", "2026-13-01")
    assert code == 2 and "YYYY-MM-DD" in err
    code, out, err = run("disconnection", "create", "--date", ON, user="bo")
    assert code != 0 and "may not" in err

    code, out, err = run("disconnection", "create", "--date", ON, as_json=False)
    assert code == 0 and "2 connections, 950.00 overdue" in out, err
    list_id = out.split("#")[1].split()[0]
    code, out, err = run("disconnection", "lists")
    assert [r["status"] for r in json.loads(out)] == ["DRAFT"]
    code, out, err = run("disconnection", "entries", list_id, as_json=False)
    assert code == 0 and "DT-1" in out
    code, out, err = run("disconnection", "approve", list_id, "--team", "crew-a",
                         as_json=False)
    assert code == 0 and "2 tickets" in out, err

    code, out, err = run("disconnection", "tickets", "--status", "open", user="fo1")
    tickets = json.loads(out)
    assert [(t["kind"], t["team"]) for t in tickets] == [("DISCONNECT", "CREW-A")] * 2
    first, second = tickets[0]["id"], tickets[1]["id"]
    code, out, err = run("disconnection", "close", str(first), "--outcome", "disconnected",
                         user="fo1")
    assert code == 0 and json.loads(out)["outcome"] == "DISCONNECTED", err
    code, out, err = run("disconnection", "close", str(second), "--outcome",
                         "not_disconnected", user="fo1")
    assert code == 2 and "reason" in err
    code, out, err = run("disconnection", "close", str(second), "--outcome",
                         "not_disconnected", "--reason", "access denied", "--at",
                         "2026-03-31 10:00", user="fo1", as_json=False)
    assert code == 0 and "NOT_DISCONNECTED" in out, err
    code, out, err = run("disconnection", "close", "999", "--outcome", "disconnected",
                         user="fo1")
    assert code == 4 and "#999" in err  # not found

    # the disconnected one pays up, then comes back
    meter = tickets[0]["meter_number"]
    with backend.sessions.begin() as s:
        from sqlalchemy import update

        from opsmanager_desktop.db.models import Bill
        s.execute(update(Bill).where(Bill.connection_id == conns[0])
                  .values(balance=0, amount_paid=700, status="PAID"))
    code, out, err = run("reconnection", "list")
    assert [r["meter_number"] for r in json.loads(out)] == [meter]
    code, out, err = run("reconnection", "create", meter, "--team", "CREW-A", "--to", "fo1",
                         as_json=False)
    assert code == 0 and "fee 120.00 charged" in out, err
    code, out, err = run("disconnection", "tickets", "--kind", "reconnect", user="fo1")
    (ticket,) = json.loads(out)
    code, out, err = run("reconnection", "close", str(ticket["id"]), "--outcome",
                         "reconnected", user="fo1")
    assert code == 0 and json.loads(out)["outcome"] == "RECONNECTED", err
    code, out, err = run("reconnection", "list", as_json=False)
    assert "no disconnected connection" in out


def test_import_command(backend: Backend, run: Run, tmp_path: Path) -> None:
    dw = data.make(backend)
    data.bill(dw, data.connection(dw), "900.00", data.LIST_DATE - timedelta(days=50))
    code, out, err = run("disconnection", "create", "--date", ON, as_json=False)
    list_id = out.split("#")[1].split()[0]  # ids keep counting on MariaDB across tests
    assert run("disconnection", "approve", list_id)[0] == 0
    code, out, err = run("disconnection", "tickets", user="fo1")
    (ticket,) = json.loads(out)
    file = tmp_path / "done.csv"
    file.write_text(f"ticket,outcome,executed_at,reason\n{ticket['id']},NOT_DISCONNECTED,"
                    "2026-03-31 09:00,\n", encoding="utf-8")
    code, out, err = run("disconnection", "import", str(file), user="fo1")
    assert code == 2 and "row 2" in err and "reason" in err
    file.write_text(f"ticket,outcome,executed_at,reason\n{ticket['id']},NOT_DISCONNECTED,"
                    "2026-03-31 09:00,premises locked\n", encoding="utf-8")
    code, out, err = run("disconnection", "import", str(file), user="fo1", as_json=False)
    assert code == 0 and "1 rows: 1 closed, 0 already closed, 0 rejected" in out, err

"""complaints and tickets commands in-process on both databases: JSON keys, text output,
exit codes (2 bad input, 3 not permitted, 4 not found, 5 conflict)."""

from __future__ import annotations

import json
from pathlib import Path

from opsmanager_desktop.services.backend import Backend
from tests.complaints_data import make_desk
from tests.test_distribution_cli import Run, run  # noqa: F401  (the fixture)


def test_complaint_commands(backend: Backend, run: Run, tmp_path: Path) -> None:  # noqa: F811
    desk = make_desk(backend)
    acc = desk.accounts[0]
    code, out, err = run("complaints", "log", acc, "--category", "supply", "--sub", "no_power",
                         "--text", "No power since 6am", "--channel", "phone", user="agent1")
    assert code == 0, err
    logged = json.loads(out)
    number = logged["number"]
    assert logged["status"] == "OPEN" and logged["category"] == "SUPPLY"
    assert logged["history"][0]["status"] == "OPEN"
    code, out, err = run("complaints", "assign", number, "--to", "agent1", user="agent1")
    assert code == 3, out
    code, out, err = run("complaints", "assign", number, "--to", "agent1", "--note", "go",
                         user="sup1", as_json=False)
    assert code == 0, err
    assert out.strip() == f"{number} assigned to agent1."
    assert run("complaints", "move", number, "in_progress", user="agent1")[0] == 0
    code, out, err = run("complaints", "move", number, "resolved", user="agent1")
    assert code == 2 and "note" in err
    code, out, err = run("complaints", "move", number, "closed", user="agent1")
    assert code == 5 and "IN_PROGRESS cannot move to CLOSED" in err
    code, out, err = run("complaints", "move", number, "resolved", "--note", "fuse", user="agent1")
    assert code == 0 and json.loads(out)["resolved_at"]
    code, out, err = run("complaints", "show", number, user="sup1", as_json=False)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"{number}  RESOLVED  due ")
    assert "RESOLVED" in lines[-1] and "agent1" in lines[-1] and "fuse" in lines[-1]
    code, out, err = run("complaints", "list", "--status", "RESOLVED", user="sup1")
    rows = json.loads(out)
    assert code == 0 and [r["number"] for r in rows] == [number]
    assert set(rows[0]) == {"number", "account_no", "category", "subcategory", "status",
                            "assigned_to", "team", "created_at", "due_at", "overdue"}
    assert run("complaints", "show", "CMP-999999", user="sup1")[0] == 4
    code, out, err = run("complaints", "log", acc, "--category", "weather", "--text", "x",
                         user="agent1")
    assert code == 2 and "category" in err


def test_categories_and_import(backend: Backend, run: Run, tmp_path: Path) -> None:  # noqa: F811
    desk = make_desk(backend)
    code, out, err = run("complaints", "categories", user="agent1")
    assert code == 0, err
    assert [c["code"] for c in json.loads(out)] == ["BILLING", "METER", "SERVICE", "SUPPLY"]
    code, out, err = run("complaints", "categories", "--set", "theft", "--name", "Theft",
                         "--due-hours", "12", "--sub", "BYPASS:Meter bypass", user="sup1")
    assert code == 0, err
    assert json.loads(out)["subcategories"] == [["BYPASS", "Meter bypass"]]
    assert run("complaints", "categories", "--set", "x", "--name", "X", "--due-hours", "3",
               user="agent1")[0] == 3
    path = tmp_path / "field.csv"
    path.write_text("account_no,category,description,logged_at,officer\n"
                    f"{desk.accounts[1]},theft,hooked line,2026-03-01 10:00,fo1\n",
                    encoding="utf-8")
    code, out, err = run("complaints", "import", str(path), user="fo1")
    assert code == 0, err
    assert json.loads(out) == {"rows": 1, "logged": 1, "duplicates": 0, "rejected": 0,
                               "rejects_path": None}
    code, out, err = run("complaints", "import", str(path), user="fo1", as_json=False)
    assert out.strip() == "1 rows: 0 logged, 1 already logged, 0 rejected."


def test_ticket_commands(backend: Backend, run: Run) -> None:  # noqa: F811
    make_desk(backend)
    code, out, err = run("tickets", "open", "--kind", "account_change", "--subject",
                         "Change of name", "--contact", "Mary O.", user="agent2")
    assert code == 0, err
    number = json.loads(out)["number"]
    assert number.startswith("TKT-")
    assert run("tickets", "assign", number, "--team", "DESK", user="sup1")[0] == 0
    code, out, err = run("tickets", "list", "--mine", user="agent1")
    assert [r["number"] for r in json.loads(out)] == [number]
    assert set(json.loads(out)[0]) == {"number", "kind", "subject", "account_no", "contact",
                                       "status", "assigned_to", "team", "created_at",
                                       "due_at", "overdue"}
    assert run("tickets", "move", number, "in_progress", user="agent2")[0] == 3
    code, out, err = run("tickets", "move", number, "in_progress", user="agent1")
    assert code == 0 and json.loads(out)["assigned_to"] == "agent1"
    code, out, err = run("tickets", "show", number, user="agent1")
    assert [h["status"] for h in json.loads(out)["history"]] == ["OPEN", "ASSIGNED",
                                                                 "IN_PROGRESS"]
    code, out, err = run("tickets", "open", "--kind", "rant", "--subject", "x", "--contact",
                         "y", user="agent1")
    assert code == 2 and "kind" in err

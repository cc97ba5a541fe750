"""payments / dues / history / reports / export commands, in-process on both databases:
exit codes and the JSON keys of the DESIGN contract."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from tests.helpers import PASSWORD, token_for
from tests.ledger_data import add_bill, add_customer


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
def run(backend: Backend, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    token_for(backend, Role.ACCOUNTS_OFFICER, username="ao")
    token_for(backend, Role.BILLING_OFFICER, username="bo")
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "ao", as_json: bool = True) -> Result:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *(["--json"] if as_json else []), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def test_record_reverse_dues(backend: Backend, run: Run) -> None:
    bill_no = add_bill(backend, "A001", "1000.00", due=date(2026, 1, 10))
    add_bill(backend, "A001", "20.00", due=date(2026, 2, 10))
    rec = run("payments", "record", "--account", "A001", "--bill", bill_no, "--amount",
              "1000", "--channel", "cheque", "--reference", "CHQ-1", "--date", "2026-01-05")
    assert rec.code == 0, rec.err
    assert rec.json["applied"] == [{"bill_no": bill_no, "amount": "1000.00"}]
    assert rec.json["amount"] == "1000.00" and rec.json["paid_at"] == "2026-01-05"
    assert rec.json["outstanding"] == "20.00" and rec.json["already_recorded"] is False
    again = run("payments", "record", "--account", "A001", "--amount", "1000.00",
                "--channel", "CHEQUE", "--reference", "CHQ-1")
    assert again.code == 0 and again.json["already_recorded"] is True
    due = run("dues", "A001")
    assert due.code == 0
    assert due.json == {"account_no": "A001", "outstanding": "20.00", "credit": "0.00",
                        "open_bills": [{"bill_no": due.json["open_bills"][0]["bill_no"],
                                        "balance": "20.00", "status": "DUE",
                                        "due_date": "2026-02-10"}],
                        "latest_statement": None}  # bills written as rows: no statement
    rev = run("payments", "reverse", "--channel", "CHEQUE", "--reference", "CHQ-1",
              "--reason", "returned unpaid")
    assert rev.code == 0 and rev.json["reversed"] is True
    assert rev.json["taken_back"] == [{"bill_no": bill_no, "amount": "1000.00"}]
    assert run("dues", "A001").json["outstanding"] == "1020.00"
    hist = run("history", "A001")
    assert [e["kind"] for e in hist.json].count("REVERSAL") == 1
    listed = run("payments", "list", "--account", "A001", "--reversed")
    assert [p["reference"] for p in listed.json] == ["CHQ-1"]
    text = run("dues", "A001", as_json=False)
    assert "outstanding 1,020.00" in text.out


def test_exit_codes(backend: Backend, run: Run) -> None:
    add_customer(backend, "A001")
    base = ["payments", "record", "--channel", "CASH"]
    bad = run(*base, "--account", "A001", "--amount", "1.001", "--reference", "R")
    assert bad.code == 2 and "amount" in bad.err and "Traceback" not in bad.err
    assert run(*base, "--account", "NOPE", "--amount", "1", "--reference", "R").code == 4
    assert run(*base, "--account", "A001", "--amount", "1", "--reference", "R").code == 0
    clash = run(*base, "--account", "A001", "--amount", "2", "--reference", "R")
    assert clash.code == 5 and "different payment" in clash.err
    refused = run(*base, "--account", "A001", "--amount", "1", "--reference", "S", user="bo")
    assert refused.code == 3
    assert run("payments", "record", "--account", "A001", "--amount", "1", "--channel",
               "BITCOIN", "--reference", "R").code == 2
    assert run("dues", "A002").code == 4
    assert run("payments", "reverse", "--channel", "CASH", "--reference", "NOPE",
               "--reason", "x").code == 4


def test_consumer_dues_only_own(backend: Backend, run: Run) -> None:
    add_bill(backend, "A001", "5.00", due=date(2026, 1, 10))
    add_customer(backend, "A002")
    token_for(backend, Role.CONSUMER, username="cons", account_no="A001")
    assert run("dues", "A001", user="cons").json["outstanding"] == "5.00"
    assert run("dues", "A002", user="cons").code == 3


def test_import_twice(backend: Backend, run: Run, tmp_path: Path) -> None:
    add_bill(backend, "A001", "10.00", due=date(2026, 1, 10))
    path = tmp_path / "settle.csv"
    path.write_text("reference,channel,account_no,amount,paid_at\n"
                    "T-1,BANK,A001,4.00,2026-01-05\nT-2,BANK,A001,8.00,2026-01-05\n"
                    "T-2,BANK,A001,8.00,2026-01-05\n", encoding="utf-8")
    first = run("payments", "import", str(path))
    assert first.code == 0, first.err
    assert {k: first.json[k] for k in ("posted", "duplicates", "rejected")} == {
        "posted": 2, "duplicates": 1, "rejected": 0}
    assert first.json["amount_posted"] == "12.00"
    second = run("payments", "import", str(path))
    assert (second.json["posted"], second.json["duplicates"]) == (0, 3)
    assert run("dues", "A001").json["credit"] == "2.00"
    bad = tmp_path / "bad.csv"
    bad.write_text("reference,channel,account_no,amount,paid_at\n"
                   "T-9,BANK,NOPE,1.00,2026-01-05\nT-10,BANK,A001,1.00,2026-01-05\n",
                   encoding="utf-8")
    refused = run("payments", "import", str(bad))
    assert refused.code == 2 and "row 2, account_no" in refused.err
    skipped = run("payments", "import", str(bad), "--skip-invalid")
    assert skipped.json["posted"] == 1 and skipped.json["rejected"] == 1
    assert Path(skipped.json["rejects_file"]).is_file()


def test_reports(backend: Backend, run: Run) -> None:
    add_bill(backend, "A001", "100.00", due=date(2025, 2, 10), cycle="2025-01", units="120.5")
    run("payments", "record", "--account", "A001", "--amount", "60", "--channel", "POS",
        "--reference", "P-1", "--date", "2025-03-02")
    revenue = run("reports", "revenue", "--year", "2025")
    assert revenue.code == 0 and len(revenue.json) == 12
    assert revenue.json[2] == {"month": "2025-03", "collected": "60.00"}
    assert revenue.json[0] == {"month": "2025-01", "collected": "0.00"}
    consumption = run("reports", "consumption", "--cycle", "2025-01", user="bo")
    assert consumption.json == [{"utility": "electricity", "connections": 1,
                                 "total_units": "120.500", "average_units": "120.500"}]
    efficiency = run("reports", "efficiency")
    assert efficiency.json == [{"cycle": "2025-01", "billed": "100.00", "collected": "60.00",
                                "ratio": "0.6000"}]
    ageing = run("reports", "ageing", "--as-of", "2025-04-01")
    assert ageing.json["total"] == "40.00"
    assert [b["bucket"] for b in ageing.json["buckets"]] == ["0-30", "31-60", "61-90", "90+"]
    assert ageing.json["buckets"][1]["amount"] == "40.00"  # 50 days past due
    assert run("reports", "revenue", "--year", "2025", user="bo").code == 3


def test_export_command(backend: Backend, run: Run, tmp_path: Path) -> None:
    add_customer(backend, "A001")
    run("payments", "record", "--account", "A001", "--amount", "3.50", "--channel", "CASH",
        "--reference", "R-1")
    out = tmp_path / "p.xlsx"
    result = run("export", "payments", "--out", str(out), "--account", "A001")
    assert result.code == 0, result.err
    assert result.json == {"table": "payments", "file": str(out), "rows": 1}
    ws = load_workbook(out).active
    assert ws is not None and ws.max_row == 2
    assert run("export", "payments", "--out", str(tmp_path / "x.csv"), user="bo").code == 3
    assert run("export", "payments", "--out", str(tmp_path / "x.csv"), "--filter",
               "oops").code == 2

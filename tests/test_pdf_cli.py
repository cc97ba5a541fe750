"""`bills print`, `statements print`, `reports workbook` and `reports pack` from the command
line, in-process on both databases: output, JSON keys, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.db.models import Bill, Customer, Statement
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import bills
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from tests.analytics_data import known
from tests.billing_data import add_connections, make_world, open_cycle
from tests.helpers import PASSWORD, token_for

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


def test_bills_print(backend: Backend, run: Run, tmp_path: Path) -> None:
    world = make_world(backend)
    token_for(backend, Role.SUPERVISOR, "sup")
    token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", "150", "0"), ("WAT", "12", "0"), ("COM", "80", "2")],
                    "2026-01")
    power, water = add_connections(world, [("DOM", "90", "0"), ("WAT", "7", "0")],
                                   "2026-01", account_no="TWO")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    out = tmp_path / "jan.pdf"
    code, stdout, err = run("bills", "print", "--cycle", "2026-01", "--out", str(out))
    assert code == 0, err
    data = json.loads(stdout)
    assert set(data) == {"bills", "files", "seconds", "pages_per_second", "statements",
                         "pages", "statements_per_second"}
    assert (data["bills"], data["statements"], data["pages"]) == (5, 4, 4)
    assert data["files"] == [str(out)] and len(PdfReader(str(out)).pages) == 4
    first = PdfReader(str(out)).pages[0].extract_text().split()
    number = next(w for w in first if w.startswith("202601-"))
    code, stdout, err = run("bills", "print", "--bill", number, "--bill", number, "--out",
                            str(tmp_path / "one.pdf"), user="sup", as_json=False)
    assert code == 0, err
    assert stdout.startswith("1 statements (1 bills, 1 pages) printed to")
    # a bill of a two-connection account prints its statement: both bills
    water_bill = _bill_no(backend, water)
    code, stdout, err = run("bills", "print", "--bill", water_bill, "--out",
                            str(tmp_path / "two.pdf"))
    assert code == 0, err
    assert (json.loads(stdout)["statements"], json.loads(stdout)["bills"]) == (1, 2)
    [page] = PdfReader(str(tmp_path / "two.pdf")).pages
    assert _bill_no(backend, power) in page.extract_text()
    code, stdout, err = run("bills", "print", "--cycle", "2026-01", "--split", "3",
                            "--status", "due", "--out", str(tmp_path / "part.pdf"))
    assert code == 0, err
    assert [Path(f).name for f in json.loads(stdout)["files"]] == ["part-001.pdf",
                                                                   "part-002.pdf"]
    assert [len(PdfReader(str(tmp_path / f"part-00{i}.pdf")).pages) for i in (1, 2)] == [3, 1]
    assert run("bills", "print", "--cycle", "2026-01", "--out", str(tmp_path / "x.pdf"),
               user="ao")[0] == 3
    assert run("bills", "print", "--cycle", "2026-01", "--out", str(tmp_path / "x.txt"))[0] == 2
    assert run("bills", "print", "--cycle", "2031-01", "--out", str(tmp_path / "x.pdf"))[0] == 4
    code, _out, err = run("bills", "print", "--cycle", "2026-01", "--out", str(tmp_path / "x.pdf"),
                          "--split", "0")
    assert code == 2 and "split" in err
    with pytest.raises(SystemExit) as usage:  # neither --cycle nor --bill
        run("bills", "print", "--out", str(tmp_path / "x.pdf"))
    assert usage.value.code == 2
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.txt").exists()


def test_statements_print(backend: Backend, run: Run, tmp_path: Path) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    add_connections(world, [("DOM", "90", "0"), ("WAT", "7", "0")], "2026-01",
                    account_no="TWO")
    add_connections(world, [("DOM", "40", "0")], "2026-01", account_no="ONE")
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    with backend.sessions() as s:
        numbers = dict(s.execute(select(Customer.account_no, Statement.statement_no)
                                 .join(Customer, Customer.id == Statement.customer_id)).all())
    out = tmp_path / "s.pdf"
    code, stdout, err = run("statements", "print", "--statement", numbers["TWO"].lower(),
                            numbers["ONE"], "--out", str(out))
    assert code == 0, err
    data = json.loads(stdout)
    assert (data["statements"], data["bills"], data["pages"]) == (2, 3, 2)
    texts = [p.extract_text() for p in PdfReader(str(out)).pages]
    assert numbers["ONE"] in texts[0] and numbers["TWO"] in texts[1]  # by account: O, T
    code, stdout, err = run("statements", "print", "--cycle", "2026-01", "--status", "due",
                            "--split", "1", "--out", str(tmp_path / "c.pdf"))
    assert code == 0, err
    assert len(json.loads(stdout)["files"]) == 2
    assert run("statements", "print", "--cycle", "2026-01", "--transformer", "TR-9",
               "--out", str(tmp_path / "n.pdf"))[0] == 4
    assert run("statements", "print", "--statement", "S209901-00000001",
               "--out", str(tmp_path / "n.pdf"))[0] == 4
    with pytest.raises(SystemExit) as usage:  # --statement and --cycle together
        run("statements", "print", "--statement", numbers["ONE"], "--cycle", "2026-01",
            "--out", str(tmp_path / "n.pdf"))
    assert usage.value.code == 2
    assert not (tmp_path / "n.pdf").exists()


def _bill_no(backend: Backend, connection_id: int) -> str:
    with backend.sessions() as s:
        return str(s.scalar(select(Bill.bill_no).where(Bill.connection_id == connection_id)))


def test_reports_workbook_and_pack(backend: Backend, run: Run, tmp_path: Path) -> None:
    known(backend)
    token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    token_for(backend, Role.BILLING_OFFICER, "bo")
    book = tmp_path / "2026.xlsx"
    code, stdout, err = run("reports", "workbook", "--year", "2026", "--out", str(book),
                            user="ao")
    assert code == 0, err
    assert json.loads(stdout)["sheets"][0] == "Revenue by month"
    assert load_workbook(book)["Revenue by month"]["B5"].value == 75
    pack = tmp_path / "2026.pdf"
    code, stdout, err = run("reports", "pack", "--year", "2026", "--out", str(pack),
                            "--utility", "water", user="ao")
    assert code == 0, err
    assert json.loads(stdout)["pages"] == len(PdfReader(str(pack)).pages) >= 4
    assert run("reports", "workbook", "--year", "2026", "--out", str(tmp_path / "b.xlsx"),
               user="bo")[0] == 3
    assert run("reports", "pack", "--year", "2026", "--out", str(tmp_path / "c.pdf"),
               "--tariff", "nope", user="ao")[0] == 4
    # the commands of the other modules are still there
    assert run("reports", "revenue", "--year", "2026", user="ao")[0] == 0

"""`bills print`, `reports workbook` and `reports pack` from the command line, in-process on
both databases: output, JSON keys, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from opsmanager_desktop.cli.main import main
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
    run_billing(backend, world.officer, "2026-01")
    bills.issue_bills(backend, world.officer, "2026-01", "2026-02-01")
    out = tmp_path / "jan.pdf"
    code, stdout, err = run("bills", "print", "--cycle", "2026-01", "--out", str(out))
    assert code == 0, err
    data = json.loads(stdout)
    assert set(data) == {"bills", "files", "seconds", "pages_per_second"}
    assert data["bills"] == 3 and data["files"] == [str(out)]
    assert len(PdfReader(str(out)).pages) == 3
    first = PdfReader(str(out)).pages[0].extract_text().split()
    number = next(w for w in first if w.startswith("202601-"))
    code, stdout, err = run("bills", "print", "--bill", number, "--bill", number, "--out",
                            str(tmp_path / "one.pdf"), user="sup", as_json=False)
    assert code == 0, err
    assert stdout.startswith("1 bills printed to")
    code, stdout, err = run("bills", "print", "--cycle", "2026-01", "--split", "2",
                            "--status", "due", "--out", str(tmp_path / "part.pdf"))
    assert code == 0, err
    assert [Path(f).name for f in json.loads(stdout)["files"]] == ["part-001.pdf",
                                                                   "part-002.pdf"]
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

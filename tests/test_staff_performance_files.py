"""Staff performance as files and from the command line, on both databases: the workbook
and the PDF read back (openpyxl, pypdf) with their figures; `staff performance` output,
JSON, --out, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.db.models import Setting
from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.staff_performance import performance_report
from tests.helpers import PASSWORD, token_for
from tests.staff_data import FEB_FROM, FEB_TO, make_staff_world

Run = Callable[..., tuple[int, str, str]]


def _header_row(sheet: object) -> list[str]:
    return [c.value for c in sheet[4]]  # type: ignore[index]


def test_workbook_read_back(backend: Backend, tmp_path: Path) -> None:
    sup = make_staff_world(backend)
    out = tmp_path / "staff.xlsx"
    done = performance_report(backend, sup, FEB_FROM, FEB_TO, out)
    assert (done.path, done.people, done.teams) == (out, 3, 2)
    book = load_workbook(out)
    assert book.sheetnames[:2] == ["Per person", "Per team"]
    people = book["Per person"]
    header = _header_row(people)
    assert header[:6] == ["Rank", "User", "Name", "Team", "Score", "Readings"]
    col = {title: i for i, title in enumerate(header)}
    rows = [[c.value for c in r] for r in people.iter_rows(min_row=5, max_row=7)]
    assert [r[col["User"]] for r in rows] == ["fo1", "fo2", "fo3"]
    fo1, fo2 = rows[0], rows[1]
    assert (fo1[col["Readings"]], fo1[col["Approved"]], fo1[col["Rejected"]],
            fo1[col["Bills distributed"]]) == (4, 2, 1, 1)
    assert fo1[col["Approval rate"]] == pytest.approx(0.6667)
    assert fo2[col["Approval rate"]] is None
    assert Decimal(str(fo1[col["Score"]])) == Decimal("42.86")
    total = [c.value for c in people[8]]
    assert total[0] == "Total" and total[col["Readings"]] == 5
    team_sheet = book["Per team"]
    team_header = _header_row(team_sheet)
    assert team_header[:5] == ["Rank", "Team", "Name", "People", "Score"]
    f1 = [c.value for c in team_sheet[5]]
    assert (f1[1], f1[3], f1[team_header.index("Readings")],
            f1[team_header.index("Bills distributed")]) == ("F1", 2, 5, 2)


def test_pdf_read_back_on_letterhead(backend: Backend, tmp_path: Path) -> None:
    sup = make_staff_world(backend)
    with backend.sessions.begin() as s:
        s.add_all([Setting(key="company.name", value="Lagos Power Ltd"),
                   Setting(key="company.address", value="1 Marina Road")])
    out = tmp_path / "staff.pdf"
    done = performance_report(backend, sup, FEB_FROM, FEB_TO, out, team="F1")
    assert done.pages == 2 and (done.people, done.teams) == (2, 1)
    reader = PdfReader(str(out))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert "Lagos Power Ltd" in first and "1 Marina Road" in first
    assert "01 Feb 2026 to 28 Feb 2026" in first and "team F1" in first
    # the table's cells come out one a line: the header, then each row
    lines = first.split("Per person\n", 1)[1].split("\n")
    width = lines.index("fo1") - 1  # the header's cells come before the first row's
    assert lines[0].strip() == "Rank" and lines[width - 1] != "Score"
    fo1, fo2 = lines[width:2 * width], lines[2 * width:3 * width]
    assert fo1[:10] == ["1", "fo1", "fo1", "F1", "42.86", "4", "2", "1", "66.7%", "1"]
    assert fo2[:10] == ["2", "fo2", "fo2", "F1", "17.86", "1", "0", "0", "-", "1"]  # no rate
    second = reader.pages[1].extract_text()
    assert "Per team" in second and "F1\nField one\n2\n42.86\n5\n2\n1\n66.7%\n2" in second
    assert not list(tmp_path.glob(".*.part"))


def test_report_refusals(backend: Backend, tmp_path: Path) -> None:
    sup = make_staff_world(backend)
    with pytest.raises(ValidationError, match=r"\.xlsx or \.pdf"):
        performance_report(backend, sup, FEB_FROM, FEB_TO, tmp_path / "staff.csv")
    with pytest.raises(ValidationError, match="does not exist"):
        performance_report(backend, sup, FEB_FROM, FEB_TO, tmp_path / "no" / "staff.pdf")
    field = token_for(backend, Role.FIELD_OFFICER, "fo1")
    with pytest.raises(PermissionDenied):
        performance_report(backend, field, FEB_FROM, FEB_TO, tmp_path / "staff.pdf")
    assert not list(tmp_path.iterdir())


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


def test_cli(backend: Backend, run: Run, tmp_path: Path) -> None:
    make_staff_world(backend)
    feb = ("--from", "2026-02-01", "--to", "2026-02-28")
    code, out, err = run("staff", "performance", *feb)
    assert code == 0, err
    data = json.loads(out)
    assert (data["from"], data["to"], data["team"]) == ("2026-02-01", "2026-02-28", None)
    fo1 = data["people"][0]
    assert (fo1["username"], fo1["rank"], fo1["readings"], fo1["approval_rate"],
            fo1["bills_distributed"], fo1["score"], fo1["team"]) == (
        "fo1", 1, 4, "0.6667", 1, "42.86", "F1")
    assert data["people"][1]["approval_rate"] is None
    assert [(t["team"], t["people"], t["readings"]) for t in data["teams"]] == [
        ("F1", 2, 5), ("F2", 1, 0)]
    code, out, err = run("staff", "performance", *feb, "--team", "F2", as_json=False)
    assert code == 0, err
    assert "fo3" in out and "fo1" not in out and "Approval rate" in out
    code, out, err = run("staff", "performance", *feb, "--teams", as_json=False)
    assert code == 0 and "Field one" in out and "66.7%" in out
    target = tmp_path / "feb.xlsx"
    code, out, err = run("staff", "performance", *feb, "--out", str(target))
    assert code == 0, err
    assert json.loads(out)["file"] == str(target) and target.exists()
    assert load_workbook(target)["Per person"]["B5"].value == "fo1"
    code, out, err = run("staff", "performance", *feb, user="fo1")
    assert code == 3, err  # refused
    code, out, err = run("staff", "performance", "--from", "2026-02-30", "--to",
                         "2026-03-01")
    assert code == 2 and "not a date" in err
    code, out, err = run("staff", "performance", *feb, "--team", "NOPE")
    assert code == 4 and "NOPE" in err

"""readings commands, in-process on SQLite and MariaDB."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsmanager_desktop.services.backend import Backend
from tests.test_customers_fixtures import JAN, CliRun, World, cli_runner, make_world, row_counts

HEADER = "meter_number,utility,reading,read_at,reader\n"


@pytest.fixture
def world(backend: Backend) -> World:
    w = make_world(backend)
    w.customer("A1", "M1", initial="1000")
    w.customer("A2", "M2")
    return w


@pytest.fixture
def run(world: World, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> CliRun:
    return cli_runner(world.backend, monkeypatch, capsys)


def test_import_approve_reject_list(world: World, run: CliRun, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "M1,electricity,1100,2026-01-30,Rita\nM2,electricity,0,2026-01-31,\n")
    result = run("readings", "import", str(path), "--cycle", JAN, "--source", "AMR")
    assert result.code == 0, result.err
    assert result.json["imported"] == 2 and result.json["flagged_zero"] == 1
    listed = run("readings", "list", "--cycle", JAN, user="u_supervisor").json
    assert [(r["meter_number"], r["units"], r["source"], r["flags"]) for r in listed] == [
        ("M1", "100.000", "AMR", ""), ("M2", "0.000", "AMR", "ZERO")]
    m1, m2 = (r["id"] for r in listed)
    assert run("readings", "approve", "--cycle", JAN, "--id", str(m1)).code == 3  # officer
    approved = run("readings", "approve", "--cycle", JAN, "--id", str(m1),
                   user="u_supervisor")
    assert approved.json == {"cycle": JAN, "approved": 1}
    again = run("readings", "approve", "--cycle", JAN, "--id", str(m1), "--id", "999",
                user="u_supervisor")
    assert again.code == 2 and "only SUBMITTED" in again.err and "no reading 999" in again.err
    assert run("readings", "reject", "--id", str(m2), "--reason", " ",
               user="u_supervisor").code == 2
    rejected = run("readings", "reject", "--id", str(m2), "--reason", "meter hidden",
                   user="u_supervisor")
    assert rejected.json["status"] == "REJECTED"
    assert run("readings", "reject", "--id", "424242", "--reason", "x",
               user="u_supervisor").code == 4
    submitted = run("readings", "list", "--cycle", JAN, "--status", "rejected",
                    user="u_supervisor").json
    assert [r["meter_number"] for r in submitted] == ["M2"]
    assert run("readings", "approve", "--cycle", JAN, "--all",
               user="u_supervisor").json["approved"] == 0


@pytest.mark.parametrize("line,where", [
    ("M1,electricity,abc,2026-01-30,", "row 2, reading: 'abc' is not a number"),
    ("M1,electricity,-1,2026-01-30,", "row 2, reading: -1 must not be negative"),
    ("M1,electricity,900,2026-01-30,", "row 2, reading: current reading 900 is below"),
    ("M1,electricity,1100,2026-03-01,", "row 2, read_at: 2026-03-01 is outside the cycle"),
    ("M9,electricity,1100,2026-01-30,", "row 2, meter_number: no open electricity"),
    ("M1,electricity,1100,2026-01-30,\nM1,electricity,1200,2026-01-30,",
     "row 3, meter_number: meter M1 already has a reading on row 2"),
])
def test_bad_rows_exit_2_and_change_nothing(world: World, run: CliRun, tmp_path: Path,
                                            line: str, where: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + line + "\n")
    before = row_counts(world.backend)
    result = run("readings", "import", str(path), "--cycle", JAN)
    assert result.code == 2
    assert f"error: {where}" in result.err, result.err
    assert row_counts(world.backend) == before


@pytest.mark.parametrize("content,match", [
    ((HEADER + "M1,electricity,1100,2026-01-30,Jos\u00e9\n").encode("latin-1"),
     "not UTF-8 text: line 2, byte"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a PNG image"),
    (b"", "is empty"),
])
def test_wrong_files_exit_2(world: World, run: CliRun, tmp_path: Path, content: bytes,
                            match: str) -> None:
    path = tmp_path / "readings.csv"
    path.write_bytes(content)
    before = row_counts(world.backend)
    result = run("readings", "import", str(path), "--cycle", JAN)
    assert result.code == 2 and match in result.err, result.err
    assert row_counts(world.backend) == before


def test_skip_invalid_writes_rejects(world: World, run: CliRun, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "M1,electricity,1100,2026-01-30,\nM9,electricity,5,2026-01-30,\n")
    result = run("readings", "import", str(path), "--cycle", JAN, "--skip-invalid")
    assert result.code == 0, result.err
    assert (result.json["imported"], result.json["rejected"]) == (1, 1)
    rejects = Path(result.json["rejects_file"])
    assert rejects == tmp_path / "r.rejects.csv"
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "meter_number,utility,reading,read_at,reader,error"
    assert lines[1].startswith("M9,electricity,5,2026-01-30,,meter_number: no open")


def test_enter_with_photo_and_unknown_cycle(world: World, run: CliRun, tmp_path: Path) -> None:
    photo = tmp_path / "m1.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 20)
    result = run("readings", "enter", "M1", "--utility", "electricity", "--cycle", JAN,
                 "--reading", "1010", "--date", "2026-01-20", "--photo", str(photo))
    assert result.code == 0, result.err
    assert result.json["photo"] is True and result.json["units"] == "10.000"
    assert run("readings", "enter", "M2", "--utility", "electricity", "--cycle", "2031-01",
               "--reading", "1", "--date", "2026-01-20").code == 4
    assert run("readings", "enter", "M2", "--utility", "electricity", "--cycle", JAN,
               "--reading", "1", "--date", "20/01/2026").code == 2

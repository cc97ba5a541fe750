"""customers and connections commands, in-process on SQLite and MariaDB: exit codes, every
bad row on stderr with row and column, nothing changed on refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsmanager_desktop.services.backend import Backend
from tests.test_customers_fixtures import CliRun, World, cli_runner, make_world, row_counts

HEADER = "account_no,name,address,phone,email,utility,meter_number,tariff_code,initial_reading\n"


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend)


@pytest.fixture
def run(world: World, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> CliRun:
    return cli_runner(world.backend, monkeypatch, capsys)


def test_import_list_show(world: World, run: CliRun, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "A1,Ann,1 Main St,0801111111,a@example.com,electricity,E1,DOM-1,10\n"
                    "A1,Ann,1 Main St,0801111111,a@example.com,water,W1,WAT-1,0\n")
    result = run("customers", "import", str(path))
    assert result.code == 0, result.err
    assert result.json == {"rows": 2, "customers_created": 1, "connections_created": 2,
                           "rejected": 0, "rejects_file": None}
    listed = run("customers", "list", "--search", "a")
    assert [r["account_no"] for r in listed.json] == ["A1"]
    shown = run("customers", "show", "a1").json
    assert shown["connections"][0]["initial_reading"] == "10.000"  # exact, as text
    assert run("customers", "show", "ZZ").code == 4
    text = run("customers", "show", "A1", json_out=False)
    assert text.code == 0 and "E1" in text.out


def test_bad_import_exits_2_with_every_row_and_changes_nothing(world: World, run: CliRun,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "A1,Ann,,,,electricity,E1,DOM-1,x\n"
                    "A2,Bo,,,,gas,E2,DOM-1,0\nA3,Cy,,,bad-mail,electricity,E3,WAT-1,0\n")
    before = row_counts(world.backend)
    result = run("customers", "import", str(path))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("error: row 2, initial_reading:")
    assert lines[1].startswith("error: row 3, utility:")
    assert lines[2].startswith("error: row 4, email:")
    assert lines[3].startswith("error: row 4, tariff_code:")
    assert "Traceback" not in result.err
    assert row_counts(world.backend) == before
    rejects = tmp_path / "bad.csv"
    skipped = run("customers", "import", str(path), "--skip-invalid", "--rejects",
                  str(rejects))
    assert skipped.code == 0
    assert skipped.json["rejected"] == 3 and skipped.json["rejects_file"] == str(rejects)
    assert rejects.read_text(encoding="utf-8-sig").count("\n") == 4


@pytest.mark.parametrize("content,match", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG image"),
    (b"", "is empty"),
    ((HEADER + "A1,Jos\u00e9,,,,electricity,E1,DOM-1,0\n").encode("latin-1"), "line 2"),
])
def test_not_a_table_exits_2(world: World, run: CliRun, tmp_path: Path, content: bytes,
                             match: str) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(content)
    result = run("customers", "import", str(path))
    assert result.code == 2 and match in result.err


def test_connection_commands(world: World, run: CliRun) -> None:
    world.customer("A1", "M1", initial="100")
    world.customer("A2", "TAKEN")
    result = run("connections", "set-load", "M1", "--utility", "electricity", "--kw", "7.5")
    assert result.code == 0, result.err
    assert result.json["sanctioned_load_kw"] == "7.500"
    assert run("connections", "set-load", "M1", "--utility", "electricity",
               "--kw", "-1").code == 2
    assert run("connections", "set-load", "NOPE", "--utility", "electricity",
               "--kw", "1").code == 4
    assert run("connections", "set-load", "M1", "--utility", "electricity", "--kw", "1",
               user="admin").code == 3
    assert run("connections", "replace-meter", "M1", "--utility", "electricity",
               "--final", "150", "--new-meter", "TAKEN", "--date", "2026-02-01").code == 5
    assert run("connections", "replace-meter", "M1", "--utility", "electricity",
               "--final", "50", "--new-meter", "N1", "--date", "2026-02-01").code == 2
    result = run("connections", "replace-meter", "M1", "--utility", "electricity",
                 "--final", "150", "--new-meter", "N1", "--new-initial", "3",
                 "--date", "2026-02-01")
    assert result.code == 0, result.err
    assert result.json["meter_number"] == "N1"
    result = run("connections", "set-status", "N1", "--utility", "electricity",
                 "--status", "disconnected")
    assert result.json["status"] == "DISCONNECTED"
    assert run("connections", "change-tariff", "N1", "--utility", "electricity",
               "--tariff", "COM-1").json["tariff_code"] == "COM-1"
    listed = run("connections", "list", "--status", "disconnected").json
    assert [c["meter_number"] for c in listed] == ["N1"]


def test_customers_add(world: World, run: CliRun) -> None:
    result = run("customers", "add", "A9", "--name", "Ann", "--utility", "electricity",
                 "--meter", "M9", "--tariff", "DOM-1")
    assert result.code == 0, result.err
    assert result.json["connections"][0]["meter_number"] == "M9"
    assert run("customers", "add", "A9", "--name", "Again").code == 5
    assert run("customers", "add", "A8", "--name", "X", "--email", "nope").code == 2

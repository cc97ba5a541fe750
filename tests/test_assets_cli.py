"""`assets ...` commands on both databases: the register, maintenance, DT readings (entry and
file import with exit 2 and row-level messages) and the energy balance as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.db.models import Connection
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.billing import run_billing
from tests.billing_data import add_connections, make_world, open_cycle
from tests.helpers import PASSWORD, token_for


def test_assets_commands(backend: Backend, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    world = make_world(backend)
    open_cycle(world, "2026-01")
    ids = add_connections(world, [("DOM", "120", "0"), ("DOM", "60", "0")], "2026-01")
    with backend.sessions.begin() as s:
        s.execute(update(Connection).where(Connection.id.in_(ids))
                  .values(transformer_code="TR-7"))
    run_billing(backend, world.officer, "2026-01")
    token_for(backend, Role.SUPERVISOR, "sup")
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(user: str, *argv: str) -> int:
        return main(["--db", url, "--user", user, *argv])

    assert run("sup", "assets", "dss", "add", "DSS-1", "--name", "Central", "--kva",
               "15000", "--lat", "6.45", "--lon", "3.39") == 0
    assert run("sup", "assets", "dt", "add", "TR-7", "--dss", "DSS-1", "--name", "Market",
               "--kva", "500") == 0
    assert "2 connections carry its code" in capsys.readouterr().out
    assert run("sup", "assets", "dt", "add", "TR-8", "--dss", "DSS-1", "--name", "",
               "--kva", "x") == 2
    err = capsys.readouterr().err
    assert "name: is required" in err and "capacity_kva" in err
    assert run("sup", "assets", "maintenance", "schedule", "dt", "TR-7", "--every", "6",
               "--from", "2026-01-01") == 0
    assert run("sup", "assets", "maintenance", "log", "dt", "TR-7", "--work", "Oil changed",
               "--date", "2026-02-01") == 0
    assert "next due 2026-08-01" in capsys.readouterr().out
    assert run("sup", "--json", "assets", "maintenance", "overdue", "--as-of",
               "2026-09-01") == 0
    assert [o["code"] for o in json.loads(capsys.readouterr().out)] == ["TR-7"]
    assert run("sup", "assets", "dt", "set-status", "TR-7", "under maintenance") == 0
    assert "under maintenance" in capsys.readouterr().out
    assert run("sup", "assets", "dt-reading", "add", "TR-7", "--cycle", "2026-01",
               "--reading", "10") == 3  # billing officers enter meter readings

    bad = tmp_path / "dt.csv"
    bad.write_text("transformer,reading,previous\nTR-7,abc,0\nTR-X,5,0\n", encoding="utf-8")
    assert run("bo", "assets", "dt-reading", "import", str(bad), "--cycle", "2026-01") == 2
    err = capsys.readouterr().err
    assert "row 2, reading" in err and "row 3, transformer: no distribution transformer" in err
    good = tmp_path / "good.csv"
    good.write_text("transformer,reading,previous\nTR-7,1240,1000\n", encoding="utf-8")
    assert run("bo", "assets", "dt-reading", "import", str(good), "--cycle", "2026-01") == 0
    assert "1 recorded" in capsys.readouterr().out
    assert run("bo", "assets", "dt-reading", "add", "TR-7", "--cycle", "2026-01",
               "--reading", "1300") == 5  # one per DT per cycle
    capsys.readouterr()
    assert run("sup", "--json", "assets", "energy-balance", "--cycle", "2026-01") == 0
    balance = json.loads(capsys.readouterr().out)
    assert [(b["transformer"], b["input_kwh"], b["billed_kwh"], b["loss_kwh"],
             b["loss_percent"]) for b in balance] == [
        ("TR-7", "240.000", "180.000", "60.000", "25.00")]
    assert run("sup", "--json", "assets", "dt", "show", "tr-7") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["connections"], shown["status"]) == (2, "UNDER_MAINTENANCE")
    assert shown["last_energy_balance"]["loss_percent"] == "25.00"
    assert shown["maintenance"]["logs"][0]["work_done"] == "Oil changed"
    assert run("sup", "--json", "assets", "dt", "list", "--dss", "DSS-1") == 0
    assert [r["code"] for r in json.loads(capsys.readouterr().out)] == ["TR-7"]
    assert run("sup", "assets", "dt", "show", "nope") == 4


def test_register_import(backend: Backend, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    token_for(backend, Role.SUPERVISOR, "sup")
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)
    header = "kind,code,name,capacity_kva,substation,latitude,longitude,status"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\nDSS,D1,Central,15000,,,,\nDT,T1,Market,500,D1,6.5,,\n"
                   "DT,T2,School,500,D9,,,broken\npole,P1,Pole,1,,,,\nDSS,d1,Again,10,,,,\n",
                   encoding="utf-8")
    assert main(["--db", url, "--user", "sup", "assets", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    for expected in ("row 3, longitude", "row 4, substation: no substation 'D9'",
                     "row 4, status", "row 5, kind", "row 6, code: d1 is already"):
        assert expected in err
    good = tmp_path / "good.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (header.split(","), ["DSS", "D1", "Central", "15000"],
                 ["DT", "T1", "Market", "500", "D1", "6.5", "3.4", "faulty"]):
        sheet.append(line)
    book.save(good)
    assert main(["--db", url, "--user", "sup", "assets", "import", str(good)]) == 0
    assert "1 substations and 1 transformers added" in capsys.readouterr().out
    assert main(["--db", url, "--user", "sup", "--json", "assets", "dt", "list"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["code"], row["substation"], row["status"], row["latitude"]) == (
        "T1", "D1", "FAULTY", "6.500000")

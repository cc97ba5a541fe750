"""Handheld field files on both databases: the enumeration and evaluation imports
(all-or-nothing with row and column named, duplicates not written twice, photos beside the
file, rejects), kind detection, and the enumerations/evaluations/field commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from opsmanager_desktop.cli.main import main
from opsmanager_desktop.db.models import Enumeration, Evaluation, FieldPhoto
from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import (
    cycles,
    enumeration_import,
    evaluation_import,
    field_files,
)
from opsmanager_desktop.services.backend import Backend
from tests.complaints_data import Desk, make_desk
from tests.helpers import PASSWORD, admin_token, token_for

Run = Callable[..., tuple[int, str, str]]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EN_HEADER = ("kind,name,utility,meter_number,recorded_at,account_no,address,phone,email,"
             "tariff_code,dt_code,latitude,longitude,photo,notes,officer")
EV_HEADER = ("meter_number,utility,inspected_at,tariff_found,meter_condition,evidence,"
             "estimated_loss,penalty,photos,notes,officer")


@pytest.fixture
def run(backend: Backend, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    url = backend.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("OPSMANAGER_PASSWORD", PASSWORD)

    def run(*args: str, user: str = "fo1", as_json: bool = True) -> tuple[int, str, str]:
        monkeypatch.setenv("OPSMANAGER_USER", user)
        capsys.readouterr()
        code = main(["--db", url, *(["--json"] if as_json else []), *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _enumerations(desk: Desk, tmp_path: Path) -> Path:
    (tmp_path / "photos").mkdir(exist_ok=True)
    (tmp_path / "photos" / "house1.png").write_bytes(PNG)
    path = tmp_path / "enum.csv"
    path.write_text(
        f"{EN_HEADER}\n"
        "new,Ada Obi,electricity,M-NEW-1,2026-03-01 10:00,,4 Hill St,0801 555 0101,,DOM,"
        "DT-7,6.524379,3.379206,house1.png,gate blue,fo1\n"
        f"update,Renamed,electricity,{desk.meters[0]},2026-03-01 11:00,{desk.accounts[0]},,,"
        ",COM,,,,,,\n", encoding="utf-8")
    return path


def test_enumeration_import_duplicates_and_photos(backend: Backend, tmp_path: Path) -> None:
    desk = make_desk(backend)
    path = _enumerations(desk, tmp_path)
    result = enumeration_import.import_enumerations(backend, desk.field, path)
    assert (result.rows, result.recorded, result.duplicates, result.rejected) == (2, 2, 0, 0)
    again = enumeration_import.import_enumerations(backend, desk.field, path)
    assert (again.recorded, again.duplicates) == (0, 2)
    with backend.sessions() as s:
        rows = s.execute(select(Enumeration.kind, Enumeration.source, Enumeration.recorded_by,
                                Enumeration.customer_id.is_not(None))
                         .order_by(Enumeration.id)).all()
        assert [tuple(r) for r in rows] == [("NEW", "IMPORT", "fo1", False),
                                            ("UPDATE", "IMPORT", "fo1", True)]
        assert s.scalar(select(func.count(FieldPhoto.id))) == 1


def test_bad_enumeration_file_names_rows_and_writes_nothing(backend: Backend,
                                                             tmp_path: Path) -> None:
    desk = make_desk(backend)
    path = tmp_path / "bad.csv"
    path.write_text(
        f"{EN_HEADER}\n"
        "new,Good One,electricity,M-OK-1,2026-03-01 10:00,,,,,DOM,,,,,,\n"
        "other,,gas,M-2,yesterday,,,,,DOM,,95,,missing.png,,ghost\n"
        f"update,X,electricity,M-3,2026-03-01 10:00,NOPE,,,,,,,,,,\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        enumeration_import.import_enumerations(backend, desk.field, path)
    found = {(p.row, p.field) for p in info.value.problems}
    assert {(3, "kind"), (3, "name"), (3, "utility"), (3, "recorded_at"), (3, "latitude"),
            (3, "photo"), (3, "officer"), (4, "account_no")} <= found
    assert not any(row == 2 for row, _f in found)
    with backend.sessions() as s:
        assert s.scalar(select(func.count(Enumeration.id))) == 0
    result = enumeration_import.import_enumerations(backend, desk.field, path,
                                                    skip_invalid=True)
    assert (result.recorded, result.rejected) == (1, 2)
    assert result.rejects_path is not None and "error" in result.rejects_path.read_text(
        encoding="utf-8-sig").splitlines()[0]


def test_evaluation_import_xlsx(backend: Backend, tmp_path: Path) -> None:
    desk = make_desk(backend)
    (tmp_path / "a.png").write_bytes(PNG)
    (tmp_path / "b.png").write_bytes(PNG)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(EV_HEADER.split(","))
    sheet.append([desk.meters[0], "electricity", "2026-03-01 09:30", "COM", "bypassed",
                  "cable around meter", "1200.50", "300", "a.png; b.png", "", "fo1"])
    sheet.append([desk.meters[1], "electricity", "2026-03-01 09:45", "DOM", "ok", "", "",
                  "", "", "", ""])
    path = tmp_path / "inspections.xlsx"
    book.save(path)
    result = evaluation_import.import_evaluations(backend, desk.field, path)
    assert (result.rows, result.recorded, result.duplicates) == (2, 2, 0)
    assert evaluation_import.import_evaluations(backend, desk.field, path).duplicates == 2
    with backend.sessions() as s:
        assert s.scalar(select(func.count(FieldPhoto.id))) == 2
        assert s.scalar(select(func.sum(Evaluation.penalty))) == 300
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{EV_HEADER}\nNOPE,electricity,2026-03-01 09:30,WAT,melted,,-5,x,,,\n",
                   encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        evaluation_import.import_evaluations(backend, desk.field, bad)
    assert {"meter_number", "meter_condition", "estimated_loss", "penalty"} <= {
        p.field for p in info.value.problems if p.row == 2}
    with pytest.raises(PermissionDenied):
        evaluation_import.import_evaluations(backend, desk.billing, path)


def test_kind_detection(backend: Backend, tmp_path: Path) -> None:
    for kind, header in (("distribution", "bill_no,status,occurred_at,officer"),
                         ("enumerations", EN_HEADER), ("evaluations", EV_HEADER),
                         ("complaints", "account_no,category,description,logged_at,officer")):
        path = tmp_path / f"{kind}.csv"
        path.write_text(header + "\n", encoding="utf-8")
        assert field_files.detect_kind(path) == kind
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="meter_condition"):
        field_files.detect_kind(odd)


def test_field_commands(backend: Backend, run: Run, tmp_path: Path) -> None:
    desk = make_desk(backend)
    code, out, err = run("field", "import", str(_enumerations(desk, tmp_path)))
    assert code == 0, err
    assert json.loads(out) == {"kind": "enumerations", "rows": 2, "recorded": 2,
                               "duplicates": 0, "rejected": 0, "rejects_path": None}
    ev_file = tmp_path / "ev.csv"
    ev_file.write_text(f"{EV_HEADER}\n{desk.meters[1]},electricity,2026-03-01 09:30,COM,"
                       "tampered,seal broken,100,50,,,\n", encoding="utf-8")
    code, out, err = run("field", "import", str(ev_file), as_json=False)
    assert code == 0, err
    assert out.strip() == ("evaluations file, 1 rows: 1 recorded, 0 already recorded, "
                           "0 rejected.")
    complaints = tmp_path / "c.csv"
    complaints.write_text("account_no,category,description,logged_at,officer\n"
                          f"{desk.accounts[1]},billing,bill too high,2026-03-01 10:00,fo1\n",
                          encoding="utf-8")
    code, out, err = run("field", "import", str(complaints))
    assert code == 0, err
    assert json.loads(out)["kind"] == "complaints" and json.loads(out)["recorded"] == 1
    odd = tmp_path / "odd.csv"
    odd.write_text("x,y\n1,2\n", encoding="utf-8")
    code, out, err = run("field", "import", str(odd))
    assert code == 2 and "bill_no,status,occurred_at" in err and "Traceback" not in err
    code, out, err = run("field", "import", str(odd), "--kind", "evaluations")
    assert code == 2 and "tariff_found" in err
    code, out, err = run("enumerations", "list", "--status", "pending", user="sup1")
    assert code == 0, err
    listed = json.loads(out)
    assert [r["kind"] for r in listed] == ["UPDATE", "NEW"]
    new_id = listed[1]["id"]
    code, out, err = run("enumerations", "show", str(new_id), user="sup1", as_json=False)
    assert code == 0 and "possible duplicates: none" in out
    assert run("enumerations", "approve", str(new_id), user="fo1")[0] == 3
    code, out, err = run("enumerations", "approve", str(new_id), "--account", "NEW-001",
                         user="sup1")
    assert code == 0, err
    assert json.loads(out)[0]["account_no"] == "NEW-001"
    assert run("enumerations", "approve", str(new_id), user="sup1")[0] == 5
    code, out, err = run("enumerations", "reject", str(listed[0]["id"]), "--reason",
                         "wrong house", user="sup1")
    assert code == 0 and json.loads(out)[0]["status"] == "REJECTED"
    code, out, err = run("evaluations", "list", user="sup1")
    [ev] = json.loads(out)
    assert (ev["tariff_found"], ev["tariff_billed"], ev["meter_condition"]) == (
        "COM", "DOM", "TAMPERED")
    cycles.open_cycle(backend, admin_token(backend), "2026-03", 14, False)
    code, out, err = run("evaluations", "approve", str(ev["id"]), user="sup1")
    assert code == 0, err
    assert json.loads(out)[0]["effective_period"] == "2026-04"  # 2026-03 is open
    code, out, err = run("evaluations", "show", str(ev["id"]), user="sup1", as_json=False)
    assert "bills from 2026-04" in out
    assert run("evaluations", "show", "999", user="sup1")[0] == 4
    out_file = tmp_path / "evaluations.csv"
    code, out, err = run("export", "evaluations", "--out", str(out_file), "--status",
                         "approved", user="sup1")
    assert code == 0, err
    lines = out_file.read_text(encoding="utf-8-sig").splitlines()
    assert "tariff_found" in lines[0] and len(lines) == 2 and "TAMPERED" in lines[1]
    token_for(backend, Role.ACCOUNTS_OFFICER, "ao")
    assert run("evaluations", "list", user="ao")[0] == 3


def test_field_import_of_a_distribution_file(backend: Backend, run: Run,
                                             tmp_path: Path) -> None:
    from tests.test_distribution import HEADER, _world

    _unused, nos = _world(backend)
    path = tmp_path / "log.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append([nos[0], "handed over", "2026-02-03 10:15", "fo1", "Mrs Ade", "", "", "", ""])
    book.save(path)
    code, out, err = run("field", "import", str(path))
    assert code == 0, err
    assert json.loads(out) == {"kind": "distribution", "rows": 1, "recorded": 1,
                               "duplicates": 0, "rejected": 0, "rejects_path": None}
    code, out, err = run("field", "import", str(path), "--kind", "distribution")
    assert (code, json.loads(out)["duplicates"]) == (0, 1)

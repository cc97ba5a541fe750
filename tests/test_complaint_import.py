"""The field complaints file on both databases: all-or-nothing, row messages, duplicates
(in the file and already imported), skip-invalid with a rejects file, XLSX."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from opsmanager_desktop.db.models import Complaint, ComplaintHistory
from opsmanager_desktop.domain.errors import PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import complaints
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.complaint_import import import_complaints
from opsmanager_desktop.services.listing import ListQuery
from tests.complaints_data import START, Desk, make_desk
from tests.helpers import token_for

HEADER = "account_no,category,sub_category,description,logged_at,officer,meter_number,channel"


def _file(tmp_path: Path, lines: list[str], name: str = "complaints.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _count(backend: Backend) -> tuple[int, int]:
    with backend.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Complaint)) or 0,
                s.scalar(select(func.count()).select_from(ComplaintHistory)) or 0)


def _good(desk: Desk) -> list[str]:
    a, b = desk.accounts
    return [f"{a},supply,no_power,Whole street dark,2026-03-01 07:15,fo1,,",
            f"{b},METER,FAULTY_METER,Meter glass broken,2026-03-01 10:00,fo1,"
            f"{desk.meters[1]},",
            f"{a},billing,,Bill too high,2026-03-01,fo1,,PHONE"]


def test_import_logs_credits_and_dates(backend: Backend, tmp_path: Path) -> None:
    desk = make_desk(backend)
    seen: list[tuple[int, int]] = []
    result = import_complaints(backend, desk.field, _file(tmp_path, _good(desk)),
                               progress=lambda d, t: seen.append((d, t)))
    assert (result.rows, result.logged, result.duplicates, result.rejected) == (3, 3, 0, 0)
    assert seen[-1] == (3, 3)
    rows = {r.description: r for r in complaints.list_complaints(
        backend, desk.sup, ListQuery(limit=10)).rows}
    supply = rows["Whole street dark"]
    assert (supply.category, supply.subcategory, supply.channel, supply.logged_by) == (
        "SUPPLY", "NO_POWER", "FIELD", "fo1")
    assert supply.created_at == datetime(2026, 3, 1, 7, 15)
    assert supply.due_at == datetime(2026, 3, 2, 7, 15)
    assert supply.overdue  # the clock stands at 2026-03-02 09:00
    first = complaints.get_complaint(backend, desk.sup, supply.number).history[0]
    assert (first.status, first.author, first.at) == ("OPEN", "fo1", supply.created_at)
    assert rows["Meter glass broken"].meter_number == desk.meters[1]
    assert rows["Bill too high"].channel == "PHONE"
    assert rows["Bill too high"].subcategory is None
    assert _count(backend) == (3, 3)


def test_one_bad_row_imports_nothing_and_names_every_problem(backend: Backend,
                                                            tmp_path: Path) -> None:
    desk = make_desk(backend)
    a = desk.accounts[0]
    bad = ["NOPE,SUPPLY,,x,2026-03-01 07:00,fo1,,",
           f"{a},WEATHER,,x,2026-03-01 07:00,fo1,,",
           f"{a},SUPPLY,FAULTY_METER,x,2026-03-01 07:00,fo1,,",
           f"{a},SUPPLY,,,2026-03-01 07:00,fo1,,",
           f"{a},SUPPLY,,x,yesterday,fo1,,",
           f"{a},SUPPLY,,x,2026-03-09 07:00,fo1,,",
           f"{a},SUPPLY,,x,2026-03-01 07:00,ghost,,",
           f"{a},SUPPLY,,x,2026-03-01 07:00,fo1,ZZZ,",
           f"{a},SUPPLY,,x,2026-03-01 07:00,fo1,,FAX"]
    with pytest.raises(ValidationError) as caught:
        import_complaints(backend, desk.field, _file(tmp_path, _good(desk) + bad))
    found = [(p.row, p.field) for p in caught.value.problems]
    assert found == [(5, "account_no"), (6, "category"), (7, "sub_category"),
                     (8, "description"), (9, "logged_at"), (10, "logged_at"),
                     (11, "officer"), (12, "meter_number"), (13, "channel")]
    assert "is in the future" in str(caught.value)
    assert _count(backend) == (0, 0)


def test_duplicates_are_counted_not_written(backend: Backend, tmp_path: Path) -> None:
    desk = make_desk(backend)
    lines = _good(desk)
    path = _file(tmp_path, [*lines, lines[0]])
    first = import_complaints(backend, desk.field, path)
    assert (first.logged, first.duplicates) == (3, 1)
    again = import_complaints(backend, desk.field, path)
    assert (again.rows, again.logged, again.duplicates) == (4, 0, 4)
    # the same complaint by another officer, or at another time, is another complaint
    token_for(backend, Role.FIELD_OFFICER, "fo2")
    a = desk.accounts[0]
    other = import_complaints(backend, desk.field, _file(tmp_path, [
        f"{a},supply,no_power,Whole street dark,2026-03-01 07:15,fo2,,",
        f"{a},supply,no_power,Whole street dark,2026-03-01 07:16,fo1,,"], "more.csv"))
    assert (other.logged, other.duplicates) == (2, 0)
    assert _count(backend) == (5, 5)


def test_skip_invalid_writes_rejects(backend: Backend, tmp_path: Path) -> None:
    desk = make_desk(backend)
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    result = import_complaints(
        backend, desk.field,
        _file(tmp_path, [*_good(desk), f"{desk.accounts[0]},WEATHER,,x,2026-03-01,fo1,,"]),
        skip_invalid=True, rejects_path=rejects)
    assert (result.logged, result.rejected, result.rejects_path) == (3, 1, rejects)
    text = rejects.read_text(encoding="utf-8-sig")
    assert "WEATHER" in text and "not a complaint category" in text


def test_xlsx_and_rights(backend: Backend, tmp_path: Path) -> None:
    desk = make_desk(backend)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["account_no", "category", "description", "logged_at", "officer"])
    sheet.append([desk.accounts[1], "SERVICE", "Rude reader", START - timedelta(days=1), "fo1"])
    path = tmp_path / "complaints.xlsx"
    book.save(path)
    with pytest.raises(PermissionDenied):
        import_complaints(backend, token_for(backend, Role.ADMIN), path)
    result = import_complaints(backend, desk.billing, path)
    assert result.logged == 1
    row = complaints.list_complaints(backend, desk.sup).rows[0]
    assert (row.category, row.created_at) == ("SERVICE", START - timedelta(days=1))

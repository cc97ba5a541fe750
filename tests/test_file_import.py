"""services/file_import.py, the frame the field file imports share: the one audit row of an
import (with each kind's own word for what it wrote), the natural-key duplicate count, and
the date-and-time cell of a handheld export."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select

from opsmanager_desktop.db.models import AuditEntry
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.complaint_import import import_complaints
from opsmanager_desktop.services.core import Ctx
from opsmanager_desktop.services.enumeration_import import import_enumerations
from opsmanager_desktop.services.file_import import KeyedRun, datetime_cell
from opsmanager_desktop.services.imports import Problems, Row
from tests.complaints_data import make_desk


def _import_audits(backend: Backend) -> list[tuple[str, str, dict[str, Any]]]:
    with backend.sessions() as s:
        return [(e.entity, e.entity_id, json.loads(e.after or "{}"))
                for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "import")
                                   .order_by(AuditEntry.id))]


def test_one_audit_row_per_import_in_the_kind_s_words(backend: Backend,
                                                       tmp_path: Path) -> None:
    desk = make_desk(backend)
    a, b = desk.accounts
    complaints = tmp_path / "complaints.csv"
    complaints.write_text(
        "account_no,category,description,logged_at,officer\n"
        f"{a},supply,Whole street dark,2026-03-01 07:15,fo1\n"
        f"{b},supply,Whole street dark,2026-03-01 07:15,fo1\n"
        f"{b},supply,Whole street dark,2026-03-01 07:15,fo1\n", encoding="utf-8")
    enumerations = tmp_path / "enum.csv"
    enumerations.write_text(
        "kind,name,utility,meter_number,recorded_at,tariff_code\n"
        "new,Ada Obi,electricity,M-NEW-1,2026-03-01 10:00,DOM\n", encoding="utf-8")
    result = import_complaints(backend, desk.field, complaints)
    assert (result.rows, result.logged, result.duplicates, result.rejected) == (3, 2, 1, 0)
    import_enumerations(backend, desk.field, enumerations)
    import_enumerations(backend, desk.field, enumerations)
    enum_file = {"file": str(enumerations), "rows": 1, "rejected": 0}
    assert _import_audits(backend) == [
        ("complaints", "complaints.csv", {"file": str(complaints), "rows": 3, "logged": 2,
                                          "duplicates": 1, "rejected": 0}),
        ("enumerations", "enum.csv", {**enum_file, "recorded": 1, "duplicates": 0}),
        ("enumerations", "enum.csv", {**enum_file, "recorded": 0, "duplicates": 1})]


def test_a_key_is_new_once_and_never_when_stored() -> None:
    run: KeyedRun[str] = KeyedRun(cast(Ctx, None))
    assert [run.is_new(k, {"stored"}) for k in ("a", "stored", "b", "a", "b", "c")] == [
        True, False, True, False, False, True]
    assert (run.duplicates, run.written, run.seen) == (3, 0, {"a", "b", "c"})


def test_datetime_cell() -> None:
    problems = Problems()

    def cell(text: str) -> datetime | None:
        return datetime_cell(Row(2, (text,), {"at": 0}), "at", problems)

    assert cell("2026-02-03 9:30") == datetime(2026, 2, 3, 9, 30)
    assert cell("2026-02-03T14:30:15.7") == datetime(2026, 2, 3, 14, 30, 15)
    assert cell("2026-02-03") == datetime(2026, 2, 3)
    assert cell("") is None and cell("03/02/2026") is None and cell("2026-02-30") is None
    assert [(p.row, p.field, p.reason) for p in problems.items] == [
        (2, "at", "is required"),
        *[(2, "at", f"{t!r} is not a date and time; write it as YYYY-MM-DD HH:MM, "
           "e.g. 2026-02-03 14:30") for t in ("03/02/2026", "2026-02-30")]]

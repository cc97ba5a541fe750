"""readings import: every bad input refused with row and column and nothing written;
skip_invalid writes the rejects; photos beside the file go into the database."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from opsmanager_desktop.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from opsmanager_desktop.domain.readings import Flag, ReadingSource, ReadingStatus
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import connections, cycles, readings
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.imports import ImportCancelled
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import token_for
from tests.test_customers_fixtures import FEB, JAN, World, make_world, row_counts, write_csv

D = Decimal
HEADER = "meter_number,utility,reading,read_at,reader,photo\n"
GOOD = "M1,electricity,1100,2026-01-30,Rita,\nM2,electricity,50,2026-01-31,,\nW1,water,7.125,2026-02-03,Sam,\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


@pytest.fixture
def world(backend: Backend) -> World:
    w = make_world(backend)
    w.customer("A1", "M1", initial="1000")
    w.customer("A2", "M2", initial="0")
    w.customer("A3", "W1", utility="water", tariff="WAT-1")
    w.customer("A4", "M4", initial="1000")
    return w


def _import(world: World, path: Path, period: str = JAN,
            **kw: object) -> readings.ReadingImportResult:
    return readings.import_readings(world.backend, world.officer, path, period, **kw)  # type: ignore[arg-type]


def _rows(world: World, **filters: object) -> list[readings.ReadingRow]:
    return readings.list_readings(world.backend, world.supervisor,
                                  ListQuery(filters=filters, sort="meter_number")).rows


def test_good_file(world: World, tmp_path: Path) -> None:
    result = _import(world, write_csv(tmp_path / "r.csv", HEADER + GOOD, "utf-8-sig"))
    assert (result.cycle, result.rows, result.imported, result.rejected, result.flagged_zero) \
        == (JAN, 3, 3, 0, 0)
    rows = _rows(world, cycle=JAN)
    assert [(r.meter_number, r.previous_reading, r.current_reading, r.units, r.reader,
             r.source, r.status) for r in rows] == [
        ("M1", D("1000"), D("1100"), D("100"), "Rita", ReadingSource.IMPORT,
         ReadingStatus.SUBMITTED),
        ("M2", D("0"), D("50"), D("50"), "", ReadingSource.IMPORT, ReadingStatus.SUBMITTED),
        ("W1", D("0"), D("7.125"), D("7.125"), "Sam", ReadingSource.IMPORT,
         ReadingStatus.SUBMITTED)]


def test_amr_source_and_flags(world: World, tmp_path: Path) -> None:
    for period, value in ((JAN, "1100"), (FEB, "1200"), ("2026-03", "1300")):
        world.reading("M1", period, value)
    text = "meter_number,utility,reading,read_at\nM1,electricity,1700,2026-04-30 23:00:00\n" \
        "M2,electricity,0,2026-04-30\n"
    result = _import(world, write_csv(tmp_path / "amr.csv", text), "2026-04", source="AMR")
    assert (result.flagged_high, result.flagged_zero) == (1, 1)
    assert [(r.source, r.flags) for r in _rows(world, cycle="2026-04")] == [
        (ReadingSource.AMR, (Flag.HIGH,)), (ReadingSource.AMR, (Flag.ZERO,))]
    with pytest.raises(ValidationError, match="source"):
        _import(world, tmp_path / "amr.csv", "2026-05", source="fax")


BAD = [
    ("M3,electricity,1100,2026-01-30,,", "meter_number", "no open electricity connection has "
                                                         "meter M3"),
    ("W1,electricity,1100,2026-01-30,,", "meter_number", "no open electricity connection"),
    ("M1,gas,1100,2026-01-30,,", "utility", "not a known utility type"),
    ("M1,electricity,abc,2026-01-30,,", "reading", "not a number"),
    ("M1,electricity,-5,2026-01-30,,", "reading", "negative"),
    ("M1,electricity,1100.0001,2026-01-30,,", "reading", "more than 3 decimal places"),
    ("M4,electricity,999,2026-01-30,,", "reading", "current reading 999 is below the "
                                                   "previous reading 1000"),
    ("M1,electricity,,2026-01-30,,", "reading", "is required"),
    ("M1,electricity,1100,2026-02-06,,", "read_at", "outside the cycle"),
    ("M1,electricity,1100,2025-12-31,,", "read_at", "outside the cycle"),
    ("M1,electricity,1100,30/01/2026,,", "read_at", "YYYY-MM-DD"),
    ("M1,electricity,1100,2026-01-30,,missing.jpg", "photo", "no file 'missing.jpg'"),
    ("M1,electricity,1100,2026-01-30,,notes.txt", "photo", "not a JPEG"),
    ("M1,electricity,1100,2026-01-30,,../secret.jpg", "photo", "no absolute path"),
    ("M1,electricity,1200,2026-01-30,,", "meter_number", "already has a reading on row 2"),
]


@pytest.mark.parametrize("line,field,reason", BAD)
def test_bad_row_refuses_file_and_changes_nothing(world: World, tmp_path: Path, line: str,
                                                  field: str, reason: str) -> None:
    (tmp_path / "notes.txt").write_text("not a photo")
    before = row_counts(world.backend)
    with pytest.raises(ValidationError) as err:
        _import(world, write_csv(tmp_path / "r.csv", HEADER + GOOD + line + "\n"))
    (problem,) = err.value.problems
    assert (problem.row, problem.field) == (5, field)
    assert reason in problem.reason, problem.reason
    assert row_counts(world.backend) == before


def test_duplicate_against_database(world: World, tmp_path: Path) -> None:
    world.reading("M2", JAN, "40", approve=False)
    before = row_counts(world.backend)
    with pytest.raises(ValidationError) as err:
        _import(world, write_csv(tmp_path / "r.csv", HEADER + GOOD))
    (problem,) = err.value.problems
    assert (problem.row, problem.field) == (3, "meter_number")
    assert "already has a SUBMITTED reading for 2026-01" in problem.reason
    assert row_counts(world.backend) == before


def test_every_bad_row_reported_at_once(world: World, tmp_path: Path) -> None:
    lines = "".join(line + "\n" for line, _, _ in BAD[:5])
    with pytest.raises(ValidationError) as err:
        _import(world, write_csv(tmp_path / "r.csv", HEADER + lines))
    assert [(p.row, p.field) for p in err.value.problems] == [
        (2, "meter_number"), (3, "meter_number"), (4, "utility"), (5, "reading"),
        (6, "reading")]


@pytest.mark.parametrize("content,match", [
    ("meter_number,utility,reading,read_at,reader\nM1,electricity,1,2026-01-30,Jos\u00e9\n"
     .encode("latin-1"), "not UTF-8 text: line 2"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "PNG image"),
    (b"", "is empty"),
])
def test_files_that_are_not_tables(world: World, tmp_path: Path, content: bytes,
                                   match: str) -> None:
    path = tmp_path / "readings.csv"
    path.write_bytes(content)
    before = row_counts(world.backend)
    with pytest.raises(ValidationError, match=match):
        _import(world, path)
    assert row_counts(world.backend) == before


def test_skip_invalid_writes_rejects_and_imports_the_rest(world: World,
                                                          tmp_path: Path) -> None:
    text = HEADER + GOOD + BAD[0][0] + "\n" + BAD[3][0].replace("M1", "M2") + "\n"
    result = _import(world, write_csv(tmp_path / "r.csv", text), skip_invalid=True)
    assert (result.imported, result.rejected) == (3, 2)
    assert result.rejects_path == tmp_path / "r.rejects.csv"
    with result.rejects_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*HEADER.strip().split(","), "error"]
    assert [r[0] for r in rows[1:]] == ["M3", "M2"]
    assert "no open electricity connection" in rows[1][-1] and "not a number" in rows[2][-1]
    assert len(_rows(world, cycle=JAN)) == 3


def test_photos_beside_the_file_are_stored(world: World, tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "m1.jpg").write_bytes(JPEG)
    (tmp_path / "m2.jpg").write_bytes(JPEG + b"2")
    text = HEADER + "M1,electricity,1100,2026-01-30,Rita,m1.jpg\n" \
        "M2,electricity,50,2026-01-30,,m2.jpg\n"
    result = _import(world, write_csv(tmp_path / "r.csv", text))
    assert result.photos == 2
    m1, m2 = _rows(world, cycle=JAN)
    assert m1.has_photo and m2.has_photo
    assert readings.get_reading_photo(world.backend, world.supervisor, m1.id) == JPEG
    assert readings.get_reading_photo(world.backend, world.supervisor, m2.id) == JPEG + b"2"


def test_rejected_reading_is_replaced_by_the_import(world: World, tmp_path: Path) -> None:
    old = world.reading("M1", JAN, "1900", approve=False)
    readings.reject_reading(world.backend, world.supervisor, old.id, "photo shows 1100")
    result = _import(world, write_csv(tmp_path / "r.csv", HEADER + GOOD))
    assert (result.imported, result.replaced_rejected) == (3, 1)
    m1 = _rows(world, cycle=JAN)[0]
    assert (m1.id, m1.status, m1.current_reading, m1.reject_reason) == (
        old.id, ReadingStatus.SUBMITTED, D("1100"), None)


def test_replacement_consumed_by_imported_reading(world: World, tmp_path: Path) -> None:
    world.reading("M1", JAN, "1100")
    connections.replace_meter(world.backend, world.officer, "M1", "electricity",
                              old_final="1140", new_meter="N1", new_initial="5",
                              replaced_on=date(2026, 2, 10))
    _import(world, write_csv(tmp_path / "r.csv", HEADER + "N1,electricity,65,2026-02-27,,\n"),
            FEB)
    (row,) = _rows(world, cycle=FEB)
    assert (row.meter_number, row.previous_reading, row.units) == ("N1", D("5"), D("100"))


def test_xlsx_file(world: World, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["meter_number", "utility", "reading", "read_at"])
    sheet.append(["M1", "electricity", 1100.5, datetime(2026, 1, 30)])
    sheet.append(["M2", "Electricity", 12, date(2026, 1, 31)])
    book.save(tmp_path / "r.xlsx")
    assert _import(world, tmp_path / "r.xlsx").imported == 2
    assert _rows(world, cycle=JAN)[0].units == D("100.500")


def test_permission_cancel_and_cycle(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", HEADER + GOOD)
    before = row_counts(world.backend)
    with pytest.raises(PermissionDenied):
        readings.import_readings(world.backend, token_for(world.backend, Role.SUPERVISOR),
                                 path, JAN)
    with pytest.raises(ImportCancelled):
        _import(world, path, cancelled=lambda: True)
    with pytest.raises(NotFound, match="2030-01"):
        _import(world, path, "2030-01")
    cycles.close_cycle(world.backend, world.admin, JAN)
    with pytest.raises(Conflict, match="closed"):
        _import(world, path)
    assert row_counts(world.backend) == before


def test_many_rows_across_chunks(world: World, tmp_path: Path) -> None:
    """A late bad row undoes the chunks already written; a duplicate is caught across
    chunks."""
    lines = [f"B{i},Name,,,,electricity,B{i},DOM-1,0,2025-12-01" for i in range(12000)]
    from opsmanager_desktop.services import customers
    customers.import_customers(world.backend, world.officer, write_csv(
        tmp_path / "c.csv", "account_no,name,address,phone,email,utility,meter_number,"
        "tariff_code,initial_reading,connected_on\n" + "\n".join(lines) + "\n"))
    good = [f"B{i},electricity,{i % 50},2026-01-31" for i in range(12000)]
    before = row_counts(world.backend)
    with pytest.raises(ValidationError) as err:
        _import(world, write_csv(tmp_path / "r.csv", "meter_number,utility,reading,read_at\n"
                                 + "\n".join([*good, "B5,electricity,1,2026-01-31"]) + "\n"))
    (problem,) = err.value.problems
    assert problem.row == 12002 and "already has a reading on row 7" in problem.reason
    assert row_counts(world.backend) == before
    result = _import(world, tmp_path / "r.csv", skip_invalid=True)
    assert (result.imported, result.rejected, result.flagged_zero) == (12000, 1, 240)


def test_reading_entered_meanwhile_fails_the_import_cleanly(world: World, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """Another officer enters a reading for a meter of the file after the file was checked
    and before its chunk is written: the unique key refuses the write (on MariaDB on the
    import's writer thread), the officer is told, and nothing of the file stays."""
    if not world.backend.is_mysql:
        pytest.skip("SQLite: the import holds the only write lock; no one enters meanwhile")
    from opsmanager_desktop.services import reading_import
    finish = reading_import._ReadingImport.finish

    def check_then_race(job: reading_import._ReadingImport, prepared: object,
                        problems: object) -> object:
        items = finish(job, prepared, problems)  # type: ignore[arg-type]
        if not job.seen.get(-1):
            job.seen[-1] = 1
            world.reading("M2", JAN, "40", approve=False)  # committed by its own service call
        return items

    monkeypatch.setattr(reading_import._ReadingImport, "finish", check_then_race)
    before = row_counts(world.backend)
    with pytest.raises(Conflict, match="clashes with existing data"):
        _import(world, write_csv(tmp_path / "r.csv", HEADER + GOOD))
    after = row_counts(world.backend)
    assert after["meter_readings"] == before["meter_readings"] + 1  # the other officer's only
    assert [r.current_reading for r in _rows(world, cycle=JAN)] == [D("40")]

"""services/imports.py: the shared reader and the import pattern (no database needed)."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from opsmanager_desktop.domain.errors import ValidationError
from opsmanager_desktop.services.imports import (
    ImportCancelled,
    Problems,
    Row,
    choice_cell,
    date_cell,
    decimal_cell,
    read_table,
    run_import,
    text_cell,
)
from tests.test_customers_fixtures import write_csv

REQ = ("meter_number", "reading")
OPT = ("reader",)


def _refused(path: Path, *match: str) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        read_table(path, REQ, OPT)
    text = str(err.value)
    for part in match:
        assert part in text, text
    return err.value


def test_csv_with_and_without_bom_same_rows(tmp_path: Path) -> None:
    text = "meter_number,reading\nM1,10\n\nM2,\"1,234.5\"\n"
    plain = read_table(write_csv(tmp_path / "a.csv", text), REQ, OPT)
    bom = read_table(write_csv(tmp_path / "b.csv", text, "utf-8-sig"), REQ, OPT)
    for table in (plain, bom):
        assert table.columns == ("meter_number", "reading")
        assert table.total == 3  # by lines, for progress: the blank line counts
        assert [(r.number, r.cells) for r in table] == [(2, ("M1", "10")),
                                                         (4, ("M2", "1,234.5"))]


def test_header_spelling_and_semicolons(tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "a.csv", "Meter Number;READING;reader\nM1;5;Bo\n"),
                       REQ, OPT)
    (row,) = list(table)
    assert (row["meter_number"], row["reading"], row["reader"]) == ("M1", "5", "Bo")
    assert table.header == ("Meter Number", "READING", "reader")


def test_xlsx_with_date_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["meter_number", "reading", "reader"])
    sheet.append(["M1", 1234.5, datetime(2026, 1, 31)])
    sheet.append(["M2", 7, date(2026, 2, 1)])
    sheet.append([None, None, None])
    path = tmp_path / "r.xlsx"
    book.save(path)
    table = read_table(path, REQ, OPT)
    assert [r.cells for r in table] == [("M1", "1234.5", "2026-01-31"),
                                         ("M2", "7", "2026-02-01")]
    problems = Problems()
    assert [date_cell(r, "reader", problems) for r in table] == [date(2026, 1, 31),
                                                                  date(2026, 2, 1)]
    assert [decimal_cell(r, "reading", problems, places=3) for r in table] == [
        Decimal("1234.5"), Decimal("7")]
    assert not len(problems)


def test_latin1_file_names_line_and_byte(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "latin.csv", "meter_number,reading,reader\nM1,5,Jos\u00e9\n",
                     "latin-1")
    err = _refused(path, "not UTF-8", "line 2", "byte 37", "0xe9")
    assert err.problems[0].row == 2


@pytest.mark.parametrize("content,match", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    (b"", "is empty"),
    (b"\xef\xbb\xbf", "is empty"),
    (b"\n \n,,\n", "is empty"),
    (b"\x00\x01\x02binary", "binary file"),
    (b"%PDF-1.7\n", "PDF"),
    (b"\xff\xfem\x00", "UTF-16"),
    (b"PK\x03\x04not really a zip", "not a readable Excel workbook"),
])
def test_not_a_table(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    _refused(path, match)


def test_xlsx_name_with_csv_content(tmp_path: Path) -> None:
    _refused(write_csv(tmp_path / "x.xlsx", "meter_number,reading\nM1,1\n"),
             "not an Excel workbook")


def test_header_problems(tmp_path: Path) -> None:
    err = _refused(write_csv(tmp_path / "a.csv", "M1,5\nM2,6\n"), "must be the header")
    assert err.problems[0].row == 1
    err = _refused(write_csv(tmp_path / "b.csv", "meter_number,colour\nM1,red\n"),
                   "missing column reading", "unknown column 'colour'")
    assert len(err.problems) == 2
    _refused(write_csv(tmp_path / "c.csv", "meter_number,reading,reading\nM1,1,2\n"),
             "appear more than once")
    _refused(write_csv(tmp_path / "d.csv", "meter_number,reading\n\n"), "no data rows")
    _refused(tmp_path / "missing.csv", "does not exist")


def _row(**cells: str) -> Row:
    names = list(cells)
    return Row(7, tuple(cells.values()), {n: i for i, n in enumerate(names)})


@pytest.mark.parametrize("text,kwargs,expected,reason", [
    ("12.5", {}, Decimal("12.5"), None),
    ("1,234.50", {}, Decimal("1234.50"), None),
    ("abc", {}, None, "not a number"),
    ("1.234,5", {}, None, "not a number"),
    ("1e5", {}, None, "not a number"),
    ("-3", {}, None, "negative"),
    ("-3", {"negative": True}, Decimal("-3"), None),
    ("1.005", {}, None, "more than 2 decimal places"),
    ("1.005", {"places": 3}, Decimal("1.005"), None),
    ("1000000000000", {}, None, "too large"),
    ("", {}, None, "is required"),
    ("", {"required": False, "default": Decimal("0")}, Decimal("0"), None),
])
def test_decimal_cell(text: str, kwargs: dict[str, object], expected: Decimal | None,
                      reason: str | None) -> None:
    problems = Problems()
    assert decimal_cell(_row(amount=text), "amount", problems, **kwargs) == expected  # type: ignore[arg-type]
    if reason is None:
        assert not len(problems)
    else:
        (problem,) = problems.items
        assert (problem.field, problem.row) == ("amount", 7) and reason in problem.reason


@pytest.mark.parametrize("text,expected,reason", [
    ("2026-01-31", date(2026, 1, 31), None),
    ("2026-01-31 08:15:00", date(2026, 1, 31), None),
    ("2026-01-31T08:15", date(2026, 1, 31), None),
    ("2026-02-30", None, "not a real date"),
    ("31/01/2026", None, "YYYY-MM-DD"),
    ("", None, "is required"),
])
def test_date_cell(text: str, expected: date | None, reason: str | None) -> None:
    problems = Problems()
    assert date_cell(_row(read_at=text), "read_at", problems) == expected
    assert (reason is None) == (not len(problems))
    if reason:
        assert reason in problems.items[0].reason


def test_text_and_choice_cells() -> None:
    problems = Problems()
    assert text_cell(_row(name="Ann"), "name", problems) == "Ann"
    assert text_cell(_row(name=""), "name", problems, required=False) == ""
    assert text_cell(_row(name="x" * 5), "name", problems, max_length=4) is None
    assert choice_cell(_row(c="CASH"), "c", problems, {"cash": 1, "bank": 2}) == 1
    assert choice_cell(_row(c="gold"), "c", problems, {"cash": 1, "bank": 2},
                       what="channel") is None
    reasons = [p.reason for p in problems.items]
    assert "at most 4" in reasons[0] and "not a known channel; use one of bank, cash" in reasons[1]


def _numbers_import(tmp_path: Path, text: str, **kwargs: object) -> tuple[list[int], object]:
    """An import whose check refuses non-numeric readings and whose write keeps the rows."""
    table = read_table(write_csv(tmp_path / "in.csv", text), REQ, OPT)
    written: list[int] = []

    def check(rows: list[Row], problems: Problems) -> list[int]:
        values = [(r, decimal_cell(r, "reading", problems)) for r in rows]
        return [r.number for r, v in values if v is not None]

    summary = run_import(table, check, written.extend, chunk_size=2, **kwargs)  # type: ignore[arg-type]
    return written, summary


def test_all_or_nothing_collects_every_problem(tmp_path: Path) -> None:
    text = "meter_number,reading\nM1,1\nM2,x\nM3,3\nM4,-4\nM5,5,extra\n"
    with pytest.raises(ValidationError) as err:
        _numbers_import(tmp_path, text)
    assert [(p.row, p.field) for p in err.value.problems] == [(3, "reading"), (5, "reading"),
                                                              (6, "row")]


def test_skip_invalid_writes_rejects_with_original_cells(tmp_path: Path) -> None:
    text = "meter_number,reading\nM1,1\nM2,x\nM3,3\nM4,-4\n"
    seen: list[tuple[int, int]] = []
    written, summary = _numbers_import(tmp_path, text, skip_invalid=True,
                                       progress=lambda d, t: seen.append((d, t)))
    assert written == [2, 4]
    assert (summary.rows, summary.imported, summary.rejected) == (4, 2, 2)  # type: ignore[attr-defined]
    assert seen == [(2, 4), (4, 4)]
    path = summary.rejects_path  # type: ignore[attr-defined]
    assert path == tmp_path / "in.rejects.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["meter_number", "reading", "error"]
    assert rows[1][:2] == ["M2", "x"] and "not a number" in rows[1][2]
    assert rows[2][:2] == ["M4", "-4"] and "negative" in rows[2][2]


def test_skip_invalid_without_rejects_makes_no_file(tmp_path: Path) -> None:
    written, summary = _numbers_import(tmp_path, "meter_number,reading\nM1,1\n",
                                       skip_invalid=True)
    assert written == [2] and summary.rejects_path is None  # type: ignore[attr-defined]
    assert not (tmp_path / "in.rejects.csv").exists()


def test_cancel_stops_and_leaves_no_rejects_file(tmp_path: Path) -> None:
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 1  # after the first chunk

    with pytest.raises(ImportCancelled, match="nothing was imported"):
        _numbers_import(tmp_path, "meter_number,reading\nM1,x\nM2,2\nM3,3\n",
                        skip_invalid=True, cancelled=cancelled)
    assert not (tmp_path / "in.rejects.csv").exists()


def test_write_behind_writes_every_chunk_in_order_on_another_thread(tmp_path: Path) -> None:
    rows = "".join(f"M{i},{i}\n" for i in range(1, 12))
    table = read_table(write_csv(tmp_path / "in.csv", "meter_number,reading\n" + rows), REQ)
    main = threading.get_ident()
    written: list[tuple[int, list[int]]] = []
    in_flight = threading.Semaphore(1)  # one write at a time

    def write(items: Sequence[int]) -> None:
        assert in_flight.acquire(blocking=False), "two writes ran at once"
        time.sleep(0.01)  # the next chunk is checked meanwhile
        written.append((threading.get_ident(), list(items)))
        in_flight.release()

    def check(chunk: list[Row], problems: Problems) -> list[int]:
        return [r.number for r in chunk]

    summary = run_import(table, check, write, chunk_size=3, write_behind=True)
    assert [n for _thread, items in written for n in items] == list(range(2, 13))
    assert all(thread != main for thread, _items in written)
    assert (summary.rows, summary.imported) == (11, 11)


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_write_behind_raises_the_writers_error_and_stops(tmp_path: Path,
                                                         skip_invalid: bool) -> None:
    rows = "".join(f"M{i},{i}\n" for i in range(1, 12))
    table = read_table(write_csv(tmp_path / "in.csv", "meter_number,reading\n" + rows), REQ)
    checked: list[int] = []

    def write(items: Sequence[int]) -> None:
        if 5 in items:
            raise RuntimeError("the database refused chunk 2")

    def check(chunk: list[Row], problems: Problems) -> list[int]:
        checked.extend(r.number for r in chunk)
        return [r.number for r in chunk]

    with pytest.raises(RuntimeError, match="refused chunk 2"):
        run_import(table, check, write, chunk_size=3, write_behind=True,
                   skip_invalid=skip_invalid)
    assert 11 not in checked  # raised when the next chunk was handed over, not at the end
    assert not (tmp_path / "in.rejects.csv").exists()


def test_write_behind_waits_for_the_write_in_flight_before_a_cancel_returns(
        tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "in.csv", "meter_number,reading\nM1,1\nM2,2\n"),
                       REQ)
    finished: list[int] = []
    asked: list[int] = []

    def write(items: Sequence[int]) -> None:
        time.sleep(0.2)
        finished.extend(items)

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # after the only chunk, its write still running

    with pytest.raises(ImportCancelled):
        run_import(table, lambda chunk, problems: [r.number for r in chunk], write,
                   chunk_size=5, write_behind=True, cancelled=cancelled)
    assert finished == [2, 3]  # the caller's rollback comes after the last write ended


def test_look_ahead_prepares_the_next_chunk_on_another_thread(tmp_path: Path) -> None:
    rows = "".join(f"M{i},{i}\n" for i in range(1, 12)) + "M12,1,wide\n"
    table = read_table(write_csv(tmp_path / "in.csv", "meter_number,reading\n" + rows), REQ)
    main = threading.get_ident()
    started = {first: threading.Event() for first in (2, 5, 8, 11)}

    def prepare(chunk: list[Row], problems: Problems) -> tuple[int, list[int]]:
        started[chunk[0].number].set()
        return threading.get_ident(), [r.number for r in chunk]

    def check(prepared: tuple[int, list[int]], problems: Problems) -> list[int]:
        thread, numbers = prepared
        assert thread != main
        following = numbers[0] + 3
        if following in started:  # while this chunk is checked the next one is prepared
            assert started[following].wait(5), f"chunk at row {following} not prepared ahead"
        return numbers

    written: list[int] = []
    summary = run_import(table, check, written.extend, chunk_size=3, prepare=prepare,
                         look_ahead=True, skip_invalid=True)
    assert written == list(range(2, 13))  # every row once, in order; the wide one refused
    assert (summary.rows, summary.imported, summary.rejected) == (12, 11, 1)


def test_look_ahead_raises_the_preparers_error(tmp_path: Path) -> None:
    rows = "".join(f"M{i},{i}\n" for i in range(1, 12))
    table = read_table(write_csv(tmp_path / "in.csv", "meter_number,reading\n" + rows), REQ)

    def prepare(chunk: list[Row], problems: Problems) -> list[Row]:
        if chunk[0].number == 5:
            raise RuntimeError("the look-up of chunk 2 failed")
        return chunk

    written: list[int] = []
    with pytest.raises(RuntimeError, match="chunk 2 failed"):
        run_import(table, lambda chunk, problems: [r.number for r in chunk], written.extend,
                   chunk_size=3, prepare=prepare, look_ahead=True)
    assert written == [2, 3, 4]

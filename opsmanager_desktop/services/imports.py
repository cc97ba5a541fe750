"""Import files: CSV (UTF-8, with or without BOM) or XLSX with a header row, and the one
pattern every import of the product follows.

    table = read_table(path, required=("meter_number", "reading"), optional=("reader",))
    summary = run_import(table, check, write, skip_invalid=..., progress=..., cancelled=...)

- `read_table` refuses, with one clear message, what is not a table at all (empty file,
  binary junk, an image renamed .csv, a non-UTF-8 text naming the line and byte, a first
  row that is not the header) and checks the columns: a missing required column or an
  unknown column is a problem of row 1. It streams: rows are read again at each pass, so a
  million-row file never sits in memory.
- `check(rows, problems)` gets one chunk of rows. It parses cells with the `*_cell`
  helpers below (each returns the value, or None after adding a FieldProblem(column,
  reason, row) to `problems`), does its lookups in bulk for the whole chunk, adds the
  problems it finds, and returns the items to write for the rows with no problem.
- `write(items)` writes them, in bulk (`session.execute(insert(Model), dicts)`).

All-or-nothing (the default): every row of the file is checked and every problem is
collected; any problem raises one ValidationError listing them all, and nothing stays
written (the service's transaction rolls back: chunks written before the first problem was
seen are undone). `skip_invalid=True` writes the good rows and copies the bad ones, with
their original cells and an `error` column, to a rejects file (CSV UTF-8) whose path is
returned. `progress(done, total)` is called after each chunk; when `cancelled()` turns true
the import stops with `ImportCancelled` and nothing is written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from opsmanager_desktop.domain.errors import FieldProblem, OpsError, ValidationError
from opsmanager_desktop.domain.money import D, has_at_most_places
from opsmanager_desktop.services.import_stages import Writer, prepared_chunks
from opsmanager_desktop.services.table_files import (
    csv_line_count,
    raw_rows,
    sniff,
    xlsx_rows_hint,
)
from opsmanager_desktop.services.table_files import xlsx_text as xlsx_text

T = TypeVar("T")
CHUNK_SIZE = 5000
IN_LIST_MAX = 900
MAX_PROBLEMS = 50_000  # reported in one error; more are counted, not listed
ERROR_COLUMN = "error"

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class ImportCancelled(OpsError):
    exit_code = 1

    def __init__(self) -> None:
        super().__init__("the import was cancelled; nothing was imported")


@dataclass(slots=True)  # not frozen: a frozen dataclass costs 3x to make, a million times
class Row:
    """One data row: its 1-based row number in the file (the header is row 1, as a
    spreadsheet shows it) and its cells as stripped text."""

    number: int
    cells: tuple[str, ...]
    index: Mapping[str, int]

    def __getitem__(self, column: str) -> str:
        position = self.index.get(column)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position]


class Problems:
    """The problems found so far, by row."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []
        self.by_row: dict[int, list[FieldProblem]] = {}
        self.unlisted = 0

    def add(self, row: Row | int, field: str, reason: str) -> None:
        number = row.number if isinstance(row, Row) else row
        problem = FieldProblem(field, reason, number)
        self.by_row.setdefault(number, []).append(problem)
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(problem)
        else:
            self.unlisted += 1

    def has(self, row: Row | int) -> bool:
        return (row.number if isinstance(row, Row) else row) in self.by_row

    def __len__(self) -> int:
        return len(self.items) + self.unlisted

    def merge(self, other: Problems) -> None:
        for problem in other.items:
            self.add(problem.row or 0, problem.field, problem.reason)
        self.unlisted += other.unlisted

    def error(self) -> ValidationError:
        items = list(self.items)
        if self.unlisted:
            items.append(FieldProblem("file", f"{self.unlisted} more problems not listed"))
        return ValidationError(items)


def batched(values: Iterable[T], size: int = IN_LIST_MAX) -> Iterator[list[T]]:
    """`values` in lists short enough for one `IN (...)` each. MariaDB turns an IN list of
    1,000 values or more into a temporary table and may then scan a whole table (or a whole
    cycle) instead of looking each value up in its index: a chunked import becomes
    quadratic."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- reading the file ---------------------------------------------------------------------

def normalize_column(name: str) -> str:
    """`Meter Number`, `meter-number` and ` meter_number ` are the same column."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").lower())


class Table:
    """A header-checked table file; iterate it (as often as needed) for its data rows."""

    def __init__(self, path: Path, kind: str, header: tuple[str, ...],
                 columns: tuple[str, ...], header_row: int, total: int) -> None:
        self.path = path
        self.kind = kind  # "csv" | "xlsx"
        self.header = header  # as written in the file
        self.columns = columns  # normalized names, in file order ("" for a blank header)
        self.header_row = header_row
        self.total = total  # data rows, about (for progress: see read_table)
        self.index = {name: i for i, name in enumerate(columns) if name}

    def __iter__(self) -> Iterator[Row]:
        for number, cells in raw_rows(self.path, self.kind):
            if number <= self.header_row or not any(cells):
                continue
            yield Row(number, tuple(cells), self.index)

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[list[Row]]:
        chunk: list[Row] = []
        for row in self:
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def read_table(path: str | Path, required: Sequence[str],
               optional: Sequence[str] = ()) -> Table:
    """Open an import file and check its header. ValidationError (row 1, or the file) for a
    file that is not a table, lacks a column, or has an unknown one."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError([FieldProblem("file", f"{path} does not exist or is not a file")])
    kind = sniff(path)
    known = [*required, *optional]
    lines = csv_line_count(path) if kind == "csv" else 0
    header_row = total = 0
    header: tuple[str, ...] = ()
    with closing(raw_rows(path, kind)) as rows:
        for number, cells in rows:
            if header_row:
                if any(cells):
                    # the size for progress: lines (CSV) or the sheet's recorded size (XLSX)
                    # stand in for a second full read; a quoted line break or a blank line
                    # makes it a little high, never a problem
                    more = lines if kind == "csv" else xlsx_rows_hint(path)
                    total = max(1, more - header_row)
                    break
            elif any(cells):
                header_row, header = number, tuple(cells)
    if not header_row:
        raise ValidationError([FieldProblem(
            "file", f"{path.name} is empty: it needs a header row naming the columns "
            f"({', '.join(known)}) and then one row per record")])
    columns = tuple(normalize_column(h) for h in header)
    _check_header(path, header_row, header, columns, required, known)
    if total == 0:
        raise ValidationError([FieldProblem(
            "file", f"{path.name} has a header but no data rows; nothing to import")])
    return Table(path, kind, header, columns, header_row, total)


def _check_header(path: Path, header_row: int, header: tuple[str, ...],
                  columns: tuple[str, ...], required: Sequence[str],
                  known: Sequence[str]) -> None:
    named = [c for c in columns if c]
    if not set(named) & set(known):
        shown = ", ".join(repr(h) for h in header[:6])
        raise ValidationError([FieldProblem(
            "header", f"the first row of {path.name} must be the header naming the columns "
            f"({', '.join(known)}); it holds {shown}", header_row)])
    problems: list[FieldProblem] = []
    missing = [c for c in required if c not in named]
    if missing:
        problems.append(FieldProblem(
            "header", f"missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (the file has: {', '.join(named)})", header_row))
    unknown = [h for h, c in zip(header, columns, strict=True) if c and c not in known]
    if unknown:
        problems.append(FieldProblem(
            "header", f"unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)}; the columns are {', '.join(known)}",
            header_row))
    doubled = sorted({c for c in named if named.count(c) > 1})
    if doubled:
        problems.append(FieldProblem(
            "header", f"column{'s' if len(doubled) > 1 else ''} {', '.join(doubled)} "
            "appear more than once", header_row))
    if problems:
        raise ValidationError(problems)


# --- typed cells --------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d*)?$|^[+-]?\.\d+$")
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


def text_cell(row: Row, column: str, problems: Problems, *, required: bool = True,
              max_length: int | None = None) -> str | None:
    """The stripped text ("" when optional and blank); None after a problem."""
    value = row[column]
    if not value:
        if required:
            problems.add(row, column, "is required")
            return None
        return ""
    if max_length is not None and len(value) > max_length:
        problems.add(row, column, f"has {len(value)} characters; at most {max_length} fit")
        return None
    return value


def decimal_cell(row: Row, column: str, problems: Problems, *, places: int = 2,
                 digits: int = 14, negative: bool = False, required: bool = True,
                 default: Decimal | None = None) -> Decimal | None:
    """An exact decimal in plain notation (1234.5 or 1,234.5): not blank (unless optional:
    then `default`), not negative (unless allowed), at most `places` decimals and
    `digits - places` whole digits (the column's DECIMAL(digits, places))."""
    text = row[column]
    if not text:
        if required:
            problems.add(row, column, "is required")
        return default
    if not _NUMBER.match(text):
        problems.add(row, column, f"{text!r} is not a number (write it like 1234.56)")
        return None
    value = D(text)
    if value < 0 and not negative:
        problems.add(row, column, f"{text} must not be negative")
    elif not has_at_most_places(value, places):
        problems.add(row, column, f"{text} has more than {places} decimal places")
    elif abs(value) >= _limit(digits - places):
        problems.add(row, column, f"{text} is too large")
    else:
        return value
    return None


def date_cell(row: Row, column: str, problems: Problems, *,
              required: bool = True) -> date | None:
    """A date written YYYY-MM-DD; a date-time (what a spreadsheet date cell becomes, or an
    AMR timestamp) gives its date."""
    text = row[column]
    if not text:
        if required:
            problems.add(row, column, "is required")
        return None
    found = _date(text)
    if isinstance(found, str):
        problems.add(row, column, found)
        return None
    return found


@lru_cache(maxsize=4096)  # a file holds a few dates a million times
def _date(text: str) -> date | str:
    """The date `text` writes, or why it is none."""
    match = _ISO_DATE.match(text)
    if match is None:
        return f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31"
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return f"{text!r} is not a real date"


@lru_cache(maxsize=32)
def _limit(whole_digits: int) -> Decimal:
    return Decimal(10) ** whole_digits


def choice_cell(row: Row, column: str, problems: Problems, choices: Mapping[str, T], *,
                what: str = "value", normalize: Callable[[str], str] = str.lower) -> T | None:
    """The value `choices` maps the cell to (keys compared after `normalize`); a blank or
    unknown cell adds a problem naming the valid choices."""
    text = row[column]
    if not text:
        problems.add(row, column, "is required")
        return None
    found = choices.get(normalize(text))
    if found is None:
        problems.add(row, column, f"{text!r} is not a known {what}; use one of "
                     f"{_list(choices)}")
    return found


def _list(values: Collection[str], limit: int = 12) -> str:
    shown = sorted(values)[:limit]
    more = f" (and {len(values) - limit} more)" if len(values) > limit else ""
    return ", ".join(shown) + more


# --- the import pattern -------------------------------------------------------------------

@dataclass(frozen=True)
class ImportSummary:
    rows: int  # data rows read
    imported: int  # rows written
    rejected: int  # rows written to the rejects file (skip_invalid only)
    rejects_path: Path | None


def default_rejects_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.csv")


class RejectsWriter:
    """The rejected rows with their original cells and an `error` column; created on the
    first reject (no rejects, no file)."""

    def __init__(self, table: Table, path: Path) -> None:
        self.table = table
        self.path = path
        self.count = 0
        self._file: io.TextIOWrapper | None = None
        self._writer: Any = None

    def add(self, row: Row, problems: Sequence[FieldProblem]) -> None:
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow([*self.table.header, ERROR_COLUMN])
        width = len(self.table.header)
        cells = list(row.cells[:width]) + [""] * (width - len(row.cells))
        self._writer.writerow([*cells, "; ".join(f"{p.field}: {p.reason}" for p in problems)])
        self.count += 1

    def close(self) -> Path | None:
        if self._file is None:
            return None
        self._file.close()
        return self.path

    def discard(self) -> None:
        """The import failed: a rejects file would suggest the other rows went in."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self.path.unlink(missing_ok=True)


def run_import(table: Table, check: Callable[[Any, Problems], Sequence[T]],
               write: Callable[[Sequence[T]], None], *, skip_invalid: bool = False,
               rejects_path: str | Path | None = None, progress: Progress | None = None,
               cancelled: Cancelled | None = None, chunk_size: int = CHUNK_SIZE,
               prepare: Callable[[list[Row], Problems], Any] | None = None,
               look_ahead: bool = False, write_behind: bool = False) -> ImportSummary:
    """Check every chunk, write the good items, and end as the module docstring says.

    Rows wider than the header are refused here, so `check` never sees them.
    `prepare`: a first step of the check (parsing, look-ups); `check` then gets what it
    returned instead of the rows. `look_ahead`: `prepare` runs on a worker thread one chunk
    ahead of `check`; `write_behind`: each chunk's `write` runs on a worker thread while
    the next chunk is checked (services/import_stages.py). A step on a worker thread must
    not use the connection another step uses.
    """
    problems = Problems()
    rejects = RejectsWriter(table, Path(rejects_path) if rejects_path
                            else default_rejects_path(table.path)) if skip_invalid else None
    done = imported = 0
    width = len(table.columns)
    first_step = prepare or _rows_as_they_are
    with Writer(write, write_behind) as writer, closing(prepared_chunks(
            (_refuse_wide_rows(chunk, width) for chunk in table.chunks(chunk_size)),
            first_step, look_ahead)) as chunks:
        try:
            for chunk, chunk_problems, prepared in chunks:
                if cancelled is not None and cancelled():
                    raise ImportCancelled()
                bad = _check_chunk(chunk, chunk_problems, prepared, check, writer.write,
                                   problems, rejects)
                imported += len(chunk) - bad
                done += len(chunk)
                if progress is not None:
                    progress(done, max(done, table.total))
            if cancelled is not None and cancelled():
                raise ImportCancelled()
            writer.finish()
        except BaseException:
            if rejects is not None:
                rejects.discard()
            raise
    path = rejects.close() if rejects is not None else None
    if len(problems):
        raise problems.error()
    return ImportSummary(done, imported, rejects.count if rejects else 0, path)


def _rows_as_they_are(rows: list[Row], problems: Problems) -> list[Row]:
    return rows


def _refuse_wide_rows(chunk: list[Row], width: int) -> tuple[list[Row], Problems, list[Row]]:
    """The chunk, its problems so far (rows wider than the header) and its other rows."""
    chunk_problems = Problems()
    for row in chunk:
        if len(row.cells) > width and any(row.cells[width:]):
            chunk_problems.add(row, "row", f"has {len(row.cells)} cells but the "
                               f"header names {width} columns")
    return chunk, chunk_problems, [r for r in chunk if not chunk_problems.has(r)]


def _check_chunk(chunk: list[Row], chunk_problems: Problems, prepared: Any,
                 check: Callable[[Any, Problems], Sequence[T]],
                 write: Callable[[Sequence[T]], None], problems: Problems,
                 rejects: RejectsWriter | None) -> int:
    """Check one prepared chunk, note its problems (or its rejects), write its items; the
    number of bad rows."""
    items = check(prepared, chunk_problems) if prepared is not None else []
    bad = [r for r in chunk if chunk_problems.has(r)]
    chunk_problems.items.sort(key=lambda p: p.row or 0)  # in file order, stable
    if rejects is not None:
        for row in bad:
            rejects.add(row, chunk_problems.by_row[row.number])
    else:
        problems.merge(chunk_problems)
    # all-or-nothing: once a problem is known nothing more is written (what was
    # written is rolled back with the transaction when the error is raised)
    if items and (rejects is not None or not len(problems)):
        write(items)
    return len(bad)

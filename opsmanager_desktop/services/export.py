"""Export a table (customers, connections, readings, bills, statements, payments, ...) to
.xlsx or .csv.

The rows are the ones the GUI table shows: the table's own list service is called with the
same ListQuery (search, sort, filters), so the permission is the list service's (a consumer
exporting payments gets their own), and rows are written as they come, so memory stays
flat on a million rows. The list is read in listing.walk, not page by OFFSET (which
re-reads every row before the page: quadratic on a million rows): its one ordered SELECT
is streamed into the file through a server-side cursor, or, for customers, whose list
reads the rows after choosing the page's ids, paged by keyset (each page after the last
page's sort key and id).

XLSX is written in openpyxl's write-only mode: bold frozen header, auto-filter, numbers
as numbers (money #,##0.00, units #,##0.000), dates as dates, widths from the header and
the first rows, and the sheet's dimension (its used range, which readers in read-only mode
take as its size). The dimension goes before the rows, so the rows are counted first: held
as plain values in an unnamed temporary file while they are read, then written into the
sheet; its progress counts each of the two passes as half. CSV: UTF-8 with BOM (Excel
opens it right), field names as the header, money as plain text like 1000.00 and dates as
ISO 8601.

The file is written next to the target under a temporary name and moved into place at the
end: a refused, failed or cancelled export leaves no half-written file.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import os
import pickle
import tempfile
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from opsmanager_desktop.domain.errors import OpsError, invalid
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery, Page, walk

# table -> (module, list function); imported when used, so a table whose service is not
# there yet does not stop the others
TABLES: dict[str, tuple[str, str]] = {
    "customers": ("opsmanager_desktop.services.customers", "list_customers"),
    "connections": ("opsmanager_desktop.services.connections", "list_connections"),
    "readings": ("opsmanager_desktop.services.readings", "list_readings"),
    "bills": ("opsmanager_desktop.services.bills", "list_bills"),
    "statements": ("opsmanager_desktop.services.statements", "list_statements"),
    "payments": ("opsmanager_desktop.services.payments", "list_payments"),
    "audit": ("opsmanager_desktop.services.audit_log", "list_audit"),
    "transformers": ("opsmanager_desktop.services.assets", "list_transformers"),
    "enumerations": ("opsmanager_desktop.services.enumerations", "list_enumerations"),
    "evaluations": ("opsmanager_desktop.services.evaluations", "list_evaluations"),
}
# the common export options (CLI: --account, --cycle, ... --from, --to) under the filter
# names each table's list service uses; a table missing an option cannot be filtered by it
COMMON_FILTERS: dict[str, dict[str, str]] = {
    "customers": {},
    "connections": {"account": "account_no", "status": "status", "utility": "utility"},
    "readings": {"account": "account_no", "cycle": "cycle", "status": "status",
                 "utility": "utility"},
    "bills": {"account": "account", "cycle": "cycle", "status": "status",
              "utility": "utility", "from": "issued_from", "to": "issued_to"},
    "statements": {"account": "account", "cycle": "cycle"},
    "payments": {"account": "account", "channel": "channel", "from": "date_from",
                 "to": "date_to"},
    "enumerations": {"status": "status"},
    "evaluations": {"status": "status"},
}
_HIDDEN = {"id", "version"}  # internal keys, not for a spreadsheet
PAGE = MAX_PAGE
# tables whose list service reads more after run_page has chosen the page (customers: ids
# first, then their rows and meters), so their rows cannot be streamed out of run_page:
# these page by keyset; every other table streams (services/listing.py, `walk`)
PAGED = frozenset({"customers"})
_FORMATS = {-2: "#,##0.00", -3: "#,##0.000", -4: "#,##0.0000"}
_BOLD = Font(bold=True)

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class ExportCancelled(OpsError):
    exit_code = 1

    def __init__(self) -> None:
        super().__init__("the export was cancelled; no file was written")


@dataclass(frozen=True)
class ExportResult:
    table: str
    path: Path
    rows: int


def _list_function(table: str) -> Callable[..., Page[Any]]:
    key = table.strip().lower()
    if key not in TABLES:
        raise invalid("table", f"{table!r} cannot be exported; choose one of "
                      + ", ".join(TABLES))
    module_name, name = TABLES[key]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        module = None
    function = getattr(module, name, None)
    if function is None:
        raise invalid("table", f"the {key} list is not available in this version")
    return function  # type: ignore[no-any-return]


def common_filters(table: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The list filters for common options ({"account": "A001", "from": date, ...}); None
    values are left out; an option the table has no filter for is refused."""
    key = table.strip().lower()
    names = COMMON_FILTERS.get(key, {})
    filters: dict[str, Any] = {}
    for option, value in options.items():
        if value is None or value == "":
            continue
        if option not in names:
            usable = ", ".join(f"--{o}" for o in names) or "only --search and --filter"
            raise invalid(option, f"the {key} table cannot be filtered by --{option}; "
                          f"it takes {usable}")
        filters[names[option]] = value
    return filters


def _row_type(list_fn: Callable[..., Page[Any]], rows: list[Any]) -> Any:
    """The row dataclass, from the list service's `-> Page[Row]` (so an empty export still
    gets its header), else from the first row."""
    try:
        hints = typing.get_type_hints(inspect.unwrap(list_fn))
        (row_type,) = typing.get_args(hints["return"])
    except (KeyError, NameError, TypeError, ValueError):
        row_type = type(rows[0]) if rows else None
    return row_type


def _columns(row_type: Any) -> list[str]:
    if row_type is None or not is_dataclass(row_type):
        return []
    return [f.name for f in fields(row_type)
            if f.name not in _HIDDEN and not f.name.endswith("_id")]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list | frozenset | set):
        return ", ".join(str(_plain(v)) for v in value)
    return value


_WORDS = {"no": "No.", "kw": "kW", "kwh": "kWh"}


def _title(name: str) -> str:
    """account_no -> Account No., sanctioned_load_kw -> Sanctioned Load kW."""
    return " ".join(_WORDS.get(w, w.capitalize()) for w in name.split("_"))


def export(backend: Backend, token: str, table: str, out_path: str | Path, *,
           filters: Mapping[str, Any] | None = None, search: str = "", sort: str = "",
           descending: bool = False, progress: Progress | None = None,
           cancelled: Cancelled | None = None) -> ExportResult:
    """Write the table's rows (as the list service returns them) to out_path."""
    path = Path(out_path)
    kind = path.suffix.lower()
    if kind not in (".xlsx", ".csv"):
        raise invalid("out", f"{path.name}: the file must end in .xlsx or .csv")
    if not path.parent.is_dir():
        raise invalid("out", f"the folder {path.parent} does not exist")
    list_fn = _list_function(table)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    out = _Output(temp, table, kind, list_fn, progress, cancelled)

    def query(count: bool, offset: int) -> ListQuery:
        return ListQuery(search=search, sort=sort, descending=descending, offset=offset,
                         limit=PAGE, count=count, filters=dict(filters or {}))

    try:
        try:
            if table.strip().lower() in PAGED:
                with walk() as keyset:
                    page = list_fn(backend, token, query(True, 0))  # the permission check
                    total = page.total
                    out.add(page.rows, total)
                    while len(page.rows) == PAGE:
                        if keyset.reached is None:
                            raise _not_walked(table)  # else the first page, forever
                        keyset.after = keyset.reached
                        page = list_fn(backend, token, query(False, out.count))
                        out.add(page.rows, total)
            else:
                with walk(out.add):  # every row reaches out.add during this one call
                    if list_fn(backend, token, query(True, 0)).rows:  # the permission check
                        raise _not_walked(table)  # else only the first page is written
        except BaseException:
            out.close(ok=False)
            raise
        out.close(ok=True)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return ExportResult(table, path, out.count)


def _not_walked(table: str) -> RuntimeError:
    return RuntimeError(f"the {table} list does not read its rows through "
                        "listing.run_page, so it cannot be exported whole")


class _Output:
    """Rows in, file out: the writer is made on the first rows (XLSX column widths come
    from them); counts the rows, reports progress, and stops at a cancel."""

    def __init__(self, path: Path, table: str, kind: str,
                 list_fn: Callable[..., Page[Any]], progress: Progress | None,
                 cancelled: Cancelled | None) -> None:
        self.path, self.table, self.kind, self.list_fn = path, table, kind, list_fn
        self.progress, self.cancelled = progress, cancelled
        self.writer: _CsvFile | _XlsxFile | None = None
        self.count = 0

    def add(self, rows: list[Any], total: int | None) -> None:
        self._stop_if_cancelled()
        if self.writer is None:
            columns = _columns(_row_type(self.list_fn, rows))
            self.writer = (_CsvFile(self.path, columns) if self.kind == ".csv"
                           else _XlsxFile(self.path, self.table, columns, rows))
        self.writer.add(rows)
        self.count += len(rows)
        self._report(self.count, max(total or 0, self.count))

    def close(self, ok: bool) -> None:
        """Finish the file (an empty export still gets its header); after a failure, only
        release it (the caller deletes the partial file)."""
        if self.writer is None and ok:
            self.add([], 0)
        if self.writer is not None:
            self.writer.close(ok, self._written)

    def _written(self, rows: int) -> None:
        """A writer's second pass (XLSX) has put `rows` rows into the file."""
        self._stop_if_cancelled()
        self._report(self.count + rows, self.count)

    def _stop_if_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ExportCancelled()

    def _report(self, passed: int, total: int) -> None:
        """`passed`: rows gone through, counted once per pass of the writer."""
        if self.progress is not None and self.writer is not None:
            self.progress(passed // self.writer.passes, total)


class _CsvFile:
    passes = 1

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.columns = columns
        self.file = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(columns)

    def add(self, rows: list[Any]) -> None:
        columns = self.columns
        self.writer.writerows([_csv_text(_plain(getattr(row, c))) for c in columns]
                              for row in rows)

    def close(self, ok: bool, written: Callable[[int], None]) -> None:
        self.file.close()


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _XlsxFile:
    """openpyxl's write-only sheet writes everything that comes before its rows when the
    first row is appended: the dimension too, if the sheet answers `calculate_dimension`
    (its writer asks every sheet; a write-only one has none), and nothing after the rows
    can carry it. So the rows are spooled as plain values (memory stays flat) and the sheet
    is written at close, when their number is known; the list's read transaction is over
    by then, not held open while openpyxl writes."""

    passes = 2  # read into the spool, then written into the sheet

    def __init__(self, path: Path, table: str, columns: list[str], sample: list[Any]) -> None:
        self.path, self.table, self.columns, self.count = path, table, columns, 0
        self.widths = [_width(name, sample) for name in columns]
        # unnamed, so nothing is left behind even by a crash; open until close()
        self.spool = tempfile.TemporaryFile()  # noqa: SIM115

    def add(self, rows: list[Any]) -> None:
        if rows:
            columns = self.columns
            pickle.dump([[_plain(getattr(row, c)) for c in columns] for row in rows],
                        self.spool, pickle.HIGHEST_PROTOCOL)
            self.count += len(rows)

    def close(self, ok: bool, written: Callable[[int], None]) -> None:
        try:
            if ok:
                self._write(written)
        finally:
            self.spool.close()

    def _write(self, written: Callable[[int], None]) -> None:
        wb = Workbook(write_only=True)
        # typed Any: openpyxl's stubs miss what write-only sheets have (widths, filter)
        ws: Any = wb.create_sheet(title=self.table.strip().lower()[:31])
        used = f"A1:{get_column_letter(len(self.columns))}{self.count + 1}" \
            if self.columns else None
        if used is not None:
            ws.calculate_dimension = lambda: used
            ws.auto_filter.ref = used
        for i, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        try:
            header = []
            for name in self.columns:
                cell = WriteOnlyCell(ws, value=_title(name))
                cell.font = _BOLD
                header.append(cell)
            ws.append(header)
            self.spool.seek(0)
            done = 0
            while done < self.count:
                part = pickle.load(self.spool)  # only ever what add() wrote
                for values in part:
                    ws.append([_xlsx_cell(ws, v) for v in values])
                done += len(part)
                written(done)
        finally:
            # saving is how a write-only workbook closes its row stream and temporary
            # files, so a cancelled one is saved too (and the caller deletes it)
            wb.save(self.path)


def _xlsx_cell(ws: Any, value: Any) -> Any:
    """A number or date cell with its display format; other values as they are."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        number_format = _FORMATS.get(exponent if isinstance(exponent, int) else 0, "#,##0.####")
    elif isinstance(value, datetime):
        number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        number_format = "yyyy-mm-dd"
    else:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def _width(name: str, sample: list[Any]) -> float:
    """Wide enough for the header and the first page's values, within reason."""
    longest = len(_title(name))
    for row in sample[:200]:
        value = _plain(getattr(row, name))
        if isinstance(value, Decimal):
            text = f"{value:,}"
        elif isinstance(value, datetime):
            text = "yyyy-mm-dd hh:mm"
        else:
            text = _csv_text(value)
        longest = max(longest, len(text))
    return float(min(max(longest + 2, 8), 50))

"""Export a table (customers, connections, readings, bills, payments) to .xlsx or .csv.

The rows are the ones the GUI table shows: the table's own list service is called with the
same ListQuery (search, sort, filters), page by page, so the permission is the list
service's (a consumer exporting payments gets their own) and memory stays flat on a million
rows. XLSX is written in openpyxl's write-only mode: bold frozen header, auto-filter, numbers
as numbers (money #,##0.00, units #,##0.000), dates as dates, widths from the header and
the first page. CSV: UTF-8 with BOM (Excel opens it right), field names as the header,
money as plain text like 1000.00 and dates as ISO 8601.

The file is written next to the target under a temporary name and moved into place at the
end: a refused, failed or cancelled export leaves no half-written file.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import os
import typing
from collections.abc import Callable, Iterator, Mapping
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
from opsmanager_desktop.services.listing import MAX_PAGE, ListQuery, Page

# table -> (module, list function); imported when used, so a table whose service is not
# there yet does not stop the others
TABLES: dict[str, tuple[str, str]] = {
    "customers": ("opsmanager_desktop.services.customers", "list_customers"),
    "connections": ("opsmanager_desktop.services.connections", "list_connections"),
    "readings": ("opsmanager_desktop.services.readings", "list_readings"),
    "bills": ("opsmanager_desktop.services.bills", "list_bills"),
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
    "payments": {"account": "account", "channel": "channel", "from": "date_from",
                 "to": "date_to"},
    "enumerations": {"status": "status"},
    "evaluations": {"status": "status"},
}
_HIDDEN = {"id", "version"}  # internal keys, not for a spreadsheet
PAGE = MAX_PAGE
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
    query = ListQuery(search=search, sort=sort, descending=descending, offset=0, limit=PAGE,
                      count=True, filters=dict(filters or {}))
    first = list_fn(backend, token, query)  # the permission check happens here
    total = first.total or len(first.rows)

    def pages() -> Iterator[list[Any]]:
        page, offset = first, 0
        while True:
            if cancelled is not None and cancelled():
                raise ExportCancelled()
            yield page.rows
            offset += len(page.rows)
            if progress is not None:
                progress(offset, max(total, offset))
            if len(page.rows) < PAGE:
                return
            page = list_fn(backend, token, ListQuery(
                search=search, sort=sort, descending=descending, offset=offset, limit=PAGE,
                count=False, filters=dict(filters or {})))

    columns = _columns(_row_type(list_fn, first.rows))
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if kind == ".csv":
            count = _write_csv(temp, columns, pages())
        else:
            count = _write_xlsx(temp, table, columns, first.rows, pages())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return ExportResult(table, path, count)


def _write_csv(path: Path, columns: list[str], pages: Iterator[list[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for rows in pages:
            for row in rows:
                writer.writerow([_csv_text(_plain(getattr(row, c))) for c in columns])
            count += len(rows)
    return count


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_xlsx(path: Path, table: str, columns: list[str], sample: list[Any],
                pages: Iterator[list[Any]]) -> int:
    wb = Workbook(write_only=True)
    # typed Any: openpyxl's stubs miss what write-only sheets have (widths, filter)
    ws: Any = wb.create_sheet(title=table.strip().lower()[:31])
    for i, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(name, sample)
    ws.freeze_panes = "A2"
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=_title(name))
        cell.font = _BOLD
        header.append(cell)
    ws.append(header)
    count = 0
    try:
        for rows in pages:
            for row in rows:
                ws.append([_xlsx_cell(ws, _plain(getattr(row, c))) for c in columns])
            count += len(rows)
    except BaseException:
        # saving is how a write-only workbook closes its row stream and temporary files;
        # the caller deletes the partial file
        wb.save(path)
        raise
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    wb.save(path)
    return count


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

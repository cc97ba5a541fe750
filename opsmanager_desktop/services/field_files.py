"""`field import FILE`: one entry point for the handheld exports a field team brings back
(distribution logs, enumerations, evaluations, complaints), CSV or XLSX with photos in a
folder beside the file.

The kind is taken from the caller, or else from the header row: a file is of the one kind
whose required columns it all has (distribution: bill_no,status,occurred_at; enumerations:
kind,name,utility,meter_number,recorded_at; evaluations: meter_number,utility,inspected_at,
tariff_found,meter_condition; complaints: account_no,category,description,logged_at,
officer). A file that fits none (or, in theory, several) is refused, naming the columns of
each kind. Each kind's import is its own service, with its own permission and its own
all-or-nothing checks; this module only chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsmanager_desktop.domain.errors import FieldProblem, ValidationError, invalid
from opsmanager_desktop.services import distribution_import as distribution
from opsmanager_desktop.services import enumeration_import as enumerations
from opsmanager_desktop.services import evaluation_import as evaluations
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.imports import Cancelled, Progress, normalize_column
from opsmanager_desktop.services.table_files import raw_rows, sniff

KINDS = ("distribution", "enumerations", "evaluations", "complaints")


def _complaints() -> Any:
    # the complaints area is written beside this one; imported late so a checkout without
    # it still imports the other kinds
    from opsmanager_desktop.services import complaint_import

    return complaint_import


def _module(kind: str) -> Any:
    return {"distribution": distribution, "enumerations": enumerations,
            "evaluations": evaluations}.get(kind) or _complaints()


def _importer(kind: str) -> Callable[..., Any]:
    module = _module(kind)
    return {"distribution": getattr(module, "import_deliveries", None),
            "enumerations": getattr(module, "import_enumerations", None),
            "evaluations": getattr(module, "import_evaluations", None),
            "complaints": getattr(module, "import_complaints", None)}[kind]  # type: ignore[return-value]


def required_columns(kind: str) -> tuple[str, ...]:
    return tuple(_module(kind).REQUIRED)


@dataclass(frozen=True)
class FieldFileResult:
    kind: str
    rows: int
    recorded: int
    duplicates: int
    rejected: int
    rejects_path: Path | None


def header_of(path: Path) -> list[str]:
    """The normalized names of the first non-blank row."""
    if not path.is_file():
        raise invalid("file", f"{path} does not exist or is not a file")
    with closing(raw_rows(path, sniff(path))) as rows:
        for _number, cells in rows:
            if any(cells):
                return [normalize_column(c) for c in cells if c]
    return []


def detect_kind(path: str | Path) -> str:
    """The kind of a field file from its header (see the module docstring)."""
    path = Path(path)
    header = set(header_of(path))
    fits = [k for k in KINDS if set(required_columns(k)) <= header]
    if len(fits) == 1:
        return fits[0]
    expected = "; ".join(f"{k}: {','.join(required_columns(k))}" for k in KINDS)
    what = "fits several kinds" if fits else "is not a field file we know"
    raise ValidationError([FieldProblem(
        "header", f"{path.name} {what}: its header must have the columns of one kind "
        f"({expected}); or name the kind with --kind", 1)])


def import_field_file(backend: Backend, token: str, path: str | Path, *,
                      kind: str | None = None, skip_invalid: bool = False,
                      rejects_path: str | Path | None = None,
                      progress: Progress | None = None,
                      cancelled: Cancelled | None = None) -> FieldFileResult:
    """Import a field file with the service of its kind (given, or detected)."""
    chosen = (kind or "").strip().lower() or detect_kind(path)
    if chosen not in KINDS:
        raise invalid("kind", f"{kind!r} is not a kind of field file; use one of "
                      + ", ".join(KINDS))
    result = _importer(chosen)(backend, token, path, skip_invalid=skip_invalid,
                               rejects_path=rejects_path, progress=progress,
                               cancelled=cancelled)
    # complaints count what they "logged"; the others what they "recorded"
    recorded = int(getattr(result, "recorded", getattr(result, "logged", 0)))
    return FieldFileResult(chosen, result.rows, recorded, result.duplicates, result.rejected,
                           result.rejects_path)

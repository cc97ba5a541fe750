"""What the imports of the files a field team brings back share (distribution log,
enumerations, evaluations, complaints, executed disconnection tickets): the one wrapper
around services/imports.py that reads the table, runs the import, writes the one audit row
and hands back the counts; the natural-key check that makes a file imported twice write
nothing twice; and the date-and-time cell of a handheld export.

Each import keeps its own service (its permission, its result type with its own word for
what it wrote: recorded, logged, closed) and its own `check`/`write`; only the frame is
here, so the audit row and the counts read the same for every kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from sqlalchemy import select, tuple_

from opsmanager_desktop.services.core import Ctx
from opsmanager_desktop.services.distribution import normalize_time
from opsmanager_desktop.services.imports import (
    Cancelled,
    Problems,
    Progress,
    Row,
    read_table,
    run_import,
)

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
R = TypeVar("R")

_WHEN = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2})(:\d{2}(\.\d+)?)?)?$")
KEY_BATCH = 300  # natural keys per `(a, b, c) IN (...)`: three values each


@dataclass(frozen=True)
class FileKind:
    """What differs between the field files in the frame: their columns, chunk size, the
    entity their audit row is written under and the word for what they write."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    chunk_size: int
    audit_entity: str
    written_as: str  # the audit key of the written count: "recorded", "logged", "closed"


@dataclass(frozen=True)
class FieldImportResult:
    """The result of an import that records what a file reports (distribution events,
    enumerations, evaluations)."""

    rows: int
    recorded: int
    duplicates: int
    rejected: int
    rejects_path: Path | None


class FileRun(Protocol[T]):
    """One import's checks and writes (services/imports.run_import) and its counts."""

    written: int
    duplicates: int

    def check(self, rows: list[Row], problems: Problems) -> Sequence[T]: ...

    def write(self, items: Sequence[T]) -> None: ...


def import_file(ctx: Ctx, path: str | Path, kind: FileKind, run: FileRun[T],
                result: Callable[[int, int, int, int, Path | None], R], *,
                skip_invalid: bool, rejects_path: str | Path | None,
                progress: Progress | None, cancelled: Cancelled | None) -> R:
    """Import the file with `run`, audit it, and return
    result(rows, written, duplicates, rejected, rejects_path)."""
    table = read_table(path, kind.required, kind.optional)
    summary = run_import(table, run.check, run.write, skip_invalid=skip_invalid,
                         rejects_path=rejects_path, progress=progress, cancelled=cancelled,
                         chunk_size=kind.chunk_size)
    ctx.audit(kind.audit_entity, Path(path).name[:64], "import", after={
        "file": str(path), "rows": summary.rows, kind.written_as: run.written,
        "duplicates": run.duplicates, "rejected": summary.rejected})
    return result(summary.rows, run.written, run.duplicates, summary.rejected,
                  summary.rejects_path)


class KeyedRun(Generic[K]):
    """The counts of an import whose rows have a natural key. A row whose key is stored
    already or came earlier in the file is a duplicate: counted, not written again, not an
    error, so importing the same file twice writes nothing twice."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.seen: set[K] = set()
        self.duplicates = 0
        self.written = 0

    def is_new(self, key: K, stored: Container[K]) -> bool:
        """True the first time a key not in `stored` is met; else count a duplicate."""
        if key in stored or key in self.seen:
            self.duplicates += 1
            return False
        self.seen.add(key)
        return True


Key3 = tuple[str, str, datetime]


def stored_keys(ctx: Ctx, model: type, columns: tuple[str, str, str],
                keys: set[Key3]) -> set[Key3]:
    """Which of these natural keys (three columns of `model`) are stored already."""
    found: set[Key3] = set()
    cols = [getattr(model, c) for c in columns]
    wanted = sorted(keys)
    for start in range(0, len(wanted), KEY_BATCH):
        part = wanted[start:start + KEY_BATCH]
        found.update((a, b, c) for a, b, c in ctx.session.execute(
            select(*cols).where(tuple_(*cols).in_(part))))
    return found


def datetime_cell(row: Row, column: str, problems: Problems) -> datetime | None:
    """YYYY-MM-DD HH:MM[:SS] (or a date alone: midnight), as a handheld or a spreadsheet
    writes it; whole seconds."""
    text = row[column]
    if not text:
        problems.add(row, column, "is required")
        return None
    match = _WHEN.match(text)
    if match is not None:
        clock = match.group(2) or "00:00"
        try:
            return normalize_time(datetime.fromisoformat(
                f"{match.group(1)} {clock.zfill(5)}{match.group(3) or ''}"))
        except ValueError:
            pass
    problems.add(row, column, f"{text!r} is not a date and time; write it as "
                 "YYYY-MM-DD HH:MM, e.g. 2026-02-03 14:30")
    return None

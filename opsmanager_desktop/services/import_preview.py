"""Check-only runs of the file imports: what an import would do, before anything is written.

`preview_import(table, check, ...)` runs an import's own `check` over the whole file through
`imports.run_import`, with a `write` that writes nothing, so a preview applies exactly the
rules of the real import (same chunks, same bulk lookups, same problems in the same words).
The service that calls it is `readonly`: its transaction is rolled back whatever `check`
looked at. The result is what a person confirms before the real import runs: the counts,
every problem, and the first rows of the file with their problems beside them.

The check-only services are `reading_import.check_readings_file` and
`payment_import.check_payments_file` (the desktop's import previews).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from opsmanager_desktop.domain.errors import FieldProblem, ValidationError
from opsmanager_desktop.services.imports import (
    CHUNK_SIZE,
    Cancelled,
    Problems,
    Progress,
    Row,
    Table,
    run_import,
)

T = TypeVar("T")
SAMPLE_ROWS = 200


@dataclass(frozen=True)
class PreviewRow:
    row: int  # as a spreadsheet numbers it (the header is row 1)
    cells: tuple[str, ...]
    problems: tuple[str, ...]  # "column: reason"
    skipped: bool  # no problem, yet the import would not write it (a duplicate)


@dataclass(frozen=True)
class ImportPreview:
    file: str
    header: tuple[str, ...]
    rows: int  # data rows in the file
    valid: int  # rows the import would write
    skipped: int  # rows without a problem it would leave out (e.g. payments already posted)
    problems: tuple[FieldProblem, ...]  # as the import would report them, in file order
    sample: tuple[PreviewRow, ...]  # the first rows of the file

    @property
    def problem_rows(self) -> int:
        return self.rows - self.valid - self.skipped

    @property
    def ok(self) -> bool:
        """Nothing stops an all-or-nothing import of this file."""
        return not self.problems


def preview_import(table: Table, check: Callable[[list[Row], Problems], Sequence[T]], *,
                   item_rows: Callable[[Sequence[T]], Iterable[int]] | None = None,
                   sample_size: int = SAMPLE_ROWS, chunk_size: int = CHUNK_SIZE,
                   progress: Progress | None = None,
                   cancelled: Cancelled | None = None) -> ImportPreview:
    """Check the whole file and write nothing. `item_rows(items)` gives the row numbers of
    the items `check` returned; with it, rows that had no problem and gave no item are
    counted (and marked in the sample) as skipped."""
    counts = {"rows": 0, "valid": 0, "skipped": 0}
    sample = list(islice(iter(table), sample_size))
    last_sampled = sample[-1].number if sample else 0
    skipped_in_sample: set[int] = set()

    def checking(rows: list[Row], problems: Problems) -> Sequence[T]:
        items = check(rows, problems)
        counts["valid"] += len(items)
        if item_rows is not None:
            produced = set(item_rows(items))
            for row in rows:
                if row.number not in produced and not problems.has(row):
                    counts["skipped"] += 1
                    if row.number <= last_sampled:
                        skipped_in_sample.add(row.number)
        return items

    def counting(done: int, total: int) -> None:
        counts["rows"] = done
        if progress is not None:
            progress(done, total)

    try:
        run_import(table, checking, lambda _items: None, progress=counting,
                   cancelled=cancelled, chunk_size=chunk_size)
        found: tuple[FieldProblem, ...] = ()
    except ValidationError as exc:
        found = tuple(exc.problems)
    by_row: dict[int, list[str]] = {}
    for problem in found:
        if problem.row is not None and problem.row <= last_sampled:
            by_row.setdefault(problem.row, []).append(f"{problem.field}: {problem.reason}")
    rows = tuple(PreviewRow(r.number, r.cells, tuple(by_row.get(r.number, ())),
                            r.number in skipped_in_sample) for r in sample)
    return ImportPreview(table.path.name, table.header, counts["rows"], counts["valid"],
                         counts["skipped"], found, rows)

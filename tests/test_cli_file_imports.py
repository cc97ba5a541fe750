"""cli/file_imports.py: the one summary line every file-import command prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from opsmanager_desktop.cli.file_imports import done_and_repeated, import_summary


@dataclass(frozen=True)
class _Result:
    rows: int
    rejected: int
    rejects_path: Path | None


def test_summary_line() -> None:
    clean = _Result(1204, 0, None)
    rejects = _Result(1204, 4, Path("f.rejects.csv"))
    assert import_summary(clean, done_and_repeated(1200, "recorded", 4)) == (
        "1,204 rows: 1,200 recorded, 4 already recorded, 0 rejected.")
    assert import_summary(rejects, done_and_repeated(1190, "closed", 10)) == (
        "1,204 rows: 1,190 closed, 10 already closed, 4 rejected (see f.rejects.csv).")
    assert import_summary(rejects, "2 substations and 3 transformers added",
                          head="network file, ") == (
        "network file, 1,204 rows: 2 substations and 3 transformers added, 4 rejected "
        "(see f.rejects.csv).")

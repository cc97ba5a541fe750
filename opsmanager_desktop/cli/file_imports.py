"""What the commands that import a file share: their --skip-invalid and --rejects options,
the keywords those become for the import service, and the one line they print when done:

    1,204 rows: 1,190 recorded, 10 already recorded, 4 rejected (see f.rejects.csv).

Each command keeps its own words for what the file did (recorded, logged, closed, added);
the frame of the line is here so every import reads the same.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Protocol, TypedDict

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.services.imports import Progress

SKIP_HELP = "import the good rows; write the bad ones to a rejects file"


def add_file_options(parser: argparse.ArgumentParser, skip_help: str = SKIP_HELP) -> None:
    parser.add_argument("--skip-invalid", action="store_true", help=skip_help)
    parser.add_argument("--rejects", metavar="FILE", help="where to write rejected rows")


class FileOptions(TypedDict):
    skip_invalid: bool
    rejects_path: str | None
    progress: Progress


def file_options(app: CliApp, args: argparse.Namespace, label: str) -> FileOptions:
    """The service keywords of --skip-invalid and --rejects, with the progress shown on
    stderr as `label done/total (pct%)`."""
    return {"skip_invalid": args.skip_invalid, "rejects_path": args.rejects,
            "progress": lambda done, total: app.progress(done, total, label)}


class ImportCounts(Protocol):
    @property
    def rows(self) -> int: ...

    @property
    def rejected(self) -> int: ...

    @property
    def rejects_path(self) -> Path | None: ...


def done_and_repeated(count: int, verb: str, duplicates: int) -> str:
    """`N recorded, D already recorded`: a file imported twice writes nothing twice."""
    return f"{count:,} {verb}, {duplicates:,} already {verb}"


def import_summary(result: ImportCounts, *done: str, head: str = "") -> str:
    """`{head}N rows: {done, ...}, R rejected (see FILE).`, the rejects file named only
    when one was written."""
    text = f"{head}{result.rows:,} rows: " + ", ".join((*done, f"{result.rejected:,} rejected"))
    if result.rejects_path is not None:
        text += f" (see {result.rejects_path})"
    return text + "."


def emit_import(app: CliApp, result: ImportCounts, *done: str, head: str = "") -> int:
    """Print the result (--json: all of it; else its summary line); the exit code 0."""
    app.emit(result, import_summary(result, *done, head=head))
    return 0

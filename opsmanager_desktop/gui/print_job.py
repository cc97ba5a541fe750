"""Printing statements from any page: the service in a background job with progress and
Cancel, and a short note of what was written. Used by the Distribution page (cycles,
statuses, routes) and the Bills page (the statements holding the selected bills)."""

from __future__ import annotations

from pathlib import Path

from opsmanager_desktop.gui.pages.base import ListPage
from opsmanager_desktop.gui.progress import JobProgressDialog, run_with_progress
from opsmanager_desktop.services import printing
from opsmanager_desktop.services.printing import PrintResult, PrintSelection


def start_print(page: ListPage, selection: PrintSelection, out: Path,
                split: int | None = None) -> JobProgressDialog:
    backend, token = page.ctx.backend, page.ctx.token
    return run_with_progress(
        page, "Print statements", f"Printing {selection.describe()}...",
        lambda job: printing.print_statements(
            backend, token, selection, out, split=split,
            progress=lambda done, total: job.progress(done, total,
                                                      f"{done:,} of {total:,} statements"),
            cancelled=lambda: job.cancelled),
        on_result=lambda result: _after_print(page, result), on_error=page.handle_error,
        on_cancelled=lambda: page.notify("Printing cancelled; no file was written."))


def _after_print(page: ListPage, result: PrintResult) -> None:
    files = ", ".join(p.name for p in result.files[:3]) + (
        f" and {len(result.files) - 3} more" if len(result.files) > 3 else "")
    page.notify(f"{result.statements:,} statements ({result.bills:,} bills, {result.pages:,} "
                f"pages) printed to {files} in {result.seconds:.0f} s.", seconds=15)

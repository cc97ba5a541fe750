"""Export and copy, the same on every table page.

    from opsmanager_desktop.gui.table_actions import TableActions

    class BillsPage(ListPage):
        def setup_actions(self) -> None:
            ...                                   # the page's own actions first
            self.table_actions = TableActions(self, "bills")

`TableActions(page, table)` gives a ListPage:
- "Export..." (Ctrl+E): a save dialog (.xlsx or .csv), then exactly the rows the table is
  filtered to (the model's search, filters and sort) written by services.export.export in
  the background, with a progress dialog and Cancel. The list service is called again page
  by page, so the permission and the rows are the list's own, whatever has been scrolled.
  `table` is an export.TABLES name; None means the page has no export (copy only).
- "Copy" (Ctrl+C, and the table's right-click menu): the selected rows, as the cells show
  them, with a header line, as tab-separated text that pastes into a spreadsheet. The table
  is switched to extended selection (Shift/Ctrl+click) so several rows can be chosen; the
  detail pane keeps following the current row.

For tests and scripts: `actions.export_to(path)` skips the save dialog, `copy_rows(view)`
works on any QTableView. The folder of the last export is remembered (QSettings).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QMenu, QTableView

from opsmanager_desktop.gui.progress import JobProgressDialog, run_with_progress
from opsmanager_desktop.gui.tasks import Cancelled, Job
from opsmanager_desktop.services import export
from opsmanager_desktop.services.export import ExportCancelled, ExportResult
from opsmanager_desktop.services.listing import ListQuery

if TYPE_CHECKING:
    from opsmanager_desktop.gui.pages.base import ListPage

_FOLDER_KEY = "export/folder"
_FILTERS = "Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"


def _cell_text(value: object) -> str:
    # a tab or line break inside a cell would split it in the spreadsheet
    text = "" if value is None else str(value)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def copy_rows(view: QTableView) -> int:
    """The selected rows (else the current one) to the clipboard, header first, columns in
    the order the user sees them; returns the number of rows copied."""
    model = view.model()
    selection = view.selectionModel()
    rows = sorted({index.row() for index in selection.selectedRows()}) if selection else []
    if not rows and view.currentIndex().isValid():
        rows = [view.currentIndex().row()]
    if not rows:
        return 0
    header = view.horizontalHeader()
    columns = [header.logicalIndex(v) for v in range(header.count())]
    columns = [c for c in columns if not header.isSectionHidden(c)]
    lines = ["\t".join(_cell_text(model.headerData(c, Qt.Orientation.Horizontal))
                       for c in columns)]
    for row in rows:
        lines.append("\t".join(_cell_text(model.index(row, c).data()) for c in columns))
    QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
    return len(rows)


def default_file_name(table: str, today: date) -> str:
    return f"{table}-{today.isoformat()}.xlsx"


class TableActions:
    """Export and copy for one ListPage; see the module docstring."""

    def __init__(self, page: ListPage, table: str | None) -> None:
        self.page = page
        self.table = table
        self.dialog: JobProgressDialog | None = None
        self.last_result: ExportResult | None = None
        view = page.table
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.export_action: QAction | None = None
        if table is not None:
            self.export_action = page.add_action(
                "Export...", "export", self.choose_file, shortcut="Ctrl+E",
                tip="Write the rows the table is filtered to into an Excel or CSV file")
        self.copy_action = QAction("Copy rows", view)
        self.copy_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(lambda _checked=False: self.copy())
        view.addAction(self.copy_action)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._menu)

    # --- copy -------------------------------------------------------------------------
    def copy(self) -> int:
        count = copy_rows(self.page.table)
        if count:
            word = "row" if count == 1 else "rows"
            self.page.notify(f"Copied {count:,} {word} to the clipboard.", seconds=4)
        return count

    def _menu(self, point: QPoint) -> None:
        menu = QMenu(self.page.table)
        menu.addAction(self.copy_action)
        if self.export_action is not None:
            menu.addAction(self.export_action)
        menu.popup(self.page.table.viewport().mapToGlobal(point))

    # --- export -----------------------------------------------------------------------
    def query(self) -> ListQuery:
        """What the table shows now: search, filters, sort (not the window)."""
        return self.page.model.query

    def choose_file(self) -> None:
        assert self.table is not None
        store = self.page.ctx.settings.store
        folder = str(store.value(_FOLDER_KEY, "") or Path.home())
        suggested = str(Path(folder) / default_file_name(
            self.table, self.page.ctx.backend.now().date()))
        path, chosen = QFileDialog.getSaveFileName(self.page, "Export table", suggested,
                                                   _FILTERS)
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() not in (".xlsx", ".csv"):
            target = target.with_suffix(".csv" if "csv" in chosen.lower() else ".xlsx")
        store.setValue(_FOLDER_KEY, str(target.parent))
        self.export_to(target)

    def export_to(self, path: Path) -> JobProgressDialog:
        """Write the filtered rows to `path` in the background (progress, Cancel)."""
        assert self.table is not None
        backend, token, table = self.page.ctx.backend, self.page.ctx.token, self.table
        query = self.query()

        def work(job: Job) -> ExportResult:
            try:
                return export.export(backend, token, table, path, filters=query.filters,
                                     search=query.search, sort=query.sort,
                                     descending=query.descending, progress=job.progress,
                                     cancelled=lambda: job.cancelled)
            except ExportCancelled:
                raise Cancelled() from None

        self.dialog = run_with_progress(
            self.page, "Export", f"Writing {path.name}...", work,
            on_result=self._exported, on_error=self.page.handle_error,
            on_cancelled=lambda: self.page.notify("Export cancelled; no file was written."))
        return self.dialog

    def _exported(self, result: Any) -> None:
        assert isinstance(result, ExportResult)
        self.last_result = result
        word = "row" if result.rows == 1 else "rows"
        self.page.notify(f"Exported {result.rows:,} {word} to {result.path}.")

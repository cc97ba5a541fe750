"""The import dialog of the billing-area pages (meter readings, settlement files): the file
is checked first and nothing is written until the officer presses Import.

`ImportPreviewDialog` runs the service's check-only entry point (services/import_preview.py:
the import's own rules, the whole file) in the background with a progress dialog and
Cancel, then shows the first rows with their problems and every problem. Import stays
disabled while the file has problems, unless the officer chooses to import the good rows
and have the others written to a rejects file (the CLI's --skip-invalid). A subclass says
which services to call and what the rows are called:

    class PaymentImportDialog(ImportPreviewDialog):
        noun = ("payment", "payments")
        def check(self, job): return check_payments_file(backend, token, path, ...)
        def run_import(self, job, skip_invalid): return import_payments(...)
        def done_text(self, result): return f"{result.posted} payments posted"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.errors import FieldProblem, NotSignedIn, OpsError
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.errors import error_message, sentence, show_error
from opsmanager_desktop.gui.pages.bills_widgets import RowsModel, colour_statuses, rows_view
from opsmanager_desktop.gui.progress import run_with_progress
from opsmanager_desktop.gui.table_model import Column, number_column
from opsmanager_desktop.gui.tasks import Job
from opsmanager_desktop.services.import_preview import ImportPreview, PreviewRow
from opsmanager_desktop.services.imports import ImportCancelled, default_rejects_path


def _row_state(row: PreviewRow) -> str:
    if row.problems:
        return "PROBLEM"
    return "SKIPPED" if row.skipped else "OK"


def _state_text(state: str) -> str:
    return "OK" if state == "OK" else state.capitalize()


def _cell(index: int) -> Any:
    return lambda r: r.cells[index] if index < len(r.cells) else ""


class ImportPreviewDialog(QDialog):
    noun: tuple[str, str] = ("row", "rows")
    skipped_means = "skipped"  # what a skipped row is, for the summary

    def __init__(self, ctx: AppContext, path: Path, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = path
        self.preview: ImportPreview | None = None
        self.result_value: Any = None
        self.values: Any = None
        self.setWindowTitle(title)
        self.setObjectName("importPreviewDialog")
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        file_label = QLabel(str(path))
        file_label.setWordWrap(True)
        self.form.addRow("File", file_label)
        layout.addLayout(self.form)
        self.summary = QLabel("The file has not been checked yet.")
        self.summary.setObjectName("dialogIntro")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.sample_model: RowsModel[PreviewRow] = RowsModel([], parent=self)
        self.sample_view = rows_view(self.sample_model)
        self.tabs.addTab(self.sample_view, "Rows")
        self.problem_model: RowsModel[FieldProblem] = RowsModel([
            number_column("row", "Row", lambda p: p.row, width=60),
            Column("field", "Column", lambda p: p.field, width=120),
            Column("reason", "Problem", lambda p: p.reason)], parent=self)
        self.problem_view = rows_view(self.problem_model)
        self.tabs.addTab(self.problem_view, "Problems")
        layout.addWidget(self.tabs, 1)
        self.skip_invalid = QCheckBox(
            f"Import the good rows; write the rows with problems to "
            f"{default_rejects_path(path).name}")
        self.skip_invalid.setVisible(False)
        self.skip_invalid.toggled.connect(lambda _on: self._update_buttons())
        layout.addWidget(self.skip_invalid)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.check_button = QPushButton("Check again")
        self.check_button.clicked.connect(self.start_check)
        self.buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = QPushButton("Import")
        # the default button's style greys out when disabled (#primaryButton's does not)
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumSize(860, 520)  # room for the rows and their problems

    # --- what subclasses provide -----------------------------------------------------
    def capture(self) -> Any:
        """GUI thread: read the dialog's own controls into `self.values` for the workers
        (they never touch a widget). Raise an OpsError for a choice that cannot work."""
        return None

    def check(self, job: Job) -> ImportPreview:
        """Worker thread: the service's check-only entry point (use `self.values`)."""
        raise NotImplementedError

    def run_import(self, job: Job, skip_invalid: bool) -> Any:
        """Worker thread: the real import."""
        raise NotImplementedError

    def done_text(self, result: Any) -> str:
        return "Imported."

    # --- machinery -------------------------------------------------------------------
    def settings_changed(self) -> None:
        """A control that changes what the import would do: the old preview is void."""
        self.preview = None
        self._update_buttons()
        if self.isVisible():
            self.start_check()

    def progress_hook(self, job: Job, verb: str) -> Any:
        def report(done: int, total: int) -> None:
            job.progress(done, total, f"{verb} row {done:,} of about {total:,}...")
        return report

    def _capture(self) -> bool:
        try:
            self.values = self.capture()
        except OpsError as exc:
            self._on_failed(exc)
            return False
        return True

    def start_check(self) -> None:
        self.preview = None
        self._update_buttons()
        self.message.setVisible(False)
        if not self._capture():
            return
        self.summary.setText(f"Checking {self.path.name}...")
        run_with_progress(self, "Checking the file", f"Checking {self.path.name}...",
                          self.check, on_result=self._on_checked, on_error=self._on_failed,
                          on_cancelled=self._on_check_cancelled)

    def _on_check_cancelled(self) -> None:
        self.summary.setText("The check was cancelled; nothing was imported. "
                             "Press Check again to look at the file.")

    def _on_checked(self, preview: ImportPreview) -> None:
        self.preview = preview
        header = list(preview.header)
        self.sample_model.beginResetModel()
        self.sample_model.columns = [
            number_column("row", "Row", lambda r: r.row, width=50),
            Column("state", "State", _row_state, formatter=_state_text, width=90),
            Column("problems", "Problems", self._problems_text, width=280),
            *[Column(f"c{i}", name, _cell(i), width=110) for i, name in enumerate(header)],
        ]
        self.sample_model.endResetModel()
        self.sample_model.set_rows(preview.sample)
        colour_statuses(self.sample_view, self.sample_model.columns, ["state"])
        for i, column in enumerate(self.sample_model.columns):
            if column.width:
                self.sample_view.setColumnWidth(i, column.width)
        self.problem_model.set_rows(preview.problems)
        self.tabs.setTabText(0, f"Rows (first {len(preview.sample):,})"
                             if preview.rows > len(preview.sample) else "Rows")
        self.tabs.setTabText(1, f"Problems ({len(preview.problems):,})")
        self.summary.setText(self._summary(preview))
        self.skip_invalid.setVisible(not preview.ok and preview.valid > 0)
        self._update_buttons()

    def _problems_text(self, row: PreviewRow) -> str:
        return "; ".join(row.problems) or (self.skipped_means if row.skipped else "")

    def _summary(self, p: ImportPreview) -> str:
        one, many = self.noun
        parts = [f"{p.rows:,} {one if p.rows == 1 else many} checked: "
                 f"{p.valid:,} can be imported"]
        if p.skipped:
            parts.append(f"{p.skipped:,} {self.skipped_means}")
        if p.problem_rows:
            parts.append(f"{p.problem_rows:,} with problems")
        text = ", ".join(parts) + "."
        if p.ok:
            return text + " Nothing has been written yet: press Import to go ahead."
        return (text + " Nothing has been written. Fix the file and check it again, or "
                "import only the good rows.")

    def _update_buttons(self) -> None:
        p = self.preview
        ready = p is not None and p.valid > 0 and (p.ok or self.skip_invalid.isChecked())
        self.import_button.setEnabled(ready)
        if p is not None:
            one, many = self.noun
            self.import_button.setText(f"Import {p.valid:,} {one if p.valid == 1 else many}")

    def start_import(self) -> None:
        if self.preview is None or not self._capture():
            return
        skip = self.skip_invalid.isChecked() and not self.preview.ok
        run_with_progress(self, "Importing", f"Importing {self.path.name}...",
                          lambda job: self.run_import(job, skip), on_result=self._on_imported,
                          on_error=self._on_failed, on_cancelled=self._on_check_cancelled)

    def _on_imported(self, result: Any) -> None:
        self.result_value = result
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ImportCancelled):
            self.summary.setText(sentence(f"{exc}."))
            self._update_buttons()
            return
        if isinstance(exc, NotSignedIn):
            self.ctx.check_session(exc)
            return
        if self.isVisible():
            self.message.setText(error_message(exc))
            self.message.setVisible(True)
            self.summary.setText("The file could not be checked." if self.preview is None
                                 else self.summary.text())
        else:
            show_error(self.parentWidget(), exc)
        self._update_buttons()

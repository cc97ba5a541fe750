"""Long jobs (billing run, import, demo data, batch print) with a progress dialog and Cancel.

    run_with_progress(self, "Billing run", "Creating bills...",
                      lambda job: billing.run_billing(backend, token, cycle,
                                                      progress=job.progress,
                                                      cancelled=lambda: job.cancelled),
                      on_result=self._on_run_done)

The dialog shows a busy bar until the job reports a total, then done/total and the job's
text. Cancel sets the job's flag (the job stops at its next check and its `Cancelled`
reaches `on_cancelled`); the dialog says "Cancelling..." until the worker has stopped, so a
half-finished chunk is never reported as done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from opsmanager_desktop.gui.errors import show_error
from opsmanager_desktop.gui.tasks import ErrorFn, Job, ResultFn, Task, run_task


class JobProgressDialog(QProgressDialog):
    def __init__(self, parent: QWidget | None, title: str, label: str,
                 cancellable: bool = True) -> None:
        super().__init__(label, "Cancel" if cancellable else "", 0, 0, parent)
        self.setObjectName("jobProgress")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal if parent is not None
                               else Qt.WindowModality.ApplicationModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumWidth(420)
        if not cancellable:
            self.setCancelButton(None)
        self.task: Task | None = None

    def update_progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.setMaximum(total)
            self.setValue(min(done, total))
        else:
            self.setMaximum(0)
        if text:
            self.setLabelText(text)


def run_with_progress(parent: QWidget | None, title: str, label: str,
                      fn: Callable[[Job], Any], *, on_result: ResultFn | None = None,
                      on_error: ErrorFn | None = None,
                      on_cancelled: Callable[[], object] | None = None,
                      cancellable: bool = True) -> JobProgressDialog:
    dialog = JobProgressDialog(parent, title, label, cancellable)

    def cancel() -> None:
        if dialog.task is not None:
            dialog.task.cancel()
        dialog.setLabelText("Cancelling... the work done so far is being wound up.")
        dialog.show()  # QProgressDialog hides itself on cancel; stay until the job stops

    def finished() -> None:
        dialog.close()
        dialog.deleteLater()

    def failed(exc: BaseException) -> None:
        dialog.close()
        if on_error is not None:
            on_error(exc)
        else:
            show_error(parent, exc)

    def result(value: Any) -> None:
        dialog.close()
        if on_result is not None:
            on_result(value)

    def cancelled() -> None:
        dialog.close()
        if on_cancelled is not None:
            on_cancelled()

    dialog.canceled.connect(cancel)
    dialog.show()
    # the dialog owns the callbacks: they run as long as it has not been deleted
    dialog.task = run_task(dialog, fn, on_result=result, on_error=failed,
                           on_progress=dialog.update_progress, on_finished=finished,
                           on_cancelled=cancelled)
    return dialog

"""Long jobs: progress reaches the dialog, Cancel stops the job at its next check."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from opsmanager_desktop.gui.progress import run_with_progress
from opsmanager_desktop.gui.tasks import Job
from tests.gui.conftest import wait_tasks


def test_progress_then_result(qtbot: QtBot) -> None:
    results: list[object] = []
    seen = threading.Event()

    def work(job: Job) -> str:
        job.progress(2, 3, "step 2 of 3")
        seen.wait(5)  # until the test has looked at the dialog
        return "done"

    dialog = run_with_progress(None, "Job", "Working...", work, on_result=results.append)
    qtbot.waitUntil(lambda: dialog.value() == 2, timeout=5000)
    assert (dialog.maximum(), dialog.labelText()) == (3, "step 2 of 3")
    seen.set()
    wait_tasks(qtbot)
    assert results == ["done"]


def test_cancel_stops_the_job(qtbot: QtBot) -> None:
    outcome: list[str] = []
    steps: list[int] = []

    def work(job: Job) -> str:
        for i in range(1000):
            job.check()  # raises Cancelled once the user pressed Cancel
            steps.append(i)
            job.progress(i, 1000, "counting")
            time.sleep(0.005)
        return "finished"

    dialog = run_with_progress(None, "Job", "Working...", work,
                               on_result=lambda _r: outcome.append("result"),
                               on_cancelled=lambda: outcome.append("cancelled"))
    qtbot.waitUntil(lambda: len(steps) > 5, timeout=5000)
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert "Cancelling" in dialog.labelText()
    wait_tasks(qtbot)
    assert outcome == ["cancelled"] and len(steps) < 1000

"""PySide6 6.12.0 dropped a reference to None on every call of a method returning void
(setText, processEvents, ...); on Python 3.11 the program died after a few thousand calls
("deallocating None"). pyproject.toml excludes that release; this test catches any other
with the same fault."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QLabel


def test_void_methods_keep_none_alive(qapp: QApplication) -> None:
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("x")
        QCoreApplication.processEvents()
    assert sys.getrefcount(None) - before > -50  # a few may move; 1,000 lost is the bug

"""What the chart pages (Analytics, Staff performance) share: a matplotlib figure as a Qt
widget, put in place of the one shown, and the end of their filter row (Show, then the
status of the figures on the right)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter


def make_canvas(figure: Figure) -> Any:
    """A Qt widget showing `figure` (matplotlib's Qt canvas carries no type hints)."""
    return FigureCanvasQTAgg(figure)  # type: ignore[no-untyped-call]


def replace_canvas(splitter: QSplitter, index: int, old: Any, figure: Figure) -> Any:
    """A new canvas for `figure` where `old` stood in `splitter` (a canvas does not take a
    new figure well: a fresh one is simpler); returns it."""
    canvas = make_canvas(figure)
    splitter.replaceWidget(index, canvas)
    old.deleteLater()
    canvas.draw_idle()
    return canvas


def add_show_and_status(bar: QHBoxLayout, name: str,
                        on_show: Callable[[], object]) -> tuple[QPushButton, QLabel]:
    """A "Show" button (object name `name`) that calls `on_show`, then, at the right end of
    `bar`, the label that says what is shown (or that the figures are being worked out)."""
    button = QPushButton("Show")
    button.setObjectName(name)
    button.clicked.connect(on_show)
    bar.addWidget(button)
    bar.addStretch(1)
    status = QLabel("")
    status.setObjectName("countLabel")
    bar.addWidget(status)
    return button, status

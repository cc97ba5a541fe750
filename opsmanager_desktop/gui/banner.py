"""A strip at the top of a page for problems that are not the user's input.

`show_problem(exc, retry)` shows the service's message with a Retry button. For a database
outage (`Unavailable`) that is all that happens: the page stays as it was (rows shown,
text typed) and Retry runs the same load again. The banner hides itself when the retry
succeeds (the page calls `clear()`).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from opsmanager_desktop.domain.errors import Unavailable
from opsmanager_desktop.gui.errors import error_message, error_title
from opsmanager_desktop.gui.icons import icon


class OutageBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outageBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self._icon = QLabel()
        self._icon.setPixmap(icon("warning").pixmap(20, 20))
        layout.addWidget(self._icon)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setIcon(icon("refresh"))
        self.retry_button.clicked.connect(self._on_retry)
        layout.addWidget(self.retry_button)
        self._retry: Callable[[], None] | None = None
        self.setVisible(False)

    def show_problem(self, exc: BaseException, retry: Callable[[], None] | None) -> None:
        self.setObjectName("outageBanner" if isinstance(exc, Unavailable) else "errorBanner")
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(f"<b>{error_title(exc)}.</b> {html.escape(error_message(exc))}")
        self._retry = retry
        self.retry_button.setVisible(retry is not None)
        self.setVisible(True)

    def clear(self) -> None:
        self.setVisible(False)
        self._retry = None

    def _on_retry(self) -> None:
        retry = self._retry
        if retry is not None:
            self.text.setText("Trying again...")
            retry()

"""The dashboard's cards: a figure with a caption and a note, and the cycle's progress
bars; each card is focusable and opens its Target on a click, Enter or Space."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from opsmanager_desktop.services.dashboard import CycleProgress

CARD_STYLE = """
QScrollArea#dashboardScroll, QWidget#dashboardBody { background: transparent; }
QFrame#dashCard {
    background: #ffffff; border: 1px solid #d5dbe3; border-radius: 8px;
}
QFrame#dashCard:hover { background: #f4f8fc; border-color: #9fb0c2; }
QFrame#dashCard:focus { border: 2px solid #1f6fb2; }
QFrame#dashCard QLabel { background: transparent; border: none; }
QLabel#cardCaption { color: #5a6878; font-size: 9pt; font-weight: bold; }
QLabel#cardFigure { color: #1d2733; font-size: 20pt; font-weight: bold; }
QLabel#cardFigure[tone="bad"] { color: #9b1c14; }
QLabel#cardFigure[tone="good"] { color: #1d5e33; }
QLabel#cardNote { color: #4a5866; }
QProgressBar { border: 1px solid #d5dbe3; border-radius: 4px; background: #f2f5f9;
               height: 14px; text-align: center; font-size: 8pt; }
QProgressBar::chunk { background: #9cc3e8; border-radius: 3px; }
"""


@dataclass(frozen=True)
class Target:
    """Where a card leads: a page and its filters."""

    page: str
    filters: Mapping[str, Any]


class ClickableCard(QFrame):
    """A card that opens its target on a click, Enter or Space (Tab reaches it)."""

    def __init__(self, on_open: Callable[[Target], None], parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("dashCard")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover, True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.target: Target | None = None
        self._on_open = on_open

    def activate(self) -> None:
        if self.target is not None:
            self._on_open(self.target)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.activate()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activate()
            return
        super().keyPressEvent(event)


class Card(ClickableCard):
    def __init__(self, caption: str, on_open: Callable[[Target], None],
                 parent: QWidget) -> None:
        super().__init__(on_open, parent)
        self.setMinimumSize(230, 118)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(2)
        self.caption = QLabel(caption.upper())
        self.caption.setObjectName("cardCaption")
        self.figure = QLabel("...")
        self.figure.setObjectName("cardFigure")
        self.note = QLabel("")
        self.note.setObjectName("cardNote")
        self.note.setWordWrap(True)
        for label in (self.caption, self.figure, self.note):
            layout.addWidget(label)
        layout.addStretch(1)

    def set_figure(self, figure: str, note: str, target: Target | None, tone: str = "") -> None:
        self.figure.setText(figure)
        self.figure.setProperty("tone", tone)
        self.figure.style().unpolish(self.figure)
        self.figure.style().polish(self.figure)
        self.note.setText(note)
        self.target = target
        self.setToolTip("" if target is None else f"Open the {target.page} list behind this")


class CycleCard(ClickableCard):
    """The current cycle's progress: four bars; the card opens the cycle's readings."""

    def __init__(self, on_open: Callable[[Target], None], parent: QWidget) -> None:
        super().__init__(on_open, parent)
        self.setMinimumSize(480, 150)
        layout = QGridLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setHorizontalSpacing(12)
        layout.setVerticalSpacing(6)
        self.caption = QLabel("CURRENT CYCLE")
        self.caption.setObjectName("cardCaption")
        layout.addWidget(self.caption, 0, 0, 1, 3)
        self.bars: dict[str, tuple[QLabel, QProgressBar, QLabel]] = {}
        for row, (key, text) in enumerate((("readings", "Readings entered"),
                                           ("approved", "Readings approved"),
                                           ("billed", "Bills generated"),
                                           ("issued", "Bills issued")), start=1):
            label, bar, count = QLabel(text), QProgressBar(), QLabel("")
            bar.setTextVisible(True)
            count.setObjectName("cardNote")
            count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            count.setMinimumWidth(150)
            layout.addWidget(label, row, 0)
            layout.addWidget(bar, row, 1)
            layout.addWidget(count, row, 2)
            self.bars[key] = (label, bar, count)
        layout.setColumnStretch(1, 1)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)  # spare height below the bars

    def show_cycle(self, cycle: CycleProgress | None, target: Target | None) -> None:
        self.target = target
        if cycle is None:
            self.caption.setText("CURRENT CYCLE: NONE OPEN")
            for _label, bar, count in self.bars.values():
                bar.setRange(0, 1)
                bar.setValue(0)
                count.setText("")
            return
        self.caption.setText(f"CYCLE {cycle.period}  ({cycle.start_date:%d %b} - "
                             f"{cycle.end_date:%d %b %Y})  -  {cycle.connections:,} active "
                             "connections")
        values = {"readings": (cycle.readings, cycle.connections),
                  "approved": (cycle.approved, cycle.connections),
                  "billed": (cycle.billed, cycle.connections),
                  "issued": (cycle.issued, cycle.billed)}
        for key, (done, whole) in values.items():
            _label, bar, count = self.bars[key]
            bar.setRange(0, max(whole, 1))
            bar.setValue(min(done, max(whole, 1)))
            bar.setFormat(f"{done / whole:.0%}" if whole else "-")
            count.setText(f"{done:,} of {whole:,}")



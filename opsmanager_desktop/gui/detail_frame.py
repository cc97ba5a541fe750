"""The frame of a detail pane beside a table: a wrapping title and subtitle on top, the pane's
content below them in the returned layout.

- `scrolled_detail`: in a vertical scroll area (never sideways), for panes that grow with
  what they show (a bill's lines, a customer's connections);
- `plain_detail`: without one, for panes whose own content scrolls or fits (a table, a
  message box, tabs).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget


def scrolled_detail(pane: QWidget, placeholder: str,
                    min_width: int) -> tuple[QVBoxLayout, QLabel, QLabel]:
    """Lay out `pane`; returns (body layout, title, subtitle)."""
    pane.setObjectName("detailPane")
    pane.setMinimumWidth(min_width)
    outer = QVBoxLayout(pane)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    outer.addWidget(scroll)
    body = QWidget()
    body.setObjectName("detailBody")
    scroll.setWidget(body)
    return _titled(QVBoxLayout(body), placeholder)


def plain_detail(pane: QWidget, placeholder: str,
                 min_width: int) -> tuple[QVBoxLayout, QLabel, QLabel]:
    """Lay out `pane` with no scroll area; returns (layout, title, subtitle)."""
    pane.setObjectName("detailPane")
    pane.setMinimumWidth(min_width)
    return _titled(QVBoxLayout(pane), placeholder)


def _titled(layout: QVBoxLayout, placeholder: str) -> tuple[QVBoxLayout, QLabel, QLabel]:
    layout.setContentsMargins(14, 12, 14, 12)
    title = QLabel(placeholder)
    title.setObjectName("detailTitle")
    title.setWordWrap(True)
    layout.addWidget(title)
    subtitle = QLabel()
    subtitle.setObjectName("pageSubtitle")
    subtitle.setWordWrap(True)
    layout.addWidget(subtitle)
    return layout, title, subtitle

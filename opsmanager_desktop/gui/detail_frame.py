"""The frame of a detail pane beside a table: a vertical scroll area (never sideways) with a
wrapping title and subtitle on top; the pane fills the returned layout with its content."""

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
    layout = QVBoxLayout(body)
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

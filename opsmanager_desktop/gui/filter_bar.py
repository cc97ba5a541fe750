"""The filter bar above a table: a search box (debounced) and optional choice combos.

    bar = FilterBar("Search name, username or e-mail")
    bar.add_choice("role", "Role", [("All roles", None)] + [(r.label, r.value) for r in Role])
    bar.changed.connect(lambda: model.set_query(bar.search_text(), bar.filters()))

`changed` fires 300 ms after the last keystroke (so typing a name does not send one query
per letter) and at once when a combo changes. `state()`/`restore()` give a plain dict the
page stores in QSettings, so the last filter comes back next time.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from opsmanager_desktop.gui.icons import icon

DEBOUNCE_MS = 300


class FilterBar(QWidget):
    changed = Signal()

    def __init__(self, placeholder: str = "Search", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(260)
        self._layout.addWidget(self.search, 2)
        self._combos: dict[str, QComboBox] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self.flush)
        self._tail = QWidget()
        self._layout.addWidget(self._tail, 1)

    def add_choice(self, key: str, label: str, options: list[tuple[str, Any]]) -> QComboBox:
        """A combo; the first option is usually "All ..." with the value None."""
        if label:
            caption = QLabel(label)
            caption.setObjectName("filterCaption")
            self._layout.insertWidget(self._layout.count() - 1, caption)
        combo = QComboBox()
        combo.setObjectName(f"filter_{key}")
        for text, value in options:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self._layout.insertWidget(self._layout.count() - 1, combo)
        self._combos[key] = combo
        return combo

    def combo(self, key: str) -> QComboBox:
        return self._combos[key]

    def add_widget(self, widget: QWidget) -> None:
        """Extra controls at the right end (page actions)."""
        self._layout.addWidget(widget)

    def flush(self) -> None:
        """Apply a pending search now (Enter, or a test that does not want to wait)."""
        if self._timer.isActive():
            self._timer.stop()
            self.changed.emit()

    def search_text(self) -> str:
        return self.search.text().strip()

    def filters(self) -> dict[str, Any]:
        return {key: combo.currentData() for key, combo in self._combos.items()
                if combo.currentData() is not None}

    def state(self) -> dict[str, Any]:
        # values, not positions: a list of choices that grows keeps the saved choice
        return {"search": self.search.text(),
                **{key: combo.currentData() for key, combo in self._combos.items()}}

    def restore(self, state: dict[str, Any]) -> None:
        """Put a saved state back without firing `changed` (the page loads once after)."""
        self.blockSignals(True)
        self.search.blockSignals(True)
        try:
            self.search.setText(str(state.get("search", "")))
            for key, combo in self._combos.items():
                if key not in state:
                    continue
                index = next((i for i in range(combo.count())
                              if combo.itemData(i) == state[key]), -1)
                if index >= 0:
                    combo.blockSignals(True)
                    combo.setCurrentIndex(index)
                    combo.blockSignals(False)
        finally:
            self.search.blockSignals(False)
            self.blockSignals(False)

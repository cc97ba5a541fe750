"""Thin dialogs: a form, messages next to the fields, one service call on OK.

`FormDialog` is the base of every data-entry dialog (first admin, user, password, tariff):

    class ResetPasswordDialog(FormDialog):
        def __init__(self, ctx, username, parent=None):
            super().__init__(parent, "Reset password", ok_text="Reset")
            self.password = self.add_field("New password", password_edit(), "password")
        def submit(self, job):           # runs on a worker thread: services only
            users.reset_password(self.ctx.backend, self.ctx.token, ...)

Rules it keeps for every dialog:
- `collect()` runs on the GUI thread and reads the widgets into plain values;
  `submit(values)` runs in the background (gui/tasks.py) and calls the service;
- while it runs, the buttons are disabled; on success the dialog accepts (`result_value`
  holds what the service returned);
- a `ValidationError` puts each problem next to the field it names (fields are bound with
  `add_field(label, widget, *field_names)`, names as the services spell them); problems
  about fields the form does not have, and every other error, go to the message line at the
  bottom. Nothing typed is cleared, so a refused action or a database outage
  (`Unavailable`) loses no input: the user fixes it and presses OK again.

Forms are built in code rather than loaded from ui/*.ui because most of them are dynamic
(rows added, fields shown by permission, messages under fields); ui/about.ui shows the
QUiLoader route for the one static form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.errors import NotSignedIn, ValidationError
from opsmanager_desktop.gui.errors import error_message, sentence
from opsmanager_desktop.gui.tasks import Job, run_task

W = TypeVar("W", bound=QWidget)
_INDEXED = re.compile(r"^([a-z_ ]+)\[(\d+)\]\.?(.*)$")


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.setVisible(False)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def password_edit(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class FormErrors:
    """Maps field names (as the services name them) to the labels under the widgets."""

    def __init__(self, general: QLabel) -> None:
        self.general = general
        self._labels: dict[str, QLabel] = {}

    def bind(self, label: QLabel, *field_names: str) -> None:
        for name in field_names:
            self._labels[name.lower()] = label

    def clear(self) -> None:
        for label in {*self._labels.values(), self.general}:
            label.clear()
            label.setVisible(False)

    def set_field(self, field_name: str, text: str) -> None:
        label = self._labels.get(field_name.lower(), self.general)
        self._append(label, text)

    def set_general(self, text: str) -> None:
        self._append(self.general, text)

    @staticmethod
    def _append(label: QLabel, text: str) -> None:
        label.setText(f"{label.text()}\n{text}" if label.text() else text)
        label.setVisible(True)

    def show(self, exc: BaseException) -> None:
        self.clear()
        if isinstance(exc, ValidationError):
            for problem in exc.problems[:30]:
                name = problem.field.lower()
                indexed = _INDEXED.match(name)
                if problem.row is not None:
                    self.set_general(sentence(str(problem)))
                elif name in self._labels:
                    self.set_field(name, sentence(problem.reason))
                elif indexed and indexed.group(1) in self._labels:
                    # "slabs[1].rate" goes under the slab table as "Row 2, rate: ..."
                    base, index, rest = indexed.groups()
                    where = f"Row {int(index) + 1}" + (
                        f", {rest.replace('_', ' ')}" if rest else "")
                    self.set_field(base, f"{where}: {problem.reason}")
                else:
                    self.set_general(sentence(str(problem)))
            return
        self.set_general(error_message(exc))

    def field_text(self, field_name: str) -> str:
        label = self._labels.get(field_name.lower())
        return label.text() if label is not None and label.isVisible() else ""


class FormDialog(QDialog):
    """Base of data-entry dialogs; see the module docstring."""

    def __init__(self, parent: QWidget | None, title: str, ok_text: str = "OK",
                 intro: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.result_value: Any = None
        self._busy = False
        self.on_session_ended: Callable[[BaseException], object] | None = None
        outer = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setObjectName("dialogIntro")
            label.setWordWrap(True)
            outer.addWidget(label)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        outer.addLayout(self.form)
        self.body = outer
        self.message = error_label()
        self.message.setObjectName("formMessage")
        self.errors = FormErrors(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        self._footer_added = False

    def _add_footer(self) -> None:
        if not self._footer_added:
            self.body.addWidget(self.message)
            self.body.addWidget(self.buttons)
            self._footer_added = True

    def showEvent(self, event: Any) -> None:
        self._add_footer()
        super().showEvent(event)

    def add_field(self, label: str, widget: W, *field_names: str) -> W:
        """Add a row; problems the services report for `field_names` appear under it."""
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        problem = error_label()
        column.addWidget(problem)
        self.form.addRow(label, holder)
        self.errors.bind(problem, *(field_names or (label.rstrip(":").lower(),)))
        return widget

    # --- what subclasses provide -------------------------------------------------------
    def collect(self) -> Any:
        """Read the widgets (GUI thread). Raise ValidationError for input the form itself
        cannot turn into values (e.g. two password fields that differ)."""
        return None

    def submit(self, values: Any, job: Job) -> Any:
        """Call the service (worker thread; never touch widgets here)."""
        raise NotImplementedError

    def succeeded(self, value: Any) -> None:
        """Runs on the GUI thread after `submit` returned; the default accepts."""
        self.result_value = value
        self.accept()

    # --- machinery ---------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.buttons.setEnabled(not busy)
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def _on_ok(self) -> None:
        if self._busy:
            return
        self.errors.clear()
        try:
            values = self.collect()
        except ValidationError as exc:
            self.errors.show(exc)
            return
        self._set_busy(True)
        run_task(self, lambda job: self.submit(values, job), on_result=self._on_done,
                 on_error=self._on_failed, on_finished=lambda: self._set_busy(False))

    def _on_done(self, value: Any) -> None:
        self._set_busy(False)
        self.succeeded(value)

    def _on_failed(self, exc: BaseException) -> None:
        self.errors.show(exc)
        if isinstance(exc, NotSignedIn) and self.on_session_ended is not None:
            self.on_session_ended(exc)

    def reject(self) -> None:
        if not self._busy:
            super().reject()

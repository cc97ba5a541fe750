"""Dialogs of the Notifications page: the templates (admins), one template's editor with a
live preview and SMS length, and a customer's contact preference."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opsmanager_desktop.domain.notifications import (
    SAMPLE,
    Channel,
    render,
    sms_length,
    unknown_placeholders,
)
from opsmanager_desktop.gui.context import AppContext
from opsmanager_desktop.gui.forms import FormDialog
from opsmanager_desktop.gui.tasks import Job, run_task
from opsmanager_desktop.services import notifications, notify_templates
from opsmanager_desktop.services.notifications import Preferences
from opsmanager_desktop.services.notify_templates import TemplateRow

PREVIEW_VALUES = SAMPLE | {"company": "Ops Manager Power & Water"}


def preview_text(channel: str, subject: str, body: str) -> tuple[str, str]:
    """(preview, length line) of a template with the sample values; problems in words."""
    try:
        unknown = unknown_placeholders(subject, body)
    except ValueError as exc:
        return "", str(exc)
    if unknown:
        return "", "Unknown placeholder: " + ", ".join(f"{{{n}}}" for n in unknown)
    shown = render(body, PREVIEW_VALUES)
    if channel == Channel.SMS:
        return shown, sms_length(shown).describe()
    return f"Subject: {render(subject, PREVIEW_VALUES)}\n\n{shown}", f"{len(shown)} characters"


class TemplateEditDialog(FormDialog):
    def __init__(self, ctx: AppContext, row: TemplateRow, parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Template {row.code} ({row.channel})", ok_text="Save",
                         intro="Placeholders: " + ", ".join(
                             f"{{{n}}}" for n in sorted(PREVIEW_VALUES)))
        self.setObjectName("templateEditDialog")
        self.ctx, self.row = ctx, row
        self.subject = self.add_field("Subject", QLineEdit(row.subject), "subject")
        holder = self.subject.parentWidget()
        if row.channel != Channel.EMAIL and holder is not None:  # an SMS has no subject
            holder.setVisible(False)
            label = self.form.labelForField(holder)
            if label is not None:
                label.setVisible(False)
        self.body_edit = self.add_field("Message", QPlainTextEdit(row.body), "body")
        self.body_edit.setMinimumHeight(120)
        self.length = QLabel()
        self.length.setObjectName("templateLength")
        self.form.addRow("Length", self.length)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.preview.setObjectName("templatePreview")
        self.preview.setMinimumHeight(120)
        self.form.addRow("Preview", self.preview)
        self.subject.textChanged.connect(self.update_preview)
        self.body_edit.textChanged.connect(self.update_preview)
        self.update_preview()
        self.setMinimumWidth(560)

    def update_preview(self) -> None:
        shown, length = preview_text(self.row.channel, self.subject.text(),
                                     self.body_edit.toPlainText())
        self.preview.setPlainText(shown)
        self.length.setText(length)

    def collect(self) -> tuple[str, str]:
        return self.subject.text(), self.body_edit.toPlainText()

    def submit(self, values: tuple[str, str], job: Job) -> TemplateRow:
        subject, body = values
        return notify_templates.set_template(self.ctx.backend, self.ctx.token, self.row.code,
                                             self.row.channel, body, subject=subject)


class TemplatesDialog(QDialog):
    """Every template and channel; Edit opens the editor, Reset restores the default."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("templatesDialog")
        self.setWindowTitle("Message templates")
        self.ctx = ctx
        self.rows: list[TemplateRow] = []
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Template", "Channel", "Source", "Length"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.edit_button = QPushButton("Edit...")
        self.edit_button.clicked.connect(self.edit_selected)
        self.reset_button = QPushButton("Reset to default")
        self.reset_button.clicked.connect(self.reset_selected)
        row.addWidget(self.edit_button)
        row.addWidget(self.reset_button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(720, 420)
        self.load()

    def load(self) -> None:
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: notify_templates.list_templates(backend, token),
                 on_result=self._show, on_error=lambda exc: self.message.setText(str(exc)))

    def _show(self, rows: list[TemplateRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, text in enumerate((r.code, r.channel, "default" if r.is_default
                                      else "saved", r.length)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if rows and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def selected(self) -> TemplateRow | None:
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def edit_selected(self) -> TemplateEditDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = TemplateEditDialog(self.ctx, row, self)
        dialog.accepted.connect(self.load)
        dialog.open()
        return dialog

    def reset_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        backend, token = self.ctx.backend, self.ctx.token
        run_task(self, lambda _job: notify_templates.reset_template(
            backend, token, row.code, row.channel),
            on_result=lambda _r: self.load(),
            on_error=lambda exc: self.message.setText(str(exc)))


class PreferenceDialog(FormDialog):
    def __init__(self, ctx: AppContext, prefs: Preferences,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, f"Contact preference of {prefs.account_no}", ok_text="Save",
                         intro=f"E-mail: {prefs.email or 'none'}; phone: "
                               f"{prefs.phone or 'none'}. Without the chosen channel's "
                               "address the other one is used.")
        self.setObjectName("preferenceDialog")
        self.ctx, self.account_no = ctx, prefs.account_no
        self.channel: QComboBox = self.add_field("Channel", QComboBox(), "channel")
        for text, value in (("E-mail", "EMAIL"), ("SMS", "SMS"), ("None", "NONE")):
            self.channel.addItem(text, value)
        self.channel.setCurrentIndex(max(self.channel.findData(prefs.channel), 0))
        self.opted_out = self.add_field("Opted out", QCheckBox(
            "The customer asked to receive no notifications"), "opted_out")
        self.opted_out.setChecked(prefs.opted_out)
        self.setMinimumWidth(440)

    def collect(self) -> tuple[str, bool]:
        return str(self.channel.currentData()), self.opted_out.isChecked()

    def submit(self, values: tuple[str, bool], job: Job) -> Any:
        channel, opted_out = values
        return notifications.set_preferences(self.ctx.backend, self.ctx.token,
                                             self.account_no, channel=channel,
                                             opted_out=opted_out)

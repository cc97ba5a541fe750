"""How errors reach a person: a message naming what is wrong, never a traceback.

- A service error (`domain.errors.OpsError` and subclasses) is shown as its own message,
  under a title that says what kind of problem it is (`error_title`).
- Anything else is unexpected: it is logged with its traceback to the log file
  (`setup_logging`) and shown as one short sentence that says where the details are.
- `install_excepthook()` routes exceptions that escape a Qt slot the same way, so no
  traceback dialog or silent crash reaches the user.

Pages do not call QMessageBox for errors themselves: they call `show_error(parent, exc)`,
`FormErrors.show(exc)` (gui/forms.py) inside a dialog, or let `OutageBanner` (gui/banner.py)
handle `Unavailable` so typed input stays where it is.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from opsmanager_desktop.domain.errors import (
    Conflict,
    NotFound,
    NotSignedIn,
    OpsError,
    PermissionDenied,
    Unavailable,
    ValidationError,
)

log = logging.getLogger("opsmanager_desktop.gui")

_LOG_FILE: list[Path] = []


def setup_logging(folder: Path) -> Path:
    """Log to a rotating file in the user's data folder (and keep stderr for warnings)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "opsmanager.log"
    root = logging.getLogger()
    for existing in root.handlers:  # a second launch in the same process adds nothing
        if isinstance(existing, RotatingFileHandler) and \
                Path(existing.baseFilename) == path.resolve():
            _LOG_FILE[:] = [path]
            return path
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _LOG_FILE[:] = [path]
    return path


def log_file() -> Path | None:
    return _LOG_FILE[0] if _LOG_FILE else None


def error_title(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "Please check your input"
    if isinstance(exc, PermissionDenied):
        return "Not allowed"
    if isinstance(exc, NotSignedIn):
        return "Please sign in again"
    if isinstance(exc, NotFound):
        return "Not found"
    if isinstance(exc, Conflict):
        return "Cannot do this now"
    if isinstance(exc, Unavailable):
        return "Database unreachable"
    if isinstance(exc, OpsError):
        return "Cannot do this"
    return "Something went wrong"


def sentence(text: str) -> str:
    """Service messages start in lower case (they are also used inside CLI lines)."""
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def error_message(exc: BaseException) -> str:
    """The text shown to a person. Unexpected errors are logged here, once."""
    if isinstance(exc, ValidationError):
        # "row 3, slabs[0].rate: ..." stays as the service wrote it: it starts with a name
        lines = [str(p) for p in exc.problems[:15]]
        if len(exc.problems) > 15:
            lines.append(f"... and {len(exc.problems) - 15} more problems")
        return "\n".join(lines)
    if isinstance(exc, OpsError):
        return sentence(str(exc))
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    where = log_file()
    hint = f" The details were written to {where}." if where else ""
    return (f"An unexpected problem stopped this action ({type(exc).__name__}). "
            f"Nothing half-done was kept.{hint}")


_OPEN_BOXES: list[QMessageBox] = []


def show_error(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """A message box shown with open() (not exec()): no nested event loop, so a background
    callback that reports an error never blocks the callbacks queued behind it."""
    box = QMessageBox(QMessageBox.Icon.Warning, error_title(exc), error_message(exc),
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    if parent is None:  # nothing else holds a parentless box until it is closed
        _OPEN_BOXES.append(box)
        box.finished.connect(lambda _r: _OPEN_BOXES.remove(box) if box in _OPEN_BOXES else None)
    box.open()
    return box


def _excepthook(kind: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    exc.__traceback__ = tb
    try:
        show_error(None, exc)
    except Exception:  # never let the hook itself raise into Qt
        log.exception("could not show an error")


def install_excepthook() -> None:
    sys.excepthook = _excepthook

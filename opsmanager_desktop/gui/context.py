"""What every page and dialog of a signed-in window gets: the backend, the session, the
settings, and one place to report that the session has ended.

Pages call services as `service(ctx.backend, ctx.token, ...)` inside `run_task` and ask
`ctx.can(Permission.X)` to decide which actions to offer. `ctx.can` reads the permissions
the sign-in returned (derived from domain.permissions); the GUI writes no role rule.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from opsmanager_desktop.domain.errors import NotSignedIn
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.gui.settings_store import AppSettings
from opsmanager_desktop.services.auth import SignedIn
from opsmanager_desktop.services.backend import Backend


class AppContext(QObject):
    # a service said the session is gone (expired, ended elsewhere, account disabled)
    session_ended = Signal(str)

    def __init__(self, backend: Backend, signed: SignedIn, settings: AppSettings,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.signed = signed
        self.settings = settings

    @property
    def token(self) -> str:
        return self.signed.token

    @property
    def username(self) -> str:
        return self.signed.username

    def can(self, permission: Permission) -> bool:
        return permission in self.signed.permissions

    def check_session(self, exc: BaseException) -> bool:
        """True (and the session_ended signal sent) when `exc` means "sign in again"."""
        if isinstance(exc, NotSignedIn):
            self.session_ended.emit(str(exc))
            return True
        return False

"""Wires settings -> engine -> services. Nothing connects at import time."""

from __future__ import annotations

import socket

from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.db.security.options import SecurityOptionError
from opsmanager_desktop.domain.errors import FieldProblem, ValidationError
from opsmanager_desktop.services.backend import Backend


def make_backend(url: str, *, migrate: bool = False) -> Backend:
    try:
        backend = Backend.from_url(url, client=socket.gethostname())
    except SecurityOptionError as exc:  # a mistyped option reaches the user as a message
        raise ValidationError([FieldProblem("database URL", str(exc))]) from None
    # an officer's own account cannot change the schema: the owner runs db upgrade
    if migrate and backend.login is None:
        upgrade(backend.engine)
    return backend

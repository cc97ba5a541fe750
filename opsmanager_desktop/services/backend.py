"""Wiring shared by every service call: engine, sessions, signing key, clock."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from opsmanager_desktop.db.engine import is_mysql, make_session_factory
from opsmanager_desktop.db.security.connect import OfficerLogin, build_engine


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Backend:
    engine: Engine
    # the JWT signing key lives only in this process's memory: nothing to steal from disk
    signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    clock: Callable[[], datetime] = _utcnow
    session_ttl: timedelta = timedelta(hours=10)
    lockout_attempts: int = 5
    lockout_time: timedelta = timedelta(minutes=15)
    client: str = ""
    # per-officer mode (MySQL, `accounts=officer` in the URL): the engine connects as the
    # officer who signed in; None when one account serves every officer
    login: OfficerLogin | None = None
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = make_session_factory(self.engine)

    @classmethod
    def from_url(cls, url: str, **kwargs: object) -> Backend:
        engine, login = build_engine(url)
        return cls(engine, login=login, **kwargs)  # type: ignore[arg-type]

    def use_login(self, username: str, password: str) -> None:
        """Per-officer mode: connect as this officer from now on (sign-in calls this; the
        database checks the password). Connections of the previous officer are closed."""
        if self.login is None or (self.login.username, self.login.password) == (
                username, password):
            return
        self.login.username, self.login.password = username, password
        self.engine.dispose()

    @property
    def is_mysql(self) -> bool:
        return is_mysql(self.engine)

    def now(self) -> datetime:
        return self.clock()

    def describe(self) -> str:
        """The database for the status bar, without the password."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()

"""The @service decorator: token check, permission check, one transaction, retries.

A service is written as `def f(ctx: Ctx, ...)` and called as `f(backend, token, ...)`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from opsmanager_desktop.db.engine import BEGIN_IMMEDIATE
from opsmanager_desktop.db.models import User, UserSession
from opsmanager_desktop.db.security.append_only import REFUSED_PREFIX
from opsmanager_desktop.domain.errors import (
    Conflict,
    NotSignedIn,
    OpsError,
    PermissionDenied,
    Unavailable,
)
from opsmanager_desktop.domain.permissions import MATRIX, Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.audit import write_audit
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.tokens import decode_token

P = ParamSpec("P")
R = TypeVar("R")

# MySQL error codes worth running the whole transaction again for
_RETRYABLE = {1213, 1205}
_CONNECTION_LOST = {2002, 2003, 2006, 2013, 2055}
# per-officer accounts: the database refused the login (bad password, locked account)
_LOGIN_REFUSED = {1045: "the username or password is wrong",
                  4151: "this account is disabled; ask an administrator",  # MariaDB
                  3118: "this account is disabled; ask an administrator"}  # MySQL
# the database's own GRANTs (or a guard trigger, SIGNAL 45000 = 1644) refused a statement
_DB_REFUSED = {1044, 1142, 1143, 1370, 1644}
MAX_ATTEMPTS = 4


@dataclass
class Ctx:
    """What a service body gets: its session (inside the transaction) and the caller."""

    backend: Backend
    session: Session
    user: User
    now: datetime

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def username(self) -> str:
        return self.user.username

    def audit(self, entity: str, entity_id: object, action: str,
              before: dict[str, Any] | None = None,
              after: dict[str, Any] | None = None) -> None:
        write_audit(self.session, at=self.now, username=self.user.username,
                    entity=entity, entity_id=entity_id, action=action,
                    before=before, after=after)

    def require(self, permission: Permission) -> None:
        if self.role not in MATRIX[permission]:
            raise PermissionDenied(
                f"your role ({self.role.label}) may not do this ({permission.value})")


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    permissions: tuple[Permission, ...]
    readonly: bool
    function: Callable[..., Any]

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset().union(*(MATRIX[p] for p in self.permissions))


REGISTRY: dict[str, ServiceInfo] = {}


def authenticate(session: Session, backend: Backend, token: str, now: datetime) -> User:
    claims = decode_token(backend.signing_key, token, now)
    row = session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.id == claims.session_id)).first()
    if row is None:
        raise NotSignedIn("your session is not valid; please sign in again")
    user_session, user = row
    if user.id != claims.user_id or not user.is_active:
        raise NotSignedIn("this account is disabled; ask an administrator")
    if user_session.ended_at is not None:
        raise NotSignedIn("you have signed out; please sign in again")
    if backend.login is not None and backend.login.username != user.username:
        # per-officer mode: a token of one officer never runs on another's connection
        raise NotSignedIn(f"this program is signed in to the database as "
                          f"{backend.login.username}; please sign in again")
    return user


def service(*permissions: Permission, readonly: bool = False, allow_password_change: bool = False,
            ) -> Callable[[Callable[Concatenate[Ctx, P], R]],
                          Callable[Concatenate[Backend, str, P], R]]:
    """Declare the permission(s) a service needs (any one of them is enough)."""
    if not permissions:
        raise TypeError("a service must declare its permission")

    def decorate(fn: Callable[Concatenate[Ctx, P], R]) -> Callable[Concatenate[Backend, str, P], R]:
        name = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
        allowed_roles = frozenset().union(*(MATRIX[p] for p in permissions))

        @functools.wraps(fn)
        def wrapper(backend: Backend, token: str, /, *args: P.args, **kwargs: P.kwargs) -> R:
            return run_in_transaction(
                backend, readonly,
                lambda session, now: _call(session, now, backend, token, fn, args, kwargs,
                                           allowed_roles, allow_password_change))

        REGISTRY[name] = ServiceInfo(name, permissions, readonly, wrapper)
        return wrapper

    return decorate


def _call(session: Session, now: datetime, backend: Backend, token: str,
          fn: Callable[..., R], args: Any, kwargs: Any, allowed_roles: frozenset[Role],
          allow_password_change: bool) -> R:
    user = authenticate(session, backend, token, now)
    role = Role(user.role)
    if role not in allowed_roles:
        raise PermissionDenied(f"your role ({role.label}) may not do this")  # GATE_REFUSAL
    if user.must_change_password and not allow_password_change:
        raise PermissionDenied("you must change your password before you go on")
    return fn(Ctx(backend, session, user, now), *args, **kwargs)


def run_in_transaction(backend: Backend, readonly: bool,
                       body: Callable[[Session, datetime], R]) -> R:
    """Run `body` in one transaction: commit on success, roll back on any error, and run it
    again from the start after a deadlock or lock wait timeout."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        session = backend.sessions()
        try:
            if not readonly and backend.engine.dialect.name == "sqlite":
                session.connection(execution_options={BEGIN_IMMEDIATE: True})
            result = body(session, backend.now())
            if readonly:
                session.rollback()
            else:
                session.commit()
            return result
        except OpsError:
            session.rollback()
            raise
        except StaleDataError:
            session.rollback()
            raise Conflict("someone else changed this record since you opened it; "
                           "reload it and make your change again") from None
        except IntegrityError as exc:
            session.rollback()
            if _db_message(exc).startswith(REFUSED_PREFIX):  # an append-only trigger (SQLite)
                raise _refusal(exc) from None
            raise Conflict(f"the change clashes with existing data: {_db_message(exc)}") \
                from None
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            code = _mysql_code(exc)
            if code in _RETRYABLE and attempt < MAX_ATTEMPTS:
                time.sleep(0.05 * attempt)
                continue
            if code in _LOGIN_REFUSED:
                raise NotSignedIn(_LOGIN_REFUSED[code]) from None
            if code in _DB_REFUSED:
                raise _refusal(exc) from None
            if code in _CONNECTION_LOST or exc.connection_invalidated or _is_unreachable(exc):
                raise Unavailable(
                    "the database cannot be reached; nothing was changed. "
                    "Check the network or the server and try again") from None
            raise
        finally:
            session.close()
    raise AssertionError("unreachable")


def _mysql_code(exc: DBAPIError) -> int | None:
    orig = exc.orig
    if orig is not None and getattr(orig, "args", None):
        first = orig.args[0]
        if isinstance(first, int):
            return first
    return None


def _is_unreachable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "unable to open database" in text or "can't connect" in text


def _refusal(exc: DBAPIError) -> PermissionDenied:
    message = _db_message(exc)
    if message.startswith(REFUSED_PREFIX):
        return PermissionDenied(f"the database {message}")
    return PermissionDenied(f"the database refused this: {message}")


def _db_message(exc: DBAPIError) -> str:
    orig = exc.orig
    args = getattr(orig, "args", ())
    # PyMySQL: (code, message); sqlite3: (message,)
    text = str(args[1] if len(args) > 1 else args[0]) if args else str(orig)
    return text.splitlines()[0][:200] if text else ""

"""Database accounts of program users (per-officer mode on MySQL/MariaDB).

Once `opsmanager db grants --apply` has recorded the installation's namespace in the
settings, user management keeps one database account per program user through the
account procedures (db/security/procedures.py), in the direction that fails safe:

- what takes rights away (disabling: lock the account and end its connections; a role
  change: revoke the old role) happens BEFORE the user row changes: if the rest fails,
  the officer has less access, never more;
- what gives rights (a new account, the new role, unlocking, a new password) happens
  AFTER the user row is committed: if it fails, the officer cannot sign in yet, and the
  error says how to finish (the same action again, or `users reset-password`).

Account statements commit by themselves (DDL), so they run on a connection of their own
with the caller's credentials, never inside the service's transaction. SQLite and an
installation without the namespace setting do nothing here.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from opsmanager_desktop.db.models import Setting
from opsmanager_desktop.db.security import procedures
from opsmanager_desktop.db.security.grants import NAMESPACE_SETTING
from opsmanager_desktop.db.security.sql_names import ident
from opsmanager_desktop.domain.errors import Unavailable
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import Ctx


def namespace(ctx: Ctx) -> str | None:
    """The namespace of this installation's accounts, or None (no per-officer accounts)."""
    if not ctx.backend.is_mysql:
        return None
    return ctx.session.scalar(select(Setting.value).where(Setting.key == NAMESPACE_SETTING))


def call(backend: Backend, ns: str, base: str, *args: str | None) -> None:
    """Run one account procedure on a connection of its own."""
    names = ", ".join(f":a{i}" for i in range(len(args)))
    with backend.engine.connect() as conn:
        conn.execute(text(f"CALL {ident(procedures.procedure_name(ns, base))}({names})"),
                     {f"a{i}": a for i, a in enumerate(args)})
        conn.commit()


def _failed(username: str, what: str, exc: DBAPIError, hint: str) -> Unavailable:
    args: tuple[object, ...] = tuple(getattr(exc.orig, "args", ()))
    reason = str(args[1] if len(args) > 1 else exc.orig)
    return Unavailable(f"the database account of {username!r} could not be {what}: "
                       f"{reason}. {hint}")


def _after_commit(ctx: Ctx, action: Callable[[], None]) -> None:
    def run(_session: object) -> None:
        action()
    event.listen(ctx.session, "after_commit", run, once=True)


def _grant_later(ctx: Ctx, ns: str, username: str, what: str, hint: str,
                 steps: list[tuple[str, tuple[str | None, ...]]]) -> None:
    backend = ctx.backend

    def action() -> None:
        try:
            for base, args in steps:
                call(backend, ns, base, *args)
        except DBAPIError as exc:
            raise _failed(username, what, exc, hint) from None
    _after_commit(ctx, action)


def _take_now(ctx: Ctx, ns: str, username: str, base: str, *args: str | None) -> None:
    try:
        call(ctx.backend, ns, base, username, *args)
    except DBAPIError as exc:
        raise _failed(username, "restricted", exc, "Nothing was changed; try again.") \
            from None


def user_added(ctx: Ctx, username: str, password: str, role: Role) -> None:
    ns = namespace(ctx)
    if ns is not None:
        _grant_later(ctx, ns, username, "created",
                     f"The user was added; set their password again (users reset-password "
                     f"{username}) to create it.",
                     [(procedures.ENSURE, (username, password, role.value))])


def role_changing(ctx: Ctx, username: str, new_role: Role) -> None:
    ns = namespace(ctx)
    if ns is not None:
        _take_now(ctx, ns, username, procedures.SET_ROLE, None)
        _grant_later(ctx, ns, username, "given its new role",
                     "The role was changed in the program; change it again to retry.",
                     [(procedures.SET_ROLE, (username, new_role.value))])


def active_changing(ctx: Ctx, username: str, active: bool) -> None:
    ns = namespace(ctx)
    if ns is None:
        return
    if active:
        _grant_later(ctx, ns, username, "unlocked",
                     "The user is enabled in the program; enable them again to retry.",
                     [(procedures.UNLOCK, (username,))])
    else:
        _take_now(ctx, ns, username, procedures.LOCK)


def password_reset(ctx: Ctx, username: str, password: str, role: Role, active: bool
                   ) -> None:
    """Also creates the account of a user who had none (added before accounts existed)."""
    ns = namespace(ctx)
    if ns is None:
        return
    steps: list[tuple[str, tuple[str | None, ...]]] = [
        (procedures.ENSURE, (username, password, role.value))]
    if not active:
        steps.append((procedures.LOCK, (username,)))
    _grant_later(ctx, ns, username, "given the new password",
                 "Reset the password again to retry.", steps)


def change_own_password(ctx: Ctx, password: str) -> None:
    """Per-officer mode: the officer's database password follows their program password.
    Changing one's own password needs no privilege; it commits by itself, so the new hash
    is flushed first and goes with it."""
    login = ctx.backend.login
    if login is None:
        return
    ctx.session.flush()
    mariadb = bool(getattr(ctx.backend.engine.dialect, "is_mariadb", False))
    ctx.session.execute(text("SET PASSWORD = PASSWORD(:pw)" if mariadb else
                             "SET PASSWORD = :pw"), {"pw": password})
    login.password = password

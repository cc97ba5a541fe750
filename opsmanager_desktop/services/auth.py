"""Sign-in, sign-out, password change and the first admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import User, UserSession
from opsmanager_desktop.domain.errors import Conflict, NotSignedIn, PermissionDenied, invalid
from opsmanager_desktop.domain.permissions import Permission, permissions_of
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import db_accounts
from opsmanager_desktop.services.audit import snapshot, write_audit
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import Ctx, run_in_transaction, service
from opsmanager_desktop.services.passwords import hash_password, verify_password
from opsmanager_desktop.services.tokens import issue_token
from opsmanager_desktop.services.users import check_username

_BAD_CREDENTIALS = "the username or password is wrong"


@dataclass(frozen=True)
class SignedIn:
    token: str
    user_id: int
    username: str
    full_name: str
    role: Role
    must_change_password: bool
    customer_id: int | None
    expires_at: datetime
    permissions: frozenset[Permission]


class _Refused(Exception):
    """Carries the refusal out of the transaction so the failed-attempt count commits."""


def sign_in(backend: Backend, username: str, password: str) -> SignedIn:
    backend.use_login(username, password)  # per-officer mode: the database checks it too

    def body(session: Session, now: datetime) -> SignedIn | str:
        user = session.scalars(select(User).where(User.username == username)
                               .with_for_update()).first()
        if user is None:
            return _BAD_CREDENTIALS
        if not user.is_active:
            return "this account is disabled; ask an administrator"
        if user.locked_until is not None and user.locked_until > now:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            return (f"this account is locked after {backend.lockout_attempts} failed sign-ins;"
                    f" try again in {minutes} minutes")
        if not verify_password(password, user.password_hash):
            user.failed_attempts += 1
            if user.failed_attempts >= backend.lockout_attempts:
                user.locked_until = now + backend.lockout_time
                user.failed_attempts = 0
                write_audit(session, at=now, username=username, entity="user",
                            entity_id=user.id, action="locked")
                return (f"the password is wrong; the account is now locked for "
                        f"{int(backend.lockout_time.total_seconds() // 60)} minutes after "
                        f"{backend.lockout_attempts} failed sign-ins")
            return _BAD_CREDENTIALS
        user.failed_attempts = 0
        user.locked_until = None
        sid = str(uuid.uuid4())
        expires = now + backend.session_ttl
        session.add(UserSession(id=sid, user_id=user.id, created_at=now, expires_at=expires,
                                client=backend.client))
        write_audit(session, at=now, username=user.username, entity="session",
                    entity_id=sid, action="sign_in")
        token = issue_token(backend.signing_key, user_id=user.id, session_id=sid,
                            username=user.username, issued_at=now, expires_at=expires)
        role = Role(user.role)
        return SignedIn(token, user.id, user.username, user.full_name, role,
                        user.must_change_password, user.customer_id, expires,
                        permissions_of(role))

    result = run_in_transaction(backend, False, body)
    if isinstance(result, str):
        raise NotSignedIn(result)
    return result


@service(Permission.PROFILE_SELF, allow_password_change=True)
def sign_out(ctx: Ctx) -> None:
    sessions = ctx.session.scalars(select(UserSession).where(
        UserSession.user_id == ctx.user.id, UserSession.ended_at.is_(None))).all()
    for user_session in sessions:
        user_session.ended_at = ctx.now
    ctx.audit("session", ctx.user.id, "sign_out")


@service(Permission.PROFILE_SELF, readonly=True, allow_password_change=True)
def verify_password_of_caller(ctx: Ctx, password: str) -> bool:
    """Unlocking an idle window asks for the password again without a new session."""
    return verify_password(password, ctx.user.password_hash)


@service(Permission.PROFILE_SELF, allow_password_change=True)
def change_own_password(ctx: Ctx, current_password: str, new_password: str) -> None:
    if not verify_password(current_password, ctx.user.password_hash):
        raise invalid("current password", "is wrong")
    if current_password == new_password:
        raise invalid("new password", "must differ from the current one")
    ctx.user.password_hash = hash_password(new_password)
    ctx.user.must_change_password = False
    ctx.audit("user", ctx.user.id, "change_password")
    db_accounts.change_own_password(ctx, new_password)


def has_users(backend: Backend) -> bool:
    if backend.login is not None:  # per-officer mode: nothing to read before a sign-in,
        return True                # and the administrator's account exists by then
    return run_in_transaction(
        backend, True,
        lambda session, _now: bool(session.scalar(select(func.count(User.id)))))


def create_first_admin(backend: Backend, username: str, password: str,
                       full_name: str = "") -> int:
    """The first start: an admin may be created without signing in only while no user
    exists at all."""
    check_username(username)
    password_hash = hash_password(password)

    def body(session: Session, now: datetime) -> int:
        if session.scalar(select(func.count(User.id))):
            raise Conflict("an administrator already exists; sign in instead")
        user = User(username=username, full_name=full_name or username,
                    role=Role.ADMIN.value, password_hash=password_hash, created_at=now)
        session.add(user)
        session.flush()
        write_audit(session, at=now, username=username, entity="user", entity_id=user.id,
                    action="create_first_admin", after=snapshot(user))
        return user.id

    return run_in_transaction(backend, False, body)


@service(Permission.PROFILE_SELF, readonly=True, allow_password_change=True)
def whoami(ctx: Ctx) -> SignedIn:
    """The caller's profile and rights (the token is the one given)."""
    role = ctx.role
    return SignedIn("", ctx.user.id, ctx.user.username, ctx.user.full_name, role,
                    ctx.user.must_change_password, ctx.user.customer_id,
                    ctx.now, permissions_of(role))


def require_permission(backend: Backend, token: str, permission: Permission) -> None:
    """For actions outside a transaction of their own (schema upgrade)."""
    if permission not in whoami(backend, token).permissions:
        raise PermissionDenied(f"your role may not do this ({permission.value})")

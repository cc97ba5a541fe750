"""User management (admins) and the user list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from opsmanager_desktop.db.models import Customer, User, UserSession
from opsmanager_desktop.domain.errors import Conflict, NotFound, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import db_accounts
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.core import Ctx, service
from opsmanager_desktop.services.listing import ListQuery, Page, like_pattern, run_page
from opsmanager_desktop.services.passwords import hash_password

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    email: str
    role: Role
    is_active: bool
    must_change_password: bool
    locked_until: datetime | None
    account_no: str | None
    created_at: datetime
    version: int


def check_username(username: str) -> None:
    if not _USERNAME.match(username):
        raise invalid("username", "use 2-64 letters, digits, '.', '_' or '-', "
                      "starting with a letter or digit")


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower().replace(" ", "_"))
    except ValueError:
        raise invalid("role", f"{text!r} is not a role; choose one of "
                      + ", ".join(r.value for r in Role)) from None


def _check_email(email: str) -> None:
    if email and not _EMAIL.match(email):
        raise invalid("email", f"{email!r} is not an e-mail address")


def _row(user: User, account_no: str | None) -> UserRow:
    return UserRow(user.id, user.username, user.full_name, user.email, Role(user.role),
                   user.is_active, user.must_change_password, user.locked_until, account_no,
                   user.created_at, user.version)


def _customer_id(ctx: Ctx, role: Role, account_no: str | None) -> int | None:
    if role is Role.CONSUMER:
        if not account_no:
            raise invalid("customer", "a consumer must be linked to a customer account")
        customer_id = ctx.session.scalar(
            select(Customer.id).where(Customer.account_no == account_no))
        if customer_id is None:
            raise invalid("customer", f"no customer has account number {account_no!r}")
        return customer_id
    if account_no:
        raise invalid("customer", "only a consumer is linked to a customer account")
    return None


@service(Permission.USERS_MANAGE)
def add_user(ctx: Ctx, username: str, role: Role, password: str, *, full_name: str = "",
             email: str = "", account_no: str | None = None) -> UserRow:
    check_username(username)
    _check_email(email)
    if ctx.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"a user named {username!r} already exists")
    customer_id = _customer_id(ctx, role, account_no)
    user = User(username=username, full_name=full_name.strip() or username,
                email=email.strip(), role=role.value, password_hash=hash_password(password),
                customer_id=customer_id, created_at=ctx.now, must_change_password=False)
    ctx.session.add(user)
    ctx.session.flush()
    ctx.audit("user", user.id, "create", after=snapshot(user))
    db_accounts.user_added(ctx, username, password, role)  # per-officer database account
    return _row(user, account_no)


def _get(ctx: Ctx, username: str) -> User:
    user = ctx.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


@service(Permission.USERS_MANAGE)
def update_user(ctx: Ctx, username: str, *, version: int | None = None,
                role: Role | None = None, full_name: str | None = None,
                email: str | None = None, is_active: bool | None = None,
                account_no: str | None = None) -> UserRow:
    user = _get(ctx, username)
    if version is not None and version != user.version:
        raise Conflict(f"user {username!r} was changed by someone else; reload and retry")
    before = snapshot(user)
    if user.id == ctx.user.id and (
            (role is not None and role is not Role.ADMIN) or is_active is False):
        raise invalid("role", "you cannot remove your own administrator rights or disable "
                      "yourself; ask another administrator")
    if is_active is False and user.is_active:
        db_accounts.active_changing(ctx, username, False)  # locked before anything else
    if role is not None:
        user.customer_id = _customer_id(ctx, role, account_no)
        if role.value != user.role:
            db_accounts.role_changing(ctx, username, role)
        user.role = role.value
    if full_name is not None:
        user.full_name = full_name.strip() or user.username
    if email is not None:
        _check_email(email.strip())
        user.email = email.strip()
    if is_active is not None:
        if is_active and not user.is_active:
            db_accounts.active_changing(ctx, username, True)
        user.is_active = is_active
        if not is_active:
            for user_session in ctx.session.scalars(select(UserSession).where(
                    UserSession.user_id == user.id, UserSession.ended_at.is_(None))):
                user_session.ended_at = ctx.now
    ctx.session.flush()
    ctx.audit("user", user.id, "update", before=before, after=snapshot(user))
    return _row(user, _account_no(ctx, user))


@service(Permission.USERS_MANAGE)
def reset_password(ctx: Ctx, username: str, new_password: str) -> None:
    """Sets a temporary password; the user must choose a new one at the next sign-in."""
    user = _get(ctx, username)
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    user.failed_attempts = 0
    user.locked_until = None
    ctx.audit("user", user.id, "reset_password")
    db_accounts.password_reset(ctx, username, new_password, Role(user.role), user.is_active)


def _account_no(ctx: Ctx, user: User) -> str | None:
    if user.customer_id is None:
        return None
    return ctx.session.scalar(select(Customer.account_no).where(
        Customer.id == user.customer_id))


_SORT = {"username": User.username, "full_name": User.full_name, "role": User.role,
         "is_active": User.is_active, "created_at": User.created_at}


@service(Permission.USERS_VIEW, readonly=True)
def list_users(ctx: Ctx, query: ListQuery = ListQuery()) -> Page[UserRow]:
    stmt = select(User, Customer.account_no).outerjoin(Customer, Customer.id == User.customer_id)
    if query.search:
        pattern = like_pattern(query.search)
        stmt = stmt.where(or_(User.username.like(pattern, escape="\\"),
                              User.full_name.like(pattern, escape="\\"),
                              User.email.like(pattern, escape="\\")))
    filters = query.filters or {}
    if filters.get("role"):
        stmt = stmt.where(User.role == parse_role(str(filters["role"])).value)
    if filters.get("active") is not None:
        stmt = stmt.where(User.is_active == bool(filters["active"]))
    return run_page(ctx.session, stmt, query, _SORT, User.id, lambda r: _row(r[0], r[1]))


@service(Permission.USERS_VIEW, readonly=True)
def get_user(ctx: Ctx, username: str) -> UserRow:
    user = _get(ctx, username)
    return _row(user, _account_no(ctx, user))

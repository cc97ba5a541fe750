"""Small builders shared by tests: sign in as each role with one call."""

from __future__ import annotations

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import auth, users
from opsmanager_desktop.services.backend import Backend

PASSWORD = "correct-horse-9"


def admin_token(backend: Backend, username: str = "admin") -> str:
    if not auth.has_users(backend):
        auth.create_first_admin(backend, username, PASSWORD)
    return auth.sign_in(backend, username, PASSWORD).token


def token_for(backend: Backend, role: Role, username: str | None = None,
              account_no: str | None = None) -> str:
    """A signed-in token of a (new, if needed) user with this role."""
    admin = admin_token(backend)
    if role is Role.ADMIN:
        return admin
    name = username or f"u_{role.value}"
    try:
        users.get_user(backend, admin, name)
    except Exception:
        users.add_user(backend, admin, name, role, PASSWORD, account_no=account_no)
    return auth.sign_in(backend, name, PASSWORD).token

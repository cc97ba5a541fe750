from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from opsmanager_desktop.db.models import AuditEntry, User
from opsmanager_desktop.domain.errors import NotSignedIn, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import auth, users
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import PASSWORD, admin_token, token_for


def test_first_admin_then_sign_in(backend: Backend) -> None:
    assert not auth.has_users(backend)
    auth.create_first_admin(backend, "admin", PASSWORD)
    assert auth.has_users(backend)
    signed = auth.sign_in(backend, "admin", PASSWORD)
    assert signed.role is Role.ADMIN
    assert auth.whoami(backend, signed.token).username == "admin"


def test_second_first_admin_refused(backend: Backend) -> None:
    auth.create_first_admin(backend, "admin", PASSWORD)
    with pytest.raises(Exception, match="already exists"):
        auth.create_first_admin(backend, "other", PASSWORD)


@pytest.mark.parametrize("password,reason", [
    ("short", "at least 10 characters"),
    ("é" * 40, "72 bytes"),
])
def test_password_policy(backend: Backend, password: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        auth.create_first_admin(backend, "admin", password)
    assert not auth.has_users(backend)


def test_five_failures_lock_for_15_minutes(backend: Backend) -> None:
    auth.create_first_admin(backend, "admin", PASSWORD)
    now = backend.now()
    backend.clock = lambda: now
    for _ in range(4):
        with pytest.raises(NotSignedIn, match="wrong"):
            auth.sign_in(backend, "admin", "wrong-password-x")
    with pytest.raises(NotSignedIn, match="locked for 15 minutes"):
        auth.sign_in(backend, "admin", "wrong-password-x")
    with pytest.raises(NotSignedIn, match="locked"):
        auth.sign_in(backend, "admin", PASSWORD)
    backend.clock = lambda: now + timedelta(minutes=16)
    assert auth.sign_in(backend, "admin", PASSWORD).username == "admin"


def test_expired_and_tampered_tokens_refused(backend: Backend) -> None:
    token = admin_token(backend)
    now = backend.now()
    backend.clock = lambda: now + backend.session_ttl + timedelta(seconds=1)
    with pytest.raises(NotSignedIn, match="expired"):
        auth.whoami(backend, token)
    backend.clock = lambda: now
    head, payload, sig = token.split(".")
    with pytest.raises(NotSignedIn):
        auth.whoami(backend, f"{head}.{payload}.{sig[:-2]}AA")
    other = Backend(backend.engine)  # another process: another signing key
    with pytest.raises(NotSignedIn):
        auth.whoami(other, token)


def test_sign_out_ends_session(backend: Backend) -> None:
    token = admin_token(backend)
    auth.sign_out(backend, token)
    with pytest.raises(NotSignedIn, match="signed out"):
        auth.whoami(backend, token)


def test_reset_password_forces_change(backend: Backend) -> None:
    admin = admin_token(backend)
    users.add_user(backend, admin, "admin2", Role.ADMIN, PASSWORD)
    users.reset_password(backend, admin, "admin2", "temporary-pass-1")
    signed = auth.sign_in(backend, "admin2", "temporary-pass-1")
    assert signed.must_change_password
    with pytest.raises(PermissionDenied, match="change your password"):
        users.list_users(backend, signed.token)
    auth.change_own_password(backend, signed.token, "temporary-pass-1", "brand-new-pass-2")
    assert users.list_users(backend, signed.token).total == 2
    again = auth.sign_in(backend, "admin2", "brand-new-pass-2")
    assert not again.must_change_password


def test_disabled_user_cannot_sign_in_and_loses_session(backend: Backend) -> None:
    admin = admin_token(backend)
    token = token_for(backend, Role.SUPERVISOR, "sup")
    users.update_user(backend, admin, "sup", is_active=False)
    with pytest.raises(NotSignedIn, match="disabled"):
        auth.whoami(backend, token)
    with pytest.raises(NotSignedIn, match="disabled"):
        auth.sign_in(backend, "sup", PASSWORD)


def test_writes_are_audited(backend: Backend) -> None:
    admin = admin_token(backend)
    users.add_user(backend, admin, "ao", Role.ACCOUNTS_OFFICER, PASSWORD, full_name="A O")
    with backend.sessions() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "user",
                                                     AuditEntry.action == "create")).all()
        assert any('"username": "ao"' in (e.after or "") for e in entries)
        assert all("password_hash" not in (e.after or "") for e in entries)


def test_list_users_sorts_filters_and_refuses_unknown_sort(backend: Backend) -> None:
    admin = admin_token(backend)
    for name in ("zed", "amy", "m_x"):
        users.add_user(backend, admin, name, Role.SUPPORT_AGENT, PASSWORD)
    page = users.list_users(backend, admin, ListQuery(sort="username"))
    assert [r.username for r in page.rows] == ["admin", "amy", "m_x", "zed"]
    assert page.total == 4
    # '_' is matched literally, not as a LIKE wildcard
    assert [r.username for r in users.list_users(
        backend, admin, ListQuery(search="_")).rows] == ["m_x"]
    with pytest.raises(ValidationError, match="cannot sort by"):
        users.list_users(backend, admin, ListQuery(sort="password_hash; DROP TABLE users"))
    with backend.sessions() as s:
        assert s.scalar(select(func.count(User.id))) == 4


def test_clock_moved_forward_keeps_session_valid_until_expiry(backend: Backend) -> None:
    now = backend.now() + timedelta(days=400)
    backend.clock = lambda: now
    token = admin_token(backend)
    assert auth.whoami(backend, token).username == "admin"

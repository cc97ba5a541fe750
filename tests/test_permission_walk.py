"""Walk every (service function, role) pair: the gate follows the one permission matrix,
and a refused call changes nothing."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from sqlalchemy import func, literal_column, select, text

import opsmanager_desktop.services as services_pkg
from opsmanager_desktop.db.base import Base
from opsmanager_desktop.domain.errors import OpsError, PermissionDenied
from opsmanager_desktop.domain.permissions import MATRIX, Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import REGISTRY, ServiceInfo
from tests.helpers import token_for


def _load_all_services() -> dict[str, ServiceInfo]:
    for module in pkgutil.iter_modules(services_pkg.__path__):
        importlib.import_module(f"{services_pkg.__name__}.{module.name}")
    return dict(REGISTRY)


SERVICES = _load_all_services()


def _dummy_args(info: ServiceInfo) -> dict[str, Any]:
    """Keyword arguments of the right names; values never reach the body when refused."""
    signature = inspect.signature(info.function)
    args: dict[str, Any] = {}
    for name, param in list(signature.parameters.items())[2:]:
        if param.default is inspect.Parameter.empty and param.kind in (
                param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            args[name] = "X-1"
    return args


def _fingerprint(backend: Backend) -> dict[str, int]:
    """Row counts of every table and the newest audit id, in one round trip (the walk takes
    one before and after each refused call: a query per table made it the suite's slowest)."""
    counts = [select(func.count()).select_from(t).scalar_subquery().label(t.name)
              for t in Base.metadata.sorted_tables]
    audit = text("(SELECT COALESCE(MAX(id), 0) FROM audit_log)")
    with backend.engine.connect() as conn:
        row = conn.execute(select(*counts, literal_column(audit.text).label("max_audit"))
                           ).one()
    return dict(row._mapping)


def test_every_service_declares_known_permissions() -> None:
    assert len(SERVICES) >= 10
    for info in SERVICES.values():
        assert info.permissions, info.name
        assert all(p in MATRIX for p in info.permissions), info.name


def test_every_permission_has_at_least_one_role() -> None:
    assert set(MATRIX) == set(Permission)
    assert all(MATRIX[p] for p in Permission)


def test_business_rules_of_design() -> None:
    """docs/design.md section 1, as the matrix states it."""
    assert MATRIX[Permission.USERS_MANAGE] == {Role.ADMIN}
    assert MATRIX[Permission.UTILITIES_MANAGE] == {Role.ADMIN}
    assert MATRIX[Permission.TARIFFS_MANAGE] == {Role.ADMIN}
    assert MATRIX[Permission.CYCLES_MANAGE] == {Role.ADMIN}
    assert MATRIX[Permission.READINGS_ENTER] == {Role.BILLING_OFFICER}
    assert MATRIX[Permission.BILLING_RUN] == {Role.BILLING_OFFICER}
    assert MATRIX[Permission.PAYMENTS_RECORD] == {Role.ACCOUNTS_OFFICER}
    consumer = {p for p, roles in MATRIX.items() if Role.CONSUMER in roles}
    assert consumer == {Permission.OWN_ACCOUNT_VIEW, Permission.PROFILE_SELF}
    # the supervisor approves field records, assigns complaints and tickets, runs the
    # disconnection lists and watches staff performance
    assert MATRIX[Permission.FIELD_APPROVE] == {Role.SUPERVISOR}
    assert MATRIX[Permission.COMPLAINTS_ASSIGN] == {Role.SUPERVISOR}
    assert MATRIX[Permission.DISCONNECTION_MANAGE] == {Role.SUPERVISOR}
    assert Role.SUPERVISOR in MATRIX[Permission.STAFF_PERFORMANCE_VIEW]
    # the field officer logs field work: distribution, field records, complaints, execution
    for logged in (Permission.DISTRIBUTION_RECORD, Permission.FIELD_RECORD,
                   Permission.COMPLAINTS_LOG, Permission.DISCONNECTION_EXECUTE):
        assert Role.FIELD_OFFICER in MATRIX[logged]
    # a transformer's meter is read like any meter: billing officers only
    assert MATRIX[Permission.DT_READINGS_ENTER] == {Role.BILLING_OFFICER}


@pytest.mark.parametrize("role", list(Role))
def test_walk_every_service_for_role(backend: Backend, role: Role) -> None:
    token = token_for(backend, role, account_no=None) if role is not Role.CONSUMER \
        else _consumer_token(backend)
    refused = allowed = 0
    # signing out ends the token every other call needs, so it goes last
    for name, info in sorted(SERVICES.items(), key=lambda kv: kv[0] == "auth.sign_out"):
        before = None if role in info.roles else _fingerprint(backend)
        try:
            info.function(backend, token, **_dummy_args(info))
            error: Exception | None = None
        except (OpsError, TypeError, ValueError, AttributeError) as exc:
            error = exc
        if role in info.roles:
            allowed += 1
            gate_refused = isinstance(error, PermissionDenied) and "may not do this" in str(error)
            assert not gate_refused, f"{name} refused {role} although the matrix allows it"
        else:
            refused += 1
            assert isinstance(error, PermissionDenied), f"{name} let {role} through: {error!r}"
            assert _fingerprint(backend) == before, f"{name} changed data for refused {role}"
    assert refused + allowed == len(SERVICES)


def _consumer_token(backend: Backend) -> str:
    """A consumer must be linked to a customer; create the least data that needs."""
    from opsmanager_desktop.db.models import Customer

    with backend.sessions.begin() as session:
        if session.scalar(select(Customer.id).where(Customer.account_no == "C-WALK")) is None:
            session.add(Customer(account_no="C-WALK", name="Walk Test"))
    return token_for(backend, Role.CONSUMER, account_no="C-WALK")

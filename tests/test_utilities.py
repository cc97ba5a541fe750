"""Utility types, on SQLite and MariaDB."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from opsmanager_desktop.db.models import AuditEntry
from opsmanager_desktop.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import tariffs, utilities
from opsmanager_desktop.services.backend import Backend
from tests.helpers import admin_token, token_for


def test_add_and_list(backend: Backend) -> None:
    admin = admin_token(backend)
    row = utilities.add_utility(backend, admin, " Electricity ", "Electricity", "kWh")
    assert (row.code, row.name, row.unit, row.is_active) == ("electricity", "Electricity",
                                                              "kWh", True)
    utilities.add_utility(backend, admin, "water", "Water", "m3")
    with pytest.raises(Conflict, match="a utility type 'electricity' already exists"):
        utilities.add_utility(backend, admin, "ELECTRICITY", "Power", "kWh")
    officer = token_for(backend, Role.FIELD_OFFICER)
    assert [u.code for u in utilities.list_utilities(backend, officer)] == ["electricity",
                                                                            "water"]
    with backend.sessions() as s:
        after = s.scalars(select(AuditEntry.after).where(
            AuditEntry.entity == "utility_type", AuditEntry.action == "create")).all()
        assert len(after) == 2 and '"unit": "kWh"' in (after[0] or "")


def test_bad_input_names_fields(backend: Backend) -> None:
    admin = admin_token(backend)
    with pytest.raises(ValidationError) as caught:
        utilities.add_utility(backend, admin, "gas supply", "", "x" * 17)
    assert {p.field for p in caught.value.problems} == {"code", "name", "unit"}
    assert utilities.list_utilities(backend, admin) == []


def test_update_with_version_check(backend: Backend) -> None:
    admin = admin_token(backend)
    row = utilities.add_utility(backend, admin, "water", "Water", "m3")
    updated = utilities.update_utility(backend, admin, "water", version=row.version,
                                       name="Water supply", unit="kL")
    assert (updated.name, updated.unit, updated.version) == ("Water supply", "kL",
                                                             row.version + 1)
    with pytest.raises(Conflict, match="changed by someone else"):
        utilities.update_utility(backend, admin, "water", version=row.version, name="Stale")
    assert utilities.list_utilities(backend, admin)[0].name == "Water supply"
    with pytest.raises(NotFound, match="no utility type 'gas'"):
        utilities.update_utility(backend, admin, "gas", name="Gas")


def test_deactivate_needs_plans_deactivated_first(backend: Backend) -> None:
    admin = admin_token(backend)
    utilities.add_utility(backend, admin, "water", "Water", "m3")
    tariffs.add_tariff(backend, admin, "W-1", "Water", "water",
                       Tariff.simple((Slab(None, Decimal(1)),)))
    with pytest.raises(Conflict, match=r"active tariff plans \(W-1\); deactivate them first"):
        utilities.deactivate_utility(backend, admin, "water")
    tariffs.deactivate_plan(backend, admin, "W-1")
    assert not utilities.deactivate_utility(backend, admin, "water").is_active
    assert [u.code for u in utilities.list_utilities(backend, admin,
                                                     include_inactive=False)] == []
    with pytest.raises(Conflict, match="reactivate it first"):
        tariffs.reactivate_plan(backend, admin, "W-1")
    assert utilities.update_utility(backend, admin, "water", is_active=True).is_active


def test_only_admins_manage(backend: Backend) -> None:
    admin = admin_token(backend)
    utilities.add_utility(backend, admin, "water", "Water", "m3")
    officer = token_for(backend, Role.BILLING_OFFICER)
    with pytest.raises(PermissionDenied):
        utilities.add_utility(backend, officer, "gas", "Gas", "m3")
    with pytest.raises(PermissionDenied):
        utilities.deactivate_utility(backend, officer, "water")
    assert [(u.code, u.is_active) for u in utilities.list_utilities(backend, admin)] == [
        ("water", True)]
    agent = token_for(backend, Role.SUPPORT_AGENT)
    assert len(utilities.list_utilities(backend, agent)) == 1

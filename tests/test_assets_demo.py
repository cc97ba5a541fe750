"""The demo network (services/demo_assets.py) on both databases: every electricity
connection on a registered DT, the balance of the last cycle shows losses worst first with
one DT unread, some maintenance overdue."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from opsmanager_desktop.domain.energy_balance import NO_READING
from opsmanager_desktop.services import assets, energy_balance, maintenance
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.demo import generate_demo
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import admin_token


def test_demo_network(backend: Backend) -> None:
    backend.clock = lambda: datetime(2026, 3, 15, 10, 0)
    admin = admin_token(backend)
    result = generate_demo(backend, admin, customers=150, seed=2)
    page = assets.list_transformers(backend, admin, ListQuery())
    assert page.total is not None and page.total >= 3
    assert assets.unregistered_codes(backend, admin) == []
    rows = energy_balance.energy_balance(backend, admin, result.last_cycle)
    percents = [r.loss_percent for r in rows if r.loss_percent is not None]
    assert percents == sorted(percents, reverse=True) and percents[0] > Decimal("5")
    assert all(Decimal("0") < p < Decimal("40") for p in percents)
    assert [r.transformer for r in rows if r.reason == NO_READING] == ["DT-002"]
    assert maintenance.overdue_maintenance(backend, admin, as_of="2026-12-31")

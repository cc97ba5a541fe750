"""The customers search plans (services/customer_search.py) give exactly the customers a
plain reading of the rule gives: prefix of account, name, phone or meter, in the order
asked, every window, with the exact count; on both databases, with enough customers that
a first-name search takes the ordered-walk plan."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select

from opsmanager_desktop.db.models import Connection, Customer, TariffPlan, UtilityType
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import customer_search, customers
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import token_for
from tests.test_customers_fixtures import make_world

N = customer_search.DENSE + 1500
FIRST = ("Amara", "Bola", "Chen", "Dina")
LAST = ("Okafor", "Osei", "Patel", "Quinn", "Rossi")


@pytest.fixture
def people(backend: Backend) -> list[dict[str, Any]]:
    make_world(backend)
    rng = random.Random(5)
    rows = []
    for i in range(1, N + 1):
        rows.append({"id": i, "account_no": f"AC{rng.randint(0, 10**6):07d}-{i}",
                     "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                     "address": "", "phone": f"07{rng.randint(0, 99_999):05d}", "email": "",
                     "credit": Decimal("0.00"), "created_at": datetime(2026, 1, 1),
                     "version": 1})
    with backend.engine.begin() as conn:
        util = conn.scalar(select(UtilityType.id).where(UtilityType.code == "electricity"))
        plan = conn.scalar(select(TariffPlan.id).where(TariffPlan.code == "DOM-1"))
        conn.execute(insert(Customer), rows)
        conn.execute(insert(Connection), [
            {"customer_id": r["id"], "utility_type_id": util, "meter_number": f"M{r['id']:06d}",
             "active_meter": f"M{r['id']:06d}", "tariff_plan_id": plan, "status": "ACTIVE",
             "sanctioned_load_kw": Decimal(0), "initial_reading": Decimal(0),
             "created_at": datetime(2026, 1, 1), "version": 1} for r in rows if r["id"] % 7])
    for r in rows:
        r["meter"] = f"M{r['id']:06d}" if r["id"] % 7 else None
    return rows


def _expected(rows: list[dict[str, Any]], text: str, sort: str, descending: bool) -> list[str]:
    up, low = text.upper(), text.lower()
    hits = [r for r in rows if r["account_no"].startswith(up) or
            r["name"].lower().startswith(low) or r["phone"].startswith(text) or
            (r["meter"] is not None and r["meter"].startswith(up))]
    if sort in ("", "account_no"):
        hits.sort(key=lambda r: r["account_no"], reverse=descending)
    else:
        column = {"name": "name", "phone": "phone", "created_at": "id"}[sort]
        hits.sort(key=lambda r: (r[column], r["id"]), reverse=descending)
    return [r["account_no"] for r in hits]


@pytest.mark.parametrize(("text", "sort", "descending"), [
    ("a", "", False),                 # dense: every account number starts with A
    ("a", "account_no", True),
    ("amara", "", False),             # a quarter of everyone: the union plan
    ("AMARA OS", "name", False),      # one branch sorted by its own column
    ("bola", "phone", False),
    ("07001", "account_no", False),   # phones: sparse
    ("M0000", "created_at", True),    # meters
    ("ac0", "name", True),            # account numbers, dense, sorted otherwise
    ("nobody", "", False),
])
def test_every_plan_gives_the_rule(backend: Backend, people: list[dict[str, Any]], text: str,
                                   sort: str, descending: bool) -> None:
    token = token_for(backend, Role.SUPPORT_AGENT)
    expected = _expected(people, text, sort, descending)
    first = customers.list_customers(backend, token, ListQuery(
        search=text, sort=sort, descending=descending, limit=100, count=True))
    assert first.total == len(expected)
    assert [r.account_no for r in first.rows] == expected[:100]
    for offset in {len(expected) // 2, max(len(expected) - 100, 0)}:
        page = customers.list_customers(backend, token, ListQuery(
            search=text, sort=sort, descending=descending, offset=offset, limit=100,
            count=False))
        assert page.total is None
        assert [r.account_no for r in page.rows] == expected[offset:offset + 100]


def test_the_walk_plan_is_exercised(backend: Backend, people: list[dict[str, Any]]) -> None:
    """The parametrized cases above cover both plans: "a" is dense, "amara os" is not."""
    with backend.sessions() as session:
        dense = customer_search.branch_counts(session, "a")
        sparse = customer_search.branch_counts(session, "amara os")
    assert sum(dense.values()) > customer_search.DENSE
    assert dense["account"] == N and dense["meter"] == dense["phone"] == 0
    assert 0 < sum(sparse.values()) < customer_search.DENSE

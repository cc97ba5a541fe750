"""SQL meta-characters and Unicode in every filter, sort and text field: stored and found
literally, never interpreted; every list service refuses a sort key outside its
allow-list with a typed ValidationError. On SQLite and MariaDB."""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

import opsmanager_desktop.services as services_pkg
from opsmanager_desktop.db.base import Base
from opsmanager_desktop.domain.errors import NotFound, ValidationError
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import customers, payments
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import REGISTRY, ServiceInfo
from opsmanager_desktop.services.listing import ListQuery
from tests.helpers import token_for
from tests.ledger_data import add_bill

NASTY = [
    "O'Brien; DROP TABLE customers; --", "Robert'); DELETE FROM payments; --",
    '"double" quotes', "100% _real_ \\ name", "%", "_", "\\", "\\%", "a%b_c",
    "Ωμέγα 🚀 名前 ñandú", "tab\there", "semi;colon", "`backtick`", "*/ /* x",
    "' OR '1'='1", "UNION SELECT password_hash FROM users", "\u202eright-to-left",
]
UNKNOWN_SORTS = ["name; DROP TABLE users", "id desc", "1", "password_hash", "__class__",
                 "(SELECT 1)", "name,id", ""]


# what a list service needs besides its query (the day a disconnection list is for)
OTHER_ARGS: dict[str, Any] = {"on": "2026-03-31"}


def _needs(info: ServiceInfo) -> set[str]:
    params = list(inspect.signature(info.function).parameters.values())[1:]  # after ctx
    return {p.name for p in params if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"query"}


def _list_services() -> list[ServiceInfo]:
    """Every service that lists rows for a table (takes a ListQuery) and whose other
    arguments this test can give."""
    for module in pkgutil.iter_modules(services_pkg.__path__):
        importlib.import_module(f"{services_pkg.__name__}.{module.name}")
    return sorted((info for info in REGISTRY.values()
                   if "query" in inspect.signature(info.function).parameters
                   and _needs(info) <= set(OTHER_ARGS)
                   and info.roles - {Role.CONSUMER}), key=lambda i: i.name)


def _call(info: ServiceInfo, backend: Backend, token: str, query: ListQuery) -> Any:
    others = {name: OTHER_ARGS[name] for name in _needs(info)}
    return info.function(backend, token, query=query, **others)


LISTS = _list_services()


def _fingerprint(backend: Backend) -> dict[str, int]:
    with backend.engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                for t in Base.metadata.sorted_tables}


def _token(backend: Backend, info: ServiceInfo) -> str:
    role = sorted(info.roles - {Role.CONSUMER})[0]
    return token_for(backend, role)


def test_there_are_list_services_to_check() -> None:
    assert len(LISTS) >= 6, [i.name for i in LISTS]


@pytest.mark.parametrize("info", LISTS, ids=lambda i: i.name)
def test_unknown_sort_keys_are_refused(backend: Backend, info: ServiceInfo) -> None:
    token = _token(backend, info)
    add_bill(backend, "S001", "10.00", due=date(2026, 1, 1), cycle="2026-01")
    for key in UNKNOWN_SORTS[:-1]:
        with pytest.raises(ValidationError) as refused:
            _call(info, backend, token, ListQuery(sort=key))
        if "sort" not in str(refused.value):  # a list that needs its cycle chosen first
            with pytest.raises(ValidationError, match="sort"):
                _call(info, backend, token, ListQuery(sort=key, filters={"cycle": "2026-01"}))


@pytest.mark.parametrize("info", LISTS, ids=lambda i: i.name)
def test_hostile_search_and_filters_are_only_data(backend: Backend, info: ServiceInfo
                                                  ) -> None:
    token = _token(backend, info)
    add_bill(backend, "H001", "10.00", due=date(2026, 1, 1), cycle="2026-01")
    before = _fingerprint(backend)

    def listed(query: ListQuery) -> Any:
        try:
            return _call(info, backend, token, query)
        except ValidationError as exc:
            if not str(exc).startswith("cycle: choose"):
                raise
            return _call(info, backend, token, ListQuery(
                search=query.search, filters={"cycle": "2026-01", **(query.filters or {})}))

    for text in NASTY:
        page = listed(ListQuery(search=text))
        assert page.rows == [] or all(row is not None for row in page.rows)
        for key in ("account", "account_no", "status", "channel", "cycle", "utility",
                    "role", "meter", "date_from"):
            # a value that is not one of the allowed ones is refused and said so
            with contextlib.suppress(ValidationError, NotFound):
                listed(ListQuery(filters={key: text}))
    after = _fingerprint(backend)
    after.pop("audit_log"), before.pop("audit_log")  # sign-ins of the helper roles
    after.pop("user_sessions"), before.pop("user_sessions")
    assert after == before


def test_text_is_stored_and_found_literally(backend: Backend) -> None:
    bo = token_for(backend, Role.BILLING_OFFICER)
    stored = {}
    for n, name in enumerate(NASTY, 1):
        account = f"Q{n:03d}"
        customers.create_customer(backend, bo, account, name.strip() or "blank",
                                  address=name, email="")
        stored[account] = name.strip() or "blank"
    for account, name in stored.items():
        detail = customers.get_customer(backend, bo, account)
        assert detail.name == name
        assert detail.address.strip() == name.strip()  # stored as typed (trimmed)
    for name in stored.values():
        found = customers.list_customers(backend, bo, ListQuery(search=name, limit=100))
        names = {r.name for r in found.rows}
        assert name in names, (name, names)
        # a name found is one that starts with the text typed, taken literally
        assert all(n.casefold().startswith(name.casefold()) for n in names), (name, names)
    for wildcard in ("%", "_", "\\"):
        found = customers.list_customers(backend, bo, ListQuery(search=wildcard, limit=100))
        assert {r.name for r in found.rows} == {n for n in stored.values()
                                                if n.startswith(wildcard)}


def test_payment_references_with_meta_characters(backend: Backend) -> None:
    ao = token_for(backend, Role.ACCOUNTS_OFFICER)
    add_bill(backend, "R001", "50.00", due=date(2026, 1, 1))
    references = ["R'1;--", "R%2", "R_3", "R\\4", "R\"5", "R名6"]
    for n, ref in enumerate(references, 1):
        payments.record_payment(backend, ao, "R001", Decimal(n), "BANK", ref)
    for n, ref in enumerate(references, 1):
        assert payments.get_payment(backend, ao, "BANK", ref).payment.amount == Decimal(n)
        found = payments.list_payments(backend, ao, ListQuery(search=ref))
        assert [r.reference for r in found.rows] == [ref]
    with pytest.raises(NotFound):
        payments.get_payment(backend, ao, "BANK", "R%")
    assert payments.list_payments(backend, ao, ListQuery(search="R%")).rows[0].reference \
        == "R%2"


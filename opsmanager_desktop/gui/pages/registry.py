"""The page registry: which pages exist and the permission each one needs.

A page module defines one `PAGE = PageSpec(...)` and is named in `_MODULES` below (one line
per page, like cli/registry.py). The main window lists, in `order`, the pages whose
`permission` is among the signed-in user's permissions (domain.permissions.permissions_of),
so the GUI holds no role rule of its own: change the matrix and the sidebar follows.

To add a page (e.g. Customers):
1. write gui/pages/customers.py with a `CustomersPage(ListPage)` (see gui/pages/base.py) and
   `PAGE = PageSpec("customers", "Customers", "customers", Permission.CUSTOMERS_VIEW,
   CustomersPage, order=20)`;
2. add "opsmanager_desktop.gui.pages.customers" to `_MODULES`;
3. add its screenshot in gui/screenshots.py (every page shown in docs/screenshots) and a
   test in tests/gui/.
Orders in use: users 10, customers 20, readings 30, billing cycles 40, bills 50,
statements 52, payments 60, dues 70, reports 80, tariffs 90, network 110, field records 120,
complaints 130, support tickets 135, disconnections 140, staff performance 150,
notifications 160. Ctrl+1..9 follow the order of the visible pages.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opsmanager_desktop.domain.permissions import Permission

if TYPE_CHECKING:
    from opsmanager_desktop.gui.context import AppContext
    from opsmanager_desktop.gui.pages.base import BasePage


@dataclass(frozen=True)
class PageSpec:
    key: str          # stable id: QSettings keys, screenshots, tests
    title: str        # sidebar and page title
    icon: str         # resources/icons/<icon>.svg
    permission: Permission
    factory: Callable[[AppContext], BasePage]
    order: int = 100
    description: str = ""  # one line under the page title


_MODULES = [
    "opsmanager_desktop.gui.pages.users",
    "opsmanager_desktop.gui.pages.dashboard",
    "opsmanager_desktop.gui.pages.my_account",
    "opsmanager_desktop.gui.pages.audit_log",
    "opsmanager_desktop.gui.pages.customers",
    "opsmanager_desktop.gui.pages.tariffs",
    "opsmanager_desktop.gui.pages.cycles",
    "opsmanager_desktop.gui.pages.readings",
    "opsmanager_desktop.gui.pages.billing_run",
    "opsmanager_desktop.gui.pages.bills",
    "opsmanager_desktop.gui.pages.statements",
    "opsmanager_desktop.gui.pages.payments",
    "opsmanager_desktop.gui.pages.dues",
    "opsmanager_desktop.gui.pages.analytics",
    "opsmanager_desktop.gui.pages.distribution",
    "opsmanager_desktop.gui.pages.assets",
    "opsmanager_desktop.gui.pages.field_records",
    "opsmanager_desktop.gui.pages.staff_performance",
    "opsmanager_desktop.gui.pages.teams",
    "opsmanager_desktop.gui.pages.complaints",
    "opsmanager_desktop.gui.pages.support_tickets",
    "opsmanager_desktop.gui.pages.disconnections",
    "opsmanager_desktop.gui.pages.notifications",
]


def all_pages() -> list[PageSpec]:
    specs = []
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # a page whose service module has not landed yet stays out of the sidebar
            if exc.name is not None and exc.name.startswith("opsmanager_desktop.services"):
                continue
            raise
        specs.append(module.PAGE)
    return sorted(specs, key=lambda s: (s.order, s.title))


def pages_for(permissions: Iterable[Permission]) -> list[PageSpec]:
    granted = frozenset(permissions)
    return [spec for spec in all_pages() if spec.permission in granted]

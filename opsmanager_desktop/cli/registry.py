"""The command modules, each with register(subparsers). Add a module here to add commands."""

from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = [
    "opsmanager_desktop.cli.admin_commands",
    "opsmanager_desktop.cli.security_commands",
    "opsmanager_desktop.cli.reference_commands",
    "opsmanager_desktop.cli.payment_commands",
    "opsmanager_desktop.cli.report_commands",
    "opsmanager_desktop.cli.customer_commands",
    "opsmanager_desktop.cli.reading_commands",
    "opsmanager_desktop.cli.billing_commands",
    "opsmanager_desktop.cli.print_commands",  # after billing and report: adds to their commands
    "opsmanager_desktop.cli.statement_commands",  # makes `statements`, with its print
    "opsmanager_desktop.cli.distribution_commands",
    "opsmanager_desktop.cli.team_commands",
    "opsmanager_desktop.cli.disconnection_commands",
    "opsmanager_desktop.cli.field_commands",
    "opsmanager_desktop.cli.asset_commands",
    "opsmanager_desktop.cli.notification_commands",
    "opsmanager_desktop.cli.complaint_commands",
    "opsmanager_desktop.cli.staff_commands",
    # `statements list` and `show`; the group is found or made (statement_commands adds print)
    "opsmanager_desktop.cli.statement_query_commands",
]


def command_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in _MODULES]

"""The permission matrix: the one place that says which role may do what.

Every service function names one Permission; the database GRANTs of a role are derived from
the same table (docs/design.md section 6). Change a right here and both enforcers follow.
"""

from __future__ import annotations

from enum import StrEnum

from opsmanager_desktop.domain.roles import Role


class Permission(StrEnum):
    # administration
    USERS_MANAGE = "users.manage"
    USERS_VIEW = "users.view"
    UTILITIES_MANAGE = "utilities.manage"
    TARIFFS_MANAGE = "tariffs.manage"
    CYCLES_MANAGE = "cycles.manage"
    AUDIT_VIEW = "audit.view"
    SETTINGS_MANAGE = "settings.manage"
    DEMO_GENERATE = "demo.generate"  # fill an empty database with demo data
    # read access to reference data every officer needs
    REFERENCE_VIEW = "reference.view"
    TARIFF_PREVIEW = "tariffs.preview"
    # customers and connections
    CUSTOMERS_VIEW = "customers.view"
    CUSTOMERS_MANAGE = "customers.manage"
    # readings
    READINGS_VIEW = "readings.view"
    READINGS_ENTER = "readings.enter"
    READINGS_APPROVE = "readings.approve"
    # billing
    BILLING_RUN = "billing.run"
    BILLS_VIEW = "bills.view"
    BILLS_ISSUE = "bills.issue"
    BILLS_ADJUST = "bills.adjust"
    BILLS_MARK_OVERDUE = "bills.mark_overdue"
    BILLS_PRINT = "bills.print"
    # how bills reached their customers (field officers' records arrive by import)
    DISTRIBUTION_RECORD = "distribution.record"
    DISTRIBUTION_VIEW = "distribution.view"
    # money
    PAYMENTS_VIEW = "payments.view"
    PAYMENTS_RECORD = "payments.record"
    PAYMENTS_REVERSE = "payments.reverse"
    DUES_VIEW = "dues.view"
    REPORTS_FINANCIAL = "reports.financial"
    REPORTS_CONSUMPTION = "reports.consumption"
    LEDGER_CHECK = "ledger.check"  # `db check`: every ledger invariant, read-only
    # network assets: substations, transformers, maintenance, energy balance
    ASSETS_VIEW = "assets.view"
    ASSETS_MANAGE = "assets.manage"
    MAINTENANCE_LOG = "maintenance.log"
    DT_READINGS_ENTER = "dt_readings.enter"
    # field records: enumerations (customers found on the ground) and evaluations (inspections)
    FIELD_RECORD = "field.record"
    FIELD_VIEW = "field.view"
    FIELD_APPROVE = "field.approve"
    # complaints and support tickets
    COMPLAINTS_VIEW = "complaints.view"
    COMPLAINTS_LOG = "complaints.log"
    COMPLAINTS_WORK = "complaints.work"
    COMPLAINTS_ASSIGN = "complaints.assign"
    TEAMS_MANAGE = "teams.manage"
    # disconnection and reconnection
    DISCONNECTION_VIEW = "disconnection.view"
    DISCONNECTION_MANAGE = "disconnection.manage"
    DISCONNECTION_EXECUTE = "disconnection.execute"
    # staff performance
    STAFF_PERFORMANCE_VIEW = "staff.performance"
    # notifications to customers
    NOTIFICATIONS_VIEW = "notifications.view"
    NOTIFICATIONS_SEND = "notifications.send"
    NOTIFICATIONS_MANAGE = "notifications.manage"
    # a consumer's own account (services restrict the rows to the caller's customer)
    OWN_ACCOUNT_VIEW = "own_account.view"
    # everyone signed in
    PROFILE_SELF = "profile.self"


_A = Role.ADMIN
_B = Role.BILLING_OFFICER
_AO = Role.ACCOUNTS_OFFICER
_S = Role.SUPERVISOR
_F = Role.FIELD_OFFICER
_SA = Role.SUPPORT_AGENT
_C = Role.CONSUMER
_OFFICERS = frozenset({_A, _B, _AO, _S, _F, _SA})

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.USERS_MANAGE: frozenset({_A}),
    Permission.USERS_VIEW: frozenset({_A}),
    Permission.UTILITIES_MANAGE: frozenset({_A}),
    Permission.TARIFFS_MANAGE: frozenset({_A}),
    Permission.CYCLES_MANAGE: frozenset({_A}),
    Permission.AUDIT_VIEW: frozenset({_A}),
    Permission.SETTINGS_MANAGE: frozenset({_A}),
    Permission.DEMO_GENERATE: frozenset({_A}),
    Permission.REFERENCE_VIEW: _OFFICERS,
    Permission.TARIFF_PREVIEW: frozenset({_A, _B, _AO, _S}),
    Permission.CUSTOMERS_VIEW: frozenset({_A, _B, _AO, _S, _F, _SA}),
    Permission.CUSTOMERS_MANAGE: frozenset({_B}),
    Permission.READINGS_VIEW: frozenset({_A, _B, _S}),
    Permission.READINGS_ENTER: frozenset({_B}),
    Permission.READINGS_APPROVE: frozenset({_S}),
    Permission.BILLING_RUN: frozenset({_B}),
    Permission.BILLS_VIEW: frozenset({_A, _B, _AO, _S, _SA}),
    Permission.BILLS_ISSUE: frozenset({_B}),
    Permission.BILLS_ADJUST: frozenset({_B, _AO}),
    Permission.BILLS_MARK_OVERDUE: frozenset({_B, _AO}),
    Permission.BILLS_PRINT: frozenset({_B, _S}),
    Permission.DISTRIBUTION_RECORD: frozenset({_B, _S, _F}),
    Permission.DISTRIBUTION_VIEW: frozenset({_B, _S, _F}),
    Permission.PAYMENTS_VIEW: frozenset({_AO, _A, _S}),
    Permission.PAYMENTS_RECORD: frozenset({_AO}),
    Permission.PAYMENTS_REVERSE: frozenset({_AO}),
    Permission.DUES_VIEW: frozenset({_AO, _B, _S, _SA}),
    Permission.REPORTS_FINANCIAL: frozenset({_AO, _A}),
    Permission.REPORTS_CONSUMPTION: frozenset({_B, _AO, _A}),
    # the ledger's keepers: accounts officers post and reverse the money, admins run the
    # database (a check reads every account's money, so not every officer)
    Permission.LEDGER_CHECK: frozenset({_AO, _A}),
    Permission.ASSETS_VIEW: frozenset({_A, _B, _AO, _S, _F, _SA}),
    Permission.ASSETS_MANAGE: frozenset({_A, _S}),
    Permission.MAINTENANCE_LOG: frozenset({_S, _F}),
    # a transformer's meter is a meter: only billing officers enter readings (docs/design.md 1)
    Permission.DT_READINGS_ENTER: frozenset({_B}),
    Permission.FIELD_RECORD: frozenset({_F, _S}),
    Permission.FIELD_VIEW: frozenset({_A, _B, _S, _F}),
    Permission.FIELD_APPROVE: frozenset({_S}),
    Permission.COMPLAINTS_VIEW: frozenset({_A, _B, _AO, _S, _F, _SA}),
    Permission.COMPLAINTS_LOG: frozenset({_B, _AO, _S, _F, _SA}),
    Permission.COMPLAINTS_WORK: frozenset({_S, _F, _SA}),
    Permission.COMPLAINTS_ASSIGN: frozenset({_S}),
    Permission.TEAMS_MANAGE: frozenset({_A, _S}),
    Permission.DISCONNECTION_VIEW: frozenset({_A, _B, _AO, _S, _F, _SA}),
    Permission.DISCONNECTION_MANAGE: frozenset({_S}),
    Permission.DISCONNECTION_EXECUTE: frozenset({_S, _F}),
    Permission.STAFF_PERFORMANCE_VIEW: frozenset({_A, _S}),
    Permission.NOTIFICATIONS_VIEW: frozenset({_A, _B, _AO, _S, _SA}),
    Permission.NOTIFICATIONS_SEND: frozenset({_B, _AO, _S}),
    Permission.NOTIFICATIONS_MANAGE: frozenset({_A}),
    Permission.OWN_ACCOUNT_VIEW: frozenset({_C}),
    Permission.PROFILE_SELF: frozenset(Role),
}


def allowed(role: Role, permission: Permission) -> bool:
    return role in MATRIX[permission]


def permissions_of(role: Role) -> frozenset[Permission]:
    return frozenset(p for p, roles in MATRIX.items() if role in roles)

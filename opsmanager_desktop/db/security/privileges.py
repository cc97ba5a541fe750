"""What each permission needs from the database: THE table of table privileges.

The service layer checks permissions (domain/permissions.py); the database checks GRANTs.
Both come from one source: a role's GRANTs are the union of what its permissions need here
(docs/design.md section 6, "one source, two enforcers"). Change a right in the permission matrix
and the role's GRANTs follow at the next `opsmanager db grants --apply`.

Each entry is `table: "PRIVILEGE ..."`; `UPDATE(a,b)` limits UPDATE to those columns (so,
for instance, no role can change a bill's charges, only its money and status fields).
Append-only tables (payments, their allocations and reversals, the audit log) never get
UPDATE or DELETE: corrections are new rows (checked when the module loads). A permission
not in NEEDS grants nothing; tests/security/test_privileges.py fails until it is mapped.

Consumers get nothing on the main schema: they read their own rows through views (see
own_schema.py), so OWN_ACCOUNT_VIEW is mapped there, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from opsmanager_desktop.domain.permissions import MATRIX, Permission
from opsmanager_desktop.domain.roles import Role

APPEND_ONLY = frozenset({"payments", "payment_allocations", "payment_reversals", "audit_log"})

_TARIFF_READ = {"utility_types": "SELECT", "tariff_plans": "SELECT",
                "tariff_versions": "SELECT", "tariff_categories": "SELECT",
                "tariff_slabs": "SELECT", "tariff_taxes": "SELECT"}
_BILL_READ = {"bills": "SELECT", "bill_lines": "SELECT", "bill_adjustments": "SELECT",
              "billing_cycles": "SELECT", "connections": "SELECT", "customers": "SELECT",
              "utility_types": "SELECT", "meter_readings": "SELECT",
              "tariff_plans": "SELECT", "tariff_versions": "SELECT", "payments": "SELECT",
              "payment_allocations": "SELECT", "payment_reversals": "SELECT",
              "settings": "SELECT", "statements": "SELECT"}
# the money fields of a bill and the credit of an account, as the payment ledger keeps them
_BILL_MONEY = "SELECT UPDATE(amount_paid,balance,status,paid_at)"
_CREDIT = "SELECT UPDATE(credit)"
# a debit raised outside billing (services/account_charges.py): recorded pending; the
# billing officer's issue puts it on the bill (APPLY_CHARGES), so raising one needs no
# right on bills
RAISE_CHARGE = {"account_charges": "SELECT INSERT", "connections": "SELECT"}
APPLY_CHARGES = {"account_charges": "SELECT UPDATE(bill_id,applied_at)",
                 "bill_adjustments": "SELECT INSERT", "billing_cycles": "SELECT",
                 "bills": "SELECT UPDATE(adjustments,balance,status,paid_at)",
                 "customers": _CREDIT, "connections": "SELECT"}
_DISCONNECTION_READ = {
    "disconnection_rules": "SELECT", "disconnection_lists": "SELECT",
    "disconnection_entries": "SELECT", "disconnection_tickets": "SELECT", "bills": "SELECT",
    "complaints": "SELECT",
    "complaint_categories": "SELECT", "customers": "SELECT", "connections": "SELECT",
    "utility_types": "SELECT", "teams": "SELECT"}
_MASTER_READ = {"customers": "SELECT", "connections": "SELECT", "utility_types": "SELECT",
                "tariff_plans": "SELECT", "billing_cycles": "SELECT",
                "meter_replacements": "SELECT"}
_FIELD_READ = {"enumerations": "SELECT", "evaluations": "SELECT", "field_photos": "SELECT",
               **_MASTER_READ, "tariff_plans": "SELECT", "bills": "SELECT"}

_COMPLAINT_READ = {"complaints": "SELECT", "complaint_categories": "SELECT",
                   "complaint_subcategories": "SELECT", "complaint_history": "SELECT",
                   "support_tickets": "SELECT", "support_ticket_history": "SELECT",
                   "customers": "SELECT", "connections": "SELECT", "teams": "SELECT",
                   "team_members": "SELECT", "users": "SELECT"}
# queueing a notification (services/notify.py) from another area's service
NOTIFY_QUEUE = {"notification_outbox": "SELECT INSERT", "contact_preferences": "SELECT",
                "customers": "SELECT", "bills": "SELECT"}
_NOTIFY_READ = {"notification_outbox": "SELECT", "notification_templates": "SELECT",
                "contact_preferences": "SELECT", "customers": "SELECT", "bills": "SELECT",
                "connections": "SELECT", "settings": "SELECT",
                # a bill_issued message is rendered from its bill's statement
                "statements": "SELECT"}
# what issuing bills and recording payments add: a queued bill_issued / payment_received
_OUTBOX_ADD = {"notification_outbox": "SELECT INSERT", "contact_preferences": "SELECT"}

NEEDS: dict[Permission, dict[str, str]] = {
    # every signed-in user: sign in and out, own password, audit entries of what they do
    Permission.PROFILE_SELF: {
        "users": "SELECT UPDATE(failed_attempts,locked_until,password_hash,"
                 "must_change_password,version)",
        "user_sessions": "SELECT INSERT UPDATE(ended_at)",
        # the newest id only: the "has anything changed?" counter tables refresh by
        # (services/changes.py); the entries themselves need AUDIT_VIEW
        "audit_log": "SELECT(id) INSERT",
    },
    Permission.USERS_MANAGE: {"users": "SELECT INSERT UPDATE", "customers": "SELECT",
                              "user_sessions": "SELECT UPDATE(ended_at)"},
    Permission.USERS_VIEW: {"users": "SELECT", "customers": "SELECT"},
    Permission.UTILITIES_MANAGE: {"utility_types": "SELECT INSERT UPDATE",
                                  "tariff_plans": "SELECT"},
    Permission.TARIFFS_MANAGE: {
        **_TARIFF_READ, "tariff_plans": "SELECT INSERT UPDATE",
        "tariff_versions": "SELECT INSERT", "tariff_categories": "SELECT INSERT",
        "tariff_slabs": "SELECT INSERT", "tariff_taxes": "SELECT INSERT",
        "billing_cycles": "SELECT", "bills": "SELECT"},
    Permission.CYCLES_MANAGE: {"billing_cycles": "SELECT INSERT UPDATE", "bills": "SELECT",
                               "billing_runs": "SELECT"},
    Permission.AUDIT_VIEW: {"audit_log": "SELECT"},
    Permission.SETTINGS_MANAGE: {"settings": "SELECT INSERT UPDATE DELETE"},
    # demo data fills an empty training database through the schema owner's connection
    Permission.DEMO_GENERATE: {},
    Permission.REFERENCE_VIEW: {**_TARIFF_READ, "billing_cycles": "SELECT", "teams": "SELECT",
                                "team_members": "SELECT"},
    Permission.TEAMS_MANAGE: {"teams": "SELECT INSERT UPDATE",
                              "team_members": "SELECT INSERT UPDATE DELETE"},
    # staff performance (services/staff_performance.py): grouped reads of the work tables
    Permission.STAFF_PERFORMANCE_VIEW: {
        "meter_readings": "SELECT", "bill_deliveries": "SELECT", "enumerations": "SELECT",
        "evaluations": "SELECT", "complaints": "SELECT", "support_tickets": "SELECT",
        "disconnection_tickets": "SELECT", "users": "SELECT", "teams": "SELECT",
        "team_members": "SELECT", "settings": "SELECT"},
    # network assets (services/assets.py, maintenance.py, dt_readings.py, energy_balance.py)
    Permission.ASSETS_VIEW: {
        "substations": "SELECT", "transformers": "SELECT", "maintenance_schedules": "SELECT",
        "maintenance_logs": "SELECT", "dt_readings": "SELECT", "connections": "SELECT",
        "bills": "SELECT", "utility_types": "SELECT", "billing_cycles": "SELECT"},
    Permission.ASSETS_MANAGE: {
        "substations": "SELECT INSERT UPDATE", "transformers": "SELECT INSERT UPDATE",
        "maintenance_schedules": "SELECT INSERT UPDATE", "maintenance_logs": "SELECT",
        "connections": "SELECT"},
    Permission.MAINTENANCE_LOG: {
        "maintenance_logs": "SELECT INSERT", "maintenance_schedules": "SELECT",
        "substations": "SELECT", "transformers": "SELECT", "users": "SELECT"},
    Permission.DT_READINGS_ENTER: {
        "dt_readings": "SELECT INSERT", "transformers": "SELECT", "billing_cycles": "SELECT"},
    # enumerations and evaluations (services/enumerations.py, evaluations.py, *_import.py)
    Permission.FIELD_RECORD: {**_FIELD_READ, "enumerations": "SELECT INSERT",
                              "evaluations": "SELECT INSERT", "field_photos": "SELECT INSERT"},
    Permission.FIELD_VIEW: dict(_FIELD_READ),
    Permission.FIELD_APPROVE: {
        **_FIELD_READ, **RAISE_CHARGE,
        "enumerations": "SELECT UPDATE(status,decided_by,decided_at,reject_reason,account_no,"
                        "customer_id,connection_id,version)",
        "evaluations": "SELECT UPDATE(status,decided_by,decided_at,reject_reason,"
                       "effective_period,version)",
        # approving a NEW enumeration creates the customer and connection; an UPDATE one
        # corrects them
        "customers": "SELECT INSERT UPDATE(name,address,phone,email,version)",
        "connections": "SELECT INSERT UPDATE(tariff_plan_id,transformer_code,version)"},
    # complaints and support tickets (services/complaints.py, support_tickets.py,
    # work_items.py, complaint_import.py)
    Permission.COMPLAINTS_VIEW: dict(_COMPLAINT_READ),
    Permission.COMPLAINTS_LOG: {**_COMPLAINT_READ, "complaints": "SELECT INSERT",
                                "complaint_history": "SELECT INSERT",
                                "support_tickets": "SELECT INSERT",
                                "support_ticket_history": "SELECT INSERT"},
    Permission.COMPLAINTS_WORK: {
        **_COMPLAINT_READ,
        "complaints": "SELECT UPDATE(status,assigned_to,resolved_at,closed_at,closed_by)",
        "support_tickets": "SELECT UPDATE(status,assigned_to,resolved_at,closed_at,closed_by)",
        "complaint_history": "SELECT INSERT", "support_ticket_history": "SELECT INSERT"},
    Permission.COMPLAINTS_ASSIGN: {
        **_COMPLAINT_READ, "complaints": "SELECT UPDATE(status,assigned_to,team_id)",
        "support_tickets": "SELECT UPDATE(status,assigned_to,team_id)",
        "complaint_history": "SELECT INSERT", "support_ticket_history": "SELECT INSERT",
        "complaint_categories": "SELECT INSERT UPDATE",
        "complaint_subcategories": "SELECT INSERT"},
    Permission.TARIFF_PREVIEW: dict(_TARIFF_READ),
    Permission.CUSTOMERS_VIEW: dict(_MASTER_READ),
    Permission.CUSTOMERS_MANAGE: {
        **_MASTER_READ,
        "customers": "SELECT INSERT UPDATE(account_no,name,address,phone,email,version)",
        "connections": "SELECT INSERT UPDATE", "meter_replacements": "SELECT INSERT",
        "meter_readings": "SELECT",
        "contact_preferences": "SELECT INSERT UPDATE(channel,opted_out,opted_out_on,"
                               "updated_by,updated_at)"},
    Permission.READINGS_VIEW: {**_MASTER_READ, "meter_readings": "SELECT",
                               "reading_photos": "SELECT"},
    Permission.READINGS_ENTER: {**_MASTER_READ, "meter_readings": "SELECT INSERT UPDATE",
                                "reading_photos": "SELECT INSERT DELETE",
                                "meter_replacements": "SELECT UPDATE"},
    Permission.READINGS_APPROVE: {**_MASTER_READ, "meter_readings": "SELECT UPDATE",
                                  "meter_replacements": "SELECT UPDATE"},
    Permission.BILLING_RUN: {
        **_MASTER_READ, **_TARIFF_READ,
        "bills": "SELECT INSERT", "bill_lines": "SELECT INSERT",
        "billing_runs": "SELECT INSERT UPDATE",
        # scratch tables of a run, emptied when it ends
        "charge_sets": "SELECT INSERT DELETE", "charge_lines": "SELECT INSERT DELETE",
        # estimation (when switched on for a cycle) writes estimated readings
        "meter_readings": "SELECT INSERT UPDATE", "reading_photos": "SELECT DELETE",
        # a plan found on an approved inspection is written at the run of its cycle
        "connections": "SELECT UPDATE(tariff_plan_id,version)",
        "evaluations": "SELECT UPDATE(tariff_applied_at,version)"},
    Permission.BILLS_VIEW: dict(_BILL_READ),
    Permission.BILLS_ISSUE: {
        **_BILL_READ, **APPLY_CHARGES, "billing_runs": "SELECT",
        "bills": "SELECT UPDATE(status,issue_date,due_date,amount_paid,balance,paid_at,"
                 "adjustments,statement_id)",
        # a statement is written once, at issue, and never changed
        "statements": "SELECT INSERT",
        "customers": _CREDIT, "payment_allocations": "SELECT INSERT", **_OUTBOX_ADD},
    Permission.BILLS_ADJUST: {
        **_BILL_READ, "bill_adjustments": "SELECT INSERT",
        "bills": "SELECT UPDATE(adjustments,balance,status,paid_at)", "customers": _CREDIT},
    Permission.BILLS_MARK_OVERDUE: {"bills": "SELECT UPDATE(status)"},
    Permission.BILLS_PRINT: dict(_BILL_READ),
    # a payment may name an account statement (its number is shown with the payment)
    Permission.PAYMENTS_VIEW: {"payments": "SELECT", "payment_allocations": "SELECT",
                               "payment_reversals": "SELECT", "customers": "SELECT",
                               "bills": "SELECT", "statements": "SELECT"},
    Permission.PAYMENTS_RECORD: {
        "payments": "SELECT INSERT", "payment_allocations": "SELECT INSERT",
        "payment_reversals": "SELECT", "bills": _BILL_MONEY, "customers": _CREDIT,
        "statements": "SELECT", **_OUTBOX_ADD},
    Permission.PAYMENTS_REVERSE: {
        "payments": "SELECT", "payment_allocations": "SELECT INSERT",
        "payment_reversals": "SELECT INSERT", "bills": _BILL_MONEY, "customers": _CREDIT,
        "statements": "SELECT"},
    Permission.DUES_VIEW: {"bills": "SELECT", "customers": "SELECT", "payments": "SELECT",
                           "payment_reversals": "SELECT", "payment_allocations": "SELECT",
                           # the account's latest statement
                           "statements": "SELECT", "billing_cycles": "SELECT"},
    Permission.REPORTS_FINANCIAL: {"bills": "SELECT", "payments": "SELECT",
                                   "payment_reversals": "SELECT", "billing_cycles": "SELECT",
                                   "customers": "SELECT", "bill_adjustments": "SELECT"},
    Permission.REPORTS_CONSUMPTION: {"bills": "SELECT", "billing_cycles": "SELECT",
                                     "connections": "SELECT", "utility_types": "SELECT"},
    # `db check` (services/ledger_check.py) reads every row of the ledger, changes none
    Permission.LEDGER_CHECK: {"customers": "SELECT", "bills": "SELECT",
                              "bill_adjustments": "SELECT", "payments": "SELECT",
                              "payment_allocations": "SELECT", "payment_reversals": "SELECT",
                              "statements": "SELECT"},
    # a record or a list may name a statement: the paper that carries an account's bills
    Permission.DISTRIBUTION_RECORD: {
        "bill_deliveries": "SELECT INSERT", "bill_delivery_states": "SELECT INSERT UPDATE",
        "bills": "SELECT", "customers": "SELECT", "connections": "SELECT",
        "billing_cycles": "SELECT", "statements": "SELECT"},
    Permission.DISTRIBUTION_VIEW: {
        "bill_deliveries": "SELECT", "bill_delivery_states": "SELECT", "bills": "SELECT",
        "customers": "SELECT", "connections": "SELECT", "billing_cycles": "SELECT",
        "statements": "SELECT"},
    # disconnection and reconnection (services/disconnection*.py): the lists read bills,
    # payments and open billing complaints; closing a ticket changes the connection status
    Permission.DISCONNECTION_VIEW: {**_DISCONNECTION_READ},
    Permission.DISCONNECTION_MANAGE: {
        **_DISCONNECTION_READ, **NOTIFY_QUEUE, **RAISE_CHARGE,
        "disconnection_rules": "SELECT INSERT", "disconnection_entries": "SELECT INSERT",
        "disconnection_lists": "SELECT INSERT UPDATE(status,entries,total_outstanding,"
                               "approved_by,approved_at,tickets)",
        "disconnection_tickets": "SELECT INSERT UPDATE(team_id,assigned_to)",
        # the grace window: payments still in transit keep a customer off the list
        "payments": "SELECT", "payment_reversals": "SELECT",
        "customers": "SELECT", "users": "SELECT"},
    Permission.DISCONNECTION_EXECUTE: {
        **_DISCONNECTION_READ, **NOTIFY_QUEUE, "users": "SELECT",
        "disconnection_tickets": "SELECT UPDATE(status,open_connection_id,outcome,reason,"
                                 "executed_by,executed_at,closed_by)",
        "connections": "SELECT UPDATE(status,version)"},
    # notifications (services/notify*.py, notifications.py): the outbox, templates, the
    # customers' contact preferences; the dispatcher renders from customers and bills
    Permission.NOTIFICATIONS_VIEW: {**_NOTIFY_READ},
    Permission.NOTIFICATIONS_SEND: {
        **_NOTIFY_READ, **NOTIFY_QUEUE,
        "notification_outbox": "SELECT INSERT UPDATE(status,attempts,next_attempt_at,claim,"
                               "claimed_at,last_error,subject,message,sent_at)",
        "contact_preferences": "SELECT INSERT UPDATE(channel,opted_out,opted_out_on,"
                               "updated_by,updated_at)"},
    Permission.NOTIFICATIONS_MANAGE: {
        **_NOTIFY_READ, "notification_templates": "SELECT INSERT UPDATE DELETE",
        "settings": "SELECT INSERT UPDATE DELETE"},
    # consumers: views of their own rows only (own_schema.py), nothing on the main schema
    Permission.OWN_ACCOUNT_VIEW: {},
}

# permissions whose database work happens only through the schema owner's connection
OWNER_ONLY = frozenset({Permission.DEMO_GENERATE})


@dataclass
class TableGrant:
    """The privileges of one role on one table. `SELECT(a,b)` / `UPDATE(a,b)` limit the
    privilege to those columns; `select_columns` / `update_columns` None with the privilege
    in `privileges` means every column (a plain SELECT or UPDATE from any permission wins
    over a column list from another)."""

    privileges: set[str] = field(default_factory=set)
    update_columns: set[str] | None = None
    select_columns: set[str] | None = None

    def add(self, spec: str) -> None:
        for word in spec.split():
            name, _paren, listed = word.partition("(")
            if name not in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                raise ValueError(f"unknown privilege {word!r}")
            if name in ("SELECT", "UPDATE"):
                self._add_columns(name, set(listed.rstrip(")").split(",")) if listed else None)
            else:
                self.privileges.add(name)

    def columns(self, privilege: str) -> set[str] | None:
        """The columns a SELECT or UPDATE is limited to (None: all of them)."""
        return {"SELECT": self.select_columns, "UPDATE": self.update_columns}.get(privilege)

    def _add_columns(self, privilege: str, columns: set[str] | None) -> None:
        attribute = f"{privilege.lower()}_columns"
        held = getattr(self, attribute)
        if privilege not in self.privileges:
            self.privileges.add(privilege)
            setattr(self, attribute, columns)
        elif held is not None:
            setattr(self, attribute, None if columns is None else held | columns)


def table_grants(permissions: Iterable[Permission]) -> dict[str, TableGrant]:
    grants: dict[str, TableGrant] = {}
    for permission in sorted(permissions):
        for table, spec in NEEDS.get(permission, {}).items():
            grants.setdefault(table, TableGrant()).add(spec)
    return dict(sorted(grants.items()))


def role_table_grants(role: Role, matrix: Mapping[Permission, frozenset[Role]] = MATRIX
                      ) -> dict[str, TableGrant]:
    """The main-schema privileges of a role: the union of what its permissions need."""
    if role is Role.CONSUMER:
        return {}
    return table_grants(p for p, roles in matrix.items() if role in roles)


def missing_permissions() -> list[Permission]:
    """Permissions nobody has mapped yet (they grant nothing until they are; a test fails
    meanwhile, so a new permission cannot be forgotten here)."""
    return sorted(set(Permission) - set(NEEDS))


def _check() -> None:
    for permission, tables in NEEDS.items():
        grant = table_grants([permission])
        for table in APPEND_ONLY & set(tables):
            if grant[table].privileges & {"UPDATE", "DELETE"}:
                raise AssertionError(f"{permission}: {table} is append-only")


_check()

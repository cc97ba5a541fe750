"""The consumers' schema: views of their own rows only.

A consumer's database account has no privilege on the main schema at all. It works in a
second schema (`<database>_own`) holding views with the same names as the tables the
consumer services read, each filtered to the rows of the signed-in consumer's customer
(found from USER()). The services run unchanged: the connection's default schema decides
which `bills` they see. Reference tables (utilities, tariffs, cycles) are shown whole.
The views run with their definer's rights (the administrator who applied them), so the
consumer needs privileges on the views only.

The views list their columns when created: after a migration adds a column, run
`opsmanager db grants --apply` again (it re-creates them).
"""

from __future__ import annotations

from opsmanager_desktop.db.security.sql_names import ident, login_username

# tables every consumer may read whole (nothing personal in them)
REFERENCE_TABLES = ("utility_types", "billing_cycles", "tariff_plans", "tariff_versions",
                    "tariff_categories", "tariff_slabs", "tariff_taxes")


def _filters(main: str, namespace: str) -> dict[str, str]:
    me = login_username(namespace)
    customer = (f"(SELECT u.customer_id FROM {main}.`users` u WHERE u.username = {me} "
                "AND u.role = 'consumer' AND u.is_active = 1)")
    user_id = f"(SELECT u.id FROM {main}.`users` u WHERE u.username = {me})"
    my_bills = f"(SELECT b.id FROM {main}.`bills` b WHERE b.customer_id = {customer})"
    my_payments = f"(SELECT p.id FROM {main}.`payments` p WHERE p.customer_id = {customer})"
    my_connections = (f"(SELECT c.id FROM {main}.`connections` c "
                      f"WHERE c.customer_id = {customer})")
    return {
        "users": f"username = {me}",
        "user_sessions": f"user_id = {user_id}",
        "customers": f"id = {customer}",
        "connections": f"customer_id = {customer}",
        "bills": f"customer_id = {customer}",
        "statements": f"customer_id = {customer}",
        "bill_lines": f"bill_id IN {my_bills}",
        "bill_adjustments": f"bill_id IN {my_bills}",
        "payments": f"customer_id = {customer}",
        "payment_allocations": f"payment_id IN {my_payments}",
        "payment_reversals": f"payment_id IN {my_payments}",
        "meter_readings": f"connection_id IN {my_connections}",
        # written by the consumer's own sign-in; the view shows no entry back
        "audit_log": "1 = 0",
    }


# what a consumer may do on the views (SELECT everywhere else)
VIEW_PRIVILEGES: dict[str, str] = {
    "users": "SELECT, UPDATE (failed_attempts, locked_until, password_hash, "
             "must_change_password, version)",
    "user_sessions": "SELECT, INSERT, UPDATE (ended_at)",
    "audit_log": "INSERT",
}


def view_names() -> list[str]:
    return [*_filters("m", "n"), *REFERENCE_TABLES]


def view_statements(database: str, own: str, namespace: str) -> list[str]:
    main = ident(database)
    statements = [f"CREATE DATABASE IF NOT EXISTS {ident(own)} CHARACTER SET utf8mb4 "
                  "COLLATE utf8mb4_unicode_ci"]
    for table, where in _filters(main, namespace).items():
        # CHECK OPTION: an insert through the view must stay inside it (no session row for
        # another user)
        check = " WITH CASCADED CHECK OPTION" if table == "user_sessions" else ""
        statements.append(
            f"CREATE OR REPLACE SQL SECURITY DEFINER VIEW {ident(own)}.{ident(table)} AS "
            f"SELECT * FROM {main}.{ident(table)} WHERE {where}{check}")
    for table in REFERENCE_TABLES:
        statements.append(
            f"CREATE OR REPLACE SQL SECURITY DEFINER VIEW {ident(own)}.{ident(table)} AS "
            f"SELECT * FROM {main}.{ident(table)}")
    return statements


def grant_statements(own: str, role: str) -> list[str]:
    statements = []
    for view in view_names():
        privileges = VIEW_PRIVILEGES.get(view, "SELECT")
        statements.append(f"GRANT {privileges} ON {ident(own)}.{ident(view)} TO {ident(role)}")
    return statements

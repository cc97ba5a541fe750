"""The database side of the permission matrix, as SQL: roles, GRANTs, the consumers'
views, the account procedures and the guard triggers. `opsmanager db grants` prints the
plan; `--apply` runs it (idempotent: every run revokes and re-grants, so a right removed
from the matrix is removed from the database too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opsmanager_desktop.db.security import guards, own_schema, procedures
from opsmanager_desktop.db.security.options import own_schema as own_schema_name
from opsmanager_desktop.db.security.options import role_name
from opsmanager_desktop.db.security.privileges import role_table_grants
from opsmanager_desktop.db.security.sql_names import ident, literal
from opsmanager_desktop.domain.permissions import MATRIX, Permission
from opsmanager_desktop.domain.roles import Role

NAMESPACE_SETTING = "security.namespace"


@dataclass
class Plan:
    namespace: str
    database: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    def statements(self) -> list[str]:
        return [s for _title, part in self.sections for s in part]

    def script(self) -> str:
        """A script a DBA can read or feed to the mysql client."""
        lines = [f"-- database roles and grants of {self.database} (namespace "
                 f"{self.namespace}), generated from domain/permissions.py"]
        for title, part in self.sections:
            lines.append(f"\n-- {title}")
            for statement in part:
                if " BEGIN " in statement:
                    lines += ["DELIMITER //", statement + " //", "DELIMITER ;"]
                else:
                    lines.append(statement + ";")
        return "\n".join(lines) + "\n"


def role_grants(namespace: str, database: str, role: Role,
                matrix: Mapping[Permission, frozenset[Role]] = MATRIX, *,
                mariadb: bool = True) -> list[str]:
    """The GRANT statements of one role on the main schema."""
    name = ident(role_name(namespace, role))
    statements = []
    for table, grant in role_table_grants(role, matrix).items():
        parts = []
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            if privilege not in grant.privileges:
                continue
            columns = grant.columns(privilege)
            if columns is not None:
                parts.append(f"{privilege} ({', '.join(sorted(columns))})")
            else:
                parts.append(privilege)
        statements.append(f"GRANT {', '.join(parts)} ON {ident(database)}.{ident(table)} "
                          f"TO {name}")
    if statements and not mariadb:
        # MySQL 8 wants UPDATE or LOCK TABLES besides SELECT for SELECT ... FOR UPDATE,
        # and the payment and billing paths lock rows of tables they only read
        statements.append(f"GRANT LOCK TABLES ON {ident(database)}.* TO {name}")
    return statements


def build_plan(namespace: str, database: str, *, mariadb: bool = True,
               require_tls: bool = False) -> Plan:
    plan = Plan(namespace, database)
    roles = [role_name(namespace, r) for r in Role]
    plan.sections.append(("one database role per program role", [
        f"CREATE ROLE IF NOT EXISTS {ident(r)}" for r in roles]))
    plan.sections.append(("start from nothing: a right removed from the matrix goes", [
        f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {ident(r)}" for r in roles]))
    plan.sections.append(("account procedures (user management calls these)",
                          procedures.procedure_statements(namespace, database,
                                                          mariadb=mariadb,
                                                          require_tls=require_tls)))
    for role in Role:
        if role is Role.CONSUMER:
            continue
        grants = role_grants(namespace, database, role, mariadb=mariadb)
        if role is Role.ADMIN:
            grants += procedures.grant_statements(namespace, database,
                                                  role_name(namespace, role))
        plan.sections.append((f"{role.label}: what its permissions need", grants))
    own = own_schema_name(database)
    plan.sections.append((f"consumers: views of their own rows in {own}",
                          own_schema.view_statements(database, own, namespace)
                          + own_schema.grant_statements(
                              own, role_name(namespace, Role.CONSUMER))))
    plan.sections.append(("officers change only their own user row and sessions",
                          guards.guard_statements(namespace, database)))
    plan.sections.append(("user management creates accounts in this namespace", [
        f"INSERT INTO {ident(database)}.`settings` (`key`, `value`) VALUES "
        f"({literal(NAMESPACE_SETTING)}, {literal(namespace)}) "
        "ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)"]))
    return plan


def apply_plan(dbapi_connection: Any, plan: Plan) -> int:
    """Run the plan's statements one by one (each DDL commits by itself); returns how many."""
    cursor = dbapi_connection.cursor()
    try:
        for statement in plan.statements():
            cursor.execute(statement)
        dbapi_connection.commit()
    finally:
        cursor.close()
    return len(plan.statements())

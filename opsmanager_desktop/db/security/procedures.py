"""Stored procedures through which user management changes database accounts.

An administrator's database role gets EXECUTE on these and nothing server-wide: no CREATE
USER, no role with ADMIN OPTION (which would also hand it every role's table rights). The
procedures run with their definer's rights (the DBA who applied them) and only ever touch
accounts of this namespace that belong to an existing program user, with one of this
namespace's roles. Disabling also ends the account's open connections at once.
"""

from __future__ import annotations

from opsmanager_desktop.db.security.sql_names import ident, literal
from opsmanager_desktop.domain.roles import Role

ENSURE = "account_ensure"       # (username, password, role): create or update, unlocked
SET_ROLE = "account_set_role"   # (username, role or NULL): the one role of the account
LOCK = "account_lock"           # (username): lock and end its connections
UNLOCK = "account_unlock"       # (username)
PASSWORD = "account_password"   # (username, password)
ALL = (ENSURE, SET_ROLE, LOCK, UNLOCK, PASSWORD)
_USER = "IN p_username VARCHAR(64) CHARACTER SET utf8mb4"
_PASSWORD = "IN p_password VARCHAR(200) CHARACTER SET utf8mb4"


def procedure_name(namespace: str, base: str) -> str:
    return f"{namespace}_{base}"


def _run(sql_expr: str) -> str:
    return f"SET @opsm_sql = {sql_expr}; PREPARE opsm_stmt FROM @opsm_sql; " \
           "EXECUTE opsm_stmt; DEALLOCATE PREPARE opsm_stmt;"


def _checks(namespace: str, database: str) -> str:
    """Declares `acct` ('ns.user'@'%', quoted) after checking the user exists."""
    return (
        "DECLARE acct VARCHAR(300); "
        "IF p_username IS NULL OR p_username NOT REGEXP '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$' "
        "THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'not a user name'; END IF; "
        # the schema's collation may differ from the tables' (CREATE DATABASE without one)
        f"IF NOT EXISTS (SELECT 1 FROM {ident(database)}.`users` "
        "WHERE username = p_username COLLATE utf8mb4_unicode_ci) "
        "THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no program user of that name'; "
        "END IF; "
        f"SET acct = CONCAT(QUOTE(CONCAT({literal(namespace + '.')}, p_username)), '@''%''');")


def _role_check(namespace: str) -> str:
    roles = ", ".join(literal(r.value) for r in Role)
    return (f"IF p_role IS NOT NULL AND p_role NOT IN ({roles}) THEN "
            "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'not a role'; END IF;")


def _set_role_body(namespace: str, mariadb: bool) -> str:
    """Revoke every namespace role (ignoring 'not granted'), then grant p_role."""
    revokes = " ".join(
        _run(f"CONCAT('REVOKE {namespace}_{r.value} FROM ', acct)") for r in Role)
    default_for = "FOR" if mariadb else "TO"
    return (
        f"BEGIN DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END; {revokes} END; "
        "IF p_role IS NOT NULL THEN "
        + _run(f"CONCAT('GRANT {namespace}_', p_role, ' TO ', acct)")
        + " " + _run(f"CONCAT('SET DEFAULT ROLE {namespace}_', p_role, ' {default_for} ', acct)")
        + " ELSE " + _run(f"CONCAT('SET DEFAULT ROLE NONE {default_for} ', acct)")
        + " END IF;")


def procedure_statements(namespace: str, database: str, *, mariadb: bool,
                         require_tls: bool) -> list[str]:
    db = ident(database)

    def name(base: str) -> str:
        return f"{db}.{ident(procedure_name(namespace, base))}"

    tls = " REQUIRE SSL" if require_tls else " REQUIRE NONE"
    kill_loop = (
        "BEGIN DECLARE done INT DEFAULT 0; DECLARE conn_id BIGINT; "
        "DECLARE c CURSOR FOR SELECT id FROM information_schema.PROCESSLIST "
        f"WHERE USER = CONCAT({literal(namespace + '.')}, p_username); "
        "DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1; "
        "DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END; "
        "OPEN c; kill_loop: LOOP FETCH c INTO conn_id; IF done THEN LEAVE kill_loop; END IF; "
        "IF conn_id <> CONNECTION_ID() THEN KILL CONNECTION conn_id; END IF; END LOOP; "
        "CLOSE c; END;")
    bodies = {
        ENSURE: (f"{_USER}, {_PASSWORD}, IN p_role VARCHAR(32)",
                 _role_check(namespace) + " "
                 + _run("CONCAT('CREATE USER IF NOT EXISTS ', acct, ' IDENTIFIED BY ', "
                        "QUOTE(p_password))") + " "
                 + _run(f"CONCAT('ALTER USER ', acct, ' IDENTIFIED BY ', QUOTE(p_password), "
                        f"'{tls} ACCOUNT UNLOCK')") + " "
                 + _set_role_body(namespace, mariadb)),
        SET_ROLE: (f"{_USER}, IN p_role VARCHAR(32)",
                   _role_check(namespace) + " " + _set_role_body(namespace, mariadb)),
        LOCK: (_USER,
               "BEGIN DECLARE CONTINUE HANDLER FOR 1396 BEGIN END; "
               + _run("CONCAT('ALTER USER ', acct, ' ACCOUNT LOCK')") + " END; " + kill_loop),
        UNLOCK: (_USER,
                 _run("CONCAT('ALTER USER ', acct, ' ACCOUNT UNLOCK')")),
        PASSWORD: (f"{_USER}, {_PASSWORD}",
                   _run("CONCAT('ALTER USER ', acct, ' IDENTIFIED BY ', QUOTE(p_password))")),
    }
    statements = []
    for base, (params, body) in bodies.items():
        statements.append(f"DROP PROCEDURE IF EXISTS {name(base)}")
        statements.append(
            f"CREATE PROCEDURE {name(base)}({params}) SQL SECURITY DEFINER "
            f"BEGIN {_checks(namespace, database)} {body} END")
    return statements


def grant_statements(namespace: str, database: str, role: str) -> list[str]:
    return [f"GRANT EXECUTE ON PROCEDURE {ident(database)}."
            f"{ident(procedure_name(namespace, base))} TO {ident(role)}" for base in ALL]

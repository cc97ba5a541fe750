"""Triggers that keep officers to their own account rows (per-officer mode).

Every role may update a few columns of `users` (its own failed sign-ins and password) and
add and end `user_sessions`; the column GRANTs cannot say "only your own row", so these
triggers do: an officer touches only their own user row and sessions, an administrator any.
"""

from __future__ import annotations

from opsmanager_desktop.db.security.sql_names import ident, login_username


def _is_admin(database: str, me: str) -> str:
    return (f"EXISTS (SELECT 1 FROM {ident(database)}.`users` a WHERE a.username = {me} "
            "AND a.role = 'admin' AND a.is_active = 1)")


def _refuse(message: str) -> str:
    return f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{message}'"


def guard_statements(namespace: str, database: str) -> list[str]:
    db = ident(database)
    me = login_username(namespace)
    my_id = f"(SELECT u.id FROM {db}.`users` u WHERE u.username = {me})"
    # outside the namespace (the schema owner, a DBA) the triggers stand aside
    ours = f"{me} IS NOT NULL"
    triggers = {
        "users_own_row": (
            "BEFORE UPDATE ON `users`",
            f"IF {ours} AND OLD.username <> {me} AND NOT {_is_admin(database, me)} THEN "
            f"{_refuse('only an administrator may change another user account')}; END IF;"),
        "sessions_own_insert": (
            "BEFORE INSERT ON `user_sessions`",
            f"IF {ours} AND NEW.user_id <> {my_id} THEN "
            f"{_refuse('a session may only be opened for yourself')}; END IF;"),
        "sessions_own_update": (
            "BEFORE UPDATE ON `user_sessions`",
            f"IF {ours} AND OLD.user_id <> {my_id} AND NOT {_is_admin(database, me)} THEN "
            f"{_refuse('only an administrator may end another user session')}; END IF;"),
    }
    statements = []
    for base, (when, body) in triggers.items():
        name = f"{db}.{ident(f'{namespace}_{base}')}"
        statements.append(f"DROP TRIGGER IF EXISTS {name}")
        statements.append(f"CREATE TRIGGER {name} {when.replace('ON `', f'ON {db}.`')} "
                          f"FOR EACH ROW BEGIN {body} END")
    return statements

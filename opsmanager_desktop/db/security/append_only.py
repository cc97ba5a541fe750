"""The append-only tables, and emptying tables despite their triggers (tests, benchmarks).

Migration 0002 puts triggers on these tables that refuse UPDATE and DELETE. Emptying a
database for the next test is not a correction of money, so `empty_tables` goes around
them the way only a schema owner can: TRUNCATE on MySQL (it fires no DELETE trigger; it
needs the DROP privilege, which no officer role has), and on SQLite dropping the triggers
and re-creating them from their stored SQL in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

APPEND_ONLY_TABLES = ("audit_log", "payments", "payment_allocations", "payment_reversals")
REFUSED_PREFIX = "refused:"


def empty_tables(conn: Connection, tables: Sequence[str]) -> None:
    """Delete every row of `tables` (children first) inside the caller's transaction."""
    if conn.dialect.name in ("mysql", "mariadb"):
        conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        try:
            for table in tables:
                verb = "TRUNCATE TABLE" if table in APPEND_ONLY_TABLES else "DELETE FROM"
                conn.execute(text(f"{verb} `{table}`"))
        finally:
            conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
        return
    guarded = [t for t in tables if t in APPEND_ONLY_TABLES]
    triggers = conn.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
        f"({', '.join(repr(t) for t in guarded) or 'NULL'})")).all()
    for name, _sql in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    for table in tables:
        conn.execute(text(f'DELETE FROM "{table}"'))
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)

"""Bulk INSERT of many rows, fast on MySQL/MariaDB too.

PyMySQL (pure Python) turns every value of an executemany into SQL text through a generic
per-value dispatch (escape -> escape_item -> encoder); for a million-row import with 14
columns that conversion alone costs more than the server's work. `insert_rows` renders the
multi-row `INSERT ... VALUES (...), (...)` itself with one literal function per column,
chosen once from the column's type. Injection safety rests on what each function accepts:

- integers and booleans: only `int`/`bool` objects, written as digits;
- decimals: only finite `Decimal`s, checked by the column type's own bind rules
  (db/types.py: no floats, no more places than the column holds), written in plain
  notation (digits, sign, point);
- dates: only `date` objects, written YYYY-MM-DD;
- text and anything else: the driver's own literal (`Connection.escape`: quoting and
  escaping for the connection's character set and the server's NO_BACKSLASH_ESCAPES mode),
  exactly what executemany would have sent.

A value of the wrong type raises TypeError before anything is sent. Statements are split
at PyMySQL's own limit (about 1 MB) so no bigger packet reaches the server than
executemany sends. Other databases (SQLite: the driver is C) get a plain Core executemany.

LOAD DATA LOCAL INFILE would be faster still, but it needs `local_infile` on the client
(which lets a malicious or impersonated server read any file the desktop user can read)
and on the server (a DBA setting we do not own); this needs neither.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Integer, Table, insert
from sqlalchemy.types import TypeEngine

from opsmanager_desktop.db.types import ScaledDecimal

MAX_STATEMENT = 1_024_000  # PyMySQL's max_stmt_length for executemany

Literal = Callable[[Any], str]


def insert_rows(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` (each a mapping holding at least `columns`) into `table`, in the
    caller's transaction."""
    if not rows:
        return
    if conn.dialect.name not in ("mysql", "mariadb"):
        conn.execute(insert(table), [{c: row[c] for c in columns} for row in rows])
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    literals = [(name, _literal(table.c[name].type, conn, driver.escape)) for name in columns]
    prefix = (f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} ("
              + ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
              + ") VALUES ")
    cursor = driver.cursor()
    try:
        parts: list[str] = []
        size = len(prefix)
        for row in rows:
            values = "(" + ",".join([lit(row[name]) for name, lit in literals]) + ")"
            if parts and size + len(values) + 1 > MAX_STATEMENT:
                cursor.execute(prefix + ",".join(parts))  # no args: no %-formatting
                parts, size = [], len(prefix)
            parts.append(values)
            size += len(values) + 1
        cursor.execute(prefix + ",".join(parts))
    finally:
        cursor.close()


def _literal(column_type: TypeEngine[Any], conn: Connection,
             escape: Callable[[Any], str]) -> Literal:
    if isinstance(column_type, ScaledDecimal):
        bind, dialect = column_type.process_bind_param, conn.dialect
        quantum = Decimal(1).scaleb(-column_type.scale)

        def decimal_literal(value: Any) -> str:
            if type(value) is not Decimal or not value.is_finite() \
                    or value != value.quantize(quantum):
                if value is None:
                    return "NULL"
                value = bind(value, dialect)  # refuses floats and extra decimal places
                if type(value) is not Decimal or not value.is_finite():
                    raise TypeError(f"{value!r} is not a finite decimal")
            text = str(value)  # digits, sign, point; exponent form only for e.g. 1E+3
            return format(value, "f") if "E" in text else text
        return decimal_literal
    if isinstance(column_type, Boolean):
        def bool_literal(value: Any) -> str:
            if value is None:
                return "NULL"
            if type(value) is not bool:
                raise TypeError(f"{value!r} is not a bool")
            return "1" if value else "0"
        return bool_literal
    if isinstance(column_type, Integer):
        def int_literal(value: Any) -> str:
            if value is None:
                return "NULL"
            if type(value) is not int:
                raise TypeError(f"{value!r} is not an int")
            return str(value)
        return int_literal
    if isinstance(column_type, Date):  # DateTime is not a Date: it takes escape below
        def date_literal(value: Any) -> str:
            if value is None:
                return "NULL"
            if type(value) is not date:
                raise TypeError(f"{value!r} is not a date")
            return f"'{value.isoformat()}'"
        return _memo(date_literal)
    return _memo(escape)  # str, datetime, None, ...: the driver's own literal


def _memo(literal: Literal) -> Literal:
    """Remember the literals of one call: dates, statuses, user names, times and readers
    repeat across a file's rows."""
    seen: dict[Any, str] = {}

    def cached(value: Any) -> str:
        text = seen.get((type(value), value))
        if text is None:
            text = seen[(type(value), value)] = literal(value)
        return text
    return cached

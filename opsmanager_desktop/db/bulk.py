"""Bulk statements, fast on MySQL/MariaDB too: INSERT of many rows (`insert_rows`) and
SELECT by a long IN list run chunk after chunk (`InQuery`).

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

`InQuery` renders its IN list with the same functions: SQLAlchemy's expanding parameter
costs a bind name, a placeholder and an escape per value, and its result rows a processor
per cell, which for a million-row import cost more than the server's answer.

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
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select
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
    parts: list[str] = []
    size = len(prefix)
    for row in rows:
        values = "(" + ",".join([lit(row[name]) for name, lit in literals]) + ")"
        if parts and size + len(values) + 1 > MAX_STATEMENT:
            _run(conn, prefix + ",".join(parts))
            parts, size = [], len(prefix)
        parts.append(values)
        size += len(values) + 1
    _run(conn, prefix + ",".join(parts))


class InQuery:
    """A SELECT with one expanding IN parameter, run for many lists of values:

        MY_QUERY = InQuery(select(...).where(T.c.x.in_(bindparam("xs", expanding=True)),
                                             T.c.y == bindparam("y")), "xs")
        rows = MY_QUERY.rows(conn, xs, y=1)

    `rows` gives plain tuples. On MySQL/MariaDB they are what the driver returns, with no
    SQLAlchemy result processing: DECIMAL as Decimal, DATE as date, BOOLEAN as 0/1 (read
    them with bool()). Elsewhere the statement runs through SQLAlchemy as usual. Keep each
    list short (services/imports.batched): the server plans every call anew.
    """

    def __init__(self, stmt: Select[Any], name: str) -> None:
        self.stmt, self.name = stmt, name
        self._templates: dict[str, tuple[str, dict[str, Any]]] = {}

    def rows(self, conn: Connection, values: Sequence[Any], **params: Any) \
            -> list[tuple[Any, ...]]:
        if not values:
            return []
        if conn.dialect.name not in ("mysql", "mariadb"):
            return [tuple(r) for r in conn.execute(self.stmt, {self.name: values, **params})]
        template, binds = self._template(conn.dialect)
        driver = conn.connection.driver_connection
        assert driver is not None
        escape = driver.escape
        given = {**params, self.name: values}
        rendered = {}
        for key, bind in binds.items():
            literal = _literal(bind.type, conn, escape)
            value = given.get(key, bind.value)
            rendered[key] = ",".join([literal(v) for v in value]) if bind.expanding \
                else literal(value)
        return _run(conn, template % rendered)

    def _template(self, dialect: Dialect) -> tuple[str, dict[str, Any]]:
        """The statement compiled once per dialect, every parameter a %(name)s slot (an IN
        list's slot takes its values joined)."""
        found = self._templates.get(dialect.name)
        if found is None:
            compiled = self.stmt.compile(dialect=dialect)
            assert dialect.paramstyle == "pyformat", dialect.paramstyle
            binds = {key: bind for bind, key in compiled.bind_names.items()}
            template = compiled.string
            for key, bind in binds.items():
                if bind.expanding:
                    template = template.replace(f"__[POSTCOMPILE_{key}]", f"%({key})s")
            found = self._templates[dialect.name] = (template, binds)
        return found


def _run(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    """Run finished SQL text on the driver's cursor, in the caller's transaction (no args:
    the driver does no %-formatting), with the driver's errors raised as SQLAlchemy's, as
    the service layer expects (services/core.py)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    dbapi = conn.dialect.loaded_dbapi
    cursor = driver.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    except dbapi.Error as exc:
        shown = sql if len(sql) <= 300 else sql[:300] + " ..."
        raise DBAPIError.instance(shown, None, exc, dbapi.Error) from exc
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

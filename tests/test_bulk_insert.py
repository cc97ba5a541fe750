"""db/bulk: insert_rows reads back exactly as given (text that looks like SQL included),
wrong types refused before anything is sent, long batches split; InQuery finds exactly the
listed rows; the driver's errors come as SQLAlchemy's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from opsmanager_desktop.db import bulk
from opsmanager_desktop.db.types import Quantity

NASTY = ["O'Brien", 'say "hi"', "back\\slash", "50% %s %(x)s", "x'); DROP TABLE t; --",
         "line\nbreak\r\ttab", "nul\x00byte", "\x1a", "Zoë ✓ 電気 🚰", ""]


@pytest.fixture
def scratch(engine: Engine) -> Iterator[Table]:
    table = Table("bulk_scratch", MetaData(),
                  Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("amount", Quantity()), Column("day", Date),
                  Column("flag", Boolean), Column("label", String(64)),
                  Column("note", String(64), nullable=True), Column("at", DateTime))
    table.drop(engine, checkfirst=True)
    table.create(engine)
    yield table
    table.drop(engine)


def _rows(n: int) -> list[dict[str, object]]:
    return [{"id": i, "amount": Decimal(i) + Decimal("0.125") if i % 3 else Decimal("1E+3"),
             "day": date(2026, 2, 1 + i % 28), "flag": i % 2 == 0,
             "label": NASTY[i % len(NASTY)], "note": None if i % 4 else "n",
             "at": datetime(2026, 2, 28, 10, 30, 5, 123456 if i % 2 else 0),
             "ignored": "not a column"} for i in range(1, n + 1)]


def test_rows_read_back_exactly(engine: Engine, scratch: Table,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "MAX_STATEMENT", 2000)  # several statements per call
    rows = _rows(120)
    columns = ("id", "amount", "day", "flag", "label", "note", "at")
    with engine.begin() as conn:
        bulk.insert_rows(conn, scratch, columns, rows)
        bulk.insert_rows(conn, scratch, columns, [])
    with engine.connect() as conn:
        stored = [dict(r._mapping) for r in conn.execute(select(scratch).order_by(scratch.c.id))]
    assert len(stored) == 120
    for want, got in zip(rows, stored, strict=True):
        assert got["amount"] == want["amount"]
        assert (got["id"], got["day"], got["flag"], got["label"], got["note"]) == \
            (want["id"], want["day"], want["flag"], want["label"], want["note"])
        assert got["at"].replace(microsecond=0) == want["at"].replace(microsecond=0)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("column", "value", "error"), [
    ("amount", 1.5, TypeError), ("amount", Decimal("1.2345"), ValueError),
    ("amount", "1; DROP TABLE t", Exception), ("id", "7 OR 1=1", TypeError),
    ("id", 7.0, TypeError), ("flag", 1, TypeError), ("day", "2026-02-01", TypeError),
])
def test_wrong_types_are_refused(engine: Engine, scratch: Table, column: str, value: object,
                                 error: type[Exception]) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite goes through SQLAlchemy's own executemany")
    row = {**_rows(1)[0], column: value}
    with pytest.raises(error), engine.begin() as conn:
        bulk.insert_rows(conn, scratch, tuple(scratch.c.keys()), [row])
    with engine.connect() as conn:
        assert conn.execute(select(scratch)).first() is None


def test_in_query_finds_exactly_the_listed_rows(engine: Engine, scratch: Table) -> None:
    """Text that looks like SQL or like a %-placeholder is a value, nothing more; on
    MySQL/MariaDB the rendered path gives what SQLAlchemy's own execution gives."""
    rows = _rows(40)
    with engine.begin() as conn:
        bulk.insert_rows(conn, scratch, ("id", "amount", "day", "flag", "label", "note", "at"),
                         rows)
    stmt = select(scratch.c.id, scratch.c.amount, scratch.c.day, scratch.c.label) \
        .where(scratch.c.label.in_(bindparam("labels", expanding=True)),
               scratch.c.id > bindparam("above"), scratch.c.note.is_(None)) \
        .order_by(scratch.c.id)
    query = bulk.InQuery(stmt, "labels")
    labels = [*NASTY[:6], "' OR '1'='1", "%(above)s", "absent"]
    with engine.connect() as conn:
        got = query.rows(conn, labels, above=3)
        again = query.rows(conn, ["O'Brien"], above=0)  # the template is reused
        assert query.rows(conn, [], above=0) == []
        core = [tuple(r) for r in conn.execute(stmt, {"labels": labels, "above": 3})]
    want = [(r["id"], r["amount"], r["day"], r["label"]) for r in rows
            if r["label"] in labels and r["id"] > 3 and r["note"] is None]  # type: ignore[operator]
    assert got == want == core
    assert [r[3] for r in again] == ["O'Brien"] * len(again) and again


def test_driver_errors_come_as_sqlalchemy_errors(engine: Engine, scratch: Table) -> None:
    """services/core.py maps SQLAlchemy's errors to messages (a clash is a Conflict), so the
    rendered statements raise those too, not the driver's own."""
    row = _rows(1)[0]
    columns = ("id", "amount", "day", "flag", "label", "note", "at")
    with engine.begin() as conn:
        bulk.insert_rows(conn, scratch, columns, [row])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        bulk.insert_rows(conn, scratch, columns, [row])
    broken = bulk.InQuery(select(scratch.c.id).where(
        scratch.c.id.in_(bindparam("ids", expanding=True)),
        scratch.c.id == text("no_such_column")), "ids")
    with pytest.raises(DBAPIError), engine.connect() as conn:
        broken.rows(conn, [1])

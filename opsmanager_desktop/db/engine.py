"""Engines and sessions. Nothing connects at import time; bootstrap builds these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

BEGIN_IMMEDIATE = "sqlite_begin_immediate"


def normalize_url(url: str) -> str:
    """Accept mysql:// and mariadb:// as the PyMySQL driver, with utf8mb4."""
    parsed = make_url(url)
    if parsed.get_backend_name() in ("mysql", "mariadb") and parsed.drivername in (
        "mysql", "mariadb"):
        parsed = parsed.set(drivername="mysql+pymysql")
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False},
            poolclass=NullPool, **kwargs)
        _configure_sqlite(engine)
        return engine
    if backend in ("mysql", "mariadb"):
        return create_engine(
            url, pool_pre_ping=True, pool_recycle=3600,
            isolation_level="READ COMMITTED", **kwargs)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or mysql://")


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions lazily and cannot do
    # BEGIN IMMEDIATE; take it over so write transactions take the write lock up front
    # (no lock upgrade deadlocks between two writers).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if not _is_memory(engine):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(BEGIN_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _is_memory(engine: Engine) -> bool:
    return engine.url.database in (None, "", ":memory:")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


def is_mysql(engine: Engine) -> bool:
    return engine.dialect.name in ("mysql", "mariadb")

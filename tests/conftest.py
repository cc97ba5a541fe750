"""Every data test runs on SQLite and on MySQL/MariaDB.

One fresh MySQL database per test run (dropped at the end); tables are emptied between
tests. Under CI (CI=true) an unreachable MySQL server fails the MySQL tests instead of
skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from opsmanager_desktop.db.base import Base
from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.db.security import append_only
from opsmanager_desktop.services import passwords
from opsmanager_desktop.services.backend import Backend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
passwords.set_rounds(4)  # bcrypt's minimum cost: the tests check the logic, not the cost

MYSQL_SERVER = os.environ.get("OPSMANAGER_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306")
UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _mysql_reachable() -> str | None:
    try:
        engine = create_engine(MYSQL_SERVER + "/?charset=utf8mb4")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to reach the server
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def mysql_engine() -> Iterator[Engine]:
    problem = _mysql_reachable()
    if problem is not None:
        message = f"MySQL/MariaDB not reachable at {MYSQL_SERVER}: {problem}"
        if UNDER_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = f"opsm_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(MYSQL_SERVER + "/?charset=utf8mb4")
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 "
                          "COLLATE utf8mb4_unicode_ci"))
    engine = make_engine(f"{MYSQL_SERVER}/{name}")
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    # payments and the audit log refuse DELETE by trigger (migration 0002): go around them
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        append_only.empty_tables(conn, tables)


@pytest.fixture(params=["sqlite", "mysql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    eng: Engine = request.getfixturevalue(f"{request.param}_engine")
    empty_tables(eng)
    yield eng


@pytest.fixture
def backend(engine: Engine) -> Iterator[Backend]:
    yield Backend(engine)


@pytest.fixture
def sqlite_backend(sqlite_engine: Engine) -> Iterator[Backend]:
    empty_tables(sqlite_engine)
    yield Backend(sqlite_engine)


@pytest.fixture
def fresh_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"

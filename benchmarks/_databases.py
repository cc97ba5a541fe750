"""A fresh, empty database for one benchmark: a temporary SQLite file or a new MariaDB
database, each with the function that removes it again."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text

MYSQL_SERVER = os.environ.get("OPSMANAGER_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306")


def fresh_url(db: str) -> tuple[str, Callable[[], None]]:
    """`db` is sqlite, mysql or a URL of an empty database given by the caller."""
    if db == "sqlite":
        folder = tempfile.mkdtemp(prefix="opsm-bench-")
        path = os.path.join(folder, "bench.sqlite3")

        def drop_file() -> None:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            os.rmdir(folder)
        return f"sqlite:///{path}", drop_file
    if db == "mysql":
        name = f"opsm_bench_{uuid.uuid4().hex[:8]}"
        server = create_engine(MYSQL_SERVER + "/?charset=utf8mb4")
        with server.begin() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 "
                              "COLLATE utf8mb4_unicode_ci"))

        def drop_db() -> None:
            with server.begin() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            server.dispose()
        return f"{MYSQL_SERVER}/{name}", drop_db
    return db, lambda: None  # a URL given by the caller: theirs to clean

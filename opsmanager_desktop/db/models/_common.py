from __future__ import annotations

from datetime import datetime
from typing import Any

MYSQL_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                 "mysql_collate": "utf8mb4_unicode_ci"}


def table_args(*items: Any) -> tuple[Any, ...]:
    """Constraints plus the MySQL table options every table shares."""
    return (*items, MYSQL_OPTIONS)


def utcnow() -> datetime:
    from datetime import UTC

    return datetime.now(UTC).replace(tzinfo=None)

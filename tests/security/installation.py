"""A MariaDB installation in per-officer mode, made and removed by a test.

A fresh database with the schema, the first administrator, the roles and GRANTs of a
namespace unique to this run (roles and accounts are server-wide), and the admin's own
database account. Officers then get a Backend that connects as themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pymysql
from sqlalchemy.engine import make_url

from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.db.security import procedures
from opsmanager_desktop.db.security.grants import apply_plan, build_plan
from opsmanager_desktop.db.security.options import own_schema
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import auth
from opsmanager_desktop.services.backend import Backend
from tests.conftest import MYSQL_SERVER
from tests.helpers import PASSWORD


def root_connection(database: str | None = None) -> pymysql.Connection:  # type: ignore[type-arg]
    url = make_url(MYSQL_SERVER)
    return pymysql.connect(host=url.host or "127.0.0.1", port=url.port or 3306,
                           user=url.username or "root", password=url.password or "",
                           database=database, autocommit=True, charset="utf8mb4")


@dataclass
class Installation:
    database: str
    namespace: str
    admin: str = "admin"
    backends: list[Backend] = field(default_factory=list)

    @property
    def host(self) -> str:
        url = make_url(MYSQL_SERVER)
        return f"{url.host or '127.0.0.1'}:{url.port or 3306}"

    @property
    def owner_url(self) -> str:
        return f"{MYSQL_SERVER}/{self.database}"

    def officer_url(self, extra: str = "") -> str:
        return (f"mysql://{self.host}/{self.database}?accounts=officer"
                f"&namespace={self.namespace}{extra}")

    def account(self, username: str) -> str:
        return f"{self.namespace}.{username}"

    def backend(self, extra: str = "") -> Backend:
        """A workstation: connects as whoever signs in on it."""
        backend = Backend.from_url(self.officer_url(extra))
        self.backends.append(backend)
        return backend

    def owner_backend(self) -> Backend:
        backend = Backend.from_url(self.owner_url)
        self.backends.append(backend)
        return backend

    def sign_in(self, username: str, password: str = PASSWORD) -> tuple[Backend, str]:
        backend = self.backend()
        return backend, auth.sign_in(backend, username, password).token

    def raw(self, username: str, password: str = PASSWORD, database: str | None = None
            ) -> pymysql.Connection:  # type: ignore[type-arg]
        """A plain PyMySQL connection as the officer: what someone going around the
        program would have."""
        url = make_url(MYSQL_SERVER)
        return pymysql.connect(host=url.host or "127.0.0.1", port=url.port or 3306,
                               user=self.account(username), password=password,
                               database=database, autocommit=True, charset="utf8mb4")

    def drop(self) -> None:
        for backend in self.backends:
            backend.dispose()
        with root_connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT User, Host FROM mysql.user WHERE User LIKE %s",
                        (self.namespace.replace("_", "\\_") + "%",))
            for user, host in cur.fetchall():
                if host == "":
                    cur.execute(f"DROP ROLE IF EXISTS `{user}`")
                else:
                    cur.execute(f"DROP USER IF EXISTS `{user}`@`{host}`")
            cur.execute(f"DROP DATABASE IF EXISTS `{own_schema(self.database)}`")
            cur.execute(f"DROP DATABASE IF EXISTS `{self.database}`")


def install(admin: str = "admin", password: str = PASSWORD) -> Installation:
    tag = uuid.uuid4().hex[:8]
    inst = Installation(f"opsm_sec_{tag}", f"t{tag}", admin)
    with root_connection() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{inst.database}` CHARACTER SET utf8mb4 "
                    "COLLATE utf8mb4_unicode_ci")
    try:
        engine = make_engine(inst.owner_url)
        upgrade(engine)
        engine.dispose()
        owner = inst.owner_backend()
        auth.create_first_admin(owner, admin, password)
        with root_connection(inst.database) as conn:
            apply_plan(conn, build_plan(inst.namespace, inst.database))
            with conn.cursor() as cur:
                cur.execute(f"CALL `{procedures.procedure_name(inst.namespace, procedures.ENSURE)}`"
                            "(%s, %s, %s)", (admin, password, Role.ADMIN.value))
    except BaseException:
        inst.drop()
        raise
    return inst

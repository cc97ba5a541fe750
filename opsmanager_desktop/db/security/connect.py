"""Engines that sign in to the database as the officer, and the TLS requirement.

In per-officer mode (`accounts=officer` in the URL) the URL names no user: the engine is
built before anyone signs in, and each new connection uses the credentials held by an
`OfficerLogin`, set at sign-in. A consumer's connection then works in the consumers'
schema of own-rows views; everyone else's in the main schema. With `tls=required` a
connection that is not encrypted is closed before anything is sent over it, and on every
MySQL engine a TLS failure (a certificate that cannot be verified, a CA file that cannot
be read) is reported as such (db/security/tls.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from opsmanager_desktop.db.engine import is_mysql, make_engine
from opsmanager_desktop.db.security.options import (
    SecurityOptions,
    account_name,
    own_schema,
    role_name,
    split_url,
)
from opsmanager_desktop.db.security.sql_names import ident
from opsmanager_desktop.db.security.tls import check_encrypted, tls_failure
from opsmanager_desktop.domain.errors import NotSignedIn
from opsmanager_desktop.domain.roles import Role


@dataclass
class OfficerLogin:
    """Who the engine connects as; empty until someone signs in."""

    namespace: str
    database: str
    username: str | None = None
    password: str | None = None

    @property
    def account(self) -> str | None:
        return None if self.username is None else account_name(self.namespace, self.username)


def build_engine(url: str) -> tuple[Engine, OfficerLogin | None]:
    """An engine for `url` with our security parameters applied."""
    clean, options = split_url(url)
    engine = make_engine(clean)
    login = None
    if options.officer_accounts:
        parsed = make_url(clean)
        if not parsed.database:
            raise ValueError("the database URL must name the database (…/opsmanager)")
        login = OfficerLogin(options.namespace, parsed.database)
    if is_mysql(engine):
        _connect(engine, login)
    if options.require_tls:
        _require_tls(engine)
    return engine, login


def _connect(engine: Engine, login: OfficerLogin | None) -> None:
    """Every new MySQL connection: as the signed-in officer in per-officer mode, and with a
    TLS failure told as what is wrong (a bad certificate is not "cannot be reached")."""

    @event.listens_for(engine, "do_connect")
    def _do_connect(dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        params = cparams if login is None else _officer_params(login, cparams)
        try:
            connection = dialect.connect(*cargs, **params)
        except Exception as exc:
            failure = tls_failure(exc, params)
            if failure is None:
                raise
            raise failure from None
        if login is not None:
            _use_officer_schema(connection, login)
        return connection


def _officer_params(login: OfficerLogin, cparams: dict[str, Any]) -> dict[str, Any]:
    if login.account is None:
        raise NotSignedIn("sign in first: the database is opened with your own account")
    params = dict(cparams, user=login.account, password=login.password or "")
    params.pop("database", None)
    params.pop("db", None)
    return params


def _use_officer_schema(connection: Any, login: OfficerLogin) -> None:
    """A consumer works in the schema of own-rows views, everyone else in the main one."""
    consumer_role = role_name(login.namespace, Role.CONSUMER)
    cursor = connection.cursor()
    try:
        cursor.execute("SELECT CURRENT_ROLE()")
        row = cursor.fetchone()
        schema = own_schema(login.database) if row and row[0] == consumer_role \
            else login.database
        cursor.execute(f"USE {ident(schema)}")
    except BaseException:
        connection.close()
        raise
    finally:
        cursor.close()


def _require_tls(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _check(dbapi_connection: Any, _record: Any) -> None:
        check_encrypted(dbapi_connection)


__all__ = ["OfficerLogin", "SecurityOptions", "build_engine"]

"""Security options carried in the database URL, and the names derived from them.

The URL may carry, besides the driver's own parameters (`ssl_ca`, `ssl_cert`, `ssl_key`,
`ssl_capath`, `ssl_cipher`, `ssl_check_hostname`, handed to PyMySQL as they are):

- `accounts=officer`  sign in to the database as the officer (per-officer accounts); the
  URL then names no user or password: the sign-in dialog supplies them;
- `namespace=NAME`    the prefix of this installation's database roles and accounts
  (default `opsm`): roles `opsm_<role>`, accounts `opsm.<username>`; two installations on
  one server use two namespaces;
- `tls=required`      refuse to work over a connection that is not encrypted.

These are ours, not the driver's: `split_url` takes them out before an engine is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from opsmanager_desktop.domain.roles import Role

DEFAULT_NAMESPACE = "opsm"
_NAMESPACE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
_OUR_KEYS = ("accounts", "namespace", "tls")
# MariaDB allows 80 characters in an account name, MySQL 32
MAX_ACCOUNT_NAME = 80


class SecurityOptionError(ValueError):
    """A security parameter of the URL is not understood."""


@dataclass(frozen=True)
class SecurityOptions:
    officer_accounts: bool = False
    namespace: str = DEFAULT_NAMESPACE
    require_tls: bool = False


def check_namespace(namespace: str) -> str:
    if not _NAMESPACE.match(namespace):
        raise SecurityOptionError(
            f"namespace {namespace!r}: use 1-20 lower-case letters, digits or '_', "
            "starting with a letter")
    return namespace


def split_url(url: str) -> tuple[str, SecurityOptions]:
    """The URL without our parameters, and the options they set."""
    parsed = make_url(url)
    query = dict(parsed.query)
    if not any(key in query for key in _OUR_KEYS):
        return url, SecurityOptions()
    accounts = str(query.pop("accounts", "shared")).lower()
    if accounts not in ("officer", "shared"):
        raise SecurityOptionError(f"accounts={accounts!r}: use accounts=officer (each officer "
                                  "signs in to the database) or leave it out")
    namespace = check_namespace(str(query.pop("namespace", DEFAULT_NAMESPACE)))
    tls = str(query.pop("tls", "preferred")).lower()
    if tls not in ("required", "preferred"):
        raise SecurityOptionError(f"tls={tls!r}: use tls=required or leave it out")
    if parsed.get_backend_name() not in ("mysql", "mariadb") and (
            accounts == "officer" or tls == "required"):
        raise SecurityOptionError("accounts=officer and tls=required are for MySQL/MariaDB; "
                                  "a SQLite file is protected by its file permissions")
    clean = parsed.set(query=query).render_as_string(hide_password=False)
    return clean, SecurityOptions(accounts == "officer", namespace, tls == "required")


def role_name(namespace: str, role: Role) -> str:
    return f"{namespace}_{role.value}"


def account_name(namespace: str, username: str) -> str:
    """The database account of a program user. The namespace keeps program users apart
    from the server's own accounts (a program user named `root` is `opsm.root`)."""
    name = f"{namespace}.{username}"
    if len(name) > MAX_ACCOUNT_NAME:
        raise SecurityOptionError(f"user name {username!r} is too long for a database account")
    return name


def own_schema(database: str) -> str:
    """The schema of the consumers' views (their own rows only) beside the main one."""
    return f"{database}_own"

"""Backup and restore of the whole database (admins, with the schema owner's connection).

- SQLite: the online backup API copies a consistent snapshot while the program runs, and
  restores the same way (page by page into the open database).
- MySQL/MariaDB: `mysqldump` (or `mariadb-dump`) with --single-transaction (a consistent
  snapshot without locking out the officers), routines and triggers (the append-only
  guards travel with the data); restore feeds the file to the `mysql` client. The password
  goes to the tools through the environment, never on their command line.

A restore replaces everything, the audit log too, so one entry saying who restored what is
added to the restored log afterwards.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from opsmanager_desktop.domain.errors import PermissionDenied, Unavailable, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.audit import write_audit
from opsmanager_desktop.services.auth import require_permission, whoami
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.core import run_in_transaction

_SQLITE_MAGIC = b"SQLite format 3\x00"
_DUMP_MARK = "-- opsmanager backup"


@dataclass(frozen=True)
class BackupResult:
    path: str
    size: int
    kind: str  # "sqlite" | "mysqldump"


def _tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise Unavailable(f"{names[0]} is not installed on this computer; install the MySQL or "
                      "MariaDB client tools to back up or restore a MySQL database")


def _client_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    env["MYSQL_PWD"] = url.password or ""  # not on the command line (ps shows it)
    return env


def _client_args(url: URL) -> list[str]:
    args = [f"--host={url.host or '127.0.0.1'}", f"--port={url.port or 3306}",
            f"--user={url.username or ''}", "--default-character-set=utf8mb4"]
    ssl_ca = url.query.get("ssl_ca")
    if ssl_ca:
        args.append(f"--ssl-ca={ssl_ca}")
    return args


def _check_admin(backend: Backend, token: str) -> None:
    require_permission(backend, token, Permission.SETTINGS_MANAGE)
    if backend.login is not None:
        raise PermissionDenied("backups are made with the schema owner's connection, not an "
                               "officer's own account (see docs/security.md)")


def backup(backend: Backend, token: str, out: str | Path) -> BackupResult:
    _check_admin(backend, token)
    target = Path(out)
    if target.exists():
        raise invalid("out", f"{target} exists; choose a new file name")
    engine = backend.engine
    if engine.dialect.name == "sqlite":
        _sqlite_copy(_sqlite_path(engine), target)
        kind = "sqlite"
    else:
        _mysql_dump(engine.url, target)
        kind = "mysqldump"
    return BackupResult(str(target), target.stat().st_size, kind)


def restore(backend: Backend, token: str, source: str | Path) -> None:
    _check_admin(backend, token)
    username = whoami(backend, token).username
    path = Path(source)
    if not path.is_file():
        raise invalid("file", f"{path} is not a file")
    engine = backend.engine
    with path.open("rb") as f:
        head = f.read(4096)
    if engine.dialect.name == "sqlite":
        if not head.startswith(_SQLITE_MAGIC):
            raise invalid("file", f"{path} is not a backup of a SQLite database")
        backend.dispose()
        _sqlite_copy(path, Path(_sqlite_path(engine)))
    else:
        if _DUMP_MARK.encode() not in head:
            raise invalid("file", f"{path} is not a backup made by `opsmanager db backup`")
        backend.dispose()
        _mysql_load(engine.url, path)

    def note(session: Session, now: datetime) -> None:
        write_audit(session, at=now, username=username, entity="database",
                    entity_id=path.name[:64], action="restore")
    run_in_transaction(backend, False, note)


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise invalid("database", "an in-memory database cannot be backed up")
    return path


def _sqlite_copy(source: str | Path, target: Path) -> None:
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _mysql_dump(url: URL, target: Path) -> None:
    dump = _tool("mariadb-dump", "mysqldump")
    args = [dump, *_client_args(url), "--single-transaction", "--routines", "--triggers",
            "--hex-blob", "--no-tablespaces", "--skip-comments", url.database or ""]
    with target.open("wb") as out:
        out.write(f"{_DUMP_MARK} of {url.database} at {datetime.now():%Y-%m-%d %H:%M}\n"
                  .encode())
        out.flush()
        done = subprocess.run(args, stdout=out, stderr=subprocess.PIPE,
                              env=_client_env(url), check=False)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise Unavailable(f"the backup failed: {done.stderr.decode(errors='replace')[:300]}")


def _mysql_load(url: URL, source: Path) -> None:
    client = _tool("mariadb", "mysql")
    with source.open("rb") as f:
        done = subprocess.run([client, *_client_args(url), url.database or ""], stdin=f,
                              stderr=subprocess.PIPE, env=_client_env(url), check=False)
    if done.returncode != 0:
        raise Unavailable(f"the restore failed: {done.stderr.decode(errors='replace')[:300]}")

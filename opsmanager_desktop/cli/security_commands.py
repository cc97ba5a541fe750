"""db grants / backup / restore / check: added to the `db` command of admin_commands."""

from __future__ import annotations

import argparse
from typing import Any

from opsmanager_desktop.cli.app import CliApp, render_table
from opsmanager_desktop.config import ENV_PASSWORD
from opsmanager_desktop.db.security import procedures
from opsmanager_desktop.db.security.grants import apply_plan, build_plan
from opsmanager_desktop.db.security.options import DEFAULT_NAMESPACE, check_namespace
from opsmanager_desktop.domain.errors import Conflict, PermissionDenied, invalid
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services import auth, backup, ledger_check


def _db_subcommands(commands: Any) -> Any:
    db = commands.choices["db"]
    for action in db._actions:  # argparse keeps no public handle on a parser's subparsers
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the db command has no subcommands")


def register(commands: Any) -> None:
    db_cmds = _db_subcommands(commands)
    grants = db_cmds.add_parser(
        "grants", help="print the database roles and GRANTs derived from the permission "
        "matrix; --apply runs them (MySQL/MariaDB, with a DBA's connection)")
    grants.add_argument("--apply", action="store_true", help="run the statements")
    grants.add_argument("--namespace", default=None,
                        help=f"prefix of roles and accounts (default {DEFAULT_NAMESPACE})")
    grants.add_argument("--require-tls", action="store_true",
                        help="officers' accounts may only connect over TLS")
    grants.add_argument("--mysql8", action="store_true",
                        help="print MySQL 8 syntax (default: MariaDB)")
    grants.set_defaults(handler=db_grants)
    out = db_cmds.add_parser("backup", help="back up the whole database (admin)")
    out.add_argument("--out", required=True, help="the backup file to write")
    out.set_defaults(handler=db_backup)
    back = db_cmds.add_parser("restore", help="replace the database with a backup (admin)")
    back.add_argument("file")
    back.set_defaults(handler=db_restore)
    check = db_cmds.add_parser(
        "check", help="check every invariant of the ledger, read-only (admin, accounts "
        "officer): exit 0 when it holds, 5 with the problems and their accounts listed",
        description="Reads every payment, bill, account and statement and changes nothing. "
        "Exit 0: every invariant holds; exit 5: problems, each with its invariant, account, "
        "reference (a bill, a statement, or a payment as CHANNEL REFERENCE), found and "
        "expected. JSON: {ok, checked: {accounts, bills, payments, allocations, "
        "statements}, seconds, problems: [{invariant, account_no, reference, found, "
        "expected}], accounts_with_problems, invariants: [{invariant, rule, problems}]}.")
    check.add_argument("--limit", type=int, default=ledger_check.LIMIT,
                       help=f"problems listed per invariant, all counted (default "
                       f"{ledger_check.LIMIT})")
    check.set_defaults(handler=db_check)


def db_grants(app: CliApp, args: argparse.Namespace) -> int:
    namespace = check_namespace(args.namespace or DEFAULT_NAMESPACE)
    if not args.apply:
        # reading the plan needs no sign-in: it is derived from the code
        from opsmanager_desktop.config import resolve_db_url
        from opsmanager_desktop.db.security.options import split_url

        url, _options = split_url(resolve_db_url(args.db))
        database = url.rsplit("/", 1)[-1].split("?", 1)[0] or "opsmanager"
        plan = build_plan(namespace, database, mariadb=not args.mysql8,
                          require_tls=args.require_tls)
        print(plan.script(), end="")
        return 0
    backend = app.backend
    if not backend.is_mysql:
        raise invalid("database", "database roles are for MySQL/MariaDB; a SQLite file is "
                      "protected by its file permissions")
    if backend.login is not None:
        raise PermissionDenied("apply the grants with a DBA's connection (--db with a user "
                               "allowed to create roles and users), not an officer's account")
    token = app.token()
    auth.require_permission(backend, token, Permission.SETTINGS_MANAGE)
    auth.require_permission(backend, token, Permission.USERS_MANAGE)
    me = auth.whoami(backend, token)
    database = backend.engine.url.database or ""
    mariadb = bool(getattr(backend.engine.dialect, "is_mariadb", False))
    plan = build_plan(namespace, database, mariadb=mariadb, require_tls=args.require_tls)
    raw = backend.engine.raw_connection()
    try:
        count = apply_plan(raw, plan)
        # the administrator applying it gets their own account with the password they
        # signed in with, so they can sign in as themselves from now on
        password = app.secret(ENV_PASSWORD, f"Password of {me.username} (for the database "
                              "account): ")
        cursor = raw.cursor()
        cursor.execute(f"CALL `{procedures.procedure_name(namespace, procedures.ENSURE)}`"
                       "(%s, %s, %s)", (me.username, password, me.role.value))
        cursor.close()
        raw.commit()
    finally:
        raw.close()
    app.emit({"namespace": namespace, "database": database, "statements": count,
              "admin_account": f"{namespace}.{me.username}"},
             f"{count} statements applied to {database} (namespace {namespace}); database "
             f"account {namespace}.{me.username} ready. Other users get theirs when their "
             "password is next set (users reset-password NAME).")
    return 0


def db_backup(app: CliApp, args: argparse.Namespace) -> int:
    result = backup.backup(app.backend, app.token(), args.out)
    app.emit(result, f"Backup written to {result.path} ({result.size:,} bytes).")
    return 0


def db_restore(app: CliApp, args: argparse.Namespace) -> int:
    backup.restore(app.backend, app.token(), args.file)
    app.emit({"restored": args.file}, f"Database restored from {args.file}.")
    return 0


def db_check(app: CliApp, args: argparse.Namespace) -> int:
    result = ledger_check.check_ledger(app.backend, app.token(), args.limit)
    checked = {"accounts": result.accounts, "bills": result.bills,
               "payments": result.payments, "allocations": result.allocations,
               "statements": result.statements}
    data = {"ok": result.ok, "checked": checked, "seconds": result.seconds,
            "problems": result.problems, "accounts_with_problems": result.accounts_named,
            "invariants": result.invariants}
    figures = (f"{result.accounts:,} accounts, {result.bills:,} bills, {result.payments:,} "
               f"payments ({result.allocations:,} allocation rows), {result.statements:,} "
               f"statements; {len(result.invariants)} invariants in {result.seconds:.2f} s")
    if result.ok:
        app.emit(data, f"OK: the ledger holds. Checked {figures}.")
        return 0
    broken = [i for i in result.invariants if i.problems]
    lines = [f"The ledger is out of step: {result.problem_count:,} problems of "
             f"{len(broken)} invariants, accounts {', '.join(result.accounts_named)}.",
             render_table([{"invariant": p.invariant, "account_no": p.account_no,
                            "reference": p.reference, "found": p.found,
                            "expected": p.expected} for p in result.problems])]
    lines += [f"{i.invariant}: {i.problems:,} problems, the first {result.limit} listed "
              f"({i.rule})" for i in broken if i.problems > result.limit]
    lines.append(f"Checked {figures}. Nothing was changed.")
    app.emit(data, "\n".join(lines))
    return Conflict.exit_code  # the data clashes with its own rules: exit 5, a conflict

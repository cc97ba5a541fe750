"""db and users commands."""

from __future__ import annotations

import argparse
from typing import Any

from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.config import ENV_NEW_PASSWORD, ENV_PASSWORD
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import auth, users
from opsmanager_desktop.services.listing import ListQuery


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="create or upgrade the database")
    db_cmds = db.add_subparsers(dest="db_command", required=True)
    init = db_cmds.add_parser("init", help="create or upgrade the schema; first admin")
    init.add_argument("--admin", required=True, help="user name of the first administrator")
    init.set_defaults(handler=db_init)
    up = db_cmds.add_parser("upgrade", help="run pending migrations (admin)")
    up.set_defaults(handler=db_upgrade)

    user_parser = commands.add_parser("users", help="user accounts (admin)")
    user_cmds = user_parser.add_subparsers(dest="users_command", required=True)
    add = user_cmds.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--customer", help="account number a consumer is linked to")
    add.add_argument("--full-name", default="")
    add.add_argument("--email", default="")
    add.set_defaults(handler=users_add)
    lst = user_cmds.add_parser("list", help="list users")
    lst.add_argument("--role", choices=[r.value for r in Role])
    lst.add_argument("--search", default="")
    lst.set_defaults(handler=users_list)
    role = user_cmds.add_parser("set-role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("--role", required=True, choices=[r.value for r in Role])
    role.add_argument("--customer")
    role.set_defaults(handler=users_set_role)
    for verb, active in (("disable", False), ("enable", True)):
        p = user_cmds.add_parser(verb, help=f"{verb} a user")
        p.add_argument("name")
        p.set_defaults(handler=users_set_active, active=active)
    reset = user_cmds.add_parser(
        "reset-password", help="temporary password (OPSMANAGER_NEW_PASSWORD or prompt); "
        "the user must change it at the next sign-in")
    reset.add_argument("name")
    reset.set_defaults(handler=users_reset_password)


def db_init(app: CliApp, args: argparse.Namespace) -> int:
    upgrade(app.backend.engine)
    if auth.has_users(app.backend):
        app.emit({"schema": "up to date", "admin": None},
                 "Schema is up to date; users already exist, no admin created.")
        return 0
    password = app.secret(ENV_PASSWORD, f"Password for the new admin {args.admin}: ")
    user_id = auth.create_first_admin(app.backend, args.admin, password)
    app.emit({"schema": "up to date", "admin": args.admin, "user_id": user_id},
             f"Schema created; administrator {args.admin!r} added.")
    return 0


def db_upgrade(app: CliApp, args: argparse.Namespace) -> int:
    auth.require_permission(app.backend, app.token(), Permission.SETTINGS_MANAGE)
    upgrade(app.backend.engine)
    app.emit({"schema": "up to date"}, "Schema is up to date.")
    return 0


def users_add(app: CliApp, args: argparse.Namespace) -> int:
    token = app.token()
    password = app.secret(ENV_NEW_PASSWORD, f"Password for {args.name}: ")
    row = users.add_user(app.backend, token, args.name, Role(args.role), password,
                         full_name=args.full_name, email=args.email, account_no=args.customer)
    app.emit(row, f"User {row.username!r} added as {row.role.label}.")
    return 0


def users_list(app: CliApp, args: argparse.Namespace) -> int:
    filters = {"role": args.role} if args.role else None
    page = users.list_users(app.backend, app.token(),
                            ListQuery(search=args.search, sort="username", limit=5000,
                                      filters=filters))
    app.emit([{"username": r.username, "full_name": r.full_name, "role": r.role,
               "active": r.is_active, "customer": r.account_no} for r in page.rows])
    return 0


def users_set_role(app: CliApp, args: argparse.Namespace) -> int:
    row = users.update_user(app.backend, app.token(), args.name, role=Role(args.role),
                            account_no=args.customer)
    app.emit(row, f"User {row.username!r} is now {row.role.label}.")
    return 0


def users_set_active(app: CliApp, args: argparse.Namespace) -> int:
    row = users.update_user(app.backend, app.token(), args.name, is_active=args.active)
    app.emit(row, f"User {row.username!r} {'enabled' if row.is_active else 'disabled'}.")
    return 0


def users_reset_password(app: CliApp, args: argparse.Namespace) -> int:
    password = app.secret(ENV_NEW_PASSWORD, f"Temporary password for {args.name}: ")
    users.reset_password(app.backend, app.token(), args.name, password)
    app.emit({"username": args.name, "must_change_password": True},
             f"Password of {args.name!r} reset; it must be changed at the next sign-in.")
    return 0

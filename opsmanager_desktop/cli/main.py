"""Entry point: global options, command dispatch, exit codes 0-5, no tracebacks for 2-5."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from opsmanager_desktop import __version__
from opsmanager_desktop.cli import registry
from opsmanager_desktop.cli.app import CliApp
from opsmanager_desktop.config import resolve_db_url
from opsmanager_desktop.domain.errors import OpsError, ValidationError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits 2 on bad usage already; keep its code, add a hint
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="opsmanager", description="Ops Manager Desktop")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--db", help="database URL (else OPSMANAGER_DB, else the local file)")
    parser.add_argument("--user", help="user name (else OPSMANAGER_USER)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    for module in registry.command_modules():
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from opsmanager_desktop.gui.launch import launch_gui

        return int(launch_gui(args.db))
    app = CliApp(args, lambda: _backend(args))
    try:
        handler = args.handler
        code = handler(app, args)
        return int(code or 0)
    except ValidationError as exc:
        for problem in exc.problems[:200]:
            sys.stderr.write(f"error: {problem}\n")
        if len(exc.problems) > 200:
            sys.stderr.write(f"error: ... and {len(exc.problems) - 200} more\n")
        return exc.exit_code
    except OpsError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    finally:
        if app._backend is not None:
            app._backend.dispose()


def _backend(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from opsmanager_desktop.bootstrap import make_backend

    return make_backend(resolve_db_url(args.db))


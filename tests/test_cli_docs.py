"""docs/cli.md is generated from the parser; it must name every command the program has."""

from __future__ import annotations

import argparse
from pathlib import Path

from opsmanager_desktop.cli.docgen import _subparsers
from opsmanager_desktop.cli.main import build_parser

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _leaves(parser: argparse.ArgumentParser, path: list[str]) -> list[str]:
    children = _subparsers(parser)
    if path and not children:
        return [" ".join(path)]
    return [leaf for name, child in children.items() for leaf in _leaves(child, [*path, name])]


def test_every_command_is_in_the_reference() -> None:
    text = DOC.read_text(encoding="utf-8")
    leaves = _leaves(build_parser(), [])
    assert "disconnection rules set" in leaves  # commands nest more than two deep
    for leaf in leaves:
        heading = f"## `opsmanager {leaf}`"
        assert heading in text, f"{heading} missing: run python -m opsmanager_desktop.cli.docgen"


def test_contract_commands_exist() -> None:
    """docs/design.md section 4's table, command by command."""
    parser = build_parser()
    top = _subparsers(parser)
    expected = {
        "db": {"init", "upgrade", "check"}, "users": {"add"}, "utilities": {"add"},
        "tariffs": {"add", "import"}, "connections": {"set-load"}, "cycles": {"open"},
        "customers": {"import"}, "readings": {"import", "approve", "reject"},
        "billing": {"run"}, "bills": {"issue", "mark-overdue", "list", "print"},
        "payments": {"record", "import", "reverse"}, "reports": {"revenue", "consumption"},
    }
    for command, subs in expected.items():
        assert command in top, command
        assert subs <= set(_subparsers(top[command])), (command, subs)
    assert {"dues", "export"} <= set(top)

"""docs/cli.md is generated from the parser; it must name every command the program has."""

from __future__ import annotations

from pathlib import Path

from opsmanager_desktop.cli.docgen import _subparsers
from opsmanager_desktop.cli.main import build_parser

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_every_command_is_in_the_reference() -> None:
    text = DOC.read_text(encoding="utf-8")
    parser = build_parser()
    for name, child in _subparsers(parser).items():
        subs = _subparsers(child)
        for sub in subs or [""]:
            heading = f"## `opsmanager {name}{' ' + sub if sub else ''}`"
            assert heading in text, f"{heading} missing: run python -m opsmanager_desktop.cli.docgen"


def test_contract_commands_exist() -> None:
    """DESIGN.md section 4's table, command by command."""
    parser = build_parser()
    top = _subparsers(parser)
    expected = {
        "db": {"init", "upgrade"}, "users": {"add"}, "utilities": {"add"},
        "tariffs": {"add", "import"}, "connections": {"set-load"}, "cycles": {"open"},
        "customers": {"import"}, "readings": {"import", "approve", "reject"},
        "billing": {"run"}, "bills": {"issue", "mark-overdue", "list", "print"},
        "payments": {"record", "import", "reverse"}, "reports": {"revenue", "consumption"},
    }
    for command, subs in expected.items():
        assert command in top, command
        assert subs <= set(_subparsers(top[command])), (command, subs)
    assert {"dues", "export"} <= set(top)

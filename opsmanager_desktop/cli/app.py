"""What every command handler gets: the backend, a lazily signed-in token, output helpers."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from opsmanager_desktop.config import ENV_PASSWORD, ENV_USER
from opsmanager_desktop.domain.errors import NotSignedIn, invalid
from opsmanager_desktop.services import auth
from opsmanager_desktop.services.backend import Backend


def to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: to_jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


@dataclass
class CliApp:
    args: argparse.Namespace
    backend_factory: Any
    _backend: Backend | None = None
    _token: str | None = None
    progress_enabled: bool = field(default_factory=lambda: sys.stderr.isatty())

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = self.backend_factory()
        return self._backend

    @property
    def json(self) -> bool:
        return bool(self.args.json)

    def token(self) -> str:
        if self._token is None:
            username = self.args.user or os.environ.get(ENV_USER)
            if not username:
                raise NotSignedIn("sign in with --user NAME (or OPSMANAGER_USER) and the "
                                  "password in OPSMANAGER_PASSWORD or at the prompt")
            password = os.environ.get(ENV_PASSWORD)
            if password is None:
                if not sys.stdin.isatty():
                    raise NotSignedIn("no password: set OPSMANAGER_PASSWORD or run in a "
                                      "terminal to be asked for it")
                password = getpass.getpass(f"Password for {username}: ")
            self._token = auth.sign_in(self.backend, username, password).token
        return self._token

    def secret(self, env_name: str, prompt: str) -> str:
        value = os.environ.get(env_name)
        if value is not None:
            return value
        if not sys.stdin.isatty():
            raise invalid("password", f"set {env_name} or run in a terminal to be asked")
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise invalid("password", "the two entries differ")
        return first

    def progress(self, done: int, total: int, label: str = "") -> None:
        if self.progress_enabled and total:
            pct = 100 * done // total
            sys.stderr.write(f"\r{label} {done:,}/{total:,} ({pct}%)")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def emit(self, data: Any, text: str | None = None) -> None:
        """--json prints the data; otherwise `text` (or a readable rendering of the data)."""
        if self.json:
            print(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False))
        elif text is not None:
            print(text)
        else:
            print(render_text(to_jsonable(data)))


def render_text(data: Any) -> str:
    if isinstance(data, list):
        if not data:
            return "(nothing)"
        if all(isinstance(r, dict) for r in data):
            return render_table(data)
        return "\n".join(str(r) for r in data)
    if isinstance(data, dict):
        width = max((len(k) for k in data), default=0)
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in data.items())
    return str(data)


def render_table(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)

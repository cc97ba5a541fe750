"""Reference-data codes (utility types, tariff plans): one spelling rule and one case rule.

Codes are normalised before they are stored or looked up, so `DOM-1` and `dom-1` are the
same plan on SQLite (case-sensitive) and on MySQL (case-insensitive collation) alike.
"""

from __future__ import annotations

import re

from opsmanager_desktop.domain.errors import FieldProblem

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CODE_MAX = 32


def code_problems(field: str, text: object) -> list[FieldProblem]:
    if not isinstance(text, str) or not text.strip():
        return [FieldProblem(field, "is required")]
    value = text.strip()
    if len(value) > CODE_MAX:
        return [FieldProblem(field, f"may have at most {CODE_MAX} characters")]
    if not _CODE.match(value):
        return [FieldProblem(field, f"{value!r} is not a code: use letters, digits, '.', '_' "
                             "or '-', starting with a letter or digit")]
    return []


def utility_code(text: str) -> str:
    """Utility codes are lower case: electricity, water."""
    return text.strip().lower()


def plan_code(text: str) -> str:
    """Tariff plan codes are upper case: DOM-1, COM-2."""
    return text.strip().upper()

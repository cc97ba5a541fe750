"""Quoting and the SQL that names the signed-in officer, shared by the generated objects."""

from __future__ import annotations

import re

_IDENT = re.compile(r"^[A-Za-z0-9_.$-]{1,80}$")


def ident(name: str) -> str:
    """A MySQL identifier in backquotes. Names here come from our own tables, roles and
    the namespace pattern; anything else is refused rather than escaped."""
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL name: {name!r}")
    return f"`{name}`"


def literal(text: str) -> str:
    """A string literal for generated DDL (names and fixed messages only, never input)."""
    if not re.match(r"^[A-Za-z0-9_.,:;()/ '@%-]*$", text):
        raise ValueError(f"not a safe SQL literal: {text!r}")
    return "'" + text.replace("'", "''") + "'"


def login_username(namespace: str) -> str:
    """SQL: the program user name of the connected account (`opsm.alice` -> `alice`), or
    NULL for an account outside the namespace. USER() is the login of the session even
    inside a view or trigger that runs with its definer's rights."""
    prefix = f"{namespace}."
    login = "SUBSTRING_INDEX(USER(), '@', 1)"
    return (f"IF(LEFT({login}, {len(prefix)}) = {literal(prefix)}, "
            f"SUBSTRING({login}, {len(prefix) + 1}), NULL)")

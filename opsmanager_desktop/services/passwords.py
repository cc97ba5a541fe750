from __future__ import annotations

import bcrypt

from opsmanager_desktop.domain.passwords import check_password_policy

# cost 12 in production; tests lower it through set_rounds to stay quick
_ROUNDS = [12]


def set_rounds(rounds: int) -> None:
    _ROUNDS[0] = rounds


def hash_password(password: str) -> str:
    check_password_policy(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_ROUNDS[0])).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    encoded = password.encode("utf-8")
    if len(encoded) > 72:
        return False
    try:
        return bcrypt.checkpw(encoded, hashed.encode("ascii"))
    except ValueError:
        return False

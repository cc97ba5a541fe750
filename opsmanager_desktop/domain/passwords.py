"""Password policy: what a password must be before it is hashed."""

from __future__ import annotations

from opsmanager_desktop.domain.errors import invalid

MIN_LENGTH = 10
BCRYPT_MAX_BYTES = 72


def check_password_policy(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise invalid(field, f"must be at least {MIN_LENGTH} characters long")
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        raise invalid(
            field,
            f"is longer than {BCRYPT_MAX_BYTES} bytes in UTF-8 (bcrypt's limit); "
            "use a shorter password",
        )
    if password != password.strip():
        raise invalid(field, "must not start or end with spaces")

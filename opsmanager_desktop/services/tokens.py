"""Signed, expiring session tokens (JWT, HS256 only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from opsmanager_desktop.domain.errors import NotSignedIn

ALGORITHM = "HS256"
_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    session_id: str
    username: str
    expires_at: datetime


def issue_token(key: bytes, *, user_id: int, session_id: str, username: str,
                issued_at: datetime, expires_at: datetime) -> str:
    payload = {
        "sub": str(user_id),
        "sid": session_id,
        "name": username,
        "iat": int(issued_at.replace(tzinfo=UTC).timestamp()),
        "exp": int(expires_at.replace(tzinfo=UTC).timestamp()),
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def decode_token(key: bytes, token: str, now: datetime) -> TokenClaims:
    try:
        payload = jwt.decode(
            token, key, algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "sid"], "verify_exp": False,
                     "verify_iat": False})
    except jwt.PyJWTError:
        raise NotSignedIn("your session is not valid; please sign in again") from None
    # expiry and issue time are checked against the backend's clock (tests move time),
    # not the wall clock
    expires_at = datetime.fromtimestamp(int(payload["exp"]), UTC).replace(tzinfo=None)
    if expires_at <= now:
        raise NotSignedIn("your session has expired; please sign in again")
    issued_at = datetime.fromtimestamp(int(payload["iat"]), UTC).replace(tzinfo=None)
    if issued_at > now + _CLOCK_SKEW:
        raise NotSignedIn("your session is not valid; please sign in again")
    return TokenClaims(int(payload["sub"]), str(payload["sid"]), str(payload.get("name", "")),
                       expires_at)

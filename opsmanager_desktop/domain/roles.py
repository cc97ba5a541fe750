from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    BILLING_OFFICER = "billing_officer"
    ACCOUNTS_OFFICER = "accounts_officer"
    SUPERVISOR = "supervisor"
    FIELD_OFFICER = "field_officer"
    SUPPORT_AGENT = "support_agent"
    CONSUMER = "consumer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()

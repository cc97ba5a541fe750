"""complaints and support tickets

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Hand-written (issue 6 areas each own one revision; see docs/decisions.md).
"""
from __future__ import annotations

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

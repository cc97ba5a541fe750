"""field records

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Hand-written (issue 6 areas each own one revision; see docs/decisions.md).
"""
from __future__ import annotations

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

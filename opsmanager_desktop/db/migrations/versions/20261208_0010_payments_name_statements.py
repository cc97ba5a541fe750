"""payments name statements

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08

Hand-written from autogen (docs/decisions.md 28). A payment may name an account statement
instead of a bill (issue 13, docs/decisions.md 44): `payments.statement_id` records it, as
`bill_id` records a named bill.

On SQLite the batch copies the payments table, which drops its append-only triggers
(revision 0002); they are read before and created again after, unchanged.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _sqlite_triggers() -> list[str]:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return []
    return [r[0] for r in bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'payments'"))]


def _restore(triggers: list[str]) -> None:
    for sql in triggers:
        op.execute(sql)


def upgrade() -> None:
    triggers = _sqlite_triggers()
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statement_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payments_statement_id_statements'),
                                    'statements', ['statement_id'], ['id'])
    _restore(triggers)


def downgrade() -> None:
    triggers = _sqlite_triggers()
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_statement_id_statements'),
                                 type_='foreignkey')
        batch_op.drop_column('statement_id')
    _restore(triggers)

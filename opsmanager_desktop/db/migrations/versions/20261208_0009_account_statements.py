"""account statements

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

Hand-written from autogen (docs/decisions.md 28). One statement per account per cycle
issue (issue 13): the account summary above its per-connection bills, which point at it.
Bills issued before this revision keep no statement; their accounts' first statement
brings their balance forward (docs/decisions.md 41).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import opsmanager_desktop.db.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_no', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('bills', sa.Integer(), nullable=False),
    sa.Column('previous_balance', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('payments', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('reversals', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('adjustments', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('current_charges', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('total_due', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('billed_to_date', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('adjusted_to_date', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('received_to_date', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('reversed_to_date', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_statements_customer_id_customers')),
    sa.ForeignKeyConstraint(['cycle_id'], ['billing_cycles.id'], name=op.f('fk_statements_cycle_id_billing_cycles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('customer_id', 'cycle_id', 'seq', name=op.f('uq_statements_customer_id_cycle_id_seq')),
    sa.UniqueConstraint('statement_no', name=op.f('uq_statements_statement_no')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index('ix_statements_cycle_customer', ['cycle_id', 'customer_id'], unique=False)

    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statement_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_bills_statement_id'), ['statement_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bills_statement_id_statements'), 'statements', ['statement_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bills_statement_id_statements'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bills_statement_id'))
        batch_op.drop_column('statement_id')

    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index('ix_statements_cycle_customer')

    op.drop_table('statements')

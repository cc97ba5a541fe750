"""teams and account charges

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Teams of staff (field crews, support queues); a person is in at most one team.
Account charges: debits raised outside billing (penalties, fees), pending until a bill.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import opsmanager_desktop.db.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('code', name=op.f('uq_teams_code')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('team_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_members_team_id_teams')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_members_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_team_members')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_members_team_id'), ['team_id'], unique=False)

    op.create_table('account_charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('amount', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_ref', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], name=op.f('fk_account_charges_bill_id_bills')),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_account_charges_connection_id_connections')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_account_charges_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_charges')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('account_charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_charges_bill_id'), ['bill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_charges_connection_id'), ['connection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_charges_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    op.drop_table('account_charges')
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_members_team_id'))
    op.drop_table('team_members')
    op.drop_table('teams')

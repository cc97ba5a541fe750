"""disconnection and reconnection

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Disconnection rules (versioned), lists for a date with their entries, field tickets.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import opsmanager_desktop.db.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disconnection_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('min_outstanding', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('min_days_overdue', sa.Integer(), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('exclude_open_complaints', sa.Boolean(), nullable=False),
    sa.Column('reconnection_fee', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disconnection_rules')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('disconnection_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rules_id', sa.Integer(), nullable=True),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('total_outstanding', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rules_id'], ['disconnection_rules.id'], name=op.f('fk_disconnection_lists_rules_id_disconnection_rules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disconnection_lists')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('disconnection_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disconnection_lists_list_date'), ['list_date'], unique=False)

    op.create_table('disconnection_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('outstanding', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('oldest_due', sa.Date(), nullable=False),
    sa.Column('transformer_code', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_disconnection_entries_connection_id_connections')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_disconnection_entries_customer_id_customers')),
    sa.ForeignKeyConstraint(['list_id'], ['disconnection_lists.id'], name=op.f('fk_disconnection_entries_list_id_disconnection_lists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disconnection_entries')),
    sa.UniqueConstraint('list_id', 'connection_id', name=op.f('uq_disconnection_entries_list_id_connection_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('disconnection_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disconnection_entries_connection_id'), ['connection_id'], unique=False)

    op.create_table('disconnection_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=True),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('open_connection_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('outstanding', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('fee', opsmanager_desktop.db.types.ScaledDecimal(14, 2), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('executed_by', sa.String(length=64), nullable=True),
    sa.Column('executed_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_disconnection_tickets_connection_id_connections')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_disconnection_tickets_customer_id_customers')),
    sa.ForeignKeyConstraint(['list_id'], ['disconnection_lists.id'], name=op.f('fk_disconnection_tickets_list_id_disconnection_lists')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_disconnection_tickets_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disconnection_tickets')),
    sa.UniqueConstraint('kind', 'open_connection_id', name='uq_disconnection_tickets_open'),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('disconnection_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disconnection_tickets_connection_id'), ['connection_id'], unique=False)
        batch_op.create_index('ix_disconnection_tickets_executed', ['executed_by', 'executed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_disconnection_tickets_list_id'), ['list_id'], unique=False)
        batch_op.create_index('ix_disconnection_tickets_status_kind', ['status', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_disconnection_tickets_team_id'), ['team_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('disconnection_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disconnection_tickets_team_id'))
        batch_op.drop_index('ix_disconnection_tickets_status_kind')
        batch_op.drop_index(batch_op.f('ix_disconnection_tickets_list_id'))
        batch_op.drop_index('ix_disconnection_tickets_executed')
        batch_op.drop_index(batch_op.f('ix_disconnection_tickets_connection_id'))

    op.drop_table('disconnection_tickets')
    with op.batch_alter_table('disconnection_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disconnection_entries_connection_id'))

    op.drop_table('disconnection_entries')
    with op.batch_alter_table('disconnection_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disconnection_lists_list_date'))

    op.drop_table('disconnection_lists')
    op.drop_table('disconnection_rules')

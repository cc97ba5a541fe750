"""notifications

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Hand-written (issue 6 areas each own one revision; see docs/decisions.md).
Message templates (the built-in defaults in domain/notifications.py apply until an admin
saves one), customers' contact preferences, and the outbox the dispatcher sends from.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_ci",
          "mysql_engine": "InnoDB"}


def upgrade() -> None:
    op.create_table(
        'notification_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_templates')),
        sa.UniqueConstraint('code', 'channel', name='uq_notification_templates_code_channel'),
        **_MYSQL)
    op.create_table(
        'contact_preferences',
        sa.Column('customer_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('opted_out', sa.Boolean(), nullable=False),
        sa.Column('opted_out_on', sa.Date(), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_contact_preferences_customer_id_customers')),
        sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_contact_preferences')),
        **_MYSQL)
    op.create_table(
        'notification_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('template', sa.String(length=32), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('bill_id', sa.Integer(), nullable=True),
        sa.Column('values_json', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('claim', sa.String(length=36), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('queued_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['bill_id'], ['bills.id'],
                                name=op.f('fk_notification_outbox_bill_id_bills')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_notification_outbox_customer_id_customers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_outbox')),
        **_MYSQL)
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_outbox_bill_id'), ['bill_id'],
                              unique=False)
        batch_op.create_index('ix_notification_outbox_claim', ['claim'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_outbox_customer_id'),
                              ['customer_id'], unique=False)
        batch_op.create_index('ix_notification_outbox_status_next',
                              ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_outbox_status_next')
        batch_op.drop_index(batch_op.f('ix_notification_outbox_customer_id'))
        batch_op.drop_index('ix_notification_outbox_claim')
        batch_op.drop_index(batch_op.f('ix_notification_outbox_bill_id'))
    op.drop_table('notification_outbox')
    op.drop_table('contact_preferences')
    op.drop_table('notification_templates')

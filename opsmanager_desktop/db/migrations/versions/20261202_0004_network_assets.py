"""network assets

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Substations, distribution transformers, their maintenance schedules and logs, and the
readings of each transformer's own meter (db/models/assets.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opsmanager_desktop.db.types import ScaledDecimal

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('substations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('location', sa.String(length=160), nullable=False),
    sa.Column('latitude', ScaledDecimal(10, 6), nullable=True),
    sa.Column('longitude', ScaledDecimal(10, 6), nullable=True),
    sa.Column('capacity_kva', ScaledDecimal(14, 3), nullable=False),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_substations')),
    sa.UniqueConstraint('code', name=op.f('uq_substations_code')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('transformers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('substation_id', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=160), nullable=False),
    sa.Column('latitude', ScaledDecimal(10, 6), nullable=True),
    sa.Column('longitude', ScaledDecimal(10, 6), nullable=True),
    sa.Column('capacity_kva', ScaledDecimal(14, 3), nullable=False),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['substation_id'], ['substations.id'], name=op.f('fk_transformers_substation_id_substations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transformers')),
    sa.UniqueConstraint('code', name=op.f('uq_transformers_code')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('transformers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transformers_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_transformers_substation_id'), ['substation_id'], unique=False)
    op.create_table('dt_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transformer_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('previous_reading', ScaledDecimal(14, 3), nullable=False),
    sa.Column('current_reading', ScaledDecimal(14, 3), nullable=False),
    sa.Column('units', ScaledDecimal(14, 3), nullable=False),
    sa.Column('read_at', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['billing_cycles.id'], name=op.f('fk_dt_readings_cycle_id_billing_cycles')),
    sa.ForeignKeyConstraint(['transformer_id'], ['transformers.id'], name=op.f('fk_dt_readings_transformer_id_transformers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dt_readings')),
    sa.UniqueConstraint('transformer_id', 'cycle_id', name=op.f('uq_dt_readings_transformer_id_cycle_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('dt_readings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dt_readings_cycle_id'), ['cycle_id'], unique=False)
    op.create_table('maintenance_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('substation_id', sa.Integer(), nullable=True),
    sa.Column('transformer_id', sa.Integer(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('work_done', sa.String(length=500), nullable=False),
    sa.Column('done_by', sa.String(length=64), nullable=False),
    sa.Column('next_due', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['substation_id'], ['substations.id'], name=op.f('fk_maintenance_logs_substation_id_substations')),
    sa.ForeignKeyConstraint(['transformer_id'], ['transformers.id'], name=op.f('fk_maintenance_logs_transformer_id_transformers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_logs')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('maintenance_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_logs_substation_id'), ['substation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_logs_transformer_id'), ['transformer_id'], unique=False)
    op.create_table('maintenance_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('substation_id', sa.Integer(), nullable=True),
    sa.Column('transformer_id', sa.Integer(), nullable=True),
    sa.Column('interval_months', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['substation_id'], ['substations.id'], name=op.f('fk_maintenance_schedules_substation_id_substations')),
    sa.ForeignKeyConstraint(['transformer_id'], ['transformers.id'], name=op.f('fk_maintenance_schedules_transformer_id_transformers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_schedules')),
    sa.UniqueConstraint('substation_id', name=op.f('uq_maintenance_schedules_substation_id')),
    sa.UniqueConstraint('transformer_id', name=op.f('uq_maintenance_schedules_transformer_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )


def downgrade() -> None:
    op.drop_table('maintenance_schedules')
    with op.batch_alter_table('maintenance_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_logs_transformer_id'))
        batch_op.drop_index(batch_op.f('ix_maintenance_logs_substation_id'))
    op.drop_table('maintenance_logs')
    with op.batch_alter_table('dt_readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dt_readings_cycle_id'))
    op.drop_table('dt_readings')
    with op.batch_alter_table('transformers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transformers_substation_id'))
        batch_op.drop_index(batch_op.f('ix_transformers_status'))
    op.drop_table('transformers')
    op.drop_table('substations')

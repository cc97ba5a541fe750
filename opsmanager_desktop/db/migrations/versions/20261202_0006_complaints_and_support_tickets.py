"""complaints and support tickets

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Hand-written (issue 6 areas each own one revision; see docs/decisions.md). Besides the
tables it seeds the default complaint categories (a frozen copy of
domain/complaints.DEFAULT_CATEGORIES as it was when this revision was written).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# code, name, due hours, billing complaint, [(sub-code, sub-name)]
_DEFAULTS = [
    ("BILLING", "Billing", 72, True, [("WRONG_BILL", "Wrong bill"),
                                      ("ESTIMATED_BILL", "Estimated bill"),
                                      ("PAYMENT_NOT_POSTED", "Payment not posted")]),
    ("SUPPLY", "Supply", 24, False, [("NO_POWER", "No power"),
                                     ("LOW_VOLTAGE", "Low voltage"),
                                     ("WATER_OUTAGE", "Water outage")]),
    ("METER", "Meter", 120, False, [("FAULTY_METER", "Faulty meter"),
                                    ("METER_NOT_READ", "Meter not read")]),
    ("SERVICE", "Service", 72, False, [("STAFF_CONDUCT", "Staff conduct"),
                                       ("DELAY", "Delay")]),
]


def _seed() -> None:
    categories = sa.table("complaint_categories", sa.column("id", sa.Integer),
                          sa.column("code", sa.String), sa.column("name", sa.String),
                          sa.column("due_hours", sa.Integer), sa.column("is_billing", sa.Boolean),
                          sa.column("is_active", sa.Boolean))
    subs = sa.table("complaint_subcategories", sa.column("category_id", sa.Integer),
                    sa.column("code", sa.String), sa.column("name", sa.String),
                    sa.column("is_active", sa.Boolean))
    op.bulk_insert(categories, [
        {"id": n, "code": code, "name": name, "due_hours": hours, "is_billing": billing,
         "is_active": True}
        for n, (code, name, hours, billing, _) in enumerate(_DEFAULTS, start=1)])
    op.bulk_insert(subs, [
        {"category_id": n, "code": code, "name": name, "is_active": True}
        for n, (*_, items) in enumerate(_DEFAULTS, start=1) for code, name in items])


def upgrade() -> None:
    op.create_table('complaint_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('due_hours', sa.Integer(), nullable=False),
    sa.Column('is_billing', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_categories')),
    sa.UniqueConstraint('code', name=op.f('uq_complaint_categories_code')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('complaint_subcategories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['complaint_categories.id'], name=op.f('fk_complaint_subcategories_category_id_complaint_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_subcategories')),
    sa.UniqueConstraint('category_id', 'code', name='uq_complaint_subcategories_code'),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('support_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('contact', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_support_tickets_customer_id_customers')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_support_tickets_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_tickets')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('support_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_tickets_assigned_to'), ['assigned_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_tickets_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_tickets_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_support_tickets_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_tickets_team_id'), ['team_id'], unique=False)
    op.create_table('support_ticket_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_support_ticket_history_team_id_teams')),
    sa.ForeignKeyConstraint(['ticket_id'], ['support_tickets.id'], name=op.f('fk_support_ticket_history_ticket_id_support_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_ticket_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('support_ticket_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_ticket_history_ticket_id'), ['ticket_id'], unique=False)
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('subcategory_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('logged_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('import_key', sa.String(length=190), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['complaint_categories.id'], name=op.f('fk_complaints_category_id_complaint_categories')),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_complaints_connection_id_connections')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_complaints_customer_id_customers')),
    sa.ForeignKeyConstraint(['subcategory_id'], ['complaint_subcategories.id'], name=op.f('fk_complaints_subcategory_id_complaint_subcategories')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_complaints_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('import_key', name=op.f('uq_complaints_import_key')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_assigned_to'), ['assigned_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_complaints_customer_status', ['customer_id', 'status'], unique=False)
        batch_op.create_index('ix_complaints_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_team_id'), ['team_id'], unique=False)
    op.create_table('complaint_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_history_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_complaint_history_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('complaint_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_history_complaint_id'), ['complaint_id'], unique=False)
    _seed()


def downgrade() -> None:
    with op.batch_alter_table('complaint_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_history_complaint_id'))
    op.drop_table('complaint_history')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_team_id'))
        batch_op.drop_index('ix_complaints_status_due')
        batch_op.drop_index('ix_complaints_customer_status')
        batch_op.drop_index(batch_op.f('ix_complaints_created_at'))
        batch_op.drop_index(batch_op.f('ix_complaints_category_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_assigned_to'))
    op.drop_table('complaints')
    with op.batch_alter_table('support_ticket_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_ticket_history_ticket_id'))
    op.drop_table('support_ticket_history')
    with op.batch_alter_table('support_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_tickets_team_id'))
        batch_op.drop_index('ix_support_tickets_status_due')
        batch_op.drop_index(batch_op.f('ix_support_tickets_customer_id'))
        batch_op.drop_index(batch_op.f('ix_support_tickets_created_at'))
        batch_op.drop_index(batch_op.f('ix_support_tickets_assigned_to'))
    op.drop_table('support_tickets')
    op.drop_table('complaint_subcategories')
    op.drop_table('complaint_categories')

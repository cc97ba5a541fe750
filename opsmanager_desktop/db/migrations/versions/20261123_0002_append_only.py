"""append-only money and audit tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Payments, their allocations and reversals, and the audit log are never changed or deleted:
corrections are new rows (reversals, adjustments). Triggers make the database refuse an
UPDATE or DELETE of them even from an account that holds the privilege, and on MySQL/MariaDB
every audit entry records the database login that wrote it (USER()): the real officer when
each officer has a database account (docs/security.md).

Written by hand (not derived from the models): 0001 is regenerated from the models until
the first release, this revision stays. A later SQLite "batch" migration that copies one
of these tables drops its triggers: re-create them there (tests/security checks they exist).
"""
from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# table -> what the refusal says (the "refused:" prefix lets the service layer raise a
# typed PermissionDenied for it)
GUARDED = {
    "audit_log": "refused: the audit log is append-only; entries are never changed or deleted",
    "payments": "refused: payments are never changed or deleted; reverse a payment instead",
    "payment_allocations": "refused: payment allocations are never changed or deleted; "
                           "a reversal adds rows",
    "payment_reversals": "refused: payment reversals are never changed or deleted",
}


def _mysql() -> bool:
    return op.get_bind().dialect.name in ("mysql", "mariadb")


def upgrade() -> None:
    mysql = _mysql()
    for table, message in GUARDED.items():
        quoted = message.replace("'", "''")
        for event in ("UPDATE", "DELETE"):
            name = f"{table}_no_{event.lower()}"
            if mysql:
                op.execute(f"CREATE TRIGGER `{name}` BEFORE {event} ON `{table}` FOR EACH ROW "
                           f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{quoted}'")
            else:
                op.execute(f'CREATE TRIGGER "{name}" BEFORE {event} ON "{table}" '
                           f"BEGIN SELECT RAISE(ABORT, '{quoted}'); END")
    if mysql:
        # the login that wrote the entry, whatever the program put there
        op.execute("CREATE TRIGGER `audit_log_db_user` BEFORE INSERT ON `audit_log` "
                   "FOR EACH ROW SET NEW.db_user = LEFT(USER(), 120)")


def downgrade() -> None:
    mysql = _mysql()
    names = [f"{t}_no_{e}" for t in GUARDED for e in ("update", "delete")]
    if mysql:
        names.append("audit_log_db_user")
    for name in names:
        op.execute(f"DROP TRIGGER IF EXISTS `{name}`" if mysql else
                   f'DROP TRIGGER IF EXISTS "{name}"')

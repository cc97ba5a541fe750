"""A cheap "has anything changed?" for tables that refresh by themselves.

Every write of the program adds an audit entry in its own transaction (services/core.py:
`ctx.audit`), so the newest audit id moves exactly when some workstation has changed
something. A table asks for it every few seconds (gui/auto_refresh.py) and reloads only
when it moved: one indexed MAX on the primary key, instead of re-reading its rows.
It reads the id column only: in per-officer database mode every officer role holds
SELECT on audit_log.id alone (db/security/privileges.py, PROFILE_SELF), not the entries.
"""

from __future__ import annotations

from sqlalchemy import func, select

from opsmanager_desktop.db.models import AuditEntry
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.core import Ctx, service


@service(Permission.PROFILE_SELF, readonly=True)
def latest_change(ctx: Ctx) -> int:
    """The id of the newest audit entry (0 when there is none). It only grows; what it
    counts is not meant for display (an officer without the audit log sees no entry)."""
    return int(ctx.session.scalar(select(func.max(AuditEntry.id))) or 0)

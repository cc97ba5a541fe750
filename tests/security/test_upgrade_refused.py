"""`db upgrade` run with an officer's own database login: a message naming the account to
use, not a driver error (docs/design.md 6: officers have no DDL rights)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.db.migrate import upgrade
from opsmanager_desktop.domain.errors import PermissionDenied
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import users
from tests.conftest import MYSQL_SERVER
from tests.helpers import PASSWORD
from tests.security.installation import Installation

pytestmark = pytest.mark.mysql


def test_an_officer_login_cannot_upgrade_the_schema(installation: Installation) -> None:
    admin_b, admin = installation.sign_in("admin")
    users.add_user(admin_b, admin, "bo_up", Role.BILLING_OFFICER, PASSWORD)
    server = make_url(MYSQL_SERVER)
    url = server.set(username=installation.account("bo_up"), password=PASSWORD,
                     database=installation.database)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(PermissionDenied, match="may not change the schema"):
            upgrade(engine)
    finally:
        engine.dispose()

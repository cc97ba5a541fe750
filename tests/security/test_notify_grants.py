"""Notifications in per-officer mode on MariaDB: every step runs on the officer's own
database account, so a GRANT missing from db/security/privileges.py fails here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.domain.tariff import Slab, Tariff
from opsmanager_desktop.services import (
    billing,
    bills,
    customers,
    cycles,
    notifications,
    notify_dispatch,
    notify_templates,
    readings,
    tariffs,
    users,
    utilities,
)
from opsmanager_desktop.services.connections import NewConnection
from tests.helpers import PASSWORD
from tests.notify_servers import SMS_KEY, Gateway
from tests.security.installation import Installation

pytestmark = pytest.mark.mysql
D = Decimal


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    monkeypatch.setenv("OPSMANAGER_SMS_API_KEY", SMS_KEY)
    gw = Gateway()
    gw.start()
    yield gw
    gw.stop()


def test_notifications_under_the_database_grants(installation: Installation,
                                                 gateway: Gateway) -> None:
    inst = installation
    admin_b, admin = inst.sign_in("admin")
    for name, role in (("bo", Role.BILLING_OFFICER), ("sup", Role.SUPERVISOR),
                       ("sa", Role.SUPPORT_AGENT)):
        users.add_user(admin_b, admin, name, role, PASSWORD)
    utilities.add_utility(admin_b, admin, "electricity", "Electricity", "kWh")
    tariffs.add_tariff(admin_b, admin, "DOM", "Domestic", "electricity",
                       Tariff.simple((Slab(None, D("5.00")),), D("50.00")), date(2020, 1, 1))
    cycles.open_cycle(admin_b, admin, "2026-10", 14)
    notify_templates.set_settings(admin_b, admin, {"notify.sms_url": gateway.url})
    notify_templates.set_template(admin_b, admin, "reconnection", "SMS",
                                  "{company}: {account_no} is back on.")

    bo_b, bo = inst.sign_in("bo")
    customers.create_customer(bo_b, bo, "A001", "Customer 1", phone="+2348000000001",
                              connection=NewConnection("electricity", "M1", "DOM", D("0"),
                                                         connected_on=date(2026, 10, 1)))
    notifications.set_preferences(bo_b, bo, "A001", channel="SMS")
    sup_b, sup = inst.sign_in("sup")
    assert notifications.remind_overdue(sup_b, sup) == 0
    # another area queues through notify.queue_notification inside its own service; here
    # the supervisor's connection (NOTIFICATIONS_SEND includes NOTIFY_QUEUE) stands in
    from opsmanager_desktop.services.notify import queue_notification

    with sup_b.sessions.begin() as s:
        queue_notification(s, "reconnection", 1, {})
    result = notify_dispatch.send_due(sup_b, sup)
    assert result.sent == 1 and gateway.received[0][0]["text"].endswith("A001 is back on.")
    assert notifications.retry_failed(sup_b, sup) == 0
    # issuing queues the account statement's message; sending renders it from the statement
    readings.enter_reading(bo_b, bo, "M1", "electricity", "2026-10", D(100),
                           date(2026, 10, 28))
    assert readings.approve_readings(sup_b, sup, "2026-10") == 1
    billing.run_billing(bo_b, bo, "2026-10")
    assert bills.issue_bills(bo_b, bo, "2026-10", date(2026, 11, 1)).statements == 1
    assert notify_dispatch.send_due(sup_b, sup).sent == 1
    assert "statement S202610-" in gateway.received[1][0]["text"]
    sa_b, sa = inst.sign_in("sa")
    issued, row = notifications.list_outbox(sa_b, sa).rows
    assert issued.statement_no is not None and issued.statement_no.startswith("S202610-")
    assert notifications.get_outbox_entry(sa_b, sa, row.id).message.endswith("back on.")
    assert len(notify_templates.list_templates(sa_b, sa)) == 10

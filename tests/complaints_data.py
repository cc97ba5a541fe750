"""A complaints desk for tests: default categories, two customer accounts with a meter
each, a supervisor, two support agents (one in team DESK), a field officer in team CREW,
a billing officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from opsmanager_desktop.db.models import Connection, Customer
from opsmanager_desktop.domain.roles import Role
from opsmanager_desktop.services import teams
from opsmanager_desktop.services.backend import Backend
from opsmanager_desktop.services.complaints import seed_default_categories
from tests.billing_data import add_connections, make_world
from tests.helpers import token_for

START = datetime(2026, 3, 2, 9, 0, 0)


@dataclass
class Desk:
    backend: Backend
    sup: str
    agent: str
    agent2: str
    field: str
    billing: str
    accounts: list[str]
    meters: list[str]

    def at(self, when: datetime) -> None:
        self.backend.clock = lambda: when


def make_desk(backend: Backend) -> Desk:
    backend.clock = lambda: START
    world = make_world(backend)
    ids = add_connections(world, [("DOM", None, "0"), ("DOM", None, "0")])
    with backend.sessions.begin() as s:
        seed_default_categories(s)
        rows = s.execute(select(Customer.account_no, Connection.meter_number)
                         .join(Connection, Connection.customer_id == Customer.id)
                         .where(Connection.id.in_(ids)).order_by(Connection.id)).all()
    sup = token_for(backend, Role.SUPERVISOR, "sup1")
    agent = token_for(backend, Role.SUPPORT_AGENT, "agent1")
    agent2 = token_for(backend, Role.SUPPORT_AGENT, "agent2")
    field = token_for(backend, Role.FIELD_OFFICER, "fo1")
    teams.add_team(backend, sup, "DESK", "Front desk", kind="SUPPORT")
    teams.add_team(backend, sup, "CREW", "Field crew 1", kind="FIELD")
    teams.set_team(backend, sup, "agent1", "DESK")
    teams.set_team(backend, sup, "fo1", "CREW")
    return Desk(backend, sup, agent, agent2, field, world.officer,
                [r[0] for r in rows], [r[1] for r in rows])

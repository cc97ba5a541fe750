"""Teams of staff: field crews and support queues that work is assigned to.

Supervisors and admins form teams and place people in them; every officer can read them
(assignment pickers). A person is in at most one team: placing them moves them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsmanager_desktop.db.models import Team, TeamMember, User
from opsmanager_desktop.domain.codes import code_problems
from opsmanager_desktop.domain.errors import Conflict, FieldProblem, NotFound, ValidationError
from opsmanager_desktop.domain.permissions import Permission
from opsmanager_desktop.services.audit import snapshot
from opsmanager_desktop.services.core import Ctx, service

TEAM_KINDS = ("FIELD", "SUPPORT", "OFFICE")
NAME_MAX = 80


@dataclass(frozen=True)
class TeamRow:
    id: int
    code: str
    name: str
    kind: str
    is_active: bool
    members: tuple[str, ...]


@dataclass(frozen=True)
class MemberRow:
    username: str
    full_name: str
    role: str
    team_code: str | None


def team_code(text: str) -> str:
    return text.strip().upper()


def team_by_code(session: Session, code: str) -> Team:
    """The team with this code (any case), or NotFound naming it."""
    team = session.scalars(select(Team).where(Team.code == team_code(code))).first()
    if team is None:
        raise NotFound(f"no team {code!r}; a supervisor adds it with `teams add CODE --name NAME`")
    return team


def team_of(session: Session, username: str) -> str | None:
    """The code of the team a person belongs to, or None."""
    return session.scalar(
        select(Team.code).join(TeamMember, TeamMember.team_id == Team.id)
        .join(User, User.id == TeamMember.user_id).where(User.username == username))


def team_members(session: Session, team_id: int) -> list[str]:
    return list(session.scalars(
        select(User.username).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team_id).order_by(User.username)))


def _row(session: Session, team: Team) -> TeamRow:
    return TeamRow(team.id, team.code, team.name, team.kind, team.is_active,
                   tuple(team_members(session, team.id)))


@service(Permission.TEAMS_MANAGE)
def add_team(ctx: Ctx, code: str, name: str, *, kind: str = "FIELD") -> TeamRow:
    problems = code_problems("code", code)
    if not name.strip():
        problems.append(FieldProblem("name", "is required"))
    elif len(name.strip()) > NAME_MAX:
        problems.append(FieldProblem("name", f"may have at most {NAME_MAX} characters"))
    if kind.upper() not in TEAM_KINDS:
        problems.append(FieldProblem("kind", f"must be one of {', '.join(TEAM_KINDS)}"))
    if problems:
        raise ValidationError(problems)
    code = team_code(code)
    if ctx.session.scalar(select(Team.id).where(Team.code == code)) is not None:
        raise Conflict(f"a team {code!r} already exists")
    team = Team(code=code, name=name.strip(), kind=kind.upper(), is_active=True)
    ctx.session.add(team)
    ctx.session.flush()
    ctx.audit("team", team.id, "create", after=snapshot(team))
    return _row(ctx.session, team)


@service(Permission.TEAMS_MANAGE)
def set_team(ctx: Ctx, username: str, code: str | None) -> MemberRow:
    """Place a person in a team (moving them from their old one), or take them out (None)."""
    user = ctx.session.scalars(select(User).where(User.username == username.strip())).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    if user.role == "consumer":
        raise ValidationError([FieldProblem("username", "a consumer cannot be in a staff team")])
    member = ctx.session.get(TeamMember, user.id)
    before = None if member is None else {"team_id": member.team_id}
    if code is None:
        if member is not None:
            ctx.session.delete(member)
    else:
        team = team_by_code(ctx.session, code)
        if not team.is_active:
            raise Conflict(f"team {team.code!r} is closed")
        if member is None:
            ctx.session.add(TeamMember(user_id=user.id, team_id=team.id))
        else:
            member.team_id = team.id
    ctx.session.flush()
    ctx.audit("user", user.id, "set_team", before=before,
              after=None if code is None else {"team": team_code(code)})
    return MemberRow(user.username, user.full_name, user.role, team_of(ctx.session, user.username))


@service(Permission.TEAMS_MANAGE)
def close_team(ctx: Ctx, code: str) -> TeamRow:
    """No new work is assigned to a closed team; its history stays."""
    team = team_by_code(ctx.session, code)
    team.is_active = False
    ctx.session.flush()
    ctx.audit("team", team.id, "close")
    return _row(ctx.session, team)


@service(Permission.REFERENCE_VIEW, readonly=True)
def list_teams(ctx: Ctx, *, include_closed: bool = False) -> list[TeamRow]:
    """Every team by code with its members: a short list, so no paging."""
    stmt = select(Team).order_by(Team.code)
    if not include_closed:
        stmt = stmt.where(Team.is_active.is_(True))
    return [_row(ctx.session, t) for t in ctx.session.scalars(stmt)]


@service(Permission.REFERENCE_VIEW, readonly=True)
def list_staff(ctx: Ctx) -> list[MemberRow]:
    """Every active staff member (no consumers) with their team: assignment pickers."""
    rows = ctx.session.execute(
        select(User.username, User.full_name, User.role, Team.code)
        .outerjoin(TeamMember, TeamMember.user_id == User.id)
        .outerjoin(Team, Team.id == TeamMember.team_id)
        .where(User.is_active.is_(True), User.role != "consumer")
        .order_by(User.username))
    return [MemberRow(u, n, r, t) for u, n, r, t in rows]


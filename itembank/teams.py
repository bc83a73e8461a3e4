"""Teams: named groups of teachers in a school who share forms, assignments and the team's data.

A team (a grade-level or course team, a professional learning community)
belongs to a school (:class:`itembank.district.School`); its members are
teachers of that school or not yet linked to one.  The team's classes are
the classes its members teach (as lead or assigned teacher).
"""

from __future__ import annotations

from sqlmodel import Session, or_, select

from itembank.assessments import Team, TeamMember
from itembank.district import ClassTeacher, School
from itembank.errors import Invalid, NotFound
from itembank.people import get_teacher
from itembank.tables import SchoolClass

__all__ = [
    "create_team",
    "get_team",
    "team_teacher_ids",
    "teams_of_teacher",
    "is_member",
    "team_class_ids",
    "class_teacher_ids",
]


def get_team(session: Session, team_id: int) -> Team:
    """The team ``team_id``; :class:`NotFound` otherwise."""
    row = session.get(Team, team_id)
    if row is None:
        raise NotFound(f"no team with id {team_id}")
    return row


def create_team(session: Session, *, school_id: int, name: str, teacher_ids: list[int]) -> Team:
    """A team of ``teacher_ids`` in school ``school_id`` (flushed, not committed).

    Raises
    ------
    NotFound
        An unknown school or teacher.
    Invalid
        A name the school's teams already use, or no teacher.
    """
    if session.get(School, school_id) is None:
        raise NotFound(f"no school with id {school_id}")
    if not teacher_ids:
        raise Invalid("a team needs at least one teacher", "teacher_ids")
    for teacher_id in teacher_ids:
        get_teacher(session, teacher_id)
    taken = session.exec(select(Team.id).where(Team.school_id == school_id, Team.name == name)).first()
    if taken is not None:
        raise Invalid(f"school {school_id} already has a team named {name!r}", "name")
    team = Team(school_id=school_id, name=name)
    session.add(team)
    session.flush()
    for teacher_id in sorted(set(teacher_ids)):
        session.add(TeamMember(team_id=team.id, teacher_id=teacher_id))
    session.flush()
    return team


def team_teacher_ids(session: Session, team_id: int) -> list[int]:
    """The team's teachers, in id order."""
    stmt = select(TeamMember.teacher_id).where(TeamMember.team_id == team_id).order_by(TeamMember.teacher_id)
    return list(session.exec(stmt).all())


def teams_of_teacher(session: Session, teacher_id: int) -> list[Team]:
    """The teams a teacher belongs to, by name."""
    stmt = (
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.teacher_id == teacher_id)
        .order_by(Team.name, Team.id)
    )
    return list(session.exec(stmt).all())


def is_member(session: Session, team_id: int, teacher_id: int) -> bool:
    """Whether the teacher belongs to the team."""
    stmt = select(TeamMember.teacher_id).where(TeamMember.team_id == team_id, TeamMember.teacher_id == teacher_id)
    return session.exec(stmt).first() is not None


def team_class_ids(session: Session, team_id: int) -> list[int]:
    """The classes the team's teachers teach (lead or assigned), in id order."""
    members = select(TeamMember.teacher_id).where(TeamMember.team_id == team_id)
    assigned = select(ClassTeacher.class_id).where(ClassTeacher.teacher_id.in_(members))
    stmt = (
        select(SchoolClass.id)
        .where(or_(SchoolClass.teacher_id.in_(members), SchoolClass.id.in_(assigned)))
        .order_by(SchoolClass.id)
    )
    return list(session.exec(stmt).all())


def class_teacher_ids(session: Session, class_ids: list[int]) -> dict[int, list[int]]:
    """Every teacher (lead first, then assigned, by id) of each class."""
    out: dict[int, list[int]] = {c: [] for c in class_ids}
    if not class_ids:
        return out
    for class_id, lead in session.exec(
        select(SchoolClass.id, SchoolClass.teacher_id).where(SchoolClass.id.in_(class_ids))
    ):
        if lead is not None:
            out[class_id].append(lead)
    stmt = (
        select(ClassTeacher.class_id, ClassTeacher.teacher_id)
        .where(ClassTeacher.class_id.in_(class_ids))
        .order_by(ClassTeacher.teacher_id)
    )
    for class_id, teacher_id in session.exec(stmt):
        if teacher_id not in out[class_id]:
            out[class_id].append(teacher_id)
    return out

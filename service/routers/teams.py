"""Teams of teachers and their common data: make a team (admins), list and read yours, and the
team's data view of a common assessment (JSON, or CSV to take to the team meeting).

A teacher sees the class-level figures of all the team's classes and the
student rows of their own students only; an admin sees everything.
"""

from __future__ import annotations

import csv
import io
import math

from fastapi import APIRouter
from fastapi.responses import Response
from sqlmodel import Session, select

from itembank.assessments import Team
from itembank.csv_cells import safe_row
from itembank.tables import Standard
from itembank.team_results import TeamAssessment, team_assessment
from itembank.teams import create_team, team_class_ids, team_teacher_ids
from service.assessment_access import Teaching, own_student_ids, team_for, team_ids_of
from service.assessment_schemas import (
    BandCount,
    ClassPublic,
    GroupStandardPublic,
    GrowthPublic,
    ItemAnalysisPublic,
    ItemClassPublic,
    StudentResultPublic,
    TeacherResultPublic,
    TeamAssessmentPublic,
    TeamCreate,
    TeamPublic,
)
from service.deps import Admin, BankDep, SessionDep
from service.routers.errors import CSV_CONTENT, errors
from service.routers.params import IdPath

__all__ = ["router", "team_view", "team_csv"]

router = APIRouter(prefix="/teams", tags=["teams"], responses=errors(401, 403, 422))


def team_public(session: Session, team: Team) -> TeamPublic:
    return TeamPublic(
        id=team.id,
        school_id=team.school_id,
        name=team.name,
        teacher_ids=team_teacher_ids(session, team.id),
        class_ids=team_class_ids(session, team.id),
    )


@router.post(
    "",
    response_model=TeamPublic,
    status_code=201,
    summary="Make a team of teachers in a school",
    responses=errors(400, 404),
)
def create(body: TeamCreate, session: SessionDep, user: Admin):
    team = create_team(session, school_id=body.school_id, name=body.name, teacher_ids=list(body.teacher_ids))
    session.commit()
    return team_public(session, team)


@router.get("", response_model=list[TeamPublic], summary="Your teams (an admin: every team)")
def list_(session: SessionDep, user: Teaching):
    if user.role == "admin":
        teams = session.exec(select(Team).order_by(Team.name, Team.id)).all()
    else:
        ids = team_ids_of(session, user)
        teams = session.exec(select(Team).where(Team.id.in_(ids)).order_by(Team.name, Team.id)).all() if ids else []
    return [team_public(session, t) for t in teams]


@router.get(
    "/{team_id}", response_model=TeamPublic, summary="A team: its teachers and their classes", responses=errors(404)
)
def read(team_id: IdPath, session: SessionDep, user: Teaching):
    return team_public(session, team_for(session, user, team_id))


def _number(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _group_standards(data: TeamAssessment, bands, means, n) -> list[GroupStandardPublic]:
    return [
        GroupStandardPublic(
            standard=standard.code,
            bands=[BandCount(band=label, students=int(bands[k, b])) for b, label in enumerate(data.band_labels)],
            mean_p_mastery=_number(means[k]),
            n=int(n[k]),
        )
        for k, standard in enumerate(data.standards)
    ]


def team_view(session: Session, user, data: TeamAssessment) -> TeamAssessmentPublic:
    """The team's data as ``user`` may see it: every class's figures, their own students' rows."""
    codes = [s.code for s in data.standards]
    visible = set(own_student_ids(session, user, [r.student_id for r in data.students]))
    analysis = data.item_analysis
    objective_codes = dict(
        session.exec(
            select(Standard.id, Standard.code).where(
                Standard.id.in_([i.objective_id for i in data.items if i.objective_id])
            )
        ).all()
    )
    teacher_n = data.teacher_bands.sum(axis=2)
    return TeamAssessmentPublic(
        team_id=data.team.id,
        form_id=data.form.id,
        form=data.form.title,
        assignment_ids=[a.id for a in data.assignments],
        standards=codes,
        classes=[
            ClassPublic(
                class_id=c.id,
                name=c.name,
                teacher_id=c.teacher_id,
                teacher=c.teacher_name,
                reached=c.reached,
                taken=c.taken,
                on_paper=c.on_paper,
                standards=_group_standards(data, data.class_bands[g], data.class_mean_p[g], data.class_n[g]),
            )
            for g, c in enumerate(data.classes)
        ],
        teachers=[
            TeacherResultPublic(
                teacher_id=t,
                teacher=name,
                standards=_group_standards(data, data.teacher_bands[g], data.teacher_mean_p[g], teacher_n[g]),
            )
            for g, (t, name) in enumerate(data.teachers)
        ],
        items=[
            ItemAnalysisPublic(
                item_id=item.id,
                objective=objective_codes.get(item.objective_id),
                key=item.key,
                classes=[
                    ItemClassPublic(
                        class_id=c.id,
                        n=int(analysis.n[g, j]),
                        percent=_number(analysis.percent[g, j]),
                        choices={cid: int(analysis.choice_counts[g, j, k]) for k, cid in enumerate(data.choice_ids[j])},
                        difference=_number(analysis.difference[g, j]),
                        p_value=_number(analysis.p_value[g, j]),
                        q_value=_number(analysis.q_value[g, j]),
                        differs=bool(analysis.flagged[g, j]),
                    )
                    for g, c in enumerate(data.classes)
                ],
            )
            for j, item in enumerate(data.items)
        ],
        growth=[
            GrowthPublic(
                class_id=g.class_id,
                standard=next(s.code for s in data.standards if s.id == g.standard_id),
                previous_form=g.previous_form,
                n=g.n,
                before=g.before,
                now=g.now,
            )
            for g in data.growth
        ],
        students=[
            StudentResultPublic(
                student_id=r.student_id,
                name=r.name,
                class_id=r.class_id,
                version=r.label,
                mode=r.mode,
                submitted_at=r.submitted_at,
                points=r.points,
                max_points=r.max_points,
                bands=dict(zip(codes, r.bands)),
                p_mastery=dict(zip(codes, r.p_mastery)),
                previous_p_mastery=dict(zip(codes, r.previous_p)),
            )
            for r in data.students
            if r.student_id in visible
        ],
    )


def team_csv(view: TeamAssessmentPublic) -> str:
    """The team's data as one CSV table: a section per row kind, every text cell safe for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "class", "teacher", "standard_or_item", "what", "value"])
    names = {c.class_id: c.name for c in view.classes}

    def row(*cells) -> None:
        writer.writerow(safe_row(["" if c is None else c for c in cells]))

    for c in view.classes:
        row("class", c.name, c.teacher, "", "took it", c.taken)
        for s in c.standards:
            for b in s.bands:
                row("class bands", c.name, c.teacher, s.standard, b.band, b.students)
            row("class mean P(mastery)", c.name, c.teacher, s.standard, "mean", s.mean_p_mastery)
    for t in view.teachers:
        for s in t.standards:
            for b in s.bands:
                row("teacher bands", "", t.teacher, s.standard, b.band, b.students)
            row("teacher mean P(mastery)", "", t.teacher, s.standard, "mean", s.mean_p_mastery)
    for item in view.items:
        for c in item.classes:
            row("item percent", names[c.class_id], "", item.item_id, "percent of the points", c.percent)
            for choice, count in c.choices.items():
                row("item choice", names[c.class_id], "", item.item_id, f"picked {choice}", count)
            if c.differs:
                row("item differs", names[c.class_id], "", item.item_id, "q value", c.q_value)
    for g in view.growth:
        row("growth before", names[g.class_id], "", g.standard, g.previous_form, g.before)
        row("growth now", names[g.class_id], "", g.standard, "this assessment", g.now)
    for s in view.students:
        for code, p in s.p_mastery.items():
            row("student P(mastery)", names[s.class_id], s.name, code, s.bands.get(code), p)
    return out.getvalue()


@router.get(
    "/{team_id}/assessments/{form_id}.csv",
    response_class=Response,
    summary="The team's data view as CSV",
    responses={200: {"content": CSV_CONTENT, "description": "The team's data, one row per figure"}, **errors(404, 409)},
)
def assessment_csv(team_id: IdPath, form_id: IdPath, session: SessionDep, user: Teaching, bank: BankDep):
    team_for(session, user, team_id)
    view = team_view(session, user, team_assessment(session, bank.live, team_id, form_id))
    return Response(
        team_csv(view),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="team-{team_id}-form-{form_id}.csv"'},
    )


# declared after the CSV route, whose path it would otherwise match first
@router.get(
    "/{team_id}/assessments/{form_id}",
    response_model=TeamAssessmentPublic,
    summary="The team's data view of a common assessment: bands, means, item analysis per class, growth",
    responses=errors(404, 409),
)
def assessment(team_id: IdPath, form_id: IdPath, session: SessionDep, user: Teaching, bank: BankDep):
    team_for(session, user, team_id)
    return team_view(session, user, team_assessment(session, bank.live, team_id, form_id))

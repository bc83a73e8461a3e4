"""Teacher pages of teams: a teacher's teams and their common assessments, and the team's data view
of one (band distributions and mean P(mastery) per class and per teacher, item analysis per class
with the classes that differ clearly, growth since the previous common assessment, the teacher's
own students' rows) with its CSV export.

The pages call :mod:`service.routers.teams`: a teacher sees every class's figures and only their own
students' rows.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlmodel import select

from itembank.assessments import AssessmentForm, FormPurpose
from service.deps import BankDep, SessionDep
from service.pages.common import PageRoute, render
from service.pages.forms import TeachingPage
from service.routers import teams as teams_api
from service.routers.params import IdPath

__all__ = ["router"]

router = APIRouter(prefix="/teacher/teams", route_class=PageRoute, include_in_schema=False)


@router.get("")
def teams_page(request: Request, session: SessionDep, user: TeachingPage):
    teams = teams_api.list_(session, user)
    given = {
        t.id: session.exec(
            select(AssessmentForm)
            .where(
                AssessmentForm.team_id == t.id,
                AssessmentForm.locked_at.is_not(None),
                AssessmentForm.purpose != FormPurpose.morning_work.value,
            )
            .order_by(AssessmentForm.locked_at.desc())
        ).all()
        for t in teams
    }
    return render(request, "teacher/teams.html", {"teams": teams, "given": given})


# declared before the data view, whose path would otherwise take ``.csv`` for a form id
@router.get("/{team_id}/assessments/{form_id}.csv")
def team_csv(team_id: IdPath, form_id: IdPath, session: SessionDep, user: TeachingPage, bank: BankDep):
    return teams_api.assessment_csv(team_id, form_id, session, user, bank)


@router.get("/{team_id}/assessments/{form_id}")
def team_assessment_page(
    request: Request, team_id: IdPath, form_id: IdPath, session: SessionDep, user: TeachingPage, bank: BankDep
):
    view = teams_api.assessment(team_id, form_id, session, user, bank)
    team = teams_api.read(team_id, session, user)
    names = {c.class_id: c.name for c in view.classes}
    return render(request, "teacher/team_assessment.html", {"view": view, "team": team, "class_names": names})

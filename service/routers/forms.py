"""Forms: save a fixed set of items (assembled to a blueprint or picked by hand), read, change, revise.

Teachers (their own and their teams' forms) and admins.  A form is
editable until it is first given; after that ``PATCH`` is a 409 and
``POST /forms/{id}/revisions`` makes the next version.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from sqlmodel import Session, or_, select

from itembank.assessments import AssessmentForm, FormPurpose
from itembank.forms import (
    FormSpec,
    assemble_versions,
    blueprint_report,
    create_form,
    form_versions,
    revise_form,
    update_form,
)
from itembank.standards import find_standard
from itembank.tables import Item, Standard
from itembank.teams import get_team
from service.assessment_access import Teaching, form_for, team_ids_of
from service.assessment_schemas import (
    BlueprintRow,
    FormCreate,
    FormItemPublic,
    FormPublic,
    FormSummary,
    FormUpdate,
    FormVersionPublic,
)
from service.deps import BankDep, Page, SessionDep
from service.routers.errors import errors
from service.routers.params import IdPath
from service.schemas import Paged

__all__ = ["router", "form_public"]

router = APIRouter(prefix="/forms", tags=["forms"], responses=errors(401, 403, 422))


def form_public(session: Session, form: AssessmentForm) -> FormPublic:
    """A form with its versions' items (keys and rationales: for staff) and how it meets its blueprint."""
    versions = form_versions(session, form.id)
    ids = sorted({i for items in versions.values() for i in items})
    items = {row.id: row for row in session.exec(select(Item).where(Item.id.in_(ids))).all()} if ids else {}
    objective_ids = {row.objective_id for row in items.values() if row.objective_id is not None}
    codes = (
        dict(session.exec(select(Standard.id, Standard.code).where(Standard.id.in_(objective_ids))).all())
        if objective_ids
        else {}
    )
    information = (form.blueprint or {}).get("information", {})
    report = blueprint_report(session, form, versions)
    standard = session.get(Standard, form.standard_id) if form.standard_id is not None else None
    return FormPublic(
        id=form.id,
        title=form.title,
        purpose=form.purpose,
        standard_id=form.standard_id,
        standard=None if standard is None else standard.code,
        owner_teacher_id=form.owner_teacher_id,
        team_id=form.team_id,
        version=form.version,
        previous_id=form.previous_id,
        locked=form.locked_at is not None,
        locked_at=form.locked_at,
        created_at=form.created_at,
        versions=[
            FormVersionPublic(
                label=label,
                items=[
                    FormItemPublic(
                        position=n,
                        item_id=i,
                        objective=codes.get(items[i].objective_id),
                        dok=items[i].dok,
                        interaction=items[i].interaction,
                        stem=items[i].stem,
                        key=items[i].key,
                        rationale=items[i].rationale,
                    )
                    for n, i in enumerate(item_ids, start=1)
                ],
                information_at_cut=information.get(label),
            )
            for label, item_ids in versions.items()
        ],
        blueprint=form.blueprint,
        blueprint_met=None if report is None else report.met,
        blueprint_rows=None if report is None else [BlueprintRow(**row) for row in report.rows],
    )


def _owner(session: Session, user, team_id: int | None) -> tuple[int | None, int | None]:
    """``(owner_teacher_id, team_id)`` of a new form: the team when named (a member's), else the teacher."""
    if team_id is not None:
        if user.role != "admin" and team_id not in team_ids_of(session, user):
            raise HTTPException(status_code=403, detail=f"team {team_id} is not one of your teams")
        get_team(session, team_id)
        return None, team_id
    return (user.teacher_id if user.role == "teacher" else None), None


@router.post(
    "",
    response_model=FormPublic,
    status_code=201,
    summary="Save a form: assembled to a blueprint on a standard (parallel versions), or picked by hand",
    responses=errors(400, 404, 409),
)
def create(body: FormCreate, session: SessionDep, user: Teaching, bank: BankDep):
    owner, team_id = _owner(session, user, body.team_id)
    standard = find_standard(session, body.standard, body.framework) if body.standard else None
    blueprint = None
    if body.blueprint is not None:
        spec = FormSpec(
            length=body.blueprint.length,
            versions=body.blueprint.versions,
            standards={code: (lo, hi) for code, (lo, hi) in body.blueprint.standards.items()},
            dok={int(level): (lo, hi) for level, (lo, hi) in body.blueprint.dok.items()},
            written=body.blueprint.written,
        )
        assembled = assemble_versions(session, bank.live, standard, spec)
        versions = assembled.versions
        blueprint = {**assembled.blueprint, "information": assembled.information, "optimal": assembled.optimal}
    else:
        versions = dict(body.versions)
    form = create_form(
        session,
        title=body.title,
        versions=versions,
        purpose=FormPurpose(body.purpose).value,
        standard_id=None if standard is None else standard.id,
        owner_teacher_id=owner,
        team_id=team_id,
        blueprint=blueprint,
        created_by=user.user_id,
    )
    session.commit()
    return form_public(session, form)


@router.get("", response_model=Paged[FormSummary], summary="Your forms and your teams' forms, newest first")
def list_(session: SessionDep, user: Teaching, page: Page):
    stmt = select(AssessmentForm).where(AssessmentForm.purpose != FormPurpose.morning_work.value)
    if user.role != "admin":
        teams = team_ids_of(session, user)
        stmt = stmt.where(or_(AssessmentForm.owner_teacher_id == user.teacher_id, AssessmentForm.team_id.in_(teams)))
    rows = session.exec(stmt.order_by(AssessmentForm.created_at.desc(), AssessmentForm.id.desc())).all()
    codes = dict(session.exec(select(Standard.id, Standard.code)).all())
    items = [
        FormSummary(
            id=f.id,
            title=f.title,
            purpose=f.purpose,
            standard=codes.get(f.standard_id),
            team_id=f.team_id,
            version=f.version,
            locked=f.locked_at is not None,
            labels=sorted(form_versions(session, f.id)),
            created_at=f.created_at,
        )
        for f in rows[page.offset : page.offset + page.limit]
    ]
    return Paged(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get(
    "/{form_id}",
    response_model=FormPublic,
    summary="A form: its versions' items, and whether each version meets its blueprint",
    responses=errors(404),
)
def read(form_id: IdPath, session: SessionDep, user: Teaching):
    return form_public(session, form_for(session, user, form_id))


@router.patch(
    "/{form_id}",
    response_model=FormPublic,
    summary="Change a form never given (a given form is locked: 409; revise it instead)",
    responses=errors(400, 404, 409),
)
def update(form_id: IdPath, body: FormUpdate, session: SessionDep, user: Teaching):
    form = form_for(session, user, form_id)
    update_form(session, form, title=body.title, versions=None if body.versions is None else dict(body.versions))
    session.commit()
    return form_public(session, form)


@router.post(
    "/{form_id}/revisions",
    response_model=FormPublic,
    status_code=201,
    summary="The next version of a form, with the changes (the given form stays as it was)",
    responses=errors(400, 404),
)
def revise(form_id: IdPath, body: FormUpdate, session: SessionDep, user: Teaching):
    form = form_for(session, user, form_id)
    new = revise_form(
        session,
        form,
        title=body.title,
        versions=None if body.versions is None else dict(body.versions),
        created_by=user.user_id,
    )
    session.commit()
    return form_public(session, new)

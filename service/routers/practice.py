"""A class's free practice: whether its students may start checks of their own outside assignments.

The class's teachers (and admins) read and set it; a student practises
freely when one of their classes allows it (:func:`itembank.assignments.free_practice_allowed`).
"""

from __future__ import annotations

from fastapi import APIRouter

from itembank.assignments import free_practice, set_free_practice
from service.access import class_for
from service.assessment_access import Teaching
from service.assessment_schemas import PracticeSetting
from service.deps import SessionDep
from service.routers.errors import errors
from service.routers.params import IdPath

__all__ = ["router"]

router = APIRouter(prefix="/classes", tags=["classes"], responses=errors(401, 403, 404, 422))


@router.get("/{class_id}/practice", response_model=PracticeSetting, summary="Whether the class may practise freely")
def read(class_id: IdPath, session: SessionDep, user: Teaching):
    class_for(session, user, class_id)
    return PracticeSetting(free_practice=free_practice(session, class_id))


@router.put(
    "/{class_id}/practice",
    response_model=PracticeSetting,
    summary="Allow or stop free practice in a class",
    responses=errors(400),
)
def update(class_id: IdPath, body: PracticeSetting, session: SessionDep, user: Teaching):
    class_for(session, user, class_id)
    row = set_free_practice(session, class_id, body.free_practice)
    session.commit()
    return PracticeSetting(free_practice=row.free_practice)

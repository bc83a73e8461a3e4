"""Server-rendered pages for teachers, students and psychometricians.

``router`` is mounted at the root by :func:`service.app.create_app` (with
``service/static`` at ``/static``).  One module per user: :mod:`.login`,
:mod:`.teacher`, :mod:`.student`, :mod:`.psychometrician`; the templates are
in ``service/templates``.  Pages call the API's route functions, so roles,
validation and the item bank calls are the API's own.
"""

from __future__ import annotations

from fastapi import APIRouter

from service.pages import (
    admin,
    assets,
    assignments,
    forms,
    login,
    paper,
    psychometrician,
    reports,
    scoring,
    student,
    student_attempts,
    teacher,
    team_data,
)

router = APIRouter(include_in_schema=False)
for _module in (
    login,
    teacher,
    scoring,
    forms,
    assignments,
    paper,
    team_data,
    student,
    student_attempts,
    psychometrician,
    assets,
    admin,
    reports,
):
    router.include_router(_module.router)

__all__ = ["router"]

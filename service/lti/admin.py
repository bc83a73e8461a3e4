"""The admin's LTI page (``/lti/admin``): registered platforms, the values to give the LMS, courses, the score outbox.

An admin registers a platform (the same as ``masterycat lti register``),
sets what a score means on it, syncs a course's roster on demand, and sees
the scores pending or failed, sending a failed one again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import col, select

from itembank.lti import (
    LtiContextLink,
    LtiLineItem,
    OutboxStatus,
    ScoreMeaning,
    deployment_ids_of,
    get_platform,
    list_platforms,
    outbox_rows,
    register_platform,
    send_again,
    set_score_meaning,
)
from itembank.tables import SchoolClass
from service.deps import EngineDep, SessionDep
from service.lti.roster import RosterUnavailable, sync_context
from service.pages.common import PageRoute, page_role, render
from service.routers.params import IdPath
from service.security import TokenClaims

__all__ = ["router", "tool_urls"]

router = APIRouter(prefix="/lti/admin", route_class=PageRoute, include_in_schema=False)
AdminPage = Annotated[TokenClaims, Depends(page_role("admin"))]


def tool_urls(request: Request) -> dict[str, str]:
    """The values an LMS admin enters for masterycat (from the address this page was reached at)."""
    return {
        "OpenID Connect login URL": str(request.url_for("lti_login")),
        "Target link / redirect URL": str(request.url_for("lti_launch")),
        "Public JWK set URL": str(request.url_for("lti_jwks")),
        "Deep linking URL": str(request.url_for("lti_launch")),
    }


def _page(request: Request, session, *, error: str | None = None, notice: str | None = None, code: int = 200):
    platforms = list_platforms(session)
    courses = session.exec(
        select(LtiContextLink, SchoolClass)
        .join(SchoolClass, col(SchoolClass.id) == col(LtiContextLink.class_id))
        .order_by(col(LtiContextLink.id))
    ).all()
    rows = outbox_rows(session, (OutboxStatus.pending, OutboxStatus.failed))
    items = {i.id: i for i in session.exec(select(LtiLineItem)).all()}
    return render(
        request,
        "lti/admin.html",
        {
            "platforms": [(p, deployment_ids_of(session, p.id)) for p in platforms],
            "meanings": ScoreMeaning.ALL,
            "courses": courses,
            "outbox": rows,
            "items": items,
            "urls": tool_urls(request),
            "error": error,
            "notice": notice,
        },
        code,
    )


@router.get("")
def admin_page(request: Request, session: SessionDep, user: AdminPage):
    return _page(request, session)


@router.post("/platforms")
def register(
    request: Request,
    session: SessionDep,
    user: AdminPage,
    issuer: Annotated[str, Form(max_length=255)] = "",
    client_id: Annotated[str, Form(max_length=255)] = "",
    deployment_ids: Annotated[str, Form(max_length=5000)] = "",
    auth_login_url: Annotated[str, Form(max_length=1000)] = "",
    auth_token_url: Annotated[str, Form(max_length=1000)] = "",
    jwks_url: Annotated[str, Form(max_length=1000)] = "",
):
    """Register a platform (deployment ids one a line or comma-separated)."""
    deployments = [d.strip() for d in deployment_ids.replace(",", "\n").splitlines() if d.strip()]
    register_platform(
        session,
        issuer=issuer,
        client_id=client_id,
        deployment_ids=deployments,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        jwks_url=jwks_url,
    )
    session.commit()
    return RedirectResponse("/lti/admin", status_code=303)


@router.post("/platforms/{platform_id}/score-meaning")
def score_meaning(
    request: Request,
    session: SessionDep,
    user: AdminPage,
    platform_id: IdPath,
    meaning: Annotated[str, Form(max_length=16)],
):
    set_score_meaning(session, get_platform(session, platform_id), meaning)
    session.commit()
    return RedirectResponse("/lti/admin", status_code=303)


@router.post("/outbox/{row_id}/retry")
def retry(request: Request, session: SessionDep, user: AdminPage, row_id: IdPath):
    send_again(session, row_id)
    session.commit()
    return RedirectResponse("/lti/admin", status_code=303)


@router.post("/courses/{link_id}/sync")
def sync(request: Request, session: SessionDep, engine: EngineDep, user: AdminPage, link_id: IdPath):
    try:
        enrolled, unenrolled = sync_context(engine, link_id)
    except RosterUnavailable as err:
        raise HTTPException(409, f"The roster could not be synced: {err}") from None
    return _page(request, session, notice=f"Roster synced: {enrolled} enrolled, {unenrolled} unenrolled.")


@router.post("/registration-url")
def make_registration_url(request: Request, session: SessionDep, user: AdminPage):
    """A dynamic registration URL to paste into an LMS that supports LTI Dynamic Registration."""
    from service.lti.dynamic_registration import URL_HOURS, registration_url

    return _page(
        request,
        session,
        notice=f"Paste this URL into the LMS's dynamic registration (good for {URL_HOURS} hours): "
        + registration_url(request, user.user_id),
    )

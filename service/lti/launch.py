"""The LTI endpoints a platform calls: ``/lti/jwks``, ``/lti/login`` (GET and POST) and ``/lti/launch``.

``/lti/login`` is the OIDC third-party login initiation: it keeps a fresh
state and nonce and sends the browser to the platform's authorization URL;
the platform answers by posting the signed id_token and the state to
``/lti/launch``, which checks them (:mod:`service.lti.validation`), maps the
LMS user and course to a masterycat login and class, records the line item
the link grades into, starts a throttled roster sync, and opens the page
the link points to inside the LMS's frame.

Both are posted cross-site by design, so they are not page forms with a
form token: the one-use state and the nonce inside the signed token protect
them.  The session they start is the only one whose cookies are
``SameSite=None; Secure; Partitioned`` (a frame from the LMS's site sends
no other); the logins on masterycat's own pages keep their Lax cookies.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from itembank.assessments import Attempt, AttemptStatus
from itembank.assignments import get_assignment
from itembank.attempts import start_attempt
from itembank.checks import check_policy
from itembank.errors import Conflict, Invalid, NotFound
from itembank.lti import (
    LaunchUser,
    LtiContextLink,
    LtiLineItem,
    LtiPlatform,
    ScoreMeaning,
    committed_signing_key,
    ensure_recipient,
    find_platform,
    join_class,
    link_context,
    link_user,
    new_launch_state,
    published_keys,
    record_line_item,
    role_from_lti,
)
from itembank.tables import User, utcnow
from service.deps import SessionDep
from service.lti.deep_linking import picker_redirect
from service.lti.platform_client import SCOPE_LINEITEM, PlatformRefused, PlatformUnavailable, find_or_create_line_item
from service.lti.roster import sync_quietly
from service.lti.validation import CLAIM, LaunchRefused, ValidLaunch, validate_launch
from service.pages.common import COOKIE, render
from service.pages.csrf import CSRF_COOKIE, new_csrf_value
from service.security import TokenClaims, create_token

__all__ = ["router", "start_lti_session", "refusal_page"]

logger = logging.getLogger("masterycat.lti")
router = APIRouter(prefix="/lti", include_in_schema=False)

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
LIS_CLAIM = CLAIM + "lis"
#: how often a launch syncs the course's roster at most
SYNC_EVERY = timedelta(minutes=10)


def refusal_page(request: Request, what: str, detail: str, code: int = 400) -> HTMLResponse:
    """A page in words saying what failed (and a log line)."""
    logger.warning("LTI %s refused: %s", what, detail)
    request.state.user = None
    return render(
        request,
        "lti/refused.html",
        {"title": f"The LMS {what} could not be accepted", "detail": detail, "code": code},
        code,
    )


@router.get("/jwks", name="lti_jwks")
def jwks(session: SessionDep) -> JSONResponse:
    """masterycat's public signing keys (the current one and those retired within the grace period)."""
    keys = published_keys(session)
    session.commit()
    return JSONResponse({"keys": keys})


def _launch_url(request: Request) -> str:
    return str(request.url_for("lti_launch"))


async def _login(request: Request, session: Session) -> Response:
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        params.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
    issuer, login_hint = params.get("iss", ""), params.get("login_hint", "")
    if not issuer or not login_hint:
        return refusal_page(request, "login", "the login request must name the issuer (iss) and the user (login_hint)")
    platform = find_platform(session, issuer, params.get("client_id") or None)
    if platform is None:
        return refusal_page(
            request,
            "login",
            f"no platform is registered here for issuer {issuer!r}"
            + (f" and client id {params['client_id']!r}" if params.get("client_id") else ""),
        )
    target = params.get("target_link_uri") or _launch_url(request)
    if urlsplit(target).netloc != request.url.netloc:
        return refusal_page(request, "login", f"the target link {target!r} is not on this server")
    state = new_launch_state(session, platform)
    session.commit()
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": _launch_url(request),
        "login_hint": login_hint,
        "state": state.state,
        "nonce": state.nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return RedirectResponse(platform.auth_login_url + separator + urlencode(query), status_code=302)


@router.get("/login", name="lti_login")
async def login_get(request: Request, session: SessionDep) -> Response:
    """OIDC third-party login initiation (the platform's GET)."""
    return await _login(request, session)


@router.post("/login", name="lti_login_post")
async def login_post(request: Request, session: SessionDep) -> Response:
    """OIDC third-party login initiation (the platform's POST)."""
    return await _login(request, session)


def start_lti_session(request: Request, response: Response, user: User) -> None:
    """Log ``user`` in for the LMS's frame: cookies ``SameSite=None; Secure; Partitioned``."""
    settings = request.app.state.settings
    claims = TokenClaims(
        user_id=user.id,
        username=user.username,
        role=user.role,
        student_id=user.student_id,
        teacher_id=user.teacher_id,
        token_version=user.token_version,
    )
    token = create_token(claims, settings.secret_key, settings.token_minutes)
    cross_site: dict[str, Any] = {"httponly": True, "samesite": "none", "secure": True, "path": "/"}
    for name, value, max_age in (
        (COOKIE, token, settings.token_minutes * 60),
        (CSRF_COOKIE, new_csrf_value(), None),
    ):
        response.set_cookie(name, value, max_age=max_age, **cross_site)
        # CHIPS: kept in the LMS's partition (Starlette sets Partitioned only on Python 3.14+)
        header, cookie = response.raw_headers[-1]
        response.raw_headers[-1] = (header, cookie + b"; Partitioned")


def _launch_user(launch: ValidLaunch) -> LaunchUser | str:
    claims = launch.claims
    role = role_from_lti(list(claims.get(CLAIM + "roles") or []))
    if role is None:
        return "the launch's roles name no Learner, Instructor or Administrator, so masterycat cannot tell who you are"
    lis = claims.get(LIS_CLAIM) or {}
    return LaunchUser(
        sub=claims["sub"],
        role=role,
        given_name=str(claims.get("given_name") or ""),
        family_name=str(claims.get("family_name") or ""),
        name=str(claims.get("name") or ""),
        email=str(claims.get("email") or ""),
        sourced_id=lis.get("person_sourcedid") or None,
    )


def _context(session: Session, launch: ValidLaunch) -> LtiContextLink | None:
    claims = launch.claims
    context = claims.get(CLAIM + "context") or {}
    if not isinstance(context.get("id"), str):
        return None
    lis = claims.get(LIS_CLAIM) or {}
    return link_context(
        session,
        launch.platform,
        context["id"],
        title=str(context.get("title") or context.get("label") or ""),
        section_sourced_id=lis.get("course_section_sourcedid") or None,
        memberships_url=(claims.get(NRPS_CLAIM) or {}).get("context_memberships_url"),
        lineitems_url=(claims.get(AGS_CLAIM) or {}).get("lineitems"),
    )


def _target(launch: ValidLaunch) -> tuple[str, int | None]:
    """What the link opens: ``("assignment", id)`` or ``("tracker", None)`` (the custom claim ``target``)."""
    custom = launch.claims.get(CLAIM + "custom") or {}
    target = str(custom.get("target") or "tracker")
    kind, _, number = target.partition(":")
    if kind == "assignment" and number.isdigit() and len(number) < 10:
        return "assignment", int(number)
    return "tracker", None


def _line_item(session: Session, launch: ValidLaunch, context: LtiContextLink, assignment_id: int) -> None:
    """Record the line item the link grades into (the claim's ``lineitem``, else found or created by AGS)."""
    platform: LtiPlatform = launch.platform
    ags = launch.claims.get(AGS_CLAIM) or {}
    title = str((launch.claims.get(CLAIM + "resource_link") or {}).get("title") or f"masterycat {assignment_id}")
    maximum = ScoreMeaning.MAXIMUM[platform.score_meaning]
    if isinstance(ags.get("lineitem"), str):
        record_line_item(
            session, platform, url=ags["lineitem"], assignment_id=assignment_id, label=title, score_maximum=maximum
        )
        return
    known = session.exec(
        select(LtiLineItem).where(LtiLineItem.platform_id == platform.id, LtiLineItem.assignment_id == assignment_id)
    ).first()
    if known is not None or not context.lineitems_url or SCOPE_LINEITEM not in (ags.get("scope") or []):
        return
    try:
        url = find_or_create_line_item(
            session,
            platform,
            context.lineitems_url,
            resource_id=f"masterycat-assignment-{assignment_id}",
            label=title,
            score_maximum=maximum,
        )
    except (PlatformUnavailable, PlatformRefused) as err:
        logger.warning("LTI line item for assignment %s not set up at launch: %s", assignment_id, err)
        return
    record_line_item(session, platform, url=url, assignment_id=assignment_id, label=title, score_maximum=maximum)


def _student_page(session: Session, request: Request, user: User, assignment_id: int, class_id: int) -> str:
    assignment = get_assignment(session, assignment_id)
    ensure_recipient(session, assignment, user.student_id, class_id)
    attempts = session.exec(
        select(Attempt)
        .where(Attempt.assignment_id == assignment_id, Attempt.student_id == user.student_id)
        .order_by(col(Attempt.number).desc())
    ).all()
    latest = attempts[0] if attempts else None
    if latest is None or latest.status == AttemptStatus.in_progress.value:
        policy = check_policy(request.app.state.settings.check_min_items)
        attempt, _ = start_attempt(session, request.app.state.bank.live, assignment, user.student_id, policy=policy)
    else:
        attempt = latest
    if attempt.check_id is not None:
        return f"/student/checks/{attempt.check_id}"
    return f"/student/attempts/{attempt.id}"


def _landing(session: Session, request: Request, launch: ValidLaunch, user: User, context: LtiContextLink | None):
    kind, assignment_id = _target(launch)
    if kind == "assignment" and assignment_id is not None:
        if context is None:
            raise Invalid("a link to an assignment must be launched from a course", "context")
        _line_item(session, launch, context, assignment_id)
        if user.role == "student":
            return _student_page(session, request, user, assignment_id, context.class_id)
        get_assignment(session, assignment_id)
        return f"/teacher/assignments/{assignment_id}"
    if user.role == "student":
        return "/student"
    if context is not None:
        return f"/teacher/classes/{context.class_id}"
    return "/admin" if user.role == "admin" else "/teacher"


@router.post("/launch", name="lti_launch")
def launch(
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    id_token: Annotated[str, Form(max_length=100_000)] = "",
    state: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The platform's launch: the id_token checked, the user and course mapped, the link's page opened."""
    # the key that signs the service calls below exists before this transaction writes (SQLite has one writer)
    committed_signing_key(request.app.state.engine)
    try:
        valid = validate_launch(session, id_token, state)
    except LaunchRefused as err:
        session.rollback()
        return refusal_page(request, "launch", str(err))
    who = _launch_user(valid)
    if isinstance(who, str):
        session.rollback()
        return refusal_page(request, "launch", who, 403)
    try:
        user = link_user(session, valid.platform, who)
        context = _context(session, valid)
        if context is not None:
            join_class(session, user, context.class_id)
        if valid.message_type == "LtiDeepLinkingRequest":
            if user.role not in ("teacher", "admin"):
                session.rollback()
                return refusal_page(request, "launch", "only a course's instructors can add masterycat content", 403)
            target = picker_redirect(request, valid, user, context)
        else:
            target = _landing(session, request, valid, user, context)
        session.commit()
    except (Invalid, NotFound, Conflict) as err:
        session.rollback()
        return refusal_page(request, "launch", str(err), 409 if isinstance(err, Conflict) else 400)
    response = RedirectResponse(target, status_code=303)
    start_lti_session(request, response, user)
    if context is not None and context.memberships_url:
        if context.synced_at is None or context.synced_at < utcnow() - SYNC_EVERY:
            background.add_task(sync_quietly, request.app.state.engine, context.id)
    logger.info("LTI launch: %s as %s from %s", user.username, user.role, valid.platform.issuer)
    return response

"""Deep linking: a teacher in the LMS picks masterycat content, masterycat answers with signed links.

A deep-linking launch opens the picker (``GET /lti/deep-link``, its request
carried in a token signed with the server's secret): an adaptive check on a
standard, a saved form, an assignment the course's class already has,
morning work on a standard, or the class tracker.  Picking one (``POST
/lti/deep-link``, a page form with its form token) gives the check, form or
morning work to the course's class as an assignment, and answers the
platform with an ``LtiDeepLinkingResponse`` signed with masterycat's key,
carrying one ``ltiResourceLink`` whose custom ``target`` names what it opens
and, where it is graded, its line item (label, scoreMaximum).
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import jwt
from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from itembank.assessments import AssessmentForm, Assignment, AssignmentClass, AssignmentKind, FeedbackPolicy
from itembank.assignments import AssignmentSpec, create_assignment
from itembank.errors import Invalid
from itembank.lti import LtiContextLink, LtiPlatform, ScoreMeaning, committed_signing_key, get_platform
from itembank.standards import get_standard, list_standards
from itembank.tables import User
from service.assessment_access import assignment_for, form_for, givable_class
from service.deps import BankDep, SessionDep
from service.lti.validation import CLAIM, ValidLaunch
from service.pages.common import PageRoute, TeacherPage, render
from service.security_headers import page_policy

__all__ = ["router", "picker_redirect", "content_item", "response_token"]

router = APIRouter(prefix="/lti", route_class=PageRoute, include_in_schema=False)

DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
#: seconds a teacher has to pick after the deep-linking launch
PICK_SECONDS = 3600
CHOICES = ("check", "form", "assignment", "morning", "tracker")


def picker_redirect(request: Request, launch: ValidLaunch, user: User, context: LtiContextLink | None) -> str:
    """Where the deep-linking launch sends the teacher: the picker, with the request signed into its URL."""
    settings = (launch.claims.get(DL_CLAIM + "deep_linking_settings") or {}) if launch.claims else {}
    return_url = settings.get("deep_link_return_url")
    if not isinstance(return_url, str) or urlsplit(return_url).scheme not in ("http", "https"):
        raise Invalid("the deep-linking request names no deep_link_return_url", "deep_linking_settings")
    token = jwt.encode(
        {
            "platform": launch.platform.id,
            "deployment": launch.deployment_id,
            "return_url": return_url,
            "data": settings.get("data"),
            "class_id": context.class_id if context is not None else None,
            "user": user.id,
            "exp": int(time.time()) + PICK_SECONDS,
        },
        request.app.state.settings.secret_key,
        algorithm="HS256",
    )
    return "/lti/deep-link?" + urlencode({"dl": token})


def _request_of(request: Request, dl: str, user_id: int) -> dict[str, Any]:
    try:
        claims = jwt.decode(dl, request.app.state.settings.secret_key, algorithms=["HS256"])
    except jwt.ExpiredSignatureError:
        raise HTTPException(400, "This page waited too long: add the content again from the LMS.") from None
    except jwt.PyJWTError:
        raise HTTPException(400, "This deep-linking request was not made by this server.") from None
    if claims.get("user") != user_id:
        raise HTTPException(403, "This deep-linking request belongs to another user.")
    return claims


def _choices(session: Session, user, class_id: int | None) -> dict[str, Any]:
    standards, _ = list_standards(session, level="objective", limit=500)
    forms = session.exec(
        select(AssessmentForm)
        .where(
            col(AssessmentForm.owner_teacher_id) == user.teacher_id
            if user.role == "teacher"
            else col(AssessmentForm.id).is_not(None)
        )
        .order_by(col(AssessmentForm.id).desc())
        .limit(200)
    ).all()
    assignments = (
        session.exec(
            select(Assignment)
            .join(AssignmentClass, col(AssignmentClass.assignment_id) == col(Assignment.id))
            .where(AssignmentClass.class_id == class_id)
            .order_by(col(Assignment.id).desc())
        ).all()
        if class_id is not None
        else []
    )
    return {"standards": standards, "forms": forms, "assignments": assignments}


@router.get("/deep-link")
def picker(request: Request, session: SessionDep, user: TeacherPage, dl: Annotated[str, Query(max_length=20_000)]):
    """The picker of what to add to the LMS course."""
    claims = _request_of(request, dl, user.user_id)
    return render(
        request,
        "lti/picker.html",
        {"dl": dl, "class_id": claims["class_id"], **_choices(session, user, claims["class_id"])},
    )


def content_item(request: Request, title: str, target: str, assignment_id: int | None, maximum: float) -> dict:
    """One ``ltiResourceLink`` item: its launch URL, custom ``target``, and a line item when it is graded."""
    item: dict[str, Any] = {
        "type": "ltiResourceLink",
        "title": title,
        "url": str(request.url_for("lti_launch")),
        "custom": {"target": target},
    }
    if assignment_id is not None:
        item["lineItem"] = {
            "label": title,
            "scoreMaximum": maximum,
            "resourceId": f"masterycat-assignment-{assignment_id}",
        }
    return item


def response_token(session: Session, platform: LtiPlatform, deployment_id: str, items: list[dict], data: Any) -> str:
    """The signed ``LtiDeepLinkingResponse`` JWT (masterycat's current key, its ``kid`` in the header)."""
    key = committed_signing_key(session.get_bind())
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "azp": platform.client_id,
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "deployment_id": deployment_id,
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        DL_CLAIM + "content_items": items,
    }
    if data is not None:
        claims[DL_CLAIM + "data"] = data
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})


def _int(value: str, field: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise Invalid(f"choose a {field.replace('_', ' ')}", field)
    return int(value)


@router.post("/deep-link")
def pick(
    request: Request,
    session: SessionDep,
    user: TeacherPage,
    bank: BankDep,
    dl: Annotated[str, Form(max_length=20_000)],
    choice: Annotated[str, Form(max_length=16)],
    standard_id: Annotated[str, Form(max_length=12)] = "",
    form_id: Annotated[str, Form(max_length=12)] = "",
    assignment_id: Annotated[str, Form(max_length=12)] = "",
):
    """Add the chosen content: an assignment given to the course's class when needed, then the signed answer."""
    claims = _request_of(request, dl, user.user_id)
    committed_signing_key(request.app.state.engine)  # before this transaction writes (SQLite has one writer)
    platform = get_platform(session, claims["platform"])
    class_id = claims["class_id"]
    if choice not in CHOICES:
        raise Invalid(f"choose one of {', '.join(CHOICES)}", "choice")
    if choice != "tracker" and class_id is None:
        raise Invalid("assignments are added from a course: this request came from outside one", "choice")
    if choice != "tracker":
        givable_class(session, user, class_id)
    maximum = ScoreMeaning.MAXIMUM[platform.score_meaning]
    graded: Assignment | None = None
    if choice == "tracker":
        item = content_item(request, "masterycat class tracker", "tracker", None, maximum)
    elif choice == "assignment":
        graded = assignment_for(session, user, _int(assignment_id, "assignment_id"))
        if session.get(AssignmentClass, (graded.id, class_id)) is None:
            raise Invalid("that assignment was not given to this course's class", "assignment_id")
    else:
        if choice == "form":
            form = form_for(session, user, _int(form_id, "form_id"))
            spec = AssignmentSpec(kind=AssignmentKind.form.value, title=form.title, form=form, class_ids=(class_id,))
        else:
            standard = get_standard(session, _int(standard_id, "standard_id"))
            kind = AssignmentKind.check.value if choice == "check" else AssignmentKind.morning_work.value
            title = ("Check: " if choice == "check" else "Morning work: ") + f"{standard.code} {standard.title}"
            spec = AssignmentSpec(
                kind=kind,
                title=title[:200],
                standard=standard,
                class_ids=(class_id,),
                feedback=FeedbackPolicy.instant.value if choice == "check" else FeedbackPolicy.on_submit.value,
            )
        graded = create_assignment(session, bank.live, spec, teacher_id=user.teacher_id, created_by=user.user_id)
    if graded is not None:
        item = content_item(request, graded.title, f"assignment:{graded.id}", graded.id, maximum)
    token = response_token(session, platform, claims["deployment"], [item], claims.get("data"))
    session.commit()
    return_url = claims["return_url"]
    parts = urlsplit(return_url)
    response: HTMLResponse = render(
        request, "lti/deep_link_return.html", {"return_url": return_url, "jwt": token, "item": item}
    )
    policy = page_policy(request.app.state.settings.frame_ancestors)
    response.headers["Content-Security-Policy"] = policy.replace(
        "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
    )
    return response

"""What every page module shares: templates, the session cookie, roles, errors.

A page user is logged in by a session cookie (httponly, SameSite=Lax) that
holds the same JWT :func:`service.routers.auth.login` issues to API clients,
so a page request is authorized exactly like an API request with that
bearer token.  A request without a valid cookie is redirected to the login
page; a user of the wrong role gets a 403 page.

Page routes use :class:`PageRoute`, which refuses a form that may be forged
(:mod:`service.pages.csrf`: every request but a GET needs the form token
:func:`render` puts in every page, and must not come from another site) and
turns the errors the API turns into JSON (``HTTPException``, the item bank's
``NotFound`` / ``Conflict`` / ``Invalid``, ``NoLiveBank``, ``InvalidAnswer``,
request validation) into HTML pages with the same status code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from itembank.answers import InvalidAnswer
from itembank.bank import NoLiveBank
from itembank.errors import Conflict, Invalid, NotFound
from itembank.school_leaders import leads_any_school
from service.deps import SessionDep
from service.pages.csrf import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SAFE_METHODS,
    forgery_problem,
    form_token,
    new_csrf_value,
)
from service.pages.language import DEFAULT_LANGUAGE, language_context, login_language
from service.pages.pending_form import ended_login_user, keep
from service.security import InvalidToken, TokenClaims, decode_token, login_is_current
from service.words import N_, Words, in_language

__all__ = [
    "COOKIE",
    "templates",
    "render",
    "PageRoute",
    "LoginRequired",
    "PageUser",
    "page_role",
    "TeacherPage",
    "StudentPage",
    "BankPage",
    "home_for",
    "safe_next",
    "BAND_WORDS",
]

#: Name of the session cookie (it holds the API's JWT).
COOKIE = "masterycat_session"

_HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(_HERE.parent / "templates"))
# English (the msgids) unless a page hands the callables of its language in its context (service.pages.language)
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_null_translations()  # type: ignore[attr-defined]

#: What a band means, for a teacher (``title``) and for a student (``student``).
BAND_WORDS = {
    "green": {
        "title": "mastered",
        "student": "Your answers show you understand this standard.",
        "short": "You've got this!",
    },
    "yellow": {
        "title": "nearly there",
        "student": "You understand part of it. A little more practice and you'll have it.",
        "short": "Almost there!",
    },
    "red": {
        "title": "not yet",
        "student": "This one is still new for you, and that's OK: practising it with your teacher will help.",
        "short": "Not yet.",
    },
    "blue": {
        "title": "beyond mastery",
        "student": "You know this even better than the standard asks.",
        "short": "Amazing!",
    },
}
templates.env.globals["BAND_WORDS"] = BAND_WORDS
#: A role in the page header's words (translated by the page's ``_()``).
ROLE_NAMES = {
    "teacher": N_("teacher"),
    "student": N_("student"),
    "psychometrician": N_("psychometrician"),
    "admin": N_("admin"),
    "guardian": N_("guardian"),
}
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES


class LoginRequired(Exception):
    """No valid session cookie: the page redirects to the login form."""


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{float(value):.{digits}f}"


def _pct(value: Any) -> str:
    if value is None:
        return "–"
    return f"{100 * float(value):.0f}%"


def _date(value: Any) -> str:
    if value is None:
        return "–"
    return value.strftime("%-d %b %Y")


templates.env.filters["num"] = _fmt
templates.env.filters["pct"] = _pct
templates.env.filters["date"] = _date


def claims_from_cookie(request: Request, session: Session | None = None) -> TokenClaims | None:
    """The claims of the session cookie, or None (no cookie, or its login has ended: see ``get_current_user``).

    The login is read with ``session`` (the request's), else a session of its own.
    """
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    settings = request.app.state.settings
    try:
        claims = decode_token(token, settings.secret_key)
    except InvalidToken:
        return None
    if session is None:
        with Session(request.app.state.engine) as own:
            current = login_is_current(own, claims, demo_mode=settings.demo)
    else:
        current = login_is_current(session, claims, demo_mode=settings.demo)
    return claims if current else None


def page_user(request: Request, session: SessionDep) -> TokenClaims:
    """The logged-in user of a page request (else redirect to login)."""
    user = claims_from_cookie(request, session)
    if user is None:
        raise LoginRequired()
    request.state.user = user
    # a principal's navigation shows the school view
    request.state.leads_schools = (
        user.role == "teacher" and user.teacher_id is not None and leads_any_school(session, user.teacher_id)
    )
    return user


PageUser = Annotated[TokenClaims, Depends(page_user)]

_ROLE_WORDS = {
    "teacher": N_("teachers"),
    "student": N_("students"),
    "psychometrician": N_("psychometricians"),
    "admin": N_("admins"),
    "guardian": N_("parents and guardians"),
}
_ONE_ROLE = {
    "teacher": N_("a teacher"),
    "student": N_("a student"),
    "psychometrician": N_("a psychometrician"),
    "admin": N_("an admin"),
    "guardian": N_("a parent or guardian"),
}


def page_role(*roles: str):
    """A dependency admitting only ``roles`` (a 403 page in the reader's language otherwise)."""

    def check(user: PageUser) -> TokenClaims:
        if user.role not in roles:
            words = [Words(_ROLE_WORDS[r]) for r in roles]
            who = words[0] if len(words) == 1 else Words("%(some)s or %(last)s", some=tuple(words[:-1]), last=words[-1])
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=Words(
                    "This page is for %(who)s; you are logged in as %(role)s.",
                    who=who,
                    role=Words(_ONE_ROLE.get(user.role, user.role)),
                ),
            )
        return user

    return check


#: teacher pages: the API's Staff roles
TeacherPage = Annotated[TokenClaims, Depends(page_role("teacher", "admin", "psychometrician"))]
StudentPage = Annotated[TokenClaims, Depends(page_role("student"))]
#: the API's BankKeepers roles
BankPage = Annotated[TokenClaims, Depends(page_role("psychometrician", "admin"))]


def home_for(role: str) -> str:
    """Where a user of ``role`` starts."""
    return {"student": "/student", "psychometrician": "/bank", "admin": "/admin", "guardian": "/family"}.get(
        role, "/teacher"
    )


def render(request: Request, name: str, context: dict | None = None, status_code: int = 200) -> HTMLResponse:
    """Render template ``name`` with the user and the form token (``csrf_token``) in the context.

    The token's cookie is set on the response when the browser has none yet.
    """
    csrf_value = request.cookies.get(CSRF_COOKIE) or new_csrf_value()
    token = form_token(request.app.state.settings.secret_key, csrf_value, request.cookies.get(COOKIE, ""))
    ctx = {
        "user": request.state.user if hasattr(request.state, "user") else claims_from_cookie(request),
        "path": request.url.path,
        "leads_schools": getattr(request.state, "leads_schools", False),
        CSRF_FIELD: token,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    if csrf_value != request.cookies.get(CSRF_COOKIE):
        response.set_cookie(
            CSRF_COOKIE, csrf_value, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
        )
    return response


_TITLES = {
    400: N_("Bad request"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not possible here"),
    409: N_("Cannot do that now"),
    422: N_("Please check what you sent"),
    429: N_("Too many tries"),
    500: N_("Something went wrong"),
}


def error_page(request: Request, code: int, detail: Any, link: tuple[str, str] | None = None) -> HTMLResponse:
    """The error page: ``detail`` in words, and ``link`` (address, words) to what to do instead when given.

    In the reader's language (:func:`service.pages.language.login_language`):
    the title, the page's words, and the detail when it is :class:`service.words.Words`
    or a sentence of the catalog; a detail made of data stays as written.
    """
    user = request.state.user if hasattr(request.state, "user") else claims_from_cookie(request)
    words = language_context(login_language(request, None if user is None else user.user_id))
    gettext = words["gettext"]
    if isinstance(detail, list):  # validation errors
        fields = [".".join(str(x) for x in d.get("loc", [])[1:]) or "input" for d in detail]
        if words["lang"] == DEFAULT_LANGUAGE:
            detail = "; ".join(f"{field}: {d.get('msg', '')}" for field, d in zip(fields, detail, strict=True))
        else:
            detail = Words("Please check the value of: %(fields)s.", fields=", ".join(fields))
    return render(
        request,
        "error.html",
        {
            "code": code,
            "title": gettext(_TITLES.get(code, "Something went wrong")),
            "detail": in_language(detail, gettext),
            "link": link,
            **words,
        },
        code,
    )


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (no scheme, host, ``//``, backslash or control character), else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return None
    return target


KEPT_NOTICE = N_("Your login had ended, so what you sent is kept: log in again and it will be sent.")


async def _login_again_for_form(request: Request) -> HTMLResponse:
    """The login page, carrying the form whose login ended (kept when it can be; see :mod:`.pending_form`).

    The form has passed :func:`service.pages.csrf.forgery_problem` (its token matches the ended login's cookie).
    """
    settings = request.app.state.settings
    user_id = ended_login_user(request.cookies.get(COOKIE, ""), settings.secret_key)
    kept = None
    if user_id is not None:
        kept = keep(await request.form(), request.url.path, user_id, settings.secret_key)
    referer = request.headers.get("referer")
    same_site = referer and urlsplit(referer).netloc == request.headers.get("host", request.url.netloc)
    back = safe_next(urlsplit(referer).path if same_site else None)
    request.state.user = None
    context = {
        "next": back or "",
        "pending": kept or "",
        "demo": settings.demo,
        **language_context(login_language(request, user_id)),
    }
    if kept:
        context["notice"] = KEPT_NOTICE
    else:
        context["error"] = N_("Your login has ended: log in again.")
    return render(request, "login.html", context, status.HTTP_401_UNAUTHORIZED)


class PageRoute(APIRoute):
    """A route whose errors become HTML pages (and a missing login a redirect)."""

    def get_route_handler(self):
        original = super().get_route_handler()

        async def handler(request: Request):
            try:
                if request.method not in SAFE_METHODS:
                    problem = await forgery_problem(request, request.cookies.get(COOKIE, ""))
                    if problem:
                        return error_page(request, status.HTTP_403_FORBIDDEN, problem)
                return await original(request)
            except LoginRequired:
                if request.method != "GET":
                    return await _login_again_for_form(request)
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
            except HTTPException as err:
                return error_page(request, err.status_code, err.detail)
            except NotFound as err:
                return error_page(request, 404, str(err))
            except (Conflict, NoLiveBank) as err:
                return error_page(request, 409, str(err))
            except (Invalid, InvalidAnswer) as err:
                return error_page(request, 422, str(err))
            except RequestValidationError as err:
                return error_page(request, 422, err.errors())

        return handler

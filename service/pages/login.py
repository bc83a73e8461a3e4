"""Logging in and out of the pages.

The login form calls the API's own login (:func:`service.routers.auth.login`:
password check, throttle, token) and stores the token it returns in the
session cookie; logging out calls the API's log out (the token ends, not
only the cookie).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm

from service.deps import SessionDep, SettingsDep
from service.pages.common import COOKIE, PageRoute, claims_from_cookie, home_for, render, safe_next
from service.pages.csrf import CSRF_COOKIE, CSRF_FIELD, form_token
from service.pages.language import language_context, login_language
from service.pages.pending_form import COOKIE_GRACE_SECONDS, ended_login_user, restore
from service.routers import auth
from service.words import N_, in_language

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
def root(request: Request):
    user = claims_from_cookie(request)
    return RedirectResponse(home_for(user.role) if user else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    user = claims_from_cookie(request)
    if user is not None and safe_next(next) is None:
        return RedirectResponse(home_for(user.role), status_code=303)
    return render(
        request,
        "login.html",
        {
            "next": safe_next(next) or "",
            "demo": request.app.state.settings.demo,
            # a login that has just ended comes back here: its page is in that login's language
            **language_context(
                login_language(
                    request, ended_login_user(request.cookies.get(COOKIE, ""), request.app.state.settings.secret_key)
                )
            ),
        },
    )


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
    pending: Annotated[str, Form(max_length=100_000)] = "",
    lang: Annotated[str, Form(max_length=16)] = "",
):
    request.state.user = None  # the form is shown again only to someone not (yet) logged in
    words = language_context(login_language(request, None, lang))
    context = {"next": safe_next(next) or "", "username": username, "demo": settings.demo, "pending": pending, **words}
    if not username or not password:
        return render(request, "login.html", {**context, "error": N_("Type your username and your password.")}, 422)
    try:
        token = await auth.login(
            request, OAuth2PasswordRequestForm(username=username, password=password), session, settings
        )
    except HTTPException as err:
        message = N_("That username and password do not match. Try again.") if err.status_code == 401 else err.detail
        return render(
            request, "login.html", {**context, "error": in_language(message, words["gettext"])}, err.status_code
        )
    from service.security import decode_token

    claims = decode_token(token.access_token, settings.secret_key)
    kept = restore(pending, claims.user_id, settings.secret_key) if pending else None
    if kept is not None:
        # the form sent when the login had ended, sent again with a token of the new login
        request.state.user = claims
        csrf = form_token(settings.secret_key, request.cookies.get(CSRF_COOKIE, ""), token.access_token)
        response = render(
            request,
            "login_resume.html",
            {"pending": kept, CSRF_FIELD: csrf, **language_context(login_language(request, claims.user_id))},
        )
    else:
        response = RedirectResponse(safe_next(next) or home_for(claims.role), status_code=303)
    response.set_cookie(
        COOKIE,
        token.access_token,
        # the cookie outlives its token, so that a form sent after the login ended can be kept
        max_age=token.expires_in + COOKIE_GRACE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep):
    """End the login's tokens (the API's log out) and forget the cookie."""
    user = claims_from_cookie(request, session)
    if user is not None:
        auth.logout(user, session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response

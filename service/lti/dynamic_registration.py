"""LTI Dynamic Registration (IMS LTI DR 1.0), for platforms that support it.

A masterycat admin makes a registration URL on ``/lti/admin`` (it carries a
token signed with the server's secret, good for :data:`URL_HOURS` hours: no
one else can register a platform, whose Administrators would be masterycat
admins) and pastes it into the LMS.  The LMS opens it with its
``openid_configuration`` URL and a ``registration_token``: masterycat reads
the platform's configuration (its issuer must begin that URL), posts its
own client registration (login, launch and key set URLs, the AGS and NRPS
scopes, the deep-linking message) to the platform's registration endpoint,
registers the client id and deployment id it answers, and closes the
LMS's dialog (``org.imsglobal.lti.close``).
"""

from __future__ import annotations

import logging
import time
from typing import Annotated
from urllib.parse import urlencode, urlsplit

import httpx
import jwt
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from itembank.errors import Invalid
from itembank.lti import register_platform
from service.deps import SessionDep
from service.lti.launch import refusal_page
from service.lti.platform_client import SCOPE_LINEITEM, SCOPE_MEMBERSHIP, SCOPE_SCORE
from service.pages.common import render

__all__ = ["router", "registration_url", "URL_HOURS"]

logger = logging.getLogger("masterycat.lti")
router = APIRouter(prefix="/lti", include_in_schema=False)

#: hours a registration URL made by an admin stays good
URL_HOURS = 24
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"


def registration_url(request: Request, admin_user_id: int) -> str:
    """A registration URL to paste into an LMS, signed for :data:`URL_HOURS` hours."""
    token = jwt.encode(
        {"purpose": "lti-dynamic-registration", "by": admin_user_id, "exp": int(time.time()) + URL_HOURS * 3600},
        request.app.state.settings.secret_key,
        algorithm="HS256",
    )
    return str(request.url_for("lti_dynamic_registration")) + "?" + urlencode({"code": token})


def _tool_registration(request: Request) -> dict:
    launch = str(request.url_for("lti_launch"))
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": str(request.url_for("lti_login")),
        "redirect_uris": [launch],
        "client_name": "masterycat",
        "jwks_uri": str(request.url_for("lti_jwks")),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join((SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_MEMBERSHIP)),
        TOOL_CONFIG: {
            "domain": urlsplit(launch).netloc,
            "target_link_uri": launch,
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": launch, "label": "masterycat"}],
        },
    }


def _get_json(url: str, what: str, **kw) -> dict:
    try:
        response = httpx.request(kw.pop("method", "GET"), url, timeout=10, **kw)
    except httpx.HTTPError as err:
        raise Invalid(f"{what}: {url} could not be reached ({err})", "openid_configuration") from None
    if response.status_code >= 400:
        raise Invalid(f"{what}: the platform answered {response.status_code}", "openid_configuration")
    try:
        body = response.json()
    except ValueError:
        raise Invalid(f"{what}: the platform's answer is not JSON", "openid_configuration") from None
    if not isinstance(body, dict):
        raise Invalid(f"{what}: the platform's answer is not a JSON object", "openid_configuration")
    return body


@router.get("/register", name="lti_dynamic_registration")
def dynamic_registration(
    request: Request,
    session: SessionDep,
    code: Annotated[str, Query(max_length=2000)] = "",
    openid_configuration: Annotated[str, Query(max_length=2000)] = "",
    registration_token: Annotated[str, Query(max_length=4000)] = "",
):
    """The LMS's dynamic registration of masterycat (from a registration URL an admin made)."""
    try:
        claims = jwt.decode(code, request.app.state.settings.secret_key, algorithms=["HS256"])
        if claims.get("purpose") != "lti-dynamic-registration":
            raise jwt.InvalidTokenError("not a registration code")
    except jwt.ExpiredSignatureError:
        return refusal_page(request, "registration", "this registration URL has expired: make a new one on /lti/admin")
    except jwt.PyJWTError:
        return refusal_page(request, "registration", "this registration URL was not made by a masterycat admin", 403)
    if urlsplit(openid_configuration).scheme not in ("http", "https"):
        return refusal_page(request, "registration", "the LMS sent no openid_configuration URL")
    try:
        config = _get_json(openid_configuration, "the platform's configuration")
        issuer = str(config.get("issuer") or "")
        if not issuer or not openid_configuration.startswith(issuer):
            raise Invalid(
                f"the platform's issuer {issuer!r} does not begin its configuration URL", "openid_configuration"
            )
        endpoint = config.get("registration_endpoint")
        if not isinstance(endpoint, str):
            raise Invalid("the platform's configuration names no registration_endpoint", "openid_configuration")
        headers = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
        answer = _get_json(
            endpoint, "the registration", method="POST", json=_tool_registration(request), headers=headers
        )
        deployment = (answer.get(TOOL_CONFIG) or {}).get("deployment_id")
        if not isinstance(answer.get("client_id"), str) or not isinstance(deployment, str):
            raise Invalid("the platform's answer names no client_id and deployment_id", "openid_configuration")
        platform = register_platform(
            session,
            issuer=issuer,
            client_id=answer["client_id"],
            deployment_ids=[deployment],
            auth_login_url=str(config.get("authorization_endpoint") or ""),
            auth_token_url=str(config.get("token_endpoint") or ""),
            jwks_url=str(config.get("jwks_uri") or ""),
        )
        session.commit()
    except Invalid as err:
        session.rollback()
        return refusal_page(request, "registration", str(err))
    logger.info("LTI platform %s registered dynamically (client %s)", issuer, platform.client_id)
    request.state.user = None
    response: HTMLResponse = render(request, "lti/registered.html", {"platform": platform})
    return response

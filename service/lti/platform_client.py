"""Calls to the platform's services: access tokens, Assignment and Grade Services, Names and Role Provisioning.

An access token comes from the platform's token endpoint by the OAuth 2
client-credentials grant with a JWT assertion signed by masterycat's
current key (IMS Security Framework 4.1), and is cached until a minute
before it expires.  Every failure is a :class:`PlatformUnavailable` (worth
trying again later: the platform is down or answered 5xx/429) or a
:class:`PlatformRefused` (a 4xx: trying again will not help).
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import httpx
import jwt
from sqlmodel import Session

from itembank.lti import LaunchUser, LtiPlatform, Member, committed_signing_key, role_from_lti

__all__ = [
    "PlatformUnavailable",
    "PlatformRefused",
    "SCOPE_LINEITEM",
    "SCOPE_SCORE",
    "SCOPE_MEMBERSHIP",
    "access_token",
    "forget_tokens",
    "post_score",
    "find_or_create_line_item",
    "fetch_members",
]

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIP = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
TIMEOUT = 10.0

_tokens: dict[tuple[int, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


class PlatformUnavailable(Exception):
    """The platform could not be reached or answered 5xx/429: try again later."""


class PlatformRefused(Exception):
    """The platform refused the request (4xx): trying again will not help (but for a 401, with a new token)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _raise_for(response: httpx.Response, what: str) -> None:
    if response.status_code >= 500 or response.status_code == 429:
        raise PlatformUnavailable(f"{what}: the platform answered {response.status_code}")
    if response.status_code >= 400:
        raise PlatformRefused(
            f"{what}: the platform answered {response.status_code} {response.text[:300]}", response.status_code
        )


def _request(method: str, url: str, what: str, **kw: Any) -> httpx.Response:
    try:
        response = httpx.request(method, url, timeout=TIMEOUT, **kw)
    except httpx.HTTPError as err:
        raise PlatformUnavailable(f"{what}: {url} could not be reached ({err.__class__.__name__}: {err})") from None
    _raise_for(response, what)
    return response


def forget_tokens() -> None:
    """Drop every cached access token (after a key rotation, or a 401)."""
    with _tokens_lock:
        _tokens.clear()


def access_token(session: Session, platform: LtiPlatform, scopes: tuple[str, ...]) -> str:
    """A bearer token for ``scopes`` from the platform's token endpoint, cached until it expires."""
    scope = " ".join(sorted(scopes))
    now = time.time()
    with _tokens_lock:
        cached = _tokens.get((platform.id, scope))
    if cached is not None and cached[1] > now:
        return cached[0]
    key = committed_signing_key(session.get_bind())
    assertion = jwt.encode(
        {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.auth_token_url,
            "iat": int(now),
            "exp": int(now) + 300,
            "jti": secrets.token_urlsafe(16),
        },
        key.private_pem,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    response = _request(
        "POST",
        platform.auth_token_url,
        "access token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": scope,
        },
    )
    body = response.json()
    token = body.get("access_token")
    if not isinstance(token, str):
        raise PlatformRefused("access token: the platform's answer has no access_token")
    expires = now + max(0, int(body.get("expires_in", 3600)) - 60)
    with _tokens_lock:
        _tokens[(platform.id, scope)] = (token, expires)
    return token


def _scores_url(lineitem_url: str) -> str:
    base, _, query = lineitem_url.partition("?")
    return base.rstrip("/") + "/scores" + (f"?{query}" if query else "")


def post_score(session: Session, platform: LtiPlatform, lineitem_url: str, score: dict) -> None:
    """Post one AGS score (``application/vnd.ims.lis.v1.score+json``) to a line item."""
    token = access_token(session, platform, (SCOPE_SCORE,))
    _request(
        "POST",
        _scores_url(lineitem_url),
        "score",
        json=score,
        headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE},
    )


def find_or_create_line_item(
    session: Session, platform: LtiPlatform, lineitems_url: str, *, resource_id: str, label: str, score_maximum: float
) -> str:
    """The URL of the line item tagged ``resource_id`` in a course's container, created when there is none."""
    token = access_token(session, platform, (SCOPE_LINEITEM, SCOPE_SCORE))
    headers = {"Authorization": f"Bearer {token}"}
    found = _request(
        "GET",
        lineitems_url,
        "line items",
        params={"resource_id": resource_id},
        headers={**headers, "Accept": LINEITEMS_TYPE},
    ).json()
    for item in found if isinstance(found, list) else []:
        if item.get("resourceId") == resource_id and isinstance(item.get("id"), str):
            return item["id"]
    created = _request(
        "POST",
        lineitems_url,
        "new line item",
        json={"label": label, "scoreMaximum": score_maximum, "resourceId": resource_id},
        headers={**headers, "Content-Type": LINEITEM_TYPE},
    ).json()
    if not isinstance(created.get("id"), str):
        raise PlatformRefused("new line item: the platform's answer has no id")
    return created["id"]


def _member(entry: dict) -> Member | None:
    role = role_from_lti(list(entry.get("roles") or []))
    sub = entry.get("user_id")
    if role is None or not isinstance(sub, str) or not sub:
        return None
    user = LaunchUser(
        sub=sub,
        role=role,
        given_name=str(entry.get("given_name") or ""),
        family_name=str(entry.get("family_name") or ""),
        name=str(entry.get("name") or ""),
        email=str(entry.get("email") or ""),
        sourced_id=entry.get("lis_person_sourcedid") or None,
    )
    return Member(user=user, active=entry.get("status", "Active") == "Active")


def fetch_members(session: Session, platform: LtiPlatform, memberships_url: str) -> list[Member]:
    """Every member of a course from the NRPS membership service (following ``rel="next"`` pages)."""
    token = access_token(session, platform, (SCOPE_MEMBERSHIP,))
    members: list[Member] = []
    url: str | None = memberships_url
    pages = 0
    while url and pages < 100:
        response = _request(
            "GET", url, "members", headers={"Authorization": f"Bearer {token}", "Accept": MEMBERSHIP_TYPE}
        )
        for entry in response.json().get("members", []):
            member = _member(entry) if isinstance(entry, dict) else None
            if member is not None:
                members.append(member)
        url = response.links.get("next", {}).get("url")
        pages += 1
    return members
